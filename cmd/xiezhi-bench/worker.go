package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/supervise"
)

// The photo measurements run the server as production would on this
// 2-core machine (docs/operations.md): `xiezhi serve --workers 0` answers
// the uploads and never decodes, and a separate `nice -n 19 xiezhi worker`
// process decodes the photos and makes their thumbnails from the jobs
// table. At equal priority the decoding (about 0.2 s of CPU per 12 MP
// photo) would take half the cores from the uploads; niced, it gets what
// the uploads leave, and catches up when they pause.
//
// Niceness alone still lets the decoders take what the uploads leave only
// in proportion (1.5 % against a task at nice 0 while both want a core),
// and a woken upload may wait for a decoder's time slice to end. With
// -worker-idle (the default) the worker also runs under SCHED_IDLE
// (`chrt --idle 0`): any other task that wakes up takes the core at once.
// It stays in this program's session, so in the same scheduling group
// (cgroup, and "autogroup" of the session when
// /proc/sys/kernel/sched_autogroup_enabled is 1, as here) as the server
// and MinIO: niceness and SCHED_IDLE weigh tasks within one group.

// startWorker starts `nice -n <-worker-nice> xiezhi worker` on the API's
// database and bucket, logging to a file in the temp dir, and waits until
// its job workers run. It is stopped at exit.
func (b *bench) startWorker(ctx context.Context, a *apiEnv, name string) (*supervise.Process, error) {
	args := []string{b.cfg.xiezhi, "worker"}
	// nice and chrt exec what follows: the pid is the worker's own.
	if b.cfg.workerNice != 0 {
		args = append([]string{"nice", "-n", strconv.Itoa(b.cfg.workerNice)}, args...)
	}
	if b.cfg.workerIdle {
		args = append([]string{"chrt", "--idle", "0"}, args...)
	}
	// The last of duplicate variables wins: the server's XIEZHI_WORKERS=0
	// is overridden. The server has migrated the database already.
	env := append(slices.Clone(a.env), "XIEZHI_WORKERS="+strconv.Itoa(b.cfg.jobWorkers), "XIEZHI_NO_MIGRATE=true")
	p, err := b.launch(ctx, name, args, env, supervise.LogContains(`"msg":"job workers started"`))
	if err != nil {
		return nil, err
	}
	b.meter.PIDs[procfs.ProcWorker] = p.PID()
	b.logf("%s: `%s` pid %d running %d job workers", name, strings.Join(args, " "), p.PID(), b.cfg.jobWorkers)
	return p, nil
}

// photoCount counts the photos stored in the API database.
func (b *bench) photoCount(ctx context.Context, a *apiEnv) (int, error) {
	var n int
	err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+a.dbName+"`.lead_photos").Scan(&n)
	return n, err
}

// pendingJobs counts the API database's jobs queued or running.
func (b *bench) pendingJobs(ctx context.Context, a *apiEnv) (int, error) {
	var n int
	err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+a.dbName+"`.jobs WHERE state IN ('queued', 'running')").Scan(&n)
	return n, err
}

// drainJobs waits until the API database has no photo job queued or
// running, timing it from now, and checks that every photo ended done.
// before is the photo count before the measurement. After limit it removes
// the jobs still queued (their photos stay pending, and are allowed to for
// the rest of the run) and waits only for the running ones.
func (b *bench) drainJobs(ctx context.Context, a *apiEnv, before int, limit time.Duration) (*report.Drain, error) {
	d := &report.Drain{}
	total, err := b.photoCount(ctx, a)
	if err != nil {
		return nil, err
	}
	d.Photos = total - before
	start := time.Now()
	n, err := b.pendingJobs(ctx, a)
	if err != nil {
		return nil, err
	}
	d.Backlog = n
	c0 := b.meter.Snapshot(0)
	b.logf("  waiting for the worker: %d of %d photos still to process", n, d.Photos)
	for capped := false; n > 0; {
		if !capped && time.Since(start) > limit {
			// Enough for a rate: the rest would only make the run longer.
			capped = true
			d.Elapsed, d.CPU = time.Since(start), b.meter.Since(c0, 0)
			if err := b.removeQueuedJobs(ctx, a, d); err != nil {
				return nil, err
			}
			b.logf("  %v of draining: %d queued jobs removed, waiting for the running ones", limit, d.Removed)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if n, err = b.pendingJobs(ctx, a); err != nil {
			return nil, err
		}
	}
	if d.Removed == 0 { // every job ran: time them all
		d.Elapsed, d.CPU = time.Since(start), b.meter.Since(c0, 0)
	}
	if err := b.checkPhotosDone(ctx, a, d); err != nil {
		return nil, err
	}
	b.logf("  the worker processed %d jobs in %v = %.1f photos/s", d.Backlog-d.Removed, load.Round(d.Elapsed), d.Rate())
	return d, nil
}

// removeQueuedJobs removes the jobs still queued, so that the next
// measurement starts with an idle worker; the few running ones finish.
func (b *bench) removeQueuedJobs(ctx context.Context, a *apiEnv, d *report.Drain) error {
	res, err := b.admin.ExecContext(ctx, "DELETE FROM `"+a.dbName+"`.jobs WHERE state = 'queued'") //nolint:gosec // this run's own database name
	if err != nil {
		return err
	}
	rm, _ := res.RowsAffected()
	d.Removed = int(rm)
	b.jobsRemoved += d.Removed
	return nil
}

// checkPhotosDone fails unless every photo is done, or pending because its
// job was removed, and no job failed.
func (b *bench) checkPhotosDone(ctx context.Context, a *apiEnv, d *report.Drain) error {
	rows, err := queryRows(ctx, b.admin, 2, "SELECT processing, COUNT(*) FROM `"+a.dbName+"`.lead_photos GROUP BY processing ORDER BY processing")
	if err != nil {
		return err
	}
	var states []string
	bad := 0
	for _, r := range rows {
		state := r[0]
		c, _ := strconv.Atoi(r[1])
		states = append(states, fmt.Sprintf("%d %s", c, state))
		if state != "done" && (state != "pending" || c != b.jobsRemoved) {
			bad += c
		}
	}
	d.States = strings.Join(states, ", ")
	if bad > 0 {
		return fmt.Errorf("photos not processed as expected: %s; worker log: %s", d.States, a.worker.Tail(2000))
	}
	var failed sql.NullInt64
	if err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+a.dbName+"`.jobs WHERE state = 'failed'").Scan(&failed); err != nil {
		return err
	}
	if failed.Int64 > 0 {
		return fmt.Errorf("%d photo jobs failed", failed.Int64)
	}
	return nil
}
