package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
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
func (b *bench) startWorker(ctx context.Context, a *apiEnv, name string) (*server, error) {
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
	s, err := b.launch(ctx, name, args, env, func(s *server) bool {
		log, err := os.ReadFile(s.logPath)
		return err == nil && strings.Contains(string(log), `"msg":"job workers started"`)
	})
	if err != nil {
		return nil, err
	}
	b.pids["worker"] = s.pid()
	b.logf("%s: `%s` pid %d running %d job workers", name, strings.Join(args, " "), s.pid(), b.cfg.jobWorkers)
	return s, nil
}

// drainResult is how the worker caught up with the photos stored by a
// measurement.
type drainResult struct {
	photos  int           // photos stored by the measurement
	backlog int           // their jobs still queued or running when the uploads ended
	elapsed time.Duration // from then until none was left, or -drain-max
	removed int           // jobs still queued at -drain-max, removed then
	cpu     cpuUse        // during the drain
	states  string        // the photos' processing states at the end
}

// rate is the photos the worker processed per second while draining.
func (d *drainResult) rate() float64 {
	if d.elapsed <= 0 {
		return 0
	}
	return float64(d.backlog-d.removed) / d.elapsed.Seconds()
}

// line reports the drain for the markdown.
func (d *drainResult) line() string {
	if d.removed == 0 {
		return fmt.Sprintf("After the windows the worker processed the other %d in %v: **%.1f photos/s** (CPU then: %s). All %d photos ended %s.",
			d.backlog, round(d.elapsed), d.rate(), d.cpu, d.photos, d.states)
	}
	return fmt.Sprintf("After the windows the worker processed %d of the other %d in %v (-drain-max): **%.1f photos/s** (CPU then: %s). The %d jobs still queued were removed then, so that the next measurement starts with an idle worker: the %d photos ended %s.",
		d.backlog-d.removed, d.backlog, round(d.elapsed), d.rate(), d.cpu, d.removed, d.photos, d.states)
}

// photoCount counts the photos stored in the API database.
func (b *bench) photoCount(ctx context.Context, a *apiEnv) (int, error) {
	var n int
	err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+a.dbName+"`.lead_photos").Scan(&n)
	return n, err
}

// drainJobs waits until the API database has no photo job queued or
// running, timing it from now, and checks that every photo ended done.
// before is the photo count before the measurement. After limit it removes
// the jobs still queued (their photos stay pending, and are allowed to for
// the rest of the run) and waits only for the running ones.
func (b *bench) drainJobs(ctx context.Context, a *apiEnv, before int, limit time.Duration) (*drainResult, error) {
	db := "`" + a.dbName + "`"
	pending := func() (int, error) {
		var n int
		err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+db+".jobs WHERE state IN ('queued', 'running')").Scan(&n)
		return n, err
	}
	r := &drainResult{}
	total, err := b.photoCount(ctx, a)
	if err != nil {
		return nil, err
	}
	r.photos = total - before
	start := time.Now()
	n, err := pending()
	if err != nil {
		return nil, err
	}
	r.backlog = n
	c0 := b.cpuSnapshot(0)
	b.logf("  waiting for the worker: %d of %d photos still to process", n, r.photos)
	capped := false
	for n > 0 {
		if !capped && time.Since(start) > limit {
			// Enough for a rate: the rest would only make the run longer.
			// Queued jobs are removed, so that the next measurement starts
			// with an idle worker; the few running ones finish.
			capped = true
			r.elapsed = time.Since(start)
			r.cpu = b.cpuSince(c0, 0)
			res, err := b.admin.ExecContext(ctx, "DELETE FROM "+db+".jobs WHERE state = 'queued'") //nolint:gosec // this run's own database name
			if err != nil {
				return nil, err
			}
			rm, _ := res.RowsAffected()
			r.removed = int(rm)
			b.jobsRemoved += r.removed
			b.logf("  %v of draining: %d queued jobs removed, waiting for the running ones", limit, r.removed)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if n, err = pending(); err != nil {
			return nil, err
		}
	}
	if r.removed == 0 { // every job ran: time them all
		r.elapsed = time.Since(start)
		r.cpu = b.cpuSince(c0, 0)
	}
	rows, err := b.admin.QueryContext(ctx, "SELECT processing, COUNT(*) FROM "+db+".lead_photos GROUP BY processing ORDER BY processing") //nolint:gosec // this run's own database name
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var states []string
	bad := 0
	for rows.Next() {
		var state string
		var c int
		if err := rows.Scan(&state, &c); err != nil {
			return nil, err
		}
		states = append(states, fmt.Sprintf("%d %s", c, state))
		if state != "done" && (state != "pending" || c != b.jobsRemoved) {
			bad += c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.states = strings.Join(states, ", ")
	if bad > 0 {
		return nil, fmt.Errorf("photos not processed as expected: %s; worker log: %s", r.states, tail(a.worker.logPath, 2000))
	}
	var failed sql.NullInt64
	if err := b.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+db+".jobs WHERE state = 'failed'").Scan(&failed); err != nil {
		return nil, err
	}
	if failed.Int64 > 0 {
		return nil, fmt.Errorf("%d photo jobs failed", failed.Int64)
	}
	b.logf("  the worker processed %d jobs in %v = %.1f photos/s", r.backlog-r.removed, round(r.elapsed), r.rate())
	return r, nil
}
