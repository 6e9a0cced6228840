// Package triage is the use case of the enforcement teams: taking a lead
// from the queue through the lifecycle of docs/architecture.md, "Lead lifecycle" to money recovered,
// and talking to its reporter. Who may move a lead where is decided by the
// domain's lifecycle and policy; this package checks what each step needs
// and records it on the lead's timeline.
package triage

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Config holds the verification deadlines.
type Config struct {
	UrgentDue time.Duration // 3 days: the Supreme People's Court's rule for urgent leads
	NormalDue time.Duration // 7 days otherwise
}

// DefaultConfig follows the 2017 property-investigation rule.
var DefaultConfig = Config{UrgentDue: 3 * 24 * time.Hour, NormalDue: 7 * 24 * time.Hour}

// Service implements triage.
type Service struct {
	tx    domain.Transactor
	leads domain.LeadStore
	org   domain.OrgStore
	now   func() time.Time
	newID func() string
	cfg   Config
}

// New returns the triage service.
func New(tx domain.Transactor, leads domain.LeadStore, org domain.OrgStore, now func() time.Time, newID func() string, cfg Config) *Service {
	return &Service{tx: tx, leads: leads, org: org, now: now, newID: newID, cfg: cfg}
}

// Transition is one step of the lifecycle with what it needs.
type Transition struct {
	To                 domain.LeadStatus
	AssigneeID         string
	Note               string
	PublicNote         bool
	ReasonCode         domain.RejectReason
	DuplicateOf        string
	Measure            domain.Measure
	MeasureDate        string
	Outcome            string
	AmountRecoveredFen *int64
}

// IllegalError is the EConflict of a step the lifecycle (or the caller's
// part in it) does not allow; Allowed are the statuses the caller may move
// the lead to instead.
type IllegalError struct {
	Err     *domain.Error
	Allowed []domain.LeadStatus
}

// Error implements error.
func (e *IllegalError) Error() string { return e.Err.Error() }

// Unwrap gives the *domain.Error (EConflict).
func (e *IllegalError) Unwrap() error { return e.Err }

// Move takes a lead one step. version is the one the caller last saw (0:
// no check). Errors: EForbidden (a role that does not triage; an officer
// who is not the assignee), ENotFound (outside the caller's grids),
// IllegalError (EConflict), EPrecondition, EValidation.
func (s *Service) Move(ctx context.Context, a domain.Actor, leadID string, t Transition, version int) (domain.Lead, error) {
	if err := a.Authorize(domain.ActLeadTriage); err != nil {
		return domain.Lead{}, err
	}
	if !t.To.Valid() {
		return domain.Lead{}, domain.Invalid(domain.FieldError{Field: "to", Code: "invalid"})
	}
	var out domain.Lead
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		l, err := st.Leads.GetLead(ctx, leadID)
		if err != nil {
			return err
		}
		if !a.MovesLead(l) {
			return domain.Errorf(domain.ENotFound, "lead %s", leadID)
		}
		if err := checkVersion(l, version); err != nil {
			return err
		}
		if !a.MayMove(l, t.To) {
			if domain.CanTransition(l.Status, t.To) && !slices.Contains([]domain.LeadStatus{domain.LeadWithdrawn, domain.LeadSubmitted}, t.To) {
				return domain.Errorf(domain.EForbidden, "only the assignee or a grid lead moves lead %s from %s", leadID, l.Status)
			}
			return &IllegalError{Err: domain.Errorf(domain.EConflict, "lead %s cannot go from %s to %s", leadID, l.Status, t.To),
				Allowed: a.Moves(l)}
		}
		now := s.now().UTC()
		if err := s.apply(ctx, st, a, &l, t, now); err != nil {
			return err
		}
		prev := l.Status
		l.Status, l.UpdatedAt = t.To, now
		switch {
		case t.To == domain.LeadAccepted && l.AcceptedAt.IsZero():
			l.AcceptedAt = now
		case t.To == domain.LeadClosed:
			l.ClosedAt = now
		case prev == domain.LeadClosed:
			l.ClosedAt = time.Time{} // reopened
		}
		if out, err = st.Leads.UpdateLead(ctx, l, l.Version); err != nil {
			return err
		}
		if err := audit(ctx, st, a, domain.AuditLeadMove, l.ID, map[string]any{"from": prev, "to": t.To}); err != nil {
			return err
		}
		return s.record(ctx, st, a, l, prev, t, now)
	})
	return out, err
}

// step is one move being checked: what it needs is set on the lead, and
// every bad field collected.
type step struct {
	ctx context.Context
	st  domain.Stores
	a   domain.Actor
	l   *domain.Lead
	t   Transition
	now time.Time
	f   []domain.FieldError
}

func (p *step) bad(field, code string) {
	p.f = append(p.f, domain.FieldError{Field: field, Code: code})
}

// stepChecks check what a move to each status needs besides the note;
// moves to the other statuses need nothing more.
var stepChecks = map[domain.LeadStatus]func(*Service, *step) error{
	domain.LeadAccepted:      (*Service).accept,
	domain.LeadRejected:      func(_ *Service, p *step) error { p.reject(); return nil },
	domain.LeadDuplicate:     (*Service).markDuplicate,
	domain.LeadMeasuresTaken: func(_ *Service, p *step) error { p.measures(); return nil },
	domain.LeadClosed:        func(_ *Service, p *step) error { p.close(); return nil },
}

// apply checks what the step needs and sets it on the lead: a note of at
// most 2000 characters, required to ask, to reject and to reopen; then the
// check of the target status (stepChecks).
func (s *Service) apply(ctx context.Context, st domain.Stores, a domain.Actor, l *domain.Lead, t Transition, now time.Time) error {
	p := &step{ctx: ctx, st: st, a: a, l: l, t: t, now: now}
	note := strings.TrimSpace(t.Note)
	if utf8.RuneCountInString(note) > 2000 {
		p.f = append(p.f, domain.FieldError{Field: "note", Code: "too_long", Params: map[string]any{"max": 2000}})
	}
	needNote := t.To == domain.LeadNeedsInfo || t.To == domain.LeadRejected || l.Status == domain.LeadClosed
	if needNote && note == "" {
		p.bad("note", "required")
	}
	if check := stepChecks[t.To]; check != nil {
		if err := check(s, p); err != nil {
			return err
		}
	}
	if len(p.f) > 0 {
		return domain.Invalid(p.f...)
	}
	return nil
}

// accept names the assignee (reopening keeps the one it had unless another
// is named) and starts the verification deadline.
func (s *Service) accept(p *step) error {
	id := p.t.AssigneeID
	if p.l.Status == domain.LeadClosed && id == "" {
		id = p.l.AssigneeID
	}
	if code := s.checkAssignee(p.ctx, p.st, p.a, p.l, id); code != "" {
		p.bad("assignee_id", code)
	} else {
		p.l.AssigneeID = id
	}
	due := s.cfg.NormalDue
	if p.l.Priority == domain.PriorityUrgent {
		due = s.cfg.UrgentDue
	}
	p.l.DueAt = p.now.Add(due)
	return nil
}

// reject needs a known reason.
func (p *step) reject() {
	if !p.t.ReasonCode.Valid() {
		p.bad("reason_code", requiredOr(p.t.ReasonCode == "", "invalid"))
	}
	p.l.RejectReason = p.t.ReasonCode
}

// markDuplicate needs an earlier lead the actor sees; one they do not is
// not_visible, the same as a missing one (no existence oracle).
func (s *Service) markDuplicate(p *step) error {
	code := ""
	switch p.t.DuplicateOf {
	case "":
		code = "required"
	case p.l.ID:
		code = "self"
	default:
		other, err := p.st.Leads.GetLead(p.ctx, p.t.DuplicateOf)
		switch {
		case domain.IsCode(err, domain.ENotFound):
			code = "not_visible"
		case err != nil:
			return err
		case !p.a.SeesLead(other):
			code = "not_visible"
		case !other.ReceivedAt.Before(p.l.ReceivedAt):
			code = "later" // the earlier lead keeps its place
		}
	}
	if code != "" {
		p.bad("duplicate_of", code)
	}
	p.l.DuplicateOf = p.t.DuplicateOf
	return nil
}

// measures needs a known measure and the date it was taken (China time),
// not in the future.
func (p *step) measures() {
	if !p.t.Measure.Valid() {
		p.bad("measure", requiredOr(p.t.Measure == "", "invalid"))
	}
	switch d, err := time.ParseInLocation("2006-01-02", p.t.MeasureDate, time.FixedZone("CST", 8*3600)); {
	case p.t.MeasureDate == "":
		p.bad("measure_date", "required")
	case err != nil:
		p.bad("measure_date", "invalid")
	case d.After(p.now):
		p.bad("measure_date", "in_future")
	}
	p.l.Measure, p.l.MeasureDate = p.t.Measure, p.t.MeasureDate
}

// close needs the outcome (at most 500 characters) and the amount
// recovered (0 or more).
func (p *step) close() {
	outcome := strings.TrimSpace(p.t.Outcome)
	switch n := utf8.RuneCountInString(outcome); {
	case n == 0:
		p.bad("outcome", "required")
	case n > 500:
		p.f = append(p.f, domain.FieldError{Field: "outcome", Code: "too_long", Params: map[string]any{"max": 500}})
	}
	switch {
	case p.t.AmountRecoveredFen == nil:
		p.bad("amount_recovered_fen", "required")
	case *p.t.AmountRecoveredFen < 0:
		p.bad("amount_recovered_fen", "out_of_range")
	}
	p.l.Outcome, p.l.AmountRecoveredFen = outcome, p.t.AmountRecoveredFen
}

// requiredOr is "required" when the value is missing, else code.
func requiredOr(missing bool, code string) string {
	if missing {
		return "required"
	}
	return code
}

// checkAssignee returns "" when id is an active officer or grid lead of the
// team whose queue holds the lead, else a field error code. A user the
// actor does not see (Actor.SeesUser) is "invalid", exactly as a missing
// one: the answer tells nothing of who works in another team.
func (s *Service) checkAssignee(ctx context.Context, st domain.Stores, a domain.Actor, l *domain.Lead, id string) string {
	if id == "" {
		return "required"
	}
	u, err := st.Org.GetUser(ctx, id)
	if err != nil || !a.SeesUser(u) {
		return "invalid"
	}
	return u.MayHoldLead(*l)
}

// record writes the step to the timeline: a public status change (with the
// note when it is public, and always the needs_info question), and an
// internal comment for a note kept from the reporter.
func (s *Service) record(ctx context.Context, st domain.Stores, a domain.Actor, l domain.Lead, prev domain.LeadStatus, t Transition, now time.Time) error {
	note := strings.TrimSpace(t.Note)
	public := t.PublicNote || t.To == domain.LeadNeedsInfo
	kind := "status_changed"
	if t.To == domain.LeadNeedsInfo {
		kind = "needs_info"
	}
	shown := ""
	if public {
		shown = note
	}
	if err := st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role, Type: kind,
		FromStatus: prev, ToStatus: l.Status, Note: shown, Public: true, At: now}); err != nil {
		return err
	}
	if note != "" && !public {
		return st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role, Type: "comment",
			Note: note, Public: false, At: now})
	}
	return nil
}

// Comment adds an officer's note to a lead's timeline, internal or visible
// to the reporter. Errors: EForbidden, ENotFound, EValidation.
func (s *Service) Comment(ctx context.Context, a domain.Actor, leadID, text string, public bool) (domain.LeadEvent, error) {
	if err := a.Authorize(domain.ActLeadTriage); err != nil {
		return domain.LeadEvent{}, err
	}
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return domain.LeadEvent{}, domain.Invalid(domain.FieldError{Field: "text", Code: "required"})
	case n > 2000:
		return domain.LeadEvent{}, domain.Invalid(domain.FieldError{Field: "text", Code: "too_long", Params: map[string]any{"max": 2000}})
	}
	l, err := s.leads.GetLead(ctx, leadID)
	if err != nil {
		return domain.LeadEvent{}, err
	}
	if !a.WorksOnLead(l) {
		return domain.LeadEvent{}, domain.Errorf(domain.ENotFound, "lead %s", leadID)
	}
	e := domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role, Type: "comment", Note: text, Public: public, At: s.now().UTC()}
	return e, s.tx.Transact(ctx, func(st domain.Stores) error {
		if err := st.Leads.AddEvent(ctx, e); err != nil {
			return err
		}
		return audit(ctx, st, a, domain.AuditLeadComment, l.ID, map[string]any{"event": e.ID, "public": public})
	})
}

// audit appends to the tamper-evident audit log in the caller's
// transaction. The detail names what changed, never the notes' text.
func audit(ctx context.Context, st domain.Stores, a domain.Actor, action, leadID string, detail map[string]any) error {
	_, err := st.Audit.AppendAudit(ctx, domain.AuditEntry{ActorID: a.UserID, ActorRole: a.Role, Action: action,
		SubjectType: "lead", SubjectID: leadID, Detail: domain.AuditDetail(detail)})
	return err
}
