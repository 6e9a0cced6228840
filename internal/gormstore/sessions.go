package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type sessionRow struct {
	ID           string `gorm:"primaryKey"`
	UserID       string
	Device       string
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason *string
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) domain() domain.Session {
	return domain.Session{
		ID: r.ID, UserID: r.UserID, Device: r.Device,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		RevokedAt: derefTime(r.RevokedAt), RevokeReason: deref(r.RevokeReason),
	}
}

type refreshTokenRow struct {
	Hash          string `gorm:"primaryKey"`
	SessionID     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	SpentAt       *time.Time
	SuccessorHash *string
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func (r refreshTokenRow) domain() domain.RefreshToken {
	return domain.RefreshToken{
		Hash: r.Hash, SessionID: r.SessionID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		SpentAt: derefTime(r.SpentAt), SuccessorHash: deref(r.SuccessorHash),
	}
}

func refreshRow(t domain.RefreshToken) refreshTokenRow {
	return refreshTokenRow{Hash: t.Hash, SessionID: t.SessionID, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
		SpentAt: nullableTime(t.SpentAt), SuccessorHash: nullable(t.SuccessorHash)}
}

// SessionStore implements domain.SessionStore.
type SessionStore struct {
	db      *gorm.DB
	dialect Dialect
}

var _ domain.SessionStore = (*SessionStore)(nil)

// Sessions returns the session store.
func (db *DB) Sessions() *SessionStore { return &SessionStore{db: db.gorm, dialect: db.dialect} }

// forUpdate locks the rows read inside a MySQL transaction. SQLite needs no
// row lock: its IMMEDIATE transactions already hold the write lock.
func forUpdate(q *gorm.DB, d Dialect) *gorm.DB {
	if d == MySQL {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// CreateSession implements domain.SessionStore.
func (s *SessionStore) CreateSession(ctx context.Context, sess domain.Session, first domain.RefreshToken) error {
	row := sessionRow{ID: sess.ID, UserID: sess.UserID, Device: sess.Device, CreatedAt: sess.CreatedAt.UTC(),
		LastUsedAt: sess.LastUsedAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		tok := refreshRow(first)
		return tx.Create(&tok).Error
	})
	return translate(err, "create session for user %s", sess.UserID)
}

// GetSession implements domain.SessionStore.
func (s *SessionStore) GetSession(ctx context.Context, id string) (domain.Session, error) {
	var row sessionRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Session{}, translate(err, "session %s", id)
	}
	return row.domain(), nil
}

// ListSessions implements domain.SessionStore.
func (s *SessionStore) ListSessions(ctx context.Context, userID string, now time.Time) ([]domain.Session, error) {
	var rows []sessionRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now.UTC()).
		Order("last_used_at DESC, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "sessions of user %s", userID)
	}
	out := make([]domain.Session, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// GetRefreshToken implements domain.SessionStore.
func (s *SessionStore) GetRefreshToken(ctx context.Context, hash string) (domain.RefreshToken, error) {
	var row refreshTokenRow
	if err := forUpdate(s.db.WithContext(ctx), s.dialect).Where("hash = ?", hash).Take(&row).Error; err != nil {
		return domain.RefreshToken{}, translate(err, "refresh token")
	}
	return row.domain(), nil
}

// RotateRefreshToken implements domain.SessionStore.
func (s *SessionStore) RotateRefreshToken(ctx context.Context, old, next domain.RefreshToken, now time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&refreshTokenRow{}).Where("hash = ?", old.Hash).
			Updates(map[string]any{"spent_at": now.UTC(), "successor_hash": next.Hash})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ENotFound, "refresh token")
		}
		row := refreshRow(next)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Model(&sessionRow{}).Where("id = ?", old.SessionID).Update("last_used_at", now.UTC()).Error
	})
	return translate(err, "rotate refresh token of session %s", old.SessionID)
}

// RevokeSession implements domain.SessionStore.
func (s *SessionStore) RevokeSession(ctx context.Context, id, reason string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": now.UTC(), "revoke_reason": reason}).Error
	return translate(err, "revoke session %s", id)
}

// RevokeUserSessions implements domain.SessionStore.
func (s *SessionStore) RevokeUserSessions(ctx context.Context, userID, reason string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": now.UTC(), "revoke_reason": reason}).Error
	return translate(err, "revoke sessions of user %s", userID)
}
