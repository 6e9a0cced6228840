package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// LocationInput is a location as the client sent it.
type LocationInput struct {
	Lat, Lng  *float64
	AccuracyM *float64
	CRS       string
}

// SubmitInput is a lead as the client sent it. Pointers are fields the
// client may leave out.
type SubmitInput struct {
	ID             string
	Kind           string
	DebtorID       string
	DebtorName     string
	CaseNumber     string
	Description    *string
	VillageID      string
	Location       *LocationInput
	CapturedAt     string
	Details        map[string]any
	PhotosExpected *int
}

// Submit stores a lead exactly once and returns it, created true. A client
// id already used answers that lead (created false) when the reporter and
// the content are the same, and is EConflict otherwise. hash is the hash of
// the canonical request body: it tells a retry from other content. With a
// claimed idempotency key, Submit finishes its record in the lead's own
// transaction, so that the record says "created" if and only if the lead
// exists. Errors: EForbidden, EValidation, EConflict.
func (s *Service) Submit(ctx context.Context, a domain.Actor, in SubmitInput, hash string, key *domain.IdempotencyKey) (LeadView, bool, error) {
	if err := a.Authorize(domain.ActLeadSubmit); err != nil {
		return LeadView{}, false, err
	}
	now := s.now().UTC()
	if in.ID != "" {
		if v, found, err := s.existing(ctx, a, in.ID, hash); found || err != nil {
			return v, false, err
		}
	}
	l, err := s.validate(ctx, a, in, now)
	if err != nil {
		return LeadView{}, false, err
	}
	l.ContentHash = hash
	if err := s.route(ctx, a, &l); err != nil {
		return LeadView{}, false, err
	}
	if err := s.number(ctx, &l); err != nil {
		return LeadView{}, false, err
	}
	view := LeadView{Lead: l, Officer: a.Can(domain.ActLeadReadAll), Now: now}
	err = s.tx.Transact(ctx, func(st domain.Stores) error {
		dups, err := s.create(ctx, st, a, l, now)
		if err != nil {
			return err
		}
		if view.Officer {
			view.Duplicates = a.SeesDuplicates(dups)
		}
		if key != nil {
			return st.Idempotency.FinishIdempotency(ctx, *key, domain.OutcomeCreated, l.ID)
		}
		return nil
	})
	if domain.IsCode(err, domain.EConflict) && in.ID != "" {
		// Two requests with one client id raced: answer like the loser's retry.
		if v, found, err2 := s.existing(ctx, a, in.ID, hash); found || err2 != nil {
			return v, false, err2
		}
	}
	if err != nil {
		return LeadView{}, false, err
	}
	return view, true, nil
}

// number gives the lead its reference (ZN-2026-000123). The number is taken
// before the lead's transaction, so that concurrent submissions wait for
// each other only for that one short statement.
func (s *Service) number(ctx context.Context, l *domain.Lead) error {
	year := l.ReceivedAt.In(s.cfg.Zone).Year()
	if _, done := s.refYears.Load(year); !done {
		if err := s.leads.EnsureRefYear(ctx, year); err != nil {
			return err
		}
		s.refYears.Store(year, true) // the row stays: one statement a year per process
	}
	seq, err := s.leads.NextRef(ctx, year)
	if err != nil {
		return err
	}
	l.Ref = fmt.Sprintf("%s-%d-%06d", s.cfg.RefPrefix, year, seq)
	return nil
}

// create stores the lead, its first event and its possible duplicates in
// the transaction st, and returns the duplicates.
func (s *Service) create(ctx context.Context, st domain.Stores, a domain.Actor, l domain.Lead, now time.Time) ([]domain.PossibleDuplicate, error) {
	if err := st.Leads.CreateLead(ctx, l); err != nil {
		return nil, err
	}
	if err := st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
		Type: "submitted", ToStatus: domain.LeadSubmitted, Public: true, At: now}); err != nil {
		return nil, err
	}
	dups, err := s.findDuplicates(ctx, st.Leads, l)
	if err != nil {
		return nil, err
	}
	return dups, st.Leads.AddDuplicates(ctx, l.ID, dups)
}

// existing answers a submission whose client id is already a lead: the
// same reporter and content get that lead back (found), anything else
// EConflict; no such lead is not found.
func (s *Service) existing(ctx context.Context, a domain.Actor, id, hash string) (LeadView, bool, error) {
	l, err := s.leads.GetLead(ctx, id)
	if domain.IsCode(err, domain.ENotFound) {
		return LeadView{}, false, nil
	}
	if err != nil {
		return LeadView{}, true, err
	}
	if l.ReporterID != a.UserID || l.ContentHash != hash {
		return LeadView{}, true, domain.Errorf(domain.EConflict, "lead id %s is already used for other content", id)
	}
	view, err := s.view(ctx, a, l)
	return view, true, err
}

// route puts the lead in the queue of the team serving its grid, or the
// county queue when none does; sets its priority and location flag. The
// case named counts for the priority only when the submitter sees it: one
// of another grid is as unknown as a missing one, so the priority tells
// nothing about it.
func (s *Service) route(ctx context.Context, a domain.Actor, l *domain.Lead) error {
	teams, err := s.teams(ctx)
	if err != nil {
		return err
	}
	county := ""
	for _, t := range teams {
		if t.CountyQueue {
			county = t.ID
		}
		for _, g := range t.GridIDs {
			if g == l.GridID {
				l.TeamID = t.ID
			}
		}
	}
	if l.TeamID == "" {
		l.TeamID = county
	}
	var category domain.CaseCategory // of the case named, if known: livelihood is the green channel (涉民生)
	if l.CaseNumber != "" {
		c, err := s.cases.GetCaseByNumber(ctx, l.CaseNumber)
		switch {
		case domain.IsCode(err, domain.ENotFound):
		case err != nil:
			return err
		case a.SeesCase(c):
			category = c.Category
		}
	}
	l.Priority = domain.PriorityOf(l.Kind, category)
	if loc := l.Location; loc != nil && !s.cfg.County.Contains(loc.Lat, loc.Lng) {
		// GCJ-02 differs from WGS-84 by a few hundred metres here, well
		// inside the box's margin, so both are checked against one box.
		l.LocationFlag = domain.FlagOutsideCounty
	}
	return nil
}

// findDuplicates looks for open leads the new one may repeat: the same
// debtor and kind within the window, or the same plate.
func (s *Service) findDuplicates(ctx context.Context, leads domain.LeadStore, l domain.Lead) ([]domain.PossibleDuplicate, error) {
	found, err := leads.FindOpenLeads(ctx, l.ID, l.DebtorID, l.Kind, l.Plate, l.ReceivedAt.Add(-s.cfg.DuplicateWindow))
	if err != nil {
		return nil, err
	}
	var out []domain.PossibleDuplicate
	for _, o := range found {
		if l.DebtorID != "" && o.DebtorID == l.DebtorID && o.Kind == l.Kind && !o.ReceivedAt.Before(l.ReceivedAt.Add(-s.cfg.DuplicateWindow)) {
			out = append(out, domain.PossibleDuplicate{LeadID: o.ID, Ref: o.Ref, Reason: domain.DupSameDebtorKind, GridID: o.GridID, TeamID: o.TeamID, ReporterID: o.ReporterID})
		}
		if l.Plate != "" && o.Plate == l.Plate {
			out = append(out, domain.PossibleDuplicate{LeadID: o.ID, Ref: o.Ref, Reason: domain.DupSamePlate, GridID: o.GridID, TeamID: o.TeamID, ReporterID: o.ReporterID})
		}
	}
	return out, nil
}

// teamsTTL is how long the routing table is reused: teams change a few times
// a year, leads arrive many times a minute.
const teamsTTL = 5 * time.Second

// teams returns the routing table, read from the store at most every
// teamsTTL: a change to the teams routes new leads within seconds.
func (s *Service) teams(ctx context.Context) ([]domain.Team, error) {
	s.routing.Lock()
	defer s.routing.Unlock()
	if err := s.refreshRouting(ctx); err != nil {
		return nil, err
	}
	return s.routing.teams, nil
}

// village returns a village from the routing cache, or from the store when
// it is newer than the cache.
func (s *Service) village(ctx context.Context, id string) (domain.Village, error) {
	s.routing.Lock()
	err := s.refreshRouting(ctx)
	v, ok := s.routing.villages[id]
	s.routing.Unlock()
	if err != nil {
		return domain.Village{}, err
	}
	if ok {
		return v, nil
	}
	return s.org.GetVillage(ctx, id)
}

// refreshRouting rereads teams and villages when the cache is older than
// teamsTTL; call it with s.routing locked.
func (s *Service) refreshRouting(ctx context.Context) error {
	now := s.now()
	if s.routing.teams != nil && now.Before(s.routing.until) && !now.Before(s.routing.at) {
		return nil
	}
	teams, err := s.org.ListTeams(ctx)
	if err != nil {
		return err
	}
	villages, err := s.org.AllVillages(ctx)
	if err != nil {
		return err
	}
	if teams == nil {
		teams = []domain.Team{}
	}
	s.routing.villages = make(map[string]domain.Village, len(villages))
	for _, v := range villages {
		s.routing.villages[v.ID] = v
	}
	s.routing.teams, s.routing.at, s.routing.until = teams, now, now.Add(teamsTTL)
	return nil
}
