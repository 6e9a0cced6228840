package domain

import (
	"context"
	"time"
)

// JobState is where a background job is in its life.
type JobState string

// Job states. A job is queued until a worker claims it (running, under a
// lease); it ends done, or failed once its attempts are spent. A running
// job whose lease ran out (its worker died) may be claimed again.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job kinds.
const (
	// JobPhotoProcess decodes a stored photo, makes its thumbnail and
	// records the outcome on the photo. Ref is "<lead id>/<photo id>".
	JobPhotoProcess = "photo.process"
)

// Job is one unit of background work, kept in the database (an outbox):
// it is written in the same transaction as the change that calls for it,
// and any instance's workers may run it.
type Job struct {
	ID          string
	Kind        string
	Ref         string // what the job is about; its form depends on Kind
	State       JobState
	Attempts    int       // runs started, the current one included
	RunAfter    time.Time // not claimed before (the backoff after a failure)
	LeasedUntil time.Time // while running: when the lease runs out
	LeasedBy    string    // while running: the worker holding the lease
	LastError   string    // the error of the last failed run, for operators
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// JobStore keeps background jobs. Claiming is safe between any number of
// workers in any number of processes: each claim takes one due job that
// no other worker holds. The finishing calls take the job as claimed and
// change it only while that claim still holds (same worker, same attempt);
// otherwise they return EConflict, because the lease ran out and another
// worker took the job over.
type JobStore interface {
	// Enqueue stores a new queued job. Errors: EConflict (id taken).
	Enqueue(ctx context.Context, j Job) error
	// Claim takes the oldest due job (queued and RunAfter reached, or
	// running with its lease run out), leases it to worker until now +
	// lease and counts an attempt. Errors: ENotFound when none is due.
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration) (Job, error)
	// Complete marks a claimed job done. Errors: EConflict (claim lost).
	Complete(ctx context.Context, j Job, now time.Time) error
	// Retry queues a claimed job again, not before runAfter, noting why
	// it failed. Errors: EConflict (claim lost).
	Retry(ctx context.Context, j Job, runAfter time.Time, lastErr string, now time.Time) error
	// Fail marks a claimed job failed for good. Errors: EConflict.
	Fail(ctx context.Context, j Job, lastErr string, now time.Time) error
	// Release gives a claimed job back unrun (a worker shutting down): it
	// is queued again at once and the attempt is not counted. Errors:
	// EConflict (claim lost).
	Release(ctx context.Context, j Job, now time.Time) error
	// CountJobs counts the jobs by state, except done ones.
	CountJobs(ctx context.Context) (map[JobState]int64, error)
	// PurgeJobs deletes done jobs last changed before before, and returns
	// how many.
	PurgeJobs(ctx context.Context, before time.Time) (int64, error)
}
