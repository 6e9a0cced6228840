package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

func enqueue(t *testing.T, s domain.JobStore, ref string, at time.Time) domain.Job {
	t.Helper()
	j := domain.Job{ID: gormstore.NewID(), Kind: domain.JobPhotoProcess, Ref: ref, RunAfter: at, CreatedAt: at}
	if err := s.Enqueue(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

// TestJobLifecycle walks one job through every step a worker takes.
func TestJobLifecycle(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		s := b.DB.Jobs()
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		lease := 3 * time.Hour // longer than the test's clock runs
		noneDue := func(at time.Time, why string) {
			t.Helper()
			if j, err := s.Claim(ctx, "w-x", at, lease); !domain.IsCode(err, domain.ENotFound) {
				t.Errorf("%s: Claim = %+v, %v; want not_found", why, j, err)
			}
		}
		noneDue(t0, "empty table")
		first := enqueue(t, s, "lead-1/photo-1", t0)
		second := enqueue(t, s, "lead-1/photo-2", t0.Add(time.Second))
		noneDue(t0.Add(-time.Second), "not yet due")

		// Claims come oldest first, each leased and counted.
		j, err := s.Claim(ctx, "w-1", t0.Add(2*time.Second), lease)
		if err != nil {
			t.Fatal(err)
		}
		if j.ID != first.ID || j.State != domain.JobRunning || j.Attempts != 1 || j.LeasedBy != "w-1" ||
			!j.LeasedUntil.Equal(t0.Add(2*time.Second+lease)) || j.Ref != "lead-1/photo-1" || j.Kind != domain.JobPhotoProcess {
			t.Fatalf("first claim %+v", j)
		}
		j2, err := s.Claim(ctx, "w-2", t0.Add(2*time.Second), lease)
		if err != nil || j2.ID != second.ID {
			t.Fatalf("second claim %+v, %v; want %s", j2, err, second.ID)
		}
		noneDue(t0.Add(3*time.Second), "both leased")
		counts, err := s.CountJobs(ctx)
		if err != nil || counts[domain.JobRunning] != 2 || counts[domain.JobQueued] != 0 {
			t.Errorf("counts %v, %v", counts, err)
		}

		// A retry waits for its time; a failure ends the job.
		if err := s.Retry(ctx, j, t0.Add(time.Hour), "object store unreachable", t0.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		noneDue(t0.Add(59*time.Minute), "retry not yet due")
		j, err = s.Claim(ctx, "w-1", t0.Add(time.Hour), lease)
		if err != nil || j.ID != first.ID || j.Attempts != 2 {
			t.Fatalf("claim after the backoff %+v, %v", j, err)
		}
		if err := s.Fail(ctx, j, "gave up", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, j, t0.Add(time.Hour)); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("Complete after Fail = %v; want conflict", err)
		}

		// A released job is due at once and its attempt does not count.
		if err := s.Release(ctx, j2, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		j2, err = s.Claim(ctx, "w-3", t0.Add(time.Hour), lease)
		if err != nil || j2.ID != second.ID || j2.Attempts != 1 {
			t.Fatalf("claim after release %+v, %v", j2, err)
		}
		if err := s.Complete(ctx, j2, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		noneDue(t0.Add(2*time.Hour), "all finished")
		counts, err = s.CountJobs(ctx)
		want := map[domain.JobState]int64{domain.JobQueued: 0, domain.JobRunning: 0, domain.JobFailed: 1}
		if err != nil || fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("counts %v, %v; want %v", counts, err, want)
		}
		var lastErr string
		if err := b.DB.SQL().QueryRowContext(ctx, "SELECT last_error FROM jobs WHERE id = ?", first.ID).Scan(&lastErr); err != nil || lastErr != "gave up" {
			t.Errorf("last_error %q, %v", lastErr, err)
		}

		// Done jobs are purged once old enough; failed ones stay.
		if n, err := s.PurgeJobs(ctx, t0.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("purge before: %d, %v", n, err)
		}
		if n, err := s.PurgeJobs(ctx, t0.Add(time.Hour+time.Second)); err != nil || n != 1 {
			t.Errorf("purge after: %d, %v", n, err)
		}
	})
}

// TestJobLeaseExpiry: a job whose worker died (its lease ran out) is
// claimed again, and the first worker can no longer finish it.
func TestJobLeaseExpiry(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		s := b.DB.Jobs()
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		job := enqueue(t, s, "lead-1/photo-1", t0)
		crashed, err := s.Claim(ctx, "w-crashed", t0, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if j, err := s.Claim(ctx, "w-2", t0.Add(59*time.Second), time.Minute); !domain.IsCode(err, domain.ENotFound) {
			t.Fatalf("claimed %+v, %v while the lease holds", j, err)
		}
		again, err := s.Claim(ctx, "w-2", t0.Add(61*time.Second), time.Minute)
		if err != nil || again.ID != job.ID || again.Attempts != 2 || again.LeasedBy != "w-2" {
			t.Fatalf("reclaim %+v, %v", again, err)
		}
		for name, f := range map[string]func() error{
			"Complete": func() error { return s.Complete(ctx, crashed, t0.Add(62*time.Second)) },
			"Retry":    func() error { return s.Retry(ctx, crashed, t0, "x", t0.Add(62*time.Second)) },
			"Fail":     func() error { return s.Fail(ctx, crashed, "x", t0.Add(62*time.Second)) },
			"Release":  func() error { return s.Release(ctx, crashed, t0.Add(62*time.Second)) },
		} {
			if err := f(); !domain.IsCode(err, domain.EConflict) {
				t.Errorf("%s by the worker whose lease ran out = %v; want conflict", name, err)
			}
		}
		// The same worker name claiming again is a new claim too.
		if err := s.Complete(ctx, again, t0.Add(62*time.Second)); err != nil {
			t.Fatalf("Complete by the new holder: %v", err)
		}
	})
}

// TestJobClaimsAreExclusive: workers claiming at the same time never get
// the same job, and together they get every job.
func TestJobClaimsAreExclusive(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		s := b.DB.Jobs()
		now := time.Now().UTC()
		const jobs, workers = 60, 6
		for i := range jobs {
			enqueue(t, s, fmt.Sprintf("lead/photo-%02d", i), now.Add(-time.Duration(jobs-i)*time.Millisecond))
		}
		var mu sync.Mutex
		claimedBy := map[string]string{}
		var dup []string
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			wg.Go(func() {
				name := fmt.Sprintf("w-%d", w)
				for {
					j, err := s.Claim(ctx, name, now, time.Hour)
					if domain.IsCode(err, domain.ENotFound) {
						return
					}
					if err != nil {
						errs[w] = err
						return
					}
					mu.Lock()
					if prev, ok := claimedBy[j.ID]; ok {
						dup = append(dup, fmt.Sprintf("%s by %s and %s", j.Ref, prev, name))
					}
					claimedBy[j.ID] = name
					mu.Unlock()
					if err := s.Complete(ctx, j, now); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if len(dup) > 0 {
			t.Errorf("jobs claimed twice: %v", dup)
		}
		if len(claimedBy) != jobs {
			t.Errorf("%d jobs claimed; want %d", len(claimedBy), jobs)
		}
	})
}

// TestJobEnqueuedWithItsChange: a job enqueued in a transaction that
// rolls back is gone with it.
func TestJobEnqueuedWithItsChange(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := b.DB.Transact(ctx, func(st domain.Stores) error {
			if err := st.Jobs.Enqueue(ctx, domain.Job{ID: gormstore.NewID(), Kind: domain.JobPhotoProcess, Ref: "l/p", RunAfter: time.Now(), CreatedAt: time.Now()}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact = %v", err)
		}
		if j, err := b.DB.Jobs().Claim(ctx, "w", time.Now().Add(time.Hour), time.Minute); !domain.IsCode(err, domain.ENotFound) {
			t.Errorf("a rolled-back job was claimed: %+v, %v", j, err)
		}
	})
}
