// Package roster is the contact book use case: it imports an assistants'
// contact book (parsed by package contactbook) into the accounts, creating
// or updating one account per row, and exports a grid's assistants for
// contactbook to write.
package roster

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strconv"

	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/password"
)

// MaxRows bounds one import; the county has 235 assistants.
const MaxRows = 5000

// Service applies contact books to the accounts and exports them.
type Service struct {
	tx  domain.Transactor
	org domain.OrgStore
}

// NewService returns the contact book use case.
func New(tx domain.Transactor, org domain.OrgStore) *Service {
	return &Service{tx: tx, org: org}
}

// Action is what an import does to one row's account.
type Action string

// The import actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// ReportRow is one applied row.
type ReportRow struct {
	Line   int
	Action Action
	Name   string
	Phone  string
}

// Report is the outcome of an import (or what it would be, on a dry run).
type Report struct {
	DryRun                      bool
	Created, Updated, Unchanged int
	Rows                        []ReportRow
}

// rowField names a field of a file row the way problems report it.
func rowField(line int, field string) string { return "rows[" + strconv.Itoa(line) + "]." + field }

// Import creates or updates accounts from a contact book, matched by phone.
// Every row is checked first; if any is bad, the answer lists every bad row
// and nothing is applied. On a dry run nothing is applied either, and the
// report says what would change. Officers and grid leads in the book join
// the team that serves their village's grid; admins and auditors cannot be
// imported. Errors: EForbidden, EInvalid (not a spreadsheet), EValidation
// (bad rows), EConflict (a concurrent change to the same phone).
func (s *Service) Import(ctx context.Context, a domain.Actor, r io.Reader, format contactbook.Format, dryRun bool) (Report, error) {
	if err := a.Authorize(domain.ActContactsImport); err != nil {
		return Report{}, err
	}
	rows, rowErrs, err := contactbook.Parse(r, format, MaxRows)
	if err != nil {
		return Report{}, err
	}
	var fields []domain.FieldError
	for _, e := range rowErrs {
		f := domain.FieldError{Field: rowField(e.Line, e.Field), Code: e.Code}
		if e.FirstLine > 0 {
			f.Params = map[string]any{"first_line": e.FirstLine}
		}
		fields = append(fields, f)
	}
	villages, teams, err := s.lookups(ctx)
	if err != nil {
		return Report{}, err
	}
	type planned struct {
		row  contactbook.Row
		user domain.User
	}
	plan := make([]planned, 0, len(rows))
	for _, row := range rows {
		u := domain.User{Name: row.Name, Phone: row.Phone, Role: domain.Role(row.Role)}
		v, code := villages.find(row)
		if code != "" {
			fields = append(fields, domain.FieldError{Field: rowField(row.Line, contactbook.FieldVillage), Code: code})
			continue
		}
		switch u.Role {
		case domain.RoleAssistant:
			u.VillageID = v.ID
		case domain.RoleOfficer, domain.RoleGridLead:
			team, ok := teams[v.GridID]
			if !ok {
				fields = append(fields, domain.FieldError{Field: rowField(row.Line, contactbook.FieldVillage), Code: "no_team"})
				continue
			}
			u.TeamID = team
		default:
			fields = append(fields, domain.FieldError{Field: rowField(row.Line, contactbook.FieldRole), Code: "not_importable"})
			continue
		}
		plan = append(plan, planned{row: row, user: u})
	}
	if len(fields) > 0 {
		return Report{}, &domain.Error{Code: domain.EValidation, Message: fmt.Sprintf("%d bad rows in the contact book", len(fields)), Fields: fields}
	}

	rep := Report{DryRun: dryRun, Rows: make([]ReportRow, 0, len(plan))}
	apply := func(org domain.OrgStore) error {
		rep.Created, rep.Updated, rep.Unchanged, rep.Rows = 0, 0, 0, rep.Rows[:0]
		for _, p := range plan {
			act, err := s.applyRow(ctx, org, p.user, dryRun)
			if err != nil {
				return fmt.Errorf("line %d: %w", p.row.Line, err)
			}
			switch act {
			case Created:
				rep.Created++
			case Updated:
				rep.Updated++
			default:
				rep.Unchanged++
			}
			rep.Rows = append(rep.Rows, ReportRow{Line: p.row.Line, Action: act, Name: p.user.Name, Phone: p.user.Phone})
		}
		return nil
	}
	if dryRun {
		return rep, apply(s.org)
	}
	return rep, s.tx.Transact(ctx, func(st domain.Stores) error { return apply(st.Org) })
}

// applyRow creates or updates one account (or only says which, on a dry
// run). A disabled account stays disabled.
func (s *Service) applyRow(ctx context.Context, org domain.OrgStore, want domain.User, dryRun bool) (Action, error) {
	have, err := org.GetUserByPhone(ctx, want.Phone)
	if domain.IsCode(err, domain.ENotFound) {
		if dryRun {
			return Created, nil
		}
		// No password yet: an admin's password reset hands one out when the
		// assistant is enrolled (and hashing hundreds would take minutes).
		want.Status, want.PasswordHash, want.MustChangePassword = domain.UserActive, password.Locked, true
		_, err = org.CreateUser(ctx, want)
		return Created, err
	}
	if err != nil {
		return "", err
	}
	if have.Name == want.Name && have.Role == want.Role && have.VillageID == want.VillageID && have.TeamID == want.TeamID {
		return Unchanged, nil
	}
	if have.Role == domain.RoleAdmin || have.Role == domain.RoleAuditor {
		return "", domain.Errorf(domain.EConflict, "phone %s belongs to an %s, which a contact book cannot change", domain.MaskPhone(have.Phone), have.Role)
	}
	if dryRun {
		return Updated, nil
	}
	have.Name, have.Role, have.VillageID, have.TeamID = want.Name, want.Role, want.VillageID, want.TeamID
	_, err = org.UpdateUser(ctx, have, have.Version)
	return Updated, err
}

// villageIndex finds villages by code, or by name within a township.
type villageIndex struct {
	byCode map[string]domain.Village
	byName map[string][]domain.Village
	grids  map[string]domain.Grid
}

func (s *Service) lookups(ctx context.Context) (villageIndex, map[string]string, error) {
	idx := villageIndex{byCode: map[string]domain.Village{}, byName: map[string][]domain.Village{}, grids: map[string]domain.Grid{}}
	grids, err := s.org.ListGrids(ctx)
	if err != nil {
		return idx, nil, err
	}
	for _, g := range grids {
		idx.grids[g.ID] = g
	}
	vs, err := s.org.AllVillages(ctx)
	if err != nil {
		return idx, nil, err
	}
	for _, v := range vs {
		if v.Code != "" {
			idx.byCode[v.Code] = v
		}
		idx.byName[v.Name] = append(idx.byName[v.Name], v)
	}
	ts, err := s.org.ListTeams(ctx)
	if err != nil {
		return idx, nil, err
	}
	teams := map[string]string{}
	for _, t := range ts {
		for _, g := range t.GridIDs {
			teams[g] = t.ID
		}
	}
	return idx, teams, nil
}

// find returns the row's village, or a field error code: unknown_village,
// or ambiguous_village when a name without township matches several.
func (x villageIndex) find(r contactbook.Row) (domain.Village, string) {
	if r.VillageCode != "" {
		v, ok := x.byCode[r.VillageCode]
		if !ok {
			return v, "unknown_village"
		}
		return v, ""
	}
	var hits []domain.Village
	for _, v := range x.byName[r.VillageName] {
		g := x.grids[v.GridID]
		if r.Township == "" || r.Township == g.Name || r.Township == g.Code {
			hits = append(hits, v)
		}
	}
	switch len(hits) {
	case 0:
		return domain.Village{}, "unknown_village"
	case 1:
		return hits[0], ""
	}
	return domain.Village{}, "ambiguous_village"
}

// Export checks that the caller may export the grid's assistants and
// returns them as entries to write with WriteCSV or WriteXLSX, read page by
// page as they are written. Errors: EForbidden, ENotFound (a grid that does
// not exist or is outside the caller's scope).
func (s *Service) Export(ctx context.Context, a domain.Actor, gridID string) (iter.Seq[contactbook.Entry], func() error, error) {
	if err := a.Authorize(domain.ActContactsExport); err != nil {
		return nil, nil, err
	}
	if err := a.InScope(gridID, "grid", gridID); err != nil {
		return nil, nil, err
	}
	grid, err := s.org.GetGrid(ctx, gridID)
	if err != nil {
		return nil, nil, err
	}
	villages, err := s.org.ListVillages(ctx, gridID)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]domain.Village{}
	for _, v := range villages {
		byID[v.ID] = v
	}
	var iterErr error
	seq := func(yield func(contactbook.Entry) bool) {
		cursor := ""
		for {
			users, next, err := s.org.ListUsers(ctx, domain.UserFilter{Roles: []domain.Role{domain.RoleAssistant}, GridIDs: []string{gridID}, Limit: 200, Cursor: cursor})
			if err != nil {
				iterErr = err
				return
			}
			for _, u := range users {
				v := byID[u.VillageID]
				if !yield(contactbook.Entry{Name: u.Name, Phone: u.Phone, Township: grid.Name, VillageCode: v.Code, VillageName: v.Name, Role: string(u.Role), Status: string(u.Status)}) {
					return
				}
			}
			if next == "" {
				return
			}
			cursor = next
		}
	}
	return seq, func() error { return iterErr }, nil
}
