// Package organisation is the use case of the court's organisation: grids
// (townships), their villages and the enforcement teams that serve them.
// Everyone signed in may read it (the app builds its pickers from it); only
// admins change it.
package organisation

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Service implements the organisation use cases.
type Service struct {
	tx  domain.Transactor
	org domain.OrgStore
}

// New returns the service.
func New(tx domain.Transactor, org domain.OrgStore) *Service { return &Service{tx: tx, org: org} }

var (
	gridCode    = regexp.MustCompile(`^[0-9]{9}$`)
	villageCode = regexp.MustCompile(`^[0-9]{12}$`)
)

func nameField(field, v string, max int) []domain.FieldError {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return []domain.FieldError{{Field: field, Code: "required"}}
	case n > max:
		return []domain.FieldError{{Field: field, Code: "too_long", Params: map[string]any{"max": max}}}
	}
	return nil
}

// GridView is a grid with the team that serves it.
type GridView struct {
	Grid   domain.Grid
	TeamID string
}

// Grids lists every grid with its serving team. Errors: EForbidden.
func (s *Service) Grids(ctx context.Context, a domain.Actor) ([]GridView, error) {
	if err := a.Authorize(domain.ActOrgRead); err != nil {
		return nil, err
	}
	grids, err := s.org.ListGrids(ctx)
	if err != nil {
		return nil, err
	}
	served, err := s.servedBy(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]GridView, len(grids))
	for i, g := range grids {
		out[i] = GridView{Grid: g, TeamID: served[g.ID]}
	}
	return out, nil
}

func (s *Service) servedBy(ctx context.Context) (map[string]string, error) {
	teams, err := s.org.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, t := range teams {
		for _, g := range t.GridIDs {
			m[g] = t.ID
		}
	}
	return m, nil
}

// Grid returns one grid. Errors: EForbidden, ENotFound.
func (s *Service) Grid(ctx context.Context, a domain.Actor, id string) (GridView, error) {
	if err := a.Authorize(domain.ActOrgRead); err != nil {
		return GridView{}, err
	}
	g, err := s.org.GetGrid(ctx, id)
	if err != nil {
		return GridView{}, err
	}
	served, err := s.servedBy(ctx)
	if err != nil {
		return GridView{}, err
	}
	return GridView{Grid: g, TeamID: served[g.ID]}, nil
}

// GridInput is what an admin sets on a grid; nil fields keep their value.
type GridInput struct {
	Code, Name, Pinyin, Kind *string
}

func (in GridInput) apply(g *domain.Grid) []domain.FieldError {
	if in.Code != nil {
		g.Code = strings.TrimSpace(*in.Code)
	}
	if in.Name != nil {
		g.Name = strings.TrimSpace(*in.Name)
	}
	if in.Pinyin != nil {
		g.Pinyin = strings.TrimSpace(*in.Pinyin)
	}
	if in.Kind != nil {
		g.Kind = *in.Kind
	}
	if g.Kind == "" {
		g.Kind = "town"
	}
	var fields []domain.FieldError
	if !gridCode.MatchString(g.Code) {
		fields = append(fields, domain.FieldError{Field: "code", Code: "invalid"})
	}
	fields = append(fields, nameField("name", g.Name, 64)...)
	if utf8.RuneCountInString(g.Pinyin) > 64 {
		fields = append(fields, domain.FieldError{Field: "pinyin", Code: "too_long", Params: map[string]any{"max": 64}})
	}
	if !slices.Contains([]string{"town", "township", "other"}, g.Kind) {
		fields = append(fields, domain.FieldError{Field: "kind", Code: "invalid"})
	}
	return fields
}

// CreateGrid creates a grid. Errors: EForbidden, EValidation, EConflict.
func (s *Service) CreateGrid(ctx context.Context, a domain.Actor, in GridInput) (GridView, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return GridView{}, err
	}
	var g domain.Grid
	if f := in.apply(&g); len(f) > 0 {
		return GridView{}, domain.Invalid(f...)
	}
	g, err := s.org.CreateGrid(ctx, g)
	return GridView{Grid: g}, err
}

// UpdateGrid changes a grid's names or kind (its code is fixed). Errors:
// EForbidden, ENotFound, EPrecondition, EValidation.
func (s *Service) UpdateGrid(ctx context.Context, a domain.Actor, id string, in GridInput, version int) (GridView, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return GridView{}, err
	}
	g, err := s.org.GetGrid(ctx, id)
	if err != nil {
		return GridView{}, err
	}
	in.Code = nil
	if f := in.apply(&g); len(f) > 0 {
		return GridView{}, domain.Invalid(f...)
	}
	if _, err := s.org.UpdateGrid(ctx, g, version); err != nil {
		return GridView{}, err
	}
	return s.Grid(ctx, a, id)
}

// Villages lists a grid's villages. Errors: EForbidden, ENotFound.
func (s *Service) Villages(ctx context.Context, a domain.Actor, gridID string) ([]domain.Village, error) {
	if err := a.Authorize(domain.ActOrgRead); err != nil {
		return nil, err
	}
	return s.org.ListVillages(ctx, gridID)
}

// VillageInput is what an admin sets on a village; nil fields keep their
// value, and an empty Code clears it.
type VillageInput struct {
	Code, Name *string
}

func (in VillageInput) apply(v *domain.Village, field string) []domain.FieldError {
	if in.Code != nil {
		v.Code = strings.TrimSpace(*in.Code)
	}
	if in.Name != nil {
		v.Name = strings.TrimSpace(*in.Name)
	}
	var fields []domain.FieldError
	if v.Code != "" && !villageCode.MatchString(v.Code) {
		fields = append(fields, domain.FieldError{Field: field + "code", Code: "invalid"})
	}
	return append(fields, nameField(field+"name", v.Name, 64)...)
}

// CreateVillage adds a village to a grid. Errors: EForbidden, ENotFound,
// EValidation, EConflict.
func (s *Service) CreateVillage(ctx context.Context, a domain.Actor, gridID string, in VillageInput) (domain.Village, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return domain.Village{}, err
	}
	if _, err := s.org.GetGrid(ctx, gridID); err != nil {
		return domain.Village{}, err
	}
	v := domain.Village{GridID: gridID}
	if f := in.apply(&v, ""); len(f) > 0 {
		return domain.Village{}, domain.Invalid(f...)
	}
	return s.org.CreateVillage(ctx, v)
}

// UpdateVillage renames a village or sets its code. Errors: EForbidden,
// ENotFound, EPrecondition, EValidation, EConflict.
func (s *Service) UpdateVillage(ctx context.Context, a domain.Actor, id string, in VillageInput, version int) (domain.Village, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return domain.Village{}, err
	}
	v, err := s.org.GetVillage(ctx, id)
	if err != nil {
		return domain.Village{}, err
	}
	if f := in.apply(&v, ""); len(f) > 0 {
		return domain.Village{}, domain.Invalid(f...)
	}
	return s.org.UpdateVillage(ctx, v, version)
}

// Teams lists every team. Errors: EForbidden.
func (s *Service) Teams(ctx context.Context, a domain.Actor) ([]domain.Team, error) {
	if err := a.Authorize(domain.ActOrgRead); err != nil {
		return nil, err
	}
	return s.org.ListTeams(ctx)
}

// Team returns one team. Errors: EForbidden, ENotFound.
func (s *Service) Team(ctx context.Context, a domain.Actor, id string) (domain.Team, error) {
	if err := a.Authorize(domain.ActOrgRead); err != nil {
		return domain.Team{}, err
	}
	return s.org.GetTeam(ctx, id)
}

// TeamInput is what an admin sets on a team; nil fields keep their value.
type TeamInput struct {
	Name        *string
	GridIDs     *[]string
	CountyQueue *bool
}

func (s *Service) applyTeam(ctx context.Context, t *domain.Team, in TeamInput) error {
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if in.GridIDs != nil {
		t.GridIDs = slices.Compact(slices.Sorted(slices.Values(*in.GridIDs)))
	}
	if in.CountyQueue != nil {
		t.CountyQueue = *in.CountyQueue
	}
	fields := nameField("name", t.Name, 128)
	for i, g := range t.GridIDs {
		if _, err := s.org.GetGrid(ctx, g); domain.IsCode(err, domain.ENotFound) {
			fields = append(fields, domain.FieldError{Field: "grid_ids[" + strconv.Itoa(i) + "]", Code: "invalid"})
		} else if err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

// CreateTeam creates a team serving grids. Errors: EForbidden, EValidation,
// EConflict (name taken, grid served by another team, second county queue).
func (s *Service) CreateTeam(ctx context.Context, a domain.Actor, in TeamInput) (domain.Team, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return domain.Team{}, err
	}
	var t domain.Team
	if err := s.applyTeam(ctx, &t, in); err != nil {
		return domain.Team{}, err
	}
	return s.org.CreateTeam(ctx, t)
}

// UpdateTeam renames a team or changes its grids. Errors: EForbidden,
// ENotFound, EPrecondition, EValidation, EConflict.
func (s *Service) UpdateTeam(ctx context.Context, a domain.Actor, id string, in TeamInput, version int) (domain.Team, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return domain.Team{}, err
	}
	t, err := s.org.GetTeam(ctx, id)
	if err != nil {
		return domain.Team{}, err
	}
	if err := s.applyTeam(ctx, &t, in); err != nil {
		return domain.Team{}, err
	}
	return s.org.UpdateTeam(ctx, t, version)
}
