// Package accounts is the use case of signing in and of managing who may:
// login with throttling, access and rotating refresh tokens, sessions,
// password changes, and the admin's user management. Every decision about
// who may see or do what goes through domain.Actor's policy.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Hasher hashes and checks passwords (argon2id in production).
type Hasher interface {
	Hash(pw string) (string, error)
	Check(hash, pw string) (bool, error)
}

// Config holds the lifetimes and throttle limits.
type Config struct {
	AccessTTL    time.Duration // access token lifetime
	RefreshTTL   time.Duration // session (refresh token family) lifetime
	RefreshGrace time.Duration // a just-spent refresh token may be presented again this long
	AuthCacheTTL time.Duration // how long a checked session is trusted without the database

	Window      time.Duration // failures count within this window
	PhoneLimit  int           // failures per phone before it is locked
	AddrLimit   int           // failures per client address before it is locked
	LockBase    time.Duration // first lock; doubles with every further failure
	LockMax     time.Duration
	OTPLength   int // one-time passwords set by admins
	TokenLength int // bytes of randomness in a refresh token

	// Hashers bounds the argon2id computations running at once: each takes
	// 64 MiB, so sixteen logins at the same moment would take a gigabyte.
	// The others wait their turn.
	Hashers int

	// DummyHash is checked for unknown phones so that they take as long as
	// known ones; it must have the parameters real hashes have. Empty: one
	// is made at start (64 MiB of garbage before the first request).
	DummyHash string
}

// dummyHash is an argon2id hash (password.Default parameters) of a random
// password nobody knows, made once offline.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$Xud/MlQ6jIcIqdKKrZnuXw$N503bD4qQZB0sOzKA2wltxRHBBSRFXOBPWRucq5HWzI"

// DefaultConfig is what production runs with.
var DefaultConfig = Config{
	AccessTTL:    15 * time.Minute,
	RefreshTTL:   30 * 24 * time.Hour,
	RefreshGrace: 10 * time.Second,
	AuthCacheTTL: 30 * time.Second,
	Window:       15 * time.Minute,
	PhoneLimit:   5,
	AddrLimit:    20,
	LockBase:     time.Minute,
	LockMax:      15 * time.Minute,
	OTPLength:    12,
	TokenLength:  32,
	Hashers:      2,
	DummyHash:    dummyHash,
}

// Service implements the accounts use cases.
type Service struct {
	tx       domain.Transactor
	org      domain.OrgStore
	sessions domain.SessionStore
	tokens   domain.TokenIssuer
	hasher   Hasher
	now      func() time.Time
	newID    func() string
	cfg      Config

	dummyHash string // checked for unknown phones so that timing tells nothing

	mu    sync.Mutex
	cache map[string]cached // session id -> actor checked at
}

type cached struct {
	actor domain.Actor
	until time.Time
}

// New returns the service. now and newID are injected for tests.
func New(tx domain.Transactor, org domain.OrgStore, sessions domain.SessionStore, tokens domain.TokenIssuer, hasher Hasher,
	now func() time.Time, newID func() string, cfg Config) (*Service, error) {
	hasher = boundedHasher{h: hasher, sem: make(chan struct{}, max(cfg.Hashers, 1))}
	dummy := cfg.DummyHash
	if dummy == "" {
		var err error
		if dummy, err = hasher.Hash("not a real password, only for equal timing"); err != nil {
			return nil, err
		}
	}
	return &Service{tx: tx, org: org, sessions: sessions, tokens: tokens, hasher: hasher, now: now, newID: newID, cfg: cfg,
		dummyHash: dummy, cache: map[string]cached{}}, nil
}

// TokenPair is what login and refresh answer.
type TokenPair struct {
	AccessToken        string
	ExpiresIn          time.Duration
	RefreshToken       string
	RefreshExpiresIn   time.Duration
	SessionID          string
	MustChangePassword bool
}

// hashToken is how refresh tokens are stored: only their SHA-256.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func (s *Service) newRefreshToken() (string, error) {
	b := make([]byte, s.cfg.TokenLength)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Scope returns the grids in u's scope: an assistant's village's grid, the
// grids a team serves, or all (admins and auditors).
func Scope(ctx context.Context, org domain.OrgStore, u domain.User) (gridIDs []string, all bool, err error) {
	switch u.Role {
	case domain.RoleAdmin, domain.RoleAuditor:
		return nil, true, nil
	case domain.RoleAssistant:
		if u.VillageID == "" {
			return []string{}, false, nil
		}
		v, err := org.GetVillage(ctx, u.VillageID)
		if err != nil {
			return nil, false, err
		}
		return []string{v.GridID}, false, nil
	case domain.RoleOfficer, domain.RoleGridLead:
		if u.TeamID == "" {
			return []string{}, false, nil
		}
		t, err := org.GetTeam(ctx, u.TeamID)
		if err != nil {
			return nil, false, err
		}
		if t.GridIDs == nil {
			return []string{}, false, nil
		}
		return t.GridIDs, false, nil
	}
	return []string{}, false, nil
}

// actorOf builds the actor of a user and session.
func actorOf(ctx context.Context, org domain.OrgStore, u domain.User, sessionID string) (domain.Actor, error) {
	grids, all, err := Scope(ctx, org, u)
	if err != nil {
		return domain.Actor{}, err
	}
	return domain.Actor{
		UserID: u.ID, SessionID: sessionID, Role: u.Role, VillageID: u.VillageID, TeamID: u.TeamID,
		GridIDs: grids, AllGrids: all, MustChangePassword: u.MustChangePassword,
	}, nil
}

// Authenticate turns verified access-token claims into the caller: the
// session must still be active and the user active. The answer is cached
// for AuthCacheTTL, so an ended session or a disabled user stops working on
// every instance within that time (and at once on the instance that ended
// it). Errors: EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, c domain.AccessClaims) (domain.Actor, error) {
	now := s.now()
	s.mu.Lock()
	if e, ok := s.cache[c.SessionID]; ok && now.Before(e.until) && e.actor.UserID == c.UserID {
		s.mu.Unlock()
		return e.actor, nil
	}
	s.mu.Unlock()

	sess, err := s.sessions.GetSession(ctx, c.SessionID)
	if domain.IsCode(err, domain.ENotFound) || err == nil && (!sess.Active(now) || sess.UserID != c.UserID) {
		return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "session %s ended", c.SessionID)
	}
	if err != nil {
		return domain.Actor{}, err
	}
	u, err := s.org.GetUser(ctx, c.UserID)
	if domain.IsCode(err, domain.ENotFound) || err == nil && u.Status != domain.UserActive {
		return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "user %s is not active", c.UserID)
	}
	if err != nil {
		return domain.Actor{}, err
	}
	a, err := actorOf(ctx, s.org, u, sess.ID)
	if err != nil {
		return domain.Actor{}, err
	}
	s.mu.Lock()
	s.cache[c.SessionID] = cached{actor: a, until: now.Add(s.cfg.AuthCacheTTL)}
	if len(s.cache) > 100_000 { // a crude bound: drop everything rather than grow without limit
		s.cache = map[string]cached{}
	}
	s.mu.Unlock()
	return a, nil
}

// forget drops cached sessions of a user (or one session) on this instance.
func (s *Service) forget(userID, sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, e := range s.cache {
		if id == sessionID || userID != "" && e.actor.UserID == userID {
			delete(s.cache, id)
		}
	}
}

// GridsOf returns the grids in u's scope, empty for admins and auditors
// (who see all), for showing on the account.
func (s *Service) GridsOf(ctx context.Context, u domain.User) ([]string, error) {
	grids, _, err := Scope(ctx, s.org, u)
	if grids == nil {
		grids = []string{}
	}
	return grids, err
}

// boundedHasher lets at most cap(sem) hashes run at once.
type boundedHasher struct {
	h   Hasher
	sem chan struct{}
}

func (b boundedHasher) Hash(pw string) (string, error) {
	b.sem <- struct{}{}
	defer func() { <-b.sem }()
	return b.h.Hash(pw)
}

func (b boundedHasher) Check(hash, pw string) (bool, error) {
	b.sem <- struct{}{}
	defer func() { <-b.sem }()
	return b.h.Check(hash, pw)
}
