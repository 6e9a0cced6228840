package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/jobs"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const kind = "test.job"

type jobState struct {
	State     string
	Attempts  int
	LastError *string
}

func stateOf(t *testing.T, b backendtest.Backend, id string) jobState {
	t.Helper()
	var s jobState
	if err := b.DB.SQL().QueryRowContext(context.Background(), "SELECT state, attempts, last_error FROM jobs WHERE id = ?", id).
		Scan(&s.State, &s.Attempts, &s.LastError); err != nil {
		t.Fatal(err)
	}
	return s
}

func setup(t *testing.T, b backendtest.Backend, cfg jobs.Config) (*jobs.Runner, *clock, string) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	id := gormstore.NewID()
	if err := b.DB.Jobs().Enqueue(context.Background(), domain.Job{ID: id, Kind: kind, Ref: "r", RunAfter: c.now(), CreatedAt: c.now()}); err != nil {
		t.Fatal(err)
	}
	return jobs.New(b.DB.Jobs(), cfg, c.now, slog.New(slog.NewTextHandler(io.Discard, nil))), c, id
}

func testConfig() jobs.Config {
	cfg := jobs.DefaultConfig()
	cfg.MaxAttempts, cfg.Backoff, cfg.MaxBackoff = 3, time.Minute, 90*time.Second
	return cfg
}

// TestRetriesThenFails: a failing job waits out a growing backoff between
// runs and, after MaxAttempts runs, is failed with its last error and its
// handler's GiveUp is called once.
func TestRetriesThenFails(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		r, c, id := setup(t, b, testConfig())
		runs, gaveUp := 0, 0
		var cause error
		r.Handle(kind, jobs.Handler{
			Run: func(context.Context, domain.Job) error { runs++; return errors.New("object store unreachable") },
			GiveUp: func(_ context.Context, j domain.Job, err error) error {
				gaveUp++
				cause = err
				return nil
			},
		})
		steps := []struct {
			wait      time.Duration // before trying
			wantRan   bool
			wantState string
			wantRuns  int
		}{
			{0, true, "queued", 1},
			{59 * time.Second, false, "queued", 1}, // backoff 1 min
			{time.Second, true, "queued", 2},
			{time.Minute, false, "queued", 2}, // backoff doubled, capped at 90 s
			{30 * time.Second, true, "failed", 3},
			{time.Hour, false, "failed", 3},
		}
		for i, st := range steps {
			c.add(st.wait)
			ran, err := r.RunOne(ctx, "w")
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got := stateOf(t, b, id)
			if ran != st.wantRan || got.State != st.wantState || runs != st.wantRuns {
				t.Fatalf("step %d: ran %v, state %s, runs %d; want %v, %s, %d", i, ran, got.State, runs, st.wantRan, st.wantState, st.wantRuns)
			}
		}
		got := stateOf(t, b, id)
		if got.LastError == nil || *got.LastError != "object store unreachable" || got.Attempts != 3 {
			t.Errorf("failed job %+v", got)
		}
		if gaveUp != 1 || cause == nil {
			t.Errorf("GiveUp called %d times with %v; want once", gaveUp, cause)
		}
	})
}

// TestLeaseRunsOutTooOften: a job whose every run ended with its lease
// running out (it kills its worker) is failed without another run.
func TestLeaseRunsOutTooOften(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		cfg := testConfig()
		r, c, id := setup(t, b, cfg)
		ran := false
		r.Handle(kind, jobs.Handler{Run: func(context.Context, domain.Job) error { ran = true; return nil }})
		for range cfg.MaxAttempts { // workers that claim and die
			if _, err := b.DB.Jobs().Claim(ctx, "dies", c.now(), cfg.Lease); err != nil {
				t.Fatal(err)
			}
			c.add(cfg.Lease + time.Second)
		}
		if ok, err := r.RunOne(ctx, "w"); !ok || err != nil {
			t.Fatalf("RunOne = %v, %v", ok, err)
		}
		if got := stateOf(t, b, id); ran || got.State != "failed" {
			t.Errorf("ran %v, job %+v; want failed without running", ran, got)
		}
	})
}

// TestDrain: a worker told to stop lets its job finish within Drain, or
// gives it back unrun, to be claimed again at once without an attempt
// counted.
func TestDrain(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		for _, finishes := range []bool{true, false} {
			cfg := testConfig()
			cfg.Drain = 50 * time.Millisecond
			if finishes {
				cfg.Drain = time.Minute
			}
			r, _, id := setup(t, b, cfg)
			ctx, stop := context.WithCancel(context.Background())
			started := make(chan struct{})
			r.Handle(kind, jobs.Handler{Run: func(jctx context.Context, _ domain.Job) error {
				close(started)
				if finishes {
					<-ctx.Done() // still running when the stop comes, then ends well
					return nil
				}
				<-jctx.Done() // runs until cut off
				return jctx.Err()
			}})
			done := make(chan error, 1)
			go func() { _, err := r.RunOne(ctx, "w"); done <- err }()
			<-started
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			want := jobState{State: "queued", Attempts: 0}
			if finishes {
				want = jobState{State: "done", Attempts: 1}
			}
			if got := stateOf(t, b, id); got.State != want.State || got.Attempts != want.Attempts {
				t.Errorf("finishes %v: job %+v; want %+v", finishes, got, want)
			}
			if !finishes {
				if _, err := b.DB.Jobs().Claim(context.Background(), "w2", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), time.Minute); err != nil {
					t.Errorf("the released job is not due at once: %v", err)
				}
			}
			_, _ = b.DB.SQL().Exec("DELETE FROM jobs")
		}
	})
}

// TestUnknownKind: a job no handler takes is failed, not retried forever.
func TestUnknownKind(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		r, _, id := setup(t, b, testConfig())
		if ok, err := r.RunOne(context.Background(), "w"); !ok || err != nil {
			t.Fatalf("RunOne = %v, %v", ok, err)
		}
		if got := stateOf(t, b, id); got.State != "failed" {
			t.Errorf("job %+v; want failed", got)
		}
	})
}

func TestBackoff(t *testing.T) {
	r := jobs.New(nil, jobs.Config{Backoff: 5 * time.Second, MaxBackoff: time.Minute}, time.Now, slog.Default())
	for attempt, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 4: 40 * time.Second, 5: time.Minute, 30: time.Minute} {
		if got := r.Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %v; want %v", attempt, got, want)
		}
	}
}
