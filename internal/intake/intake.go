// Package intake is the use case at the heart of Xiezhi: an assistant on a
// weak rural connection submits a lead with photos, and it lands exactly
// once in the queue of the right enforcement team. Every step is safe to
// retry: a lead carries a client-chosen id (or its request an idempotency
// key, which the HTTP layer claims and Submit finishes), and a photo a
// client-chosen id.
package intake

import (
	"context"
	"sync"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Box is a latitude/longitude rectangle (WGS-84 degrees).
type Box struct{ MinLat, MaxLat, MinLng, MaxLng float64 }

// Contains reports whether the point is inside the box.
func (b Box) Contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

// Config holds the limits of intake.
type Config struct {
	MaxPhotoBytes   int64         // cap of one photo, enforced while reading
	MaxPhotos       int           // photos per lead
	MaxPixels       int           // largest image decoded (decompression bombs)
	DuplicateWindow time.Duration // same debtor and kind within this is a possible duplicate
	County          Box           // a location outside is flagged for the officer
	RefPrefix       string        // ZN → ZN-2026-000123
	Zone            *time.Location
	Decoders        int // images decoded at once (bounds memory)
}

// DefaultConfig is what production runs with. The county box encloses
// Zhengning county (正宁县) with a margin of a few kilometres.
func DefaultConfig() Config {
	zone := time.FixedZone("CST", 8*3600)
	return Config{
		MaxPhotoBytes:   10 << 20,
		MaxPhotos:       9,
		MaxPixels:       50_000_000,
		DuplicateWindow: 30 * 24 * time.Hour,
		County:          Box{MinLat: 35.20, MaxLat: 35.75, MinLng: 108.00, MaxLng: 108.75},
		RefPrefix:       "ZN",
		Zone:            zone,
		Decoders:        2,
	}
}

// Service implements intake.
type Service struct {
	tx      domain.Transactor
	leads   domain.LeadStore
	org     domain.OrgStore
	cases   domain.CaseStore
	objects domain.ObjectStore
	now     func() time.Time
	newID   func() string
	cfg     Config
	decode  chan struct{} // semaphore of image decoders

	refYears sync.Map // years whose reference counter exists
	routing  struct { // the routing table, reused for a few seconds
		sync.Mutex
		teams     []domain.Team
		villages  map[string]domain.Village
		at, until time.Time
	}
}

// New returns the intake service.
func New(tx domain.Transactor, leads domain.LeadStore, org domain.OrgStore, cases domain.CaseStore, objects domain.ObjectStore,
	now func() time.Time, newID func() string, cfg Config) *Service {
	if cfg.Decoders < 1 {
		cfg.Decoders = 1
	}
	return &Service{tx: tx, leads: leads, org: org, cases: cases, objects: objects, now: now, newID: newID, cfg: cfg,
		decode: make(chan struct{}, cfg.Decoders)}
}

// Config returns the service's limits (the HTTP layer shows some).
func (s *Service) Config() Config { return s.cfg }

// visible returns the lead if the actor may see it: their own, or one of a
// grid in scope or in their team's queue (the county queue) for roles that
// read leads. Anything else is ENotFound.
func (s *Service) visible(ctx context.Context, a domain.Actor, id string) (domain.Lead, error) {
	return visibleIn(ctx, s.leads, a, id)
}

// visibleIn is visible on a given store: inside a transaction, its own, so
// that a transaction never waits for a second connection of the pool.
func visibleIn(ctx context.Context, leads domain.LeadStore, a domain.Actor, id string) (domain.Lead, error) {
	l, err := leads.GetLead(ctx, id)
	if err != nil {
		return domain.Lead{}, err
	}
	if !a.SeesLead(l) {
		return domain.Lead{}, domain.Errorf(domain.ENotFound, "lead %s", id)
	}
	return l, nil
}

// own returns the lead if the actor reported it; a lead they may see but
// did not report is EForbidden, any other ENotFound.
func (s *Service) own(ctx context.Context, a domain.Actor, id string) (domain.Lead, error) {
	return ownIn(ctx, s.leads, a, id)
}

// ownIn is own on a given store.
func ownIn(ctx context.Context, leads domain.LeadStore, a domain.Actor, id string) (domain.Lead, error) {
	l, err := visibleIn(ctx, leads, a, id)
	if err != nil {
		return l, err
	}
	if l.ReporterID != a.UserID {
		return domain.Lead{}, domain.Errorf(domain.EForbidden, "only the reporter may change lead %s this way", id)
	}
	return l, nil
}
