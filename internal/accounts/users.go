package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/password"
)

// UserInput is what an admin sets on a user. On update, nil fields keep
// their value.
type UserInput struct {
	Phone     *string
	Name      *string
	Role      *domain.Role
	VillageID *string
	TeamID    *string
}

// apply sets the given fields on u and returns the phone as written (""
// when not given), which validateUser normalises.
func (in UserInput) apply(u *domain.User) string {
	raw := ""
	if in.Phone != nil {
		raw = *in.Phone
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.VillageID != nil {
		u.VillageID = *in.VillageID
	}
	if in.TeamID != nil {
		u.TeamID = *in.TeamID
	}
	return raw
}

// validateUser checks a user's fields and their membership: assistants
// belong to an existing village, officers and grid leads to an existing
// team, admins and auditors to neither. It returns every problem at once.
func (s *Service) validateUser(ctx context.Context, u *domain.User, rawPhone string) error {
	var fields []domain.FieldError
	if rawPhone != "" || u.Phone == "" {
		p, ok := domain.NormalizePhone(rawPhone)
		if !ok {
			fields = append(fields, domain.FieldError{Field: "phone", Code: "invalid"})
		}
		u.Phone = p
	}
	u.Name = strings.TrimSpace(u.Name)
	if n := utf8.RuneCountInString(u.Name); n == 0 {
		fields = append(fields, domain.FieldError{Field: "name", Code: "required"})
	} else if n > 64 {
		fields = append(fields, domain.FieldError{Field: "name", Code: "too_long", Params: map[string]any{"max": 64}})
	}
	if !u.Role.Valid() {
		fields = append(fields, domain.FieldError{Field: "role", Code: "invalid"})
	}
	switch u.Role {
	case domain.RoleAssistant:
		u.TeamID = ""
		if u.VillageID == "" {
			fields = append(fields, domain.FieldError{Field: "village_id", Code: "required"})
		} else if _, err := s.org.GetVillage(ctx, u.VillageID); domain.IsCode(err, domain.ENotFound) {
			fields = append(fields, domain.FieldError{Field: "village_id", Code: "invalid"})
		} else if err != nil {
			return err
		}
	case domain.RoleOfficer, domain.RoleGridLead:
		u.VillageID = ""
		if u.TeamID == "" {
			fields = append(fields, domain.FieldError{Field: "team_id", Code: "required"})
		} else if _, err := s.org.GetTeam(ctx, u.TeamID); domain.IsCode(err, domain.ENotFound) {
			fields = append(fields, domain.FieldError{Field: "team_id", Code: "invalid"})
		} else if err != nil {
			return err
		}
	case domain.RoleAdmin, domain.RoleAuditor:
		u.VillageID, u.TeamID = "", ""
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

// CreateUser creates an account with a one-time password that is returned
// once and must be changed at first login. Errors: EForbidden, EValidation,
// EConflict (phone taken).
func (s *Service) CreateUser(ctx context.Context, a domain.Actor, in UserInput) (domain.User, string, error) {
	if err := a.Authorize(domain.ActUserManage); err != nil {
		return domain.User{}, "", err
	}
	u := domain.User{Status: domain.UserActive, MustChangePassword: true}
	raw := in.apply(&u)
	if err := s.validateUser(ctx, &u, raw); err != nil {
		return domain.User{}, "", err
	}
	otp, err := password.Random(s.cfg.OTPLength)
	if err != nil {
		return domain.User{}, "", err
	}
	if u.PasswordHash, err = s.hasher.Hash(otp); err != nil {
		return domain.User{}, "", err
	}
	u.PasswordChangedAt = s.now().UTC()
	created, err := s.org.CreateUser(ctx, u)
	if err != nil {
		return domain.User{}, "", err
	}
	return created, otp, nil
}

// UpdateUser changes an account's phone, name, role or membership. version
// is the one the admin last saw (0: no check). Errors: EForbidden,
// ENotFound, EPrecondition, EValidation, EConflict.
func (s *Service) UpdateUser(ctx context.Context, a domain.Actor, id string, in UserInput, version int) (domain.User, error) {
	if err := a.Authorize(domain.ActUserManage); err != nil {
		return domain.User{}, err
	}
	u, err := s.org.GetUser(ctx, id)
	if err != nil {
		return domain.User{}, err
	}
	if in.Phone != nil && *in.Phone == "" {
		return domain.User{}, domain.Invalid(domain.FieldError{Field: "phone", Code: "invalid"})
	}
	raw := in.apply(&u)
	if err := s.validateUser(ctx, &u, raw); err != nil {
		return domain.User{}, err
	}
	out, err := s.org.UpdateUser(ctx, u, version)
	if err != nil {
		return domain.User{}, err
	}
	s.forget(id, "") // role and scope are re-read at the next request
	return out, nil
}

// SetStatus disables or re-enables an account. Disabling ends every session
// of the user; an admin cannot disable their own account. Errors:
// EForbidden, ENotFound, EConflict.
func (s *Service) SetStatus(ctx context.Context, a domain.Actor, id string, status domain.UserStatus) (domain.User, error) {
	if err := a.Authorize(domain.ActUserManage); err != nil {
		return domain.User{}, err
	}
	if status == domain.UserDisabled && id == a.UserID {
		return domain.User{}, domain.Errorf(domain.EConflict, "an admin cannot disable their own account")
	}
	var out domain.User
	err := s.tx.Transact(ctx, func(st domain.Stores) error {
		u, err := st.Org.GetUser(ctx, id)
		if err != nil {
			return err
		}
		if u.Status == status {
			out = u
			return nil
		}
		u.Status = status
		if out, err = st.Org.UpdateUser(ctx, u, u.Version); err != nil {
			return err
		}
		if status == domain.UserDisabled {
			return st.Sessions.RevokeUserSessions(ctx, id, "disabled", s.now())
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	s.forget(id, "")
	return out, nil
}

// ResetPassword gives an account a new one-time password (returned once),
// which must be changed at next login, and ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, a domain.Actor, id string) (domain.User, string, error) {
	if err := a.Authorize(domain.ActUserManage); err != nil {
		return domain.User{}, "", err
	}
	u, err := s.org.GetUser(ctx, id)
	if err != nil {
		return domain.User{}, "", err
	}
	otp, err := password.Random(s.cfg.OTPLength)
	if err != nil {
		return domain.User{}, "", err
	}
	if err := s.setPassword(ctx, u, otp, true, "admin"); err != nil {
		return domain.User{}, "", err
	}
	u, err = s.org.GetUser(ctx, id)
	return u, otp, err
}

// GetUser returns one account. Errors: EForbidden, ENotFound.
func (s *Service) GetUser(ctx context.Context, a domain.Actor, id string) (domain.User, error) {
	if err := a.Authorize(domain.ActUserRead); err != nil {
		return domain.User{}, err
	}
	return s.org.GetUser(ctx, id)
}

// ListUsers returns a page of accounts. Errors: EForbidden, EValidation.
func (s *Service) ListUsers(ctx context.Context, a domain.Actor, f domain.UserFilter) ([]domain.User, string, error) {
	if err := a.Authorize(domain.ActUserRead); err != nil {
		return nil, "", err
	}
	return s.org.ListUsers(ctx, f)
}

// Assistant is an assistant as officers see them: with phone and place.
type Assistant struct {
	User        domain.User
	VillageName string
	GridID      string
	GridName    string
}

// AssistantFilter selects assistants; GridID and VillageID must be in the
// caller's scope.
type AssistantFilter struct {
	GridID, VillageID, Query string
	Status                   domain.UserStatus
	Limit                    int
	Cursor                   string
}

// ListAssistants returns the assistants of the grids in the caller's scope,
// with their phone numbers. A grid or village outside the scope is
// ENotFound. Errors: EForbidden, ENotFound, EValidation.
func (s *Service) ListAssistants(ctx context.Context, a domain.Actor, f AssistantFilter) ([]Assistant, string, error) {
	if err := a.Authorize(domain.ActAssistantRead); err != nil {
		return nil, "", err
	}
	grids, err := s.org.ListGrids(ctx)
	if err != nil {
		return nil, "", err
	}
	villages, err := s.org.AllVillages(ctx)
	if err != nil {
		return nil, "", err
	}
	gridName := map[string]string{}
	for _, g := range grids {
		gridName[g.ID] = g.Name
	}
	village := map[string]domain.Village{}
	for _, v := range villages {
		village[v.ID] = v
	}
	uf := domain.UserFilter{Roles: []domain.Role{domain.RoleAssistant}, Status: f.Status, Query: f.Query, Limit: f.Limit, Cursor: f.Cursor}
	switch {
	case f.GridID != "":
		if _, ok := gridName[f.GridID]; !ok {
			return nil, "", domain.Errorf(domain.ENotFound, "grid %s", f.GridID)
		}
		if err := a.InScope(f.GridID, "grid", f.GridID); err != nil {
			return nil, "", err
		}
		uf.GridIDs = []string{f.GridID}
	case !a.AllGrids:
		uf.GridIDs = slices.Clone(a.GridIDs)
		if uf.GridIDs == nil {
			uf.GridIDs = []string{}
		}
	}
	if f.VillageID != "" {
		v, ok := village[f.VillageID]
		if !ok {
			return nil, "", domain.Errorf(domain.ENotFound, "village %s", f.VillageID)
		}
		if err := a.InScope(v.GridID, "village", f.VillageID); err != nil {
			return nil, "", err
		}
		uf.VillageID = f.VillageID
	}
	users, next, err := s.org.ListUsers(ctx, uf)
	if err != nil {
		return nil, "", err
	}
	out := make([]Assistant, len(users))
	for i, u := range users {
		v := village[u.VillageID]
		out[i] = Assistant{User: u, VillageName: v.Name, GridID: v.GridID, GridName: gridName[v.GridID]}
	}
	return out, next, nil
}

// AddUser creates an account with a password the operator chose, for the
// command line (`xiezhi user add`): the first admin of a new deployment.
// There is no actor: whoever runs the binary on the server is trusted.
// Errors: EValidation (fields, weak password), EConflict (phone taken).
func (s *Service) AddUser(ctx context.Context, in UserInput, pw string) (domain.User, error) {
	u := domain.User{Status: domain.UserActive}
	raw := in.apply(&u)
	err := s.validateUser(ctx, &u, raw)
	var fields []domain.FieldError
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EValidation {
		fields = de.Fields
	} else if err != nil {
		return domain.User{}, err
	}
	if w := password.Weakness(pw, u.Phone); w != "" {
		fields = append(fields, domain.FieldError{Field: "password", Code: w, Params: map[string]any{"min": password.MinLength, "max": password.MaxLength}})
	}
	if len(fields) > 0 {
		return domain.User{}, domain.Invalid(fields...)
	}
	if u.PasswordHash, err = s.hasher.Hash(pw); err != nil {
		return domain.User{}, err
	}
	u.PasswordChangedAt = s.now().UTC()
	return s.org.CreateUser(ctx, u)
}
