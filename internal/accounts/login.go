package accounts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/password"
)

// errBadLogin is the one answer to an unknown phone, a wrong password and a
// disabled account alike, so that the answer tells nothing.
func errBadLogin() error {
	return domain.Errorf(domain.EUnauthorized, "phone or password is wrong")
}

// throttleKeys are the keys a login attempt counts against.
func throttleKeys(phone, addr string) []string {
	keys := []string{"phone:" + phone}
	if addr != "" {
		keys = append(keys, "addr:"+addr)
	}
	return keys
}

// checkThrottle refuses an attempt while any of its keys is locked.
func (s *Service) checkThrottle(ctx context.Context, keys []string) error {
	now := s.now()
	return s.tx.Transact(ctx, func(st domain.Stores) error {
		var wait time.Duration
		for _, k := range keys {
			t, err := st.Throttles.GetThrottle(ctx, k)
			if err != nil {
				return err
			}
			if d := t.LockedUntil.Sub(now); d > wait {
				wait = d
			}
		}
		if wait > 0 {
			return &domain.Error{Code: domain.ETooManyRequests, Message: "too many failed logins", RetryAfter: wait}
		}
		return nil
	})
}

// recordFailure counts a failed attempt against every key, locking a key
// once it reaches its limit within the window: LockBase, doubling with each
// further failure, up to LockMax.
func (s *Service) recordFailure(ctx context.Context, keys []string) error {
	now := s.now()
	return s.tx.Transact(ctx, func(st domain.Stores) error {
		for _, k := range keys {
			t, err := st.Throttles.GetThrottle(ctx, k)
			if err != nil {
				return err
			}
			if now.Sub(t.WindowStart) > s.cfg.Window && now.After(t.LockedUntil) {
				t.Failures, t.WindowStart = 0, now
			}
			t.Failures++
			limit := s.cfg.PhoneLimit
			if strings.HasPrefix(k, "addr:") {
				limit = s.cfg.AddrLimit
			}
			if over := t.Failures - limit; over >= 0 {
				lock := s.cfg.LockBase << min(over, 20)
				if lock > s.cfg.LockMax || lock <= 0 {
					lock = s.cfg.LockMax
				}
				t.LockedUntil = now.Add(lock)
			}
			if err := st.Throttles.PutThrottle(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoginInput is what a client signs in with.
type LoginInput struct {
	Phone, Password, Device string
	Addr                    string // the client address, for throttling
}

// Login checks a phone and password and opens a session. Errors:
// EValidation (malformed phone or missing fields), EUnauthorized (wrong
// phone or password, disabled account: one answer for all),
// ETooManyRequests (throttled, with RetryAfter).
func (s *Service) Login(ctx context.Context, in LoginInput) (TokenPair, error) {
	var fields []domain.FieldError
	phone, ok := domain.NormalizePhone(in.Phone)
	if !ok {
		fields = append(fields, domain.FieldError{Field: "phone", Code: "invalid"})
	}
	if in.Password == "" {
		fields = append(fields, domain.FieldError{Field: "password", Code: "required"})
	}
	if len(fields) > 0 {
		return TokenPair{}, domain.Invalid(fields...)
	}
	keys := throttleKeys(phone, in.Addr)
	if err := s.checkThrottle(ctx, keys); err != nil {
		return TokenPair{}, err
	}
	u, err := s.org.GetUserByPhone(ctx, phone)
	hash := u.PasswordHash
	if err != nil {
		if !domain.IsCode(err, domain.ENotFound) {
			return TokenPair{}, err
		}
		hash = s.dummyHash
	}
	if hash == password.Locked { // no password set yet: spend the same time, then fail
		hash = s.dummyHash
		err = domain.Errorf(domain.EUnauthorized, "user has no password yet")
	}
	match, cerr := s.hasher.Check(hash, in.Password)
	if cerr != nil {
		return TokenPair{}, cerr
	}
	if err != nil || !match || u.Status != domain.UserActive {
		if ferr := s.recordFailure(ctx, keys); ferr != nil {
			return TokenPair{}, ferr
		}
		return TokenPair{}, errBadLogin()
	}
	if err := s.tx.Transact(ctx, func(st domain.Stores) error { return st.Throttles.DeleteThrottle(ctx, keys[0]) }); err != nil {
		return TokenPair{}, err
	}
	return s.openSession(ctx, u, in.Device)
}

// openSession creates a session with its first refresh token and signs an
// access token for it.
func (s *Service) openSession(ctx context.Context, u domain.User, device string) (TokenPair, error) {
	now := s.now().UTC()
	refresh, err := s.newRefreshToken()
	if err != nil {
		return TokenPair{}, err
	}
	sess := domain.Session{ID: s.newID(), UserID: u.ID, Device: truncate(device, 128), CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	first := domain.RefreshToken{Hash: hashToken(refresh), SessionID: sess.ID, CreatedAt: now, ExpiresAt: sess.ExpiresAt}
	if err := s.sessions.CreateSession(ctx, sess, first); err != nil {
		return TokenPair{}, err
	}
	return s.pair(ctx, u, sess, refresh)
}

// pair signs an access token for the session and bundles it with refresh.
func (s *Service) pair(ctx context.Context, u domain.User, sess domain.Session, refresh string) (TokenPair, error) {
	now := s.now().UTC()
	grids, _, err := Scope(ctx, s.org, u)
	if err != nil {
		return TokenPair{}, err
	}
	access, err := s.tokens.Issue(domain.AccessClaims{
		TokenID: s.newID(), UserID: u.ID, SessionID: sess.ID, Role: u.Role, GridIDs: grids,
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{
		AccessToken: access, ExpiresIn: s.cfg.AccessTTL, RefreshToken: refresh,
		RefreshExpiresIn: sess.ExpiresAt.Sub(now), SessionID: sess.ID, MustChangePassword: u.MustChangePassword,
	}, nil
}

// Refresh spends a refresh token and returns a new pair. Presenting a spent
// token again ends the whole session (the token was stolen, or the thief
// already used it), except within RefreshGrace of its spending when its
// successor was never used: the phone lost the answer, and gets a new one.
// Errors: EUnauthorized.
func (s *Service) Refresh(ctx context.Context, token string) (TokenPair, error) {
	if token == "" {
		return TokenPair{}, domain.Invalid(domain.FieldError{Field: "refresh_token", Code: "required"})
	}
	now := s.now().UTC()
	next, err := s.newRefreshToken()
	if err != nil {
		return TokenPair{}, err
	}
	var (
		sess   domain.Session
		reused bool
	)
	err = s.tx.Transact(ctx, func(st domain.Stores) error {
		tok, err := st.Sessions.GetRefreshToken(ctx, hashToken(token))
		if domain.IsCode(err, domain.ENotFound) {
			return errUnknownRefresh
		}
		if err != nil {
			return err
		}
		sess, err = st.Sessions.GetSession(ctx, tok.SessionID)
		if err != nil {
			return err
		}
		if !sess.Active(now) || !now.Before(tok.ExpiresAt) {
			return errUnknownRefresh
		}
		if !tok.SpentAt.IsZero() {
			succ, err := st.Sessions.GetRefreshToken(ctx, tok.SuccessorHash)
			if err != nil {
				return err
			}
			if now.Sub(tok.SpentAt) > s.cfg.RefreshGrace || !succ.SpentAt.IsZero() {
				reused = true
				return st.Sessions.RevokeSession(ctx, sess.ID, "reuse", now)
			}
			tok = succ // the lost answer's token is replaced in turn
		}
		return st.Sessions.RotateRefreshToken(ctx, tok, domain.RefreshToken{
			Hash: hashToken(next), SessionID: sess.ID, CreatedAt: now, ExpiresAt: sess.ExpiresAt,
		}, now)
	})
	if errors.Is(err, errUnknownRefresh) {
		return TokenPair{}, domain.Errorf(domain.EUnauthorized, "refresh token unknown, expired or of an ended session")
	}
	if err != nil {
		return TokenPair{}, err
	}
	if reused {
		s.forget("", sess.ID)
		return TokenPair{}, domain.Errorf(domain.EUnauthorized, "refresh token reused: session %s ended", sess.ID)
	}
	u, err := s.org.GetUser(ctx, sess.UserID)
	if err != nil {
		return TokenPair{}, err
	}
	if u.Status != domain.UserActive {
		return TokenPair{}, domain.Errorf(domain.EUnauthorized, "user %s is not active", u.ID)
	}
	return s.pair(ctx, u, sess, next)
}

var errUnknownRefresh = errors.New("unknown refresh token")

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, a domain.Actor) error {
	if err := s.sessions.RevokeSession(ctx, a.SessionID, "logout", s.now()); err != nil {
		return err
	}
	s.forget("", a.SessionID)
	return nil
}

func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
