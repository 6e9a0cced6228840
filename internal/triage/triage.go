// Package triage is the use case of the enforcement teams: taking a lead
// from the queue through the lifecycle of DESIGN §2 to money recovered,
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

// apply checks what the step needs and sets it on the lead.
func (s *Service) apply(ctx context.Context, st domain.Stores, a domain.Actor, l *domain.Lead, t Transition, now time.Time) error {
	var f []domain.FieldError
	bad := func(field, code string) { f = append(f, domain.FieldError{Field: field, Code: code}) }
	note := strings.TrimSpace(t.Note)
	if utf8.RuneCountInString(note) > 2000 {
		bad("note", "too_long")
	}
	needNote := t.To == domain.LeadNeedsInfo || t.To == domain.LeadRejected || l.Status == domain.LeadClosed
	if needNote && note == "" {
		bad("note", "required")
	}
	switch t.To {
	case domain.LeadAccepted:
		if l.Status == domain.LeadClosed { // reopening keeps the assignee unless another is named
			if t.AssigneeID == "" {
				t.AssigneeID = l.AssigneeID
			}
		}
		switch code := s.checkAssignee(ctx, st, l, t.AssigneeID); code {
		case "":
			l.AssigneeID = t.AssigneeID
		default:
			bad("assignee_id", code)
		}
		due := s.cfg.NormalDue
		if l.Priority == domain.PriorityUrgent {
			due = s.cfg.UrgentDue
		}
		l.DueAt = now.Add(due)
	case domain.LeadRejected:
		if !t.ReasonCode.Valid() {
			if t.ReasonCode == "" {
				bad("reason_code", "required")
			} else {
				bad("reason_code", "invalid")
			}
		}
		l.RejectReason = t.ReasonCode
	case domain.LeadDuplicate:
		code := ""
		switch t.DuplicateOf {
		case "":
			code = "required"
		case l.ID:
			code = "self"
		default:
			other, err := st.Leads.GetLead(ctx, t.DuplicateOf)
			switch {
			case domain.IsCode(err, domain.ENotFound):
				code = "not_visible" // the same as a lead of another grid: no existence oracle
			case err != nil:
				return err
			case !a.SeesLead(other):
				code = "not_visible"
			case !other.ReceivedAt.Before(l.ReceivedAt):
				code = "later" // the earlier lead keeps its place
			}
		}
		if code != "" {
			bad("duplicate_of", code)
		}
		l.DuplicateOf = t.DuplicateOf
	case domain.LeadMeasuresTaken:
		if !t.Measure.Valid() {
			if t.Measure == "" {
				bad("measure", "required")
			} else {
				bad("measure", "invalid")
			}
		}
		switch d, err := time.ParseInLocation("2006-01-02", t.MeasureDate, time.FixedZone("CST", 8*3600)); {
		case t.MeasureDate == "":
			bad("measure_date", "required")
		case err != nil:
			bad("measure_date", "invalid")
		case d.After(now):
			bad("measure_date", "in_future")
		}
		l.Measure, l.MeasureDate = t.Measure, t.MeasureDate
	case domain.LeadClosed:
		outcome := strings.TrimSpace(t.Outcome)
		switch n := utf8.RuneCountInString(outcome); {
		case n == 0:
			bad("outcome", "required")
		case n > 500:
			bad("outcome", "too_long")
		}
		switch {
		case t.AmountRecoveredFen == nil:
			bad("amount_recovered_fen", "required")
		case *t.AmountRecoveredFen < 0:
			bad("amount_recovered_fen", "out_of_range")
		}
		l.Outcome, l.AmountRecoveredFen = outcome, t.AmountRecoveredFen
	}
	if len(f) > 0 {
		return domain.Invalid(f...)
	}
	return nil
}

// checkAssignee returns "" when id is an active officer or grid lead of the
// team whose queue holds the lead, else a field error code.
func (s *Service) checkAssignee(ctx context.Context, st domain.Stores, l *domain.Lead, id string) string {
	if id == "" {
		return "required"
	}
	u, err := st.Org.GetUser(ctx, id)
	switch {
	case err != nil:
		return "invalid"
	case u.Status != domain.UserActive || u.Role != domain.RoleOfficer && u.Role != domain.RoleGridLead:
		return "invalid"
	case u.TeamID == "" || u.TeamID != l.TeamID:
		return "other_team"
	}
	return ""
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
