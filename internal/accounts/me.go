package accounts

import (
	"context"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/password"
)

// Me returns the caller's account and the grids in their scope.
func (s *Service) Me(ctx context.Context, a domain.Actor) (domain.User, []domain.Grid, error) {
	u, err := s.org.GetUser(ctx, a.UserID)
	if err != nil {
		return domain.User{}, nil, err
	}
	all, err := s.org.ListGrids(ctx)
	if err != nil {
		return domain.User{}, nil, err
	}
	grids := []domain.Grid{}
	for _, g := range all {
		if a.SeesGrid(g.ID) {
			grids = append(grids, g)
		}
	}
	return u, grids, nil
}

// ChangePassword sets the caller's new password after checking the current
// one (a wrong one counts as a failed login), and ends all of their
// sessions, this one included. Errors: EValidation (mismatch, weak
// password), ETooManyRequests.
func (s *Service) ChangePassword(ctx context.Context, a domain.Actor, current, next, addr string) error {
	if err := a.Authorize(domain.ActSessionsOwn); err != nil {
		return err
	}
	u, err := s.org.GetUser(ctx, a.UserID)
	if err != nil {
		return err
	}
	keys := throttleKeys(u.Phone, addr)
	if err := s.checkThrottle(ctx, keys); err != nil {
		return err
	}
	var fields []domain.FieldError
	if current == "" {
		fields = append(fields, domain.FieldError{Field: "current_password", Code: "required"})
	} else {
		ok, err := s.hasher.Check(u.PasswordHash, current)
		if err != nil {
			return err
		}
		if !ok {
			if err := s.recordFailure(ctx, keys); err != nil {
				return err
			}
			fields = append(fields, domain.FieldError{Field: "current_password", Code: "mismatch"})
		}
	}
	if w := password.Weakness(next, u.Phone); w != "" {
		fields = append(fields, domain.FieldError{Field: "new_password", Code: w, Params: map[string]any{"min": password.MinLength, "max": password.MaxLength}})
	} else if current != "" && next == current {
		fields = append(fields, domain.FieldError{Field: "new_password", Code: "same_as_current"})
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return s.setPassword(ctx, u, next, false, "password")
}

// setPassword stores a new password hash and ends every session of the
// user, in one transaction.
func (s *Service) setPassword(ctx context.Context, u domain.User, pw string, mustChange bool, reason string) error {
	h, err := s.hasher.Hash(pw)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	err = s.tx.Transact(ctx, func(st domain.Stores) error {
		u.PasswordHash, u.MustChangePassword, u.PasswordChangedAt = h, mustChange, now
		if _, err := st.Org.UpdateUser(ctx, u, 0); err != nil {
			return err
		}
		return st.Sessions.RevokeUserSessions(ctx, u.ID, reason, now)
	})
	if err != nil {
		return err
	}
	s.forget(u.ID, "")
	return nil
}

// Sessions lists the caller's active sessions.
func (s *Service) Sessions(ctx context.Context, a domain.Actor) ([]domain.Session, error) {
	if err := a.Authorize(domain.ActSessionsOwn); err != nil {
		return nil, err
	}
	return s.sessions.ListSessions(ctx, a.UserID, s.now())
}

// EndSession ends one of the caller's sessions. Errors: ENotFound for a
// session of someone else, or one already ended.
func (s *Service) EndSession(ctx context.Context, a domain.Actor, id string) error {
	if err := a.Authorize(domain.ActSessionsOwn); err != nil {
		return err
	}
	sess, err := s.sessions.GetSession(ctx, id)
	if err != nil {
		return err
	}
	if sess.UserID != a.UserID || !sess.Active(s.now()) {
		return domain.Errorf(domain.ENotFound, "session %s", id)
	}
	if err := s.sessions.RevokeSession(ctx, id, "logout", s.now()); err != nil {
		return err
	}
	s.forget("", id)
	return nil
}
