package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// The states of an idempotency record.
const (
	idemPending = "pending"
	idemDone    = "done"
)

type idempotencyRow struct {
	UserID      string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	Operation   string
	RequestHash string
	State       string
	Outcome     string
	ResourceID  string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func (r idempotencyRow) domain() domain.IdempotencyRecord {
	return domain.IdempotencyRecord{IdempotencyKey: domain.IdempotencyKey{UserID: r.UserID, Key: r.IdemKey},
		Operation: r.Operation, RequestHash: r.RequestHash, Done: r.State == idemDone,
		Outcome: domain.IdempotencyOutcome(r.Outcome), ResourceID: r.ResourceID,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// IdempotencyStore implements domain.IdempotencyStore.
type IdempotencyStore struct{ db *gorm.DB }

// Idempotency returns the idempotency store.
func (db *DB) Idempotency() *IdempotencyStore { return &IdempotencyStore{db: db.gorm} }

func (s *IdempotencyStore) key(ctx context.Context, k domain.IdempotencyKey) *gorm.DB {
	return s.db.WithContext(ctx).Model(&idempotencyRow{}).Where("user_id = ? AND idem_key = ?", k.UserID, k.Key)
}

// ClaimIdempotency implements domain.IdempotencyStore.
func (s *IdempotencyStore) ClaimIdempotency(ctx context.Context, r domain.IdempotencyRecord) error {
	row := idempotencyRow{UserID: r.UserID, IdemKey: r.Key, Operation: r.Operation, RequestHash: r.RequestHash,
		State: idemPending, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	return translate(s.db.WithContext(ctx).Create(&row).Error, "idempotency key")
}

// GetIdempotency implements domain.IdempotencyStore.
func (s *IdempotencyStore) GetIdempotency(ctx context.Context, k domain.IdempotencyKey) (domain.IdempotencyRecord, error) {
	var row idempotencyRow
	if err := s.key(ctx, k).Take(&row).Error; err != nil {
		return domain.IdempotencyRecord{}, translate(err, "idempotency key")
	}
	return row.domain(), nil
}

// FinishIdempotency implements domain.IdempotencyStore.
func (s *IdempotencyStore) FinishIdempotency(ctx context.Context, k domain.IdempotencyKey, outcome domain.IdempotencyOutcome, resourceID string) error {
	res := s.key(ctx, k).Where("state = ?", idemPending).
		Updates(map[string]any{"state": idemDone, "outcome": string(outcome), "resource_id": resourceID})
	if res.Error != nil {
		return translate(res.Error, "idempotency key")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ENotFound, "idempotency key %q is not in flight", k.Key)
	}
	return nil
}

// ReleaseIdempotency implements domain.IdempotencyStore.
func (s *IdempotencyStore) ReleaseIdempotency(ctx context.Context, k domain.IdempotencyKey) error {
	return translate(s.key(ctx, k).Where("state = ?", idemPending).Delete(&idempotencyRow{}).Error, "idempotency key")
}

// PurgeIdempotency implements domain.IdempotencyStore.
func (s *IdempotencyStore) PurgeIdempotency(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&idempotencyRow{})
	return res.RowsAffected, translate(res.Error, "purge idempotency keys")
}
