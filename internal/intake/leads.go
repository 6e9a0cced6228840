package intake

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// LeadView is a lead with what its viewer may see besides.
type LeadView struct {
	Lead       domain.Lead
	Duplicates []domain.PossibleDuplicate // officers only; nil for the reporter
	Officer    bool                       // the viewer may see officer-only fields
	Now        time.Time                  // for "overdue"
}

func (s *Service) view(ctx context.Context, a domain.Actor, l domain.Lead) (LeadView, error) {
	v := LeadView{Lead: l, Officer: a.SeesTriage(), Now: s.now()}
	if v.Officer {
		d, err := s.leads.Duplicates(ctx, l.ID)
		if err != nil {
			return v, err
		}
		v.Duplicates = a.SeesDuplicates(d)
	}
	return v, nil
}

// Lead returns one lead its viewer may see. Errors: ENotFound.
func (s *Service) Lead(ctx context.Context, a domain.Actor, id string) (LeadView, error) {
	l, err := s.visible(ctx, a, id)
	if err != nil {
		return LeadView{}, err
	}
	return s.view(ctx, a, l)
}

// View wraps a lead the caller just created or changed.
func (s *Service) View(ctx context.Context, a domain.Actor, l domain.Lead) (LeadView, error) {
	return s.view(ctx, a, l)
}

// Query selects leads for Leads.
type Query struct {
	Statuses  []domain.LeadStatus
	Kinds     []domain.LeadKind
	GridID    string
	VillageID string
	Assignee  string // a user id, "mine" or "unassigned"
	From, To  time.Time
	Overdue   bool
	Flagged   bool
	Text      string
	Limit     int
	Cursor    string
}

// Leads lists leads: for an assistant their own, newest first; for roles
// that read leads the queue of the grids in scope (and their team's queue),
// most urgent first, then oldest. Counts are per status for the same
// filter. A grid or village outside the scope is ENotFound. Errors:
// EValidation, ENotFound.
func (s *Service) Leads(ctx context.Context, a domain.Actor, q Query) ([]LeadView, string, map[domain.LeadStatus]int64, error) {
	f, err := s.filter(ctx, a, q)
	if err != nil {
		return nil, "", nil, err
	}
	now := f.Now
	leads, next, err := s.leads.ListLeads(ctx, f)
	if err != nil {
		return nil, "", nil, err
	}
	counts, err := s.leads.CountLeads(ctx, f)
	if err != nil {
		return nil, "", nil, err
	}
	officer := a.SeesTriage()
	var dups map[string][]domain.PossibleDuplicate
	if officer { // one query for the page, not one per lead
		ids := make([]string, len(leads))
		for i, l := range leads {
			ids[i] = l.ID
		}
		if dups, err = s.leads.DuplicatesOf(ctx, ids); err != nil {
			return nil, "", nil, err
		}
	}
	out := make([]LeadView, len(leads))
	for i, l := range leads {
		out[i] = LeadView{Lead: l, Officer: officer, Now: now}
		if officer {
			out[i].Duplicates = a.SeesDuplicates(dups[l.ID])
		}
	}
	return out, next, counts, nil
}

// filter checks a query against the caller's scope and turns it into a
// store filter: the queue for roles that read leads, one's own leads for
// the others.
func (s *Service) filter(ctx context.Context, a domain.Actor, q Query) (domain.LeadFilter, error) {
	var fields []domain.FieldError
	for _, st := range q.Statuses {
		if !st.Valid() {
			fields = append(fields, domain.FieldError{Field: "status", Code: "invalid"})
		}
	}
	for _, k := range q.Kinds {
		if !k.Valid() {
			fields = append(fields, domain.FieldError{Field: "kind", Code: "invalid"})
		}
	}
	if utf8.RuneCountInString(q.Text) > 64 {
		fields = append(fields, domain.FieldError{Field: "q", Code: "too_long", Params: map[string]any{"max": 64}})
	}
	if len(fields) > 0 {
		return domain.LeadFilter{}, domain.Invalid(fields...)
	}
	now := s.now()
	f := domain.LeadFilter{Statuses: q.Statuses, Kinds: q.Kinds, From: q.From, To: q.To, Overdue: q.Overdue, Flagged: q.Flagged,
		Text: q.Text, Now: now, Limit: q.Limit, Cursor: q.Cursor}
	if a.SeesTriage() {
		f.Queue = true
		f.GridIDs, f.TeamID = a.QueueScope()
		if q.GridID != "" {
			if err := a.InScope(q.GridID, "grid", q.GridID); err != nil {
				return domain.LeadFilter{}, err
			}
			f.GridID = q.GridID
		}
		if q.VillageID != "" {
			v, err := s.org.GetVillage(ctx, q.VillageID)
			if err != nil {
				return domain.LeadFilter{}, err
			}
			if err := a.InScope(v.GridID, "village", q.VillageID); err != nil {
				return domain.LeadFilter{}, err
			}
			f.VillageID = q.VillageID
		}
		switch q.Assignee {
		case "":
		case "mine":
			f.AssigneeID = a.UserID
		case "unassigned":
			f.Unassigned = true
		default:
			f.AssigneeID = q.Assignee
		}
	} else {
		f.ReporterID = a.UserID
	}
	return f, nil
}

// Events returns a lead's timeline; the reporter sees only the public part.
func (s *Service) Events(ctx context.Context, a domain.Actor, id string) ([]domain.LeadEvent, error) {
	l, err := s.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.leads.Events(ctx, l.ID, !a.SeesTriage())
}

// transition moves the reporter's own lead from one of the allowed
// statuses to another, with a public timeline entry, in one transaction.
func (s *Service) transition(ctx context.Context, a domain.Actor, id string, version int, from []domain.LeadStatus, to domain.LeadStatus,
	event, note string, change func(*domain.Lead)) (domain.Lead, error) {
	var out domain.Lead
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		l, err := ownIn(ctx, st.Leads, a, id)
		if err != nil {
			return err
		}
		if version > 0 && l.Version != version {
			return domain.Errorf(domain.EPrecondition, "lead %s is at version %d", id, l.Version)
		}
		allowed := false
		for _, f := range from {
			allowed = allowed || l.Status == f
		}
		if !allowed {
			return domain.Errorf(domain.EConflict, "lead %s is %s", id, l.Status)
		}
		prev := l.Status
		l.Status, l.UpdatedAt = to, s.now().UTC()
		if change != nil {
			change(&l)
		}
		if out, err = st.Leads.UpdateLead(ctx, l, l.Version); err != nil {
			return err
		}
		return st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
			Type: event, FromStatus: prev, ToStatus: to, Note: note, Public: true, At: l.UpdatedAt})
	})
	return out, err
}

// Withdraw takes back the caller's own lead before it is accepted.
// Errors: ENotFound, EForbidden, EConflict (already accepted or ended),
// EPrecondition, EValidation.
func (s *Service) Withdraw(ctx context.Context, a domain.Actor, id, reason string, version int) (domain.Lead, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return domain.Lead{}, domain.Invalid(domain.FieldError{Field: "reason", Code: "too_long", Params: map[string]any{"max": 500}})
	}
	return s.transition(ctx, a, id, version, []domain.LeadStatus{domain.LeadSubmitted, domain.LeadNeedsInfo}, domain.LeadWithdrawn, "withdrawn", reason, nil)
}

// Answer replies to an officer's request for more information, which puts
// the lead back to submitted; photosExpected may be raised to add photos.
// Errors: ENotFound, EForbidden, EConflict (not needs_info), EValidation.
func (s *Service) Answer(ctx context.Context, a domain.Actor, id, text string, photosExpected *int) (domain.Lead, error) {
	text = strings.TrimSpace(text)
	var f []domain.FieldError
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		f = append(f, domain.FieldError{Field: "text", Code: "required"})
	case n > 2000:
		f = append(f, domain.FieldError{Field: "text", Code: "too_long", Params: map[string]any{"max": 2000}})
	}
	if photosExpected != nil && (*photosExpected < 0 || *photosExpected > s.cfg.MaxPhotos) {
		f = append(f, domain.FieldError{Field: "photos_expected", Code: "out_of_range"})
	}
	if len(f) > 0 {
		return domain.Lead{}, domain.Invalid(f...)
	}
	return s.transition(ctx, a, id, 0, []domain.LeadStatus{domain.LeadNeedsInfo}, domain.LeadSubmitted, "answered", text, func(l *domain.Lead) {
		if photosExpected != nil {
			l.PhotosExpected = max(*photosExpected, l.PhotosReceived)
		}
	})
}

// WantedDebtor is a debtor on an assistant's wanted list.
type WantedDebtor struct {
	Debtor       domain.Debtor
	VillageName  string
	HelpfulKinds []domain.LeadKind
}

// helpful are the lead kinds worth reporting about a kind of debtor.
var helpful = map[string][]domain.LeadKind{
	"person": {domain.KindWhereabouts, domain.KindVehicle, domain.KindRealEstate, domain.KindFarmMachinery, domain.KindLivestock,
		domain.KindCropProceeds, domain.KindWages, domain.KindConsumptionBreach, domain.KindEvasion},
	"company": {domain.KindBusiness, domain.KindDeposit, domain.KindReceivable, domain.KindEquity, domain.KindVehicle,
		domain.KindRealEstate, domain.KindMovables, domain.KindEvasion},
}

// Wanted lists the debtors with open cases in the assistant's grid, with
// masked ID numbers and nothing about amounts. Errors: EForbidden.
func (s *Service) Wanted(ctx context.Context, a domain.Actor) ([]WantedDebtor, error) {
	if err := a.Authorize(domain.ActWantedListRead); err != nil {
		return nil, err
	}
	debtors, err := s.cases.WantedDebtors(ctx, a.GridIDs)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, g := range a.GridIDs {
		vs, err := s.org.ListVillages(ctx, g)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			names[v.ID] = v.Name
		}
	}
	out := make([]WantedDebtor, len(debtors))
	for i, d := range debtors {
		out[i] = WantedDebtor{Debtor: d, VillageName: names[d.VillageID], HelpfulKinds: helpful[d.Kind]}
		if out[i].HelpfulKinds == nil {
			out[i].HelpfulKinds = []domain.LeadKind{domain.KindWhereabouts, domain.KindOther}
		}
	}
	return out, nil
}
