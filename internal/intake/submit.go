package intake

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
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

// Request identifies a submission for exactly-once handling: the caller's
// idempotency key (may be empty) and the hash of the canonical body.
type Request struct {
	Key  string
	Hash string
}

// Result is the answer to a submission.
type Result struct {
	Lead     domain.Lead
	Status   int    // 201 created, 200 an existing lead with the same client id
	Body     []byte // the rendered answer (stored for replays)
	Replayed bool   // answered from the idempotency record
}

// Render turns the created lead into the response body that is stored with
// the idempotency record, so a replay answers byte for byte the same. It
// runs inside the lead's transaction and must not touch the database.
type Render func(LeadView) ([]byte, error)

var idemKey = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Submit stores a lead exactly once. With an idempotency key, the same key
// and body replay the stored answer; the same key with another body is
// EValidation (field Idempotency-Key, code reused); the same key still in
// flight waits up to InFlightWait for the first request, then is
// EConflict. A client id already used answers the existing lead when the
// content is the same (Status 200) and is EConflict otherwise. Errors:
// EForbidden, EValidation, EConflict.
func (s *Service) Submit(ctx context.Context, a domain.Actor, in SubmitInput, req Request, render Render) (Result, error) {
	if err := a.Authorize(domain.ActLeadSubmit); err != nil {
		return Result{}, err
	}
	if req.Key != "" {
		if !idemKey.MatchString(req.Key) {
			return Result{}, domain.Invalid(domain.FieldError{Field: "Idempotency-Key", Code: "invalid"})
		}
		res, claimed, err := s.claim(ctx, a.UserID, req)
		if err != nil || !claimed {
			return res, err
		}
		res, err = s.submit(ctx, a, in, req, render)
		switch {
		case err != nil:
			// Nothing was stored: free the key so that a corrected retry works.
			_ = s.leads.DeleteIdempotency(context.WithoutCancel(ctx), a.UserID, req.Key)
		case res.Status != http.StatusCreated: // an existing lead answered: remember that answer too
			err = s.leads.FinishIdempotency(ctx, domain.Idempotency{UserID: a.UserID, Key: req.Key, StatusCode: res.Status, Response: res.Body})
		}
		return res, err
	}
	return s.submit(ctx, a, in, req, render)
}

// claim takes the idempotency key for this request, or answers from it.
// It uses single statements, not a locking transaction: two requests that
// race to insert the same key must not deadlock (InnoDB gap locks), and the
// primary key decides which one wins.
func (s *Service) claim(ctx context.Context, userID string, req Request) (Result, bool, error) {
	deadline := s.now().Add(s.cfg.InFlightWait)
	for {
		now := s.now().UTC()
		err := s.leads.PutIdempotency(ctx, domain.Idempotency{UserID: userID, Key: req.Key, RequestHash: req.Hash, CreatedAt: now, ExpiresAt: now.Add(s.cfg.IdempotencyTTL)})
		if err == nil {
			return Result{}, true, nil
		}
		if !domain.IsCode(err, domain.EConflict) {
			return Result{}, false, err
		}
		rec, err := s.leads.GetIdempotency(ctx, userID, req.Key)
		switch {
		case domain.IsCode(err, domain.ENotFound):
			continue // finished and freed (the first request failed): try again
		case err != nil:
			return Result{}, false, err
		case rec.RequestHash != req.Hash:
			return Result{}, false, &domain.Error{Code: domain.EValidation, Message: "idempotency key reused with another body",
				Fields: []domain.FieldError{{Field: "Idempotency-Key", Code: "reused"}}}
		case rec.Done:
			return Result{Status: rec.StatusCode, Body: rec.Response, Replayed: true}, false, nil
		case now.Sub(rec.CreatedAt) >= s.cfg.AbandonAfter: // its instance died: take it over
			if err := s.leads.DeleteIdempotency(ctx, userID, req.Key); err != nil {
				return Result{}, false, err
			}
			continue
		}
		if !s.now().Before(deadline) {
			return Result{}, false, domain.Errorf(domain.EConflict, "a request with idempotency key %q is still in flight", req.Key)
		}
		select {
		case <-ctx.Done():
			return Result{}, false, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// submit validates, routes and stores the lead; with a claimed key it
// finishes the idempotency record in the same transaction.
func (s *Service) submit(ctx context.Context, a domain.Actor, in SubmitInput, req Request, render Render) (Result, error) {
	now := s.now().UTC()
	if in.ID != "" {
		if res, done, err := s.existing(ctx, a, in.ID, req.Hash, render); done || err != nil {
			return res, err
		}
	}
	l, err := s.validate(ctx, a, in, now)
	if err != nil {
		return Result{}, err
	}
	l.ContentHash = req.Hash
	if err := s.route(ctx, &l); err != nil {
		return Result{}, err
	}
	year := l.ReceivedAt.In(s.cfg.Zone).Year()
	if _, done := s.refYears.Load(year); !done {
		if err := s.leads.EnsureRefYear(ctx, year); err != nil {
			return Result{}, err
		}
		s.refYears.Store(year, true) // the row stays: one statement a year per process
	}
	var body []byte
	// The number is taken before the lead's transaction, so that concurrent
	// submissions wait for each other only for that one short statement.
	seq, err := s.leads.NextRef(ctx, year)
	if err != nil {
		return Result{}, err
	}
	l.Ref = fmt.Sprintf("%s-%d-%06d", s.cfg.RefPrefix, year, seq)
	err = s.tx.Transact(ctx, func(st domain.Stores) error {
		if err := st.Leads.CreateLead(ctx, l); err != nil {
			return err
		}
		if err := st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
			Type: "submitted", ToStatus: domain.LeadSubmitted, Public: true, At: now}); err != nil {
			return err
		}
		dups, err := s.findDuplicates(ctx, st.Leads, l)
		if err != nil {
			return err
		}
		if err := st.Leads.AddDuplicates(ctx, l.ID, dups); err != nil {
			return err
		}
		view := LeadView{Lead: l, Officer: a.Can(domain.ActLeadReadAll), Now: now}
		if view.Officer {
			view.Duplicates = dups
		}
		if body, err = render(view); err != nil {
			return err
		}
		if req.Key != "" {
			return st.Leads.FinishIdempotency(ctx, domain.Idempotency{UserID: a.UserID, Key: req.Key, StatusCode: http.StatusCreated, Response: body})
		}
		return nil
	})
	if domain.IsCode(err, domain.EConflict) && in.ID != "" {
		// Two requests with one client id raced: answer like the loser's retry.
		if res, done, err2 := s.existing(ctx, a, in.ID, req.Hash, render); done || err2 != nil {
			return res, err2
		}
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Lead: l, Status: http.StatusCreated, Body: body}, nil
}

// existing answers a submission whose client id is already a lead: the
// same reporter and content get that lead back, anything else EConflict.
func (s *Service) existing(ctx context.Context, a domain.Actor, id, hash string, render Render) (Result, bool, error) {
	l, err := s.leads.GetLead(ctx, id)
	if domain.IsCode(err, domain.ENotFound) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, true, err
	}
	if l.ReporterID != a.UserID || l.ContentHash != hash {
		return Result{}, true, domain.Errorf(domain.EConflict, "lead id %s is already used for other content", id)
	}
	view, err := s.view(ctx, a, l)
	if err != nil {
		return Result{}, true, err
	}
	body, err := render(view)
	return Result{Lead: l, Status: http.StatusOK, Body: body}, true, err
}

// route puts the lead in the queue of the team serving its grid, or the
// county queue when none does; sets its priority and location flag.
func (s *Service) route(ctx context.Context, l *domain.Lead) error {
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
		default:
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
			out = append(out, domain.PossibleDuplicate{LeadID: o.ID, Ref: o.Ref, Reason: domain.DupSameDebtorKind})
		}
		if l.Plate != "" && o.Plate == l.Plate {
			out = append(out, domain.PossibleDuplicate{LeadID: o.ID, Ref: o.Ref, Reason: domain.DupSamePlate})
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
