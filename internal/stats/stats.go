// Package stats is the use case of the results of the scheme: per grid,
// what came of the leads received in a period (by status and kind, how
// many were accepted and substantiated, how fast, how much money), and per
// assistant, what they supplied. See docs/results.md for what each number
// means.
package stats

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// China is the court's time zone (UTC+8, no daylight saving): the dates of
// a range are days there.
var China = time.FixedZone("CST", 8*3600)

// Range limits.
const (
	DefaultDays = 30  // the range when none is given: the last 30 days, today included
	MaxDays     = 366 // the longest range: a (leap) year
)

const dateLayout = "2006-01-02"

// Service implements the results statistics.
type Service struct {
	org   domain.OrgStore
	stats domain.StatsStore
	now   func() time.Time
}

// New returns the statistics service.
func New(org domain.OrgStore, st domain.StatsStore, now func() time.Time) *Service {
	return &Service{org: org, stats: st, now: now}
}

// Query is what the caller asks for: dates as YYYY-MM-DD in China time
// (both inclusive; "" takes the default), and optionally one grid.
type Query struct {
	From, To string
	GridID   string
}

// Range is the period the statistics cover: the days From to To
// inclusive, that is the instants [Start, End).
type Range struct {
	From, To   string // YYYY-MM-DD
	Start, End time.Time
}

// GridStats are the results of one grid for the leads received in the
// range.
type GridStats struct {
	Grid     domain.Grid
	Received int64
	ByStatus map[domain.LeadStatus]int64 // every status, 0 when none
	ByKind   map[domain.LeadKind]int64   // every kind, 0 when none
	// AcceptanceRate is accepted-or-beyond ÷ decided; nil when none was
	// decided.
	AcceptanceRate *float64
	// SubstantiationRate is verified, measures_taken or closed ÷ those and
	// unsubstantiated; nil when none was verified or found unsubstantiated.
	SubstantiationRate *float64
	// Median seconds from receipt to the first acceptance, and to the
	// (last) closing of the leads closed now; nil without such leads.
	MedianSecondsToAccept *int64
	MedianSecondsToClose  *int64
	OverdueNow            int64 // accepted and past the deadline now, whenever received
	AmountRecoveredFen    int64 // of the grid's leads closed in the range
}

// Grids returns the results of every grid in the caller's scope (or of
// q.GridID), in the order of the grid list. Errors: EForbidden (a role that
// does not read leads), EValidation (from, to), ENotFound (q.GridID unknown
// or outside the caller's scope).
func (s *Service) Grids(ctx context.Context, a domain.Actor, q Query) (Range, []GridStats, error) {
	r, grids, err := s.prepare(ctx, a, q)
	if err != nil || len(grids) == 0 {
		return r, nil, err
	}
	f := filter(r, grids, s.now())
	received, err := s.stats.Received(ctx, f)
	if err != nil {
		return r, nil, err
	}
	overdue, err := s.stats.OverdueCounts(ctx, f)
	if err != nil {
		return r, nil, err
	}
	recovered, err := s.stats.RecoveredByGrid(ctx, f)
	if err != nil {
		return r, nil, err
	}

	out := make([]GridStats, len(grids))
	index := make(map[string]*GridStats, len(grids))
	for i, g := range grids {
		out[i] = GridStats{Grid: g, ByStatus: map[domain.LeadStatus]int64{}, ByKind: map[domain.LeadKind]int64{},
			OverdueNow: overdue[g.ID], AmountRecoveredFen: recovered[g.ID]}
		for _, st := range allStatuses {
			out[i].ByStatus[st] = 0
		}
		for _, k := range domain.AllLeadKinds() {
			out[i].ByKind[k] = 0
		}
		index[g.ID] = &out[i]
	}
	for _, c := range received.Counts {
		if g := index[c.GridID]; g != nil {
			g.Received += c.N
			g.ByStatus[c.Status] += c.N
			g.ByKind[c.Kind] += c.N
		}
	}
	toAccept, toClose := received.ToAccept, received.ToClose
	for i := range out {
		g := &out[i]
		var decided, accepted, substantiated, unsubstantiated int64
		for st, n := range g.ByStatus {
			if st.Decided() {
				decided += n
			}
			if slices.Contains(domain.AcceptedOrBeyond, st) {
				accepted += n
			}
			switch st {
			case domain.LeadVerified, domain.LeadMeasuresTaken, domain.LeadClosed:
				substantiated += n
			case domain.LeadUnsubstantiated:
				unsubstantiated += n
			}
		}
		g.AcceptanceRate = rate(accepted, decided)
		g.SubstantiationRate = rate(substantiated, substantiated+unsubstantiated)
		g.MedianSecondsToAccept = Median(toAccept[g.Grid.ID])
		g.MedianSecondsToClose = Median(toClose[g.Grid.ID])
	}
	return r, out, nil
}

// Assistants returns what each assistant of the grids in the caller's
// scope (or of q.GridID) supplied in the range, most leads first, then by
// name. Errors: as Grids.
func (s *Service) Assistants(ctx context.Context, a domain.Actor, q Query) (Range, []domain.AssistantActivity, error) {
	r, grids, err := s.prepare(ctx, a, q)
	if err != nil || len(grids) == 0 {
		return r, nil, err
	}
	out, err := s.stats.AssistantActivity(ctx, filter(r, grids, s.now()))
	if err != nil {
		return r, nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Supplied != y.Supplied {
			return x.Supplied > y.Supplied
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c < 0
		}
		return x.UserID < y.UserID
	})
	return r, out, nil
}

// prepare authorizes, checks the range and resolves the grids asked for.
func (s *Service) prepare(ctx context.Context, a domain.Actor, q Query) (Range, []domain.Grid, error) {
	if err := a.Authorize(domain.ActLeadReadAll); err != nil {
		return Range{}, nil, err
	}
	r, err := ParseRange(q.From, q.To, s.now())
	if err != nil {
		return Range{}, nil, err
	}
	if q.GridID != "" {
		if err := a.InScope(q.GridID, "grid", q.GridID); err != nil {
			return Range{}, nil, err
		}
		g, err := s.org.GetGrid(ctx, q.GridID)
		if err != nil {
			return Range{}, nil, err
		}
		return r, []domain.Grid{g}, nil
	}
	all, err := s.org.ListGrids(ctx)
	if err != nil {
		return Range{}, nil, err
	}
	var grids []domain.Grid
	for _, g := range all {
		if a.SeesGrid(g.ID) {
			grids = append(grids, g)
		}
	}
	return r, grids, nil
}

// filter is the store's filter for the range and grids.
func filter(r Range, grids []domain.Grid, now time.Time) domain.StatsFilter {
	ids := make([]string, len(grids))
	for i, g := range grids {
		ids[i] = g.ID
	}
	return domain.StatsFilter{GridIDs: ids, From: r.Start, To: r.End, Now: now}
}

// ParseRange reads the dates of a range, both inclusive, in China time.
// Without from, the range starts DefaultDays-1 days before to; without to,
// it ends today. Errors: EValidation, naming from or to: a date that is not
// YYYY-MM-DD (invalid), to before from or a range longer than MaxDays
// (out_of_range).
func ParseRange(from, to string, now time.Time) (Range, error) {
	var fields []domain.FieldError
	parse := func(field, v string) time.Time {
		d, err := time.ParseInLocation(dateLayout, v, China)
		if err != nil {
			fields = append(fields, domain.FieldError{Field: field, Code: "invalid"})
		}
		return d
	}
	today := now.In(China)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, China)
	if to != "" {
		end = parse("to", to)
	}
	start := end.AddDate(0, 0, -(DefaultDays - 1))
	if from != "" {
		start = parse("from", from)
	}
	if len(fields) > 0 {
		return Range{}, domain.Invalid(fields...)
	}
	days := int(math.Round(end.Sub(start).Hours()/24)) + 1
	switch {
	case days < 1:
		return Range{}, domain.Invalid(domain.FieldError{Field: "to", Code: "out_of_range"})
	case days > MaxDays:
		return Range{}, domain.Invalid(domain.FieldError{Field: "from", Code: "out_of_range"})
	}
	return Range{From: start.Format(dateLayout), To: end.Format(dateLayout), Start: start.UTC(), End: end.AddDate(0, 0, 1).UTC()}, nil
}

// Median returns the median of the values, rounded down to a whole
// number (the mean of the two middle values when there is an even number
// of them), or nil for none. It sorts values in place. Computing it in Go
// from every lead's duration is fine at a county's scale (a few thousand
// leads a year) and keeps the SQL portable.
func Median(values []int64) *int64 {
	n := len(values)
	if n == 0 {
		return nil
	}
	slices.Sort(values)
	m := values[n/2]
	if n%2 == 0 {
		a, b := values[n/2-1], values[n/2]
		m = a + (b-a)/2
	}
	return &m
}

// seconds converts a duration to whole seconds, rounded down.

// rate is n ÷ of rounded to four decimals, or nil when of is 0.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(of)*10000) / 10000
	return &r
}

// allStatuses are the statuses of docs/architecture.md, "Lead lifecycle", in lifecycle order.
var allStatuses = []domain.LeadStatus{
	domain.LeadSubmitted, domain.LeadNeedsInfo, domain.LeadAccepted, domain.LeadVerified, domain.LeadMeasuresTaken,
	domain.LeadClosed, domain.LeadRejected, domain.LeadDuplicate, domain.LeadUnsubstantiated, domain.LeadWithdrawn,
}
