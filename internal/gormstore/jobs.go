package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type jobRow struct {
	ID          string `gorm:"primaryKey"`
	Kind        string
	Ref         string
	State       string
	Attempts    int
	RunAfter    time.Time
	LeasedUntil *time.Time
	LeasedBy    *string
	LastError   *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (jobRow) TableName() string { return "jobs" }

func (r jobRow) domain() domain.Job {
	return domain.Job{ID: r.ID, Kind: r.Kind, Ref: r.Ref, State: domain.JobState(r.State), Attempts: r.Attempts,
		RunAfter: r.RunAfter.UTC(), LeasedUntil: derefTime(r.LeasedUntil), LeasedBy: deref(r.LeasedBy), LastError: deref(r.LastError),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// JobStore implements domain.JobStore on the jobs table.
//
// A running job's run_after is its lease's end, so "due" is one condition
// for both kinds of claimable job: state queued or running, run_after
// passed. Each state is one ordered range of ix_jobs_claim (state,
// run_after), which a claim walks from its start and leaves at the first
// row no one else holds.
type JobStore struct {
	db      *gorm.DB
	dialect Dialect
}

var _ domain.JobStore = (*JobStore)(nil)

// Jobs returns the job store.
func (db *DB) Jobs() *JobStore { return &JobStore{db: db.gorm, dialect: db.dialect} }

// Enqueue implements domain.JobStore.
func (s *JobStore) Enqueue(ctx context.Context, j domain.Job) error {
	row := newJobRow(j)
	return translate(s.db.WithContext(ctx).Create(&row).Error, "job %s", j.ID)
}

// newJobRow is the row of a job being enqueued.
func newJobRow(j domain.Job) jobRow {
	return jobRow{ID: j.ID, Kind: j.Kind, Ref: j.Ref, State: string(domain.JobQueued), RunAfter: j.RunAfter.UTC(),
		CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.CreatedAt.UTC()}
}

// Claim implements domain.JobStore. On MySQL it is a short transaction:
// SELECT … FOR UPDATE SKIP LOCKED of the first due row (queued ones first,
// then running ones whose lease ran out), then the UPDATE that leases it;
// concurrent claimers skip the row this one holds and take the next. The
// transaction reads committed: under REPEATABLE READ the search would also
// lock the gap after the rows it scans, and the INSERT of every new job
// (in the transaction of an upload) would wait for the claim to commit,
// which a worker running at low CPU priority may be slow to do. On SQLite,
// which has one writer at a time, it is one UPDATE … RETURNING.
func (s *JobStore) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration) (domain.Job, error) {
	now = now.UTC()
	until := now.Add(lease)
	var row jobRow
	if s.dialect == SQLite {
		err := s.db.WithContext(ctx).Raw(`UPDATE jobs SET state = ?, attempts = attempts + 1, run_after = ?, leased_until = ?, leased_by = ?, updated_at = ?
WHERE id = (SELECT id FROM jobs WHERE state IN (?, ?) AND run_after <= ? ORDER BY run_after, id LIMIT 1)
RETURNING id, kind, ref, state, attempts, run_after, leased_until, leased_by, last_error, created_at, updated_at`,
			string(domain.JobRunning), until, until, worker, now, string(domain.JobQueued), string(domain.JobRunning), now).Scan(&row).Error
		if err != nil {
			return domain.Job{}, translate(err, "claim a job")
		}
		if row.ID == "" {
			return domain.Job{}, domain.Errorf(domain.ENotFound, "no job is due")
		}
		return row.domain(), nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, state := range []domain.JobState{domain.JobQueued, domain.JobRunning} {
			err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
				Where("state = ? AND run_after <= ?", string(state), now).Order("run_after").Limit(1).Take(&row).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			return tx.Model(&jobRow{}).Where("id = ?", row.ID).Updates(map[string]any{
				"state": string(domain.JobRunning), "attempts": gorm.Expr("attempts + 1"), "run_after": until,
				"leased_until": until, "leased_by": worker, "updated_at": now}).Error
		}
		return gorm.ErrRecordNotFound
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Job{}, domain.Errorf(domain.ENotFound, "no job is due")
	}
	if err != nil {
		return domain.Job{}, translate(err, "claim a job")
	}
	row.State, row.Attempts, row.RunAfter, row.LeasedUntil, row.LeasedBy, row.UpdatedAt = string(domain.JobRunning), row.Attempts+1, until, &until, &worker, now
	return row.domain(), nil
}

// finish changes a claimed job while the claim holds: the same worker and
// the same attempt (a later claim by anyone counted another).
func (s *JobStore) finish(ctx context.Context, j domain.Job, set map[string]any) error {
	res := s.db.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND state = ? AND leased_by = ? AND attempts = ?", j.ID, string(domain.JobRunning), j.LeasedBy, j.Attempts).Updates(set)
	if res.Error != nil {
		return translate(res.Error, "job %s", j.ID)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.EConflict, "job %s: the lease of %s (attempt %d) was lost", j.ID, j.LeasedBy, j.Attempts)
	}
	return nil
}

// Complete implements domain.JobStore.
func (s *JobStore) Complete(ctx context.Context, j domain.Job, now time.Time) error {
	return s.finish(ctx, j, map[string]any{"state": string(domain.JobDone), "leased_until": nil, "leased_by": nil, "updated_at": now.UTC()})
}

// Retry implements domain.JobStore.
func (s *JobStore) Retry(ctx context.Context, j domain.Job, runAfter time.Time, lastErr string, now time.Time) error {
	return s.finish(ctx, j, map[string]any{"state": string(domain.JobQueued), "run_after": runAfter.UTC(), "leased_until": nil,
		"leased_by": nil, "last_error": clip(lastErr), "updated_at": now.UTC()})
}

// Fail implements domain.JobStore.
func (s *JobStore) Fail(ctx context.Context, j domain.Job, lastErr string, now time.Time) error {
	return s.finish(ctx, j, map[string]any{"state": string(domain.JobFailed), "leased_until": nil, "leased_by": nil,
		"last_error": clip(lastErr), "updated_at": now.UTC()})
}

// Release implements domain.JobStore.
func (s *JobStore) Release(ctx context.Context, j domain.Job, now time.Time) error {
	return s.finish(ctx, j, map[string]any{"state": string(domain.JobQueued), "run_after": now.UTC(), "attempts": gorm.Expr("attempts - 1"),
		"leased_until": nil, "leased_by": nil, "updated_at": now.UTC()})
}

// CountJobs implements domain.JobStore: three ranges of ix_jobs_claim,
// never the done jobs, which pile up.
func (s *JobStore) CountJobs(ctx context.Context) (map[domain.JobState]int64, error) {
	var rows []struct {
		State string
		N     int64
	}
	err := s.db.WithContext(ctx).Model(&jobRow{}).Select("state, COUNT(*) AS n").
		Where("state IN ?", []string{string(domain.JobQueued), string(domain.JobRunning), string(domain.JobFailed)}).
		Group("state").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "count jobs")
	}
	out := map[domain.JobState]int64{domain.JobQueued: 0, domain.JobRunning: 0, domain.JobFailed: 0}
	for _, r := range rows {
		out[domain.JobState(r.State)] = r.N
	}
	return out, nil
}

// PurgeJobs implements domain.JobStore.
func (s *JobStore) PurgeJobs(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("state = ? AND updated_at < ?", string(domain.JobDone), before.UTC()).Delete(&jobRow{})
	return res.RowsAffected, translate(res.Error, "purge jobs")
}

// clip keeps an error text for operators short enough for any column.
func clip(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
