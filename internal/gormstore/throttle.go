package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type throttleRow struct {
	ThrottleKey string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (throttleRow) TableName() string { return "login_throttles" }

// ThrottleStore implements domain.ThrottleStore.
type ThrottleStore struct {
	db      *gorm.DB
	dialect Dialect
}

var _ domain.ThrottleStore = (*ThrottleStore)(nil)

// Throttles returns the login throttle store.
func (db *DB) Throttles() *ThrottleStore { return &ThrottleStore{db: db.gorm, dialect: db.dialect} }

// GetThrottle implements domain.ThrottleStore.
func (s *ThrottleStore) GetThrottle(ctx context.Context, key string) (domain.Throttle, error) {
	var row throttleRow
	err := forUpdate(s.db.WithContext(ctx), s.dialect).Where("throttle_key = ?", key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Throttle{Key: key}, nil
	}
	if err != nil {
		return domain.Throttle{}, translate(err, "throttle %s", key)
	}
	return domain.Throttle{Key: key, Failures: row.Failures, WindowStart: row.WindowStart.UTC(), LockedUntil: derefTime(row.LockedUntil)}, nil
}

// PutThrottle implements domain.ThrottleStore. It upserts, so two instances
// counting the first failure of a key at once do not collide.
func (s *ThrottleStore) PutThrottle(ctx context.Context, t domain.Throttle) error {
	row := throttleRow{ThrottleKey: t.Key, Failures: t.Failures, WindowStart: t.WindowStart.UTC(), LockedUntil: nullableTime(t.LockedUntil)}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "throttle_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"failures", "window_start", "locked_until"}),
	}).Create(&row).Error
	return translate(err, "throttle %s", t.Key)
}

// DeleteThrottle implements domain.ThrottleStore.
func (s *ThrottleStore) DeleteThrottle(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Where("throttle_key = ?", key).Delete(&throttleRow{}).Error, "throttle %s", key)
}
