package domain

import (
	"context"
	"time"
)

// Session is one signed-in device: a family of refresh tokens. Ending it
// ends every token of the family; access tokens name it (sid) and stop
// working once it is ended.
type Session struct {
	ID           string
	UserID       string
	Device       string // what the client said it is, e.g. "Android 12; Redmi Note 9"
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time
	RevokedAt    time.Time // zero while active
	RevokeReason string    // logout, reuse, password, disabled, admin
}

// Active reports whether the session may still be used at now.
func (s Session) Active(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// RefreshToken is one opaque refresh token, stored only as its hash.
type RefreshToken struct {
	Hash          string // hex SHA-256 of the token
	SessionID     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	SpentAt       time.Time // zero until rotated
	SuccessorHash string    // the token it was rotated into
}

// SessionStore keeps sessions and their refresh tokens.
type SessionStore interface {
	// CreateSession stores a new session with its first refresh token.
	CreateSession(ctx context.Context, s Session, first RefreshToken) error
	// GetSession returns one session. Errors: ENotFound.
	GetSession(ctx context.Context, id string) (Session, error)
	// ListSessions returns a user's active sessions at now, newest use first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// GetRefreshToken returns a token by hash, locked for update inside a
	// transaction. Errors: ENotFound.
	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken marks old spent at now with its successor and
	// stores next, and records the session's last use.
	RotateRefreshToken(ctx context.Context, old RefreshToken, next RefreshToken, now time.Time) error
	// RevokeSession ends one session. Ending an ended session is no error.
	RevokeSession(ctx context.Context, id, reason string, now time.Time) error
	// RevokeUserSessions ends every session of a user.
	RevokeUserSessions(ctx context.Context, userID, reason string, now time.Time) error
}

// Throttle is the failed-login state of one key (a phone or a client
// address), shared by all instances through the database.
type Throttle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
}

// ThrottleStore keeps throttles.
type ThrottleStore interface {
	// GetThrottle returns the state of key, locked for update inside a
	// transaction; a key never seen is a zero Throttle with that key.
	GetThrottle(ctx context.Context, key string) (Throttle, error)
	// PutThrottle stores the state of t.Key.
	PutThrottle(ctx context.Context, t Throttle) error
	// DeleteThrottle forgets key (after a successful login).
	DeleteThrottle(ctx context.Context, key string) error
}

// AccessClaims are what an access token says about its bearer.
type AccessClaims struct {
	TokenID   string // jti
	UserID    string // sub
	SessionID string // sid
	Role      Role
	GridIDs   []string // grid scope at issue time (informational: scope is re-read per request)
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// TokenIssuer signs access tokens.
type TokenIssuer interface {
	// Issue signs c with the current signing key.
	Issue(c AccessClaims) (string, error)
}

// TokenVerifier checks access tokens: signature by a known key, pinned
// algorithm, issuer, audience, expiry. Errors: EUnauthorized.
type TokenVerifier interface {
	Verify(token string) (AccessClaims, error)
}
