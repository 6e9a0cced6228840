package triage

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// maxBulk bounds one bulk assignment.
const maxBulk = 200

// Assign gives an open lead to an officer or grid lead of its team. An
// officer may take an unassigned lead for themselves; giving a lead to
// someone else, or taking it from its assignee, is a grid lead's (or
// admin's). Errors: EForbidden, ENotFound, EConflict (an ended lead),
// EPrecondition, EValidation (assignee_id).
func (s *Service) Assign(ctx context.Context, a domain.Actor, leadID, assigneeID string, version int) (domain.Lead, error) {
	if err := a.Authorize(domain.ActLeadTriage); err != nil {
		return domain.Lead{}, err
	}
	var out domain.Lead
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		var err error
		out, err = s.assign(ctx, st, a, leadID, assigneeID, version)
		return err
	})
	return out, err
}

func (s *Service) assign(ctx context.Context, st domain.Stores, a domain.Actor, leadID, assigneeID string, version int) (domain.Lead, error) {
	l, err := openLead(ctx, st, a, leadID, version)
	if err != nil {
		return domain.Lead{}, err
	}
	if !a.MayAssign(l, assigneeID) {
		return domain.Lead{}, domain.Errorf(domain.EForbidden, "only a grid lead assigns lead %s to others", leadID)
	}
	if code := s.checkAssignee(ctx, st, a, &l, assigneeID); code != "" {
		return domain.Lead{}, domain.Invalid(domain.FieldError{Field: "assignee_id", Code: code})
	}
	prev := l.AssigneeID
	l.AssigneeID, l.UpdatedAt = assigneeID, s.now().UTC()
	out, err := st.Leads.UpdateLead(ctx, l, l.Version)
	if err != nil {
		return domain.Lead{}, err
	}
	note := "assigned to " + assigneeID
	if prev != "" {
		note = "reassigned from " + prev + " to " + assigneeID
	}
	if err := audit(ctx, st, a, domain.AuditLeadAssign, l.ID, map[string]any{"from": prev, "to": assigneeID}); err != nil {
		return domain.Lead{}, err
	}
	return out, st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
		Type: "assigned", Note: note, Public: false, At: l.UpdatedAt})
}

// openLead reads an open lead the actor works on (WorksOnLead) at version
// (0: any). Errors: ENotFound (also out of scope), EPrecondition,
// EConflict (an ended lead).
func openLead(ctx context.Context, st domain.Stores, a domain.Actor, leadID string, version int) (domain.Lead, error) {
	l, err := st.Leads.GetLead(ctx, leadID)
	if err != nil {
		return domain.Lead{}, err
	}
	if !a.WorksOnLead(l) {
		return domain.Lead{}, domain.Errorf(domain.ENotFound, "lead %s", leadID)
	}
	if err := checkVersion(l, version); err != nil {
		return domain.Lead{}, err
	}
	if !l.Status.Open() {
		return domain.Lead{}, domain.Errorf(domain.EConflict, "lead %s is %s", leadID, l.Status)
	}
	return l, nil
}

// checkVersion is EPrecondition when version (0: any) is not the lead's.
func checkVersion(l domain.Lead, version int) error {
	if version > 0 && l.Version != version {
		return domain.Errorf(domain.EPrecondition, "lead %s is at version %d", l.ID, l.Version)
	}
	return nil
}

// BulkResult is the outcome of one lead of a bulk assignment.
type BulkResult struct {
	LeadID string
	Code   domain.Code // "" when assigned
	Lead   domain.Lead
}

// AssignMany assigns a list of leads in one transaction, each checked like
// Assign; the leads that fail are reported and the others assigned.
// Errors: EForbidden, EValidation (the list).
func (s *Service) AssignMany(ctx context.Context, a domain.Actor, leadIDs []string, assigneeID string) ([]BulkResult, error) {
	if err := a.Authorize(domain.ActLeadTriage); err != nil {
		return nil, err
	}
	switch {
	case len(leadIDs) == 0:
		return nil, domain.Invalid(domain.FieldError{Field: "lead_ids", Code: "required"})
	case len(leadIDs) > maxBulk:
		return nil, domain.Invalid(domain.FieldError{Field: "lead_ids", Code: "too_many", Params: map[string]any{"max": maxBulk}})
	case assigneeID == "":
		return nil, domain.Invalid(domain.FieldError{Field: "assignee_id", Code: "required"})
	}
	out := make([]BulkResult, len(leadIDs))
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		for i, id := range leadIDs {
			out[i].LeadID = id
			l, err := s.assign(ctx, st, a, id, assigneeID, 0)
			switch code := domain.ErrorCode(err); code {
			case "":
				out[i].Lead = l
			case domain.ENotFound, domain.EForbidden, domain.EConflict, domain.EValidation:
				out[i].Code = code
			default:
				return err
			}
		}
		return nil
	})
	return out, err
}

// Reroute moves a lead to another grid (a grid lead's or admin's call when
// the assistant named the wrong place): its queue becomes the new grid's
// team (or the county queue), the assignee is cleared, and the move is on
// the timeline. Errors: EForbidden, ENotFound, EConflict, EPrecondition,
// EValidation.
func (s *Service) Reroute(ctx context.Context, a domain.Actor, leadID, gridID, note string, version int) (domain.Lead, error) {
	if err := a.Authorize(domain.ActLeadReroute); err != nil {
		return domain.Lead{}, err
	}
	note = strings.TrimSpace(note)
	var f []domain.FieldError
	if note == "" {
		f = append(f, domain.FieldError{Field: "note", Code: "required"})
	} else if utf8.RuneCountInString(note) > 2000 {
		f = append(f, domain.FieldError{Field: "note", Code: "too_long", Params: map[string]any{"max": 2000}})
	}
	if gridID == "" {
		f = append(f, domain.FieldError{Field: "grid_id", Code: "required"})
	}
	if len(f) > 0 {
		return domain.Lead{}, domain.Invalid(f...)
	}
	var out domain.Lead
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		l, err := openLead(ctx, st, a, leadID, version)
		if err != nil {
			return err
		}
		if gridID == l.GridID {
			return domain.Invalid(domain.FieldError{Field: "grid_id", Code: "same_grid"})
		}
		if _, err := st.Org.GetGrid(ctx, gridID); domain.IsCode(err, domain.ENotFound) {
			return domain.Invalid(domain.FieldError{Field: "grid_id", Code: "invalid"})
		} else if err != nil {
			return err
		}
		teams, err := st.Org.ListTeams(ctx)
		if err != nil {
			return err
		}
		team, county := "", ""
		for _, t := range teams {
			if t.CountyQueue {
				county = t.ID
			}
			for _, g := range t.GridIDs {
				if g == gridID {
					team = t.ID
				}
			}
		}
		if team == "" {
			team = county
		}
		from := l.GridID
		l.GridID, l.TeamID, l.AssigneeID, l.UpdatedAt = gridID, team, "", s.now().UTC()
		if out, err = st.Leads.UpdateLead(ctx, l, l.Version); err != nil {
			return err
		}
		if err := audit(ctx, st, a, domain.AuditLeadReroute, l.ID, map[string]any{"from": from, "to": gridID}); err != nil {
			return err
		}
		return st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
			Type: "rerouted", Note: "from grid " + from + " to grid " + gridID + ": " + note, Public: false, At: l.UpdatedAt})
	})
	return out, err
}

// Link ties a lead to an enforcement case (by its number) and a debtor, as
// officers learn who the lead is about. A livelihood case puts the lead in
// the green channel (urgent); linking away from one puts it back unless its
// kind is urgent. Either may be empty to leave it. Errors: EForbidden,
// ENotFound, EConflict (an ended lead), EPrecondition, EValidation.
func (s *Service) Link(ctx context.Context, a domain.Actor, leadID, caseNumber, debtorID string, version int) (domain.Lead, error) {
	if err := a.Authorize(domain.ActLeadTriage); err != nil {
		return domain.Lead{}, err
	}
	if caseNumber == "" && debtorID == "" {
		return domain.Lead{}, domain.Invalid(domain.FieldError{Field: "case_number", Code: "required"}, domain.FieldError{Field: "debtor_id", Code: "required"})
	}
	var out domain.Lead
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		l, err := openLead(ctx, st, a, leadID, version)
		if err != nil {
			return err
		}
		var f []domain.FieldError
		var category domain.CaseCategory
		if caseNumber != "" {
			cn, err := domain.ParseCaseNumber(caseNumber, s.now())
			var de *domain.Error
			switch {
			case errors.As(err, &de) && len(de.Fields) > 0:
				f = append(f, de.Fields...)
			case err != nil:
				f = append(f, domain.FieldError{Field: "case_number", Code: "invalid"})
			default:
				c, err := st.Cases.GetCaseByNumber(ctx, cn.Canonical())
				switch {
				case domain.IsCode(err, domain.ENotFound) || err == nil && !a.SeesCase(c): // another grid's case is as unknown as a missing one
					f = append(f, domain.FieldError{Field: "case_number", Code: "unknown"})
				case err != nil:
					return err
				default:
					l.CaseNumber, category = c.Number, c.Category
				}
			}
		}
		if debtorID != "" {
			d, err := st.Cases.GetDebtor(ctx, debtorID)
			switch {
			case domain.IsCode(err, domain.ENotFound) || err == nil && !a.SeesDebtor(d):
				f = append(f, domain.FieldError{Field: "debtor_id", Code: "unknown"})
			case err != nil:
				return err
			default:
				l.DebtorID, l.DebtorName = d.ID, d.Name
			}
		}
		if len(f) > 0 {
			return domain.Invalid(f...)
		}
		if caseNumber != "" {
			l.Priority = domain.PriorityOf(l.Kind, category)
		}
		l.UpdatedAt = s.now().UTC()
		if out, err = st.Leads.UpdateLead(ctx, l, l.Version); err != nil {
			return err
		}
		if err := audit(ctx, st, a, domain.AuditLeadLink, l.ID, map[string]any{"case_number": l.CaseNumber, "debtor_id": l.DebtorID}); err != nil {
			return err
		}
		return st.Leads.AddEvent(ctx, domain.LeadEvent{ID: s.newID(), LeadID: l.ID, ActorID: a.UserID, ActorRole: a.Role,
			Type: "linked", Note: "case " + l.CaseNumber + " debtor " + l.DebtorID, Public: false, At: l.UpdatedAt})
	})
	return out, err
}
