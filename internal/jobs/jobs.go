// Package jobs runs Xiezhi's background work from the jobs table (an
// outbox): the use cases enqueue a job in the same transaction as the
// change that calls for it, and workers, in the API process (`xiezhi
// serve --workers N`) or in processes of their own (`xiezhi worker`), on
// any number of machines, claim due jobs one at a time under a lease and
// run them.
//
// A job that fails is retried with exponential backoff, MaxAttempts runs in
// all, then marked failed with its last error (and its handler's GiveUp is
// called, to tell users). A worker that dies mid-job leaves a lease that
// runs out, after which any worker claims the job again; handlers must
// therefore be safe to run twice. On shutdown a worker finishes its
// current job within Drain, or gives it back unrun.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Handler runs one kind of job.
type Handler struct {
	// Run does the job. It must be safe to run twice for the same job (a
	// job whose lease ran out runs again). An error is retried.
	Run func(ctx context.Context, j domain.Job) error
	// GiveUp, when set, is called once when the job fails for good, with
	// the last error, to record the failure where users see it.
	GiveUp func(ctx context.Context, j domain.Job, cause error) error
}

// Config tunes the workers.
type Config struct {
	Lease       time.Duration // a claim holds this long; a job must finish within it
	Poll        time.Duration // wait before looking again when no job is due
	MaxAttempts int           // runs of a job before it fails for good
	Backoff     time.Duration // wait after the first failure; doubles with each
	MaxBackoff  time.Duration // longest wait between attempts
	Drain       time.Duration // on shutdown, time the current job has to finish before it is given back
	KeepDone    time.Duration // done jobs are deleted this long after they finished
}

// DefaultConfig is what production runs with.
func DefaultConfig() Config {
	return Config{
		Lease:       5 * time.Minute,
		Poll:        500 * time.Millisecond,
		MaxAttempts: 5,
		Backoff:     5 * time.Second,
		MaxBackoff:  10 * time.Minute,
		Drain:       20 * time.Second,
		KeepDone:    7 * 24 * time.Hour,
	}
}

// Runner claims and runs jobs.
type Runner struct {
	store    domain.JobStore
	handlers map[string]Handler
	cfg      Config
	now      func() time.Time
	log      *slog.Logger
}

// New returns a runner of the jobs in store; register handlers with
// Handle before running it.
func New(store domain.JobStore, cfg Config, now func() time.Time, log *slog.Logger) *Runner {
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 1
	}
	return &Runner{store: store, handlers: map[string]Handler{}, cfg: cfg, now: now, log: log}
}

// Handle registers the handler of a kind of job.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Backoff returns the wait after the attempt-th failed run.
func (r *Runner) Backoff(attempt int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < attempt && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxBackoff)
}

// RunOne claims one due job as worker and runs it to its end: done,
// queued again for a retry, failed, or given back when ctx ends and the
// job does not finish within Drain. It reports whether a job was due; the
// error is the store's (claiming or recording the outcome), not the job's.
func (r *Runner) RunOne(ctx context.Context, worker string) (bool, error) {
	j, err := r.store.Claim(ctx, worker, r.now(), r.cfg.Lease)
	if domain.IsCode(err, domain.ENotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	log := r.log.With("job", j.ID, "kind", j.Kind, "ref", j.Ref, "attempt", j.Attempts, "worker", worker)
	// The bookkeeping after the run must happen even while shutting down.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	h, ok := r.handlers[j.Kind]
	if !ok {
		log.Error("job failed: no handler for its kind")
		return true, r.settle(bctx, log, r.store.Fail(bctx, j, "no handler for kind "+j.Kind, r.now()))
	}
	if j.Attempts > r.cfg.MaxAttempts {
		// Every earlier claim ended with the lease running out: the job
		// kills or hangs its worker.
		cause := fmt.Errorf("the lease ran out %d times (the worker died or hung)", j.Attempts-1)
		return true, r.giveUp(bctx, log, h, j, cause)
	}

	cut, runErr := r.run(ctx, h, j)
	switch {
	case runErr == nil:
		log.Debug("job done")
		return true, r.settle(bctx, log, r.store.Complete(bctx, j, r.now()))
	case cut:
		log.Info("job given back unfinished: shutting down")
		return true, r.settle(bctx, log, r.store.Release(bctx, j, r.now()))
	case j.Attempts >= r.cfg.MaxAttempts:
		return true, r.giveUp(bctx, log, h, j, runErr)
	}
	wait := r.Backoff(j.Attempts)
	log.Warn("job failed; will retry", "error", runErr.Error(), "retry_in", wait.String())
	return true, r.settle(bctx, log, r.store.Retry(bctx, j, r.now().Add(wait), runErr.Error(), r.now()))
}

// run runs the handler under a context that ends Drain after ctx does,
// and reports whether that cut the run short.
func (r *Runner) run(ctx context.Context, h Handler, j domain.Job) (cut bool, err error) {
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer func() { cut = jctx.Err() != nil }()
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(r.cfg.Drain)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-jctx.Done():
		}
	})
	defer stop()
	return false, h.Run(jctx, j)
}

// giveUp marks a job failed for good and tells its handler.
func (r *Runner) giveUp(ctx context.Context, log *slog.Logger, h Handler, j domain.Job, cause error) error {
	log.Error("job failed for good", "error", cause.Error())
	if h.GiveUp != nil {
		if err := h.GiveUp(ctx, j, cause); err != nil {
			return fmt.Errorf("give up job %s: %w", j.ID, err)
		}
	}
	return r.settle(ctx, log, r.store.Fail(ctx, j, cause.Error(), r.now()))
}

// settle treats a lost claim as the normal end of a slow run: another
// worker has the job now.
func (r *Runner) settle(_ context.Context, log *slog.Logger, err error) error {
	if domain.IsCode(err, domain.EConflict) {
		log.Warn("job's lease ran out before it finished; another worker has it", "error", err.Error())
		return nil
	}
	return err
}

// Work runs jobs as worker until ctx ends, looking for due jobs every
// Poll when there are none, and returns once its current job is settled.
func (r *Runner) Work(ctx context.Context, worker string) {
	for ctx.Err() == nil {
		ran, err := r.RunOne(ctx, worker)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("job worker", "worker", worker, "error", err.Error())
		}
		if ran && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(r.cfg.Poll):
		}
	}
}

// Run starts n workers named after this process and a purger of done
// jobs, and returns when ctx has ended and every worker has stopped.
func (r *Runner) Run(ctx context.Context, n int) {
	host, _ := os.Hostname()
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("%s/%d/%d", host, os.Getpid(), i+1)
		wg.Go(func() { r.Work(ctx, name) })
	}
	wg.Go(func() { r.purge(ctx, time.Hour) })
	r.log.Info("job workers started", "workers", n)
	wg.Wait()
	r.log.Info("job workers stopped")
}

// purge deletes old done jobs every interval until ctx ends. Several
// processes may run it: deleting is idempotent.
func (r *Runner) purge(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.store.PurgeJobs(ctx, r.now().Add(-r.cfg.KeepDone)); err != nil && ctx.Err() == nil {
			r.log.Warn("purge done jobs", "error", err.Error())
		} else if n > 0 {
			r.log.Info("done jobs purged", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
