package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

// Machine describes the machine and the servers of the run.
type Machine struct {
	CPUs                                  int
	CPUModel, Memory, Kernel, GoVersion   string
	MariaDB, FlushLog, SyncBinlog, LogBin string
	BufferPool, FlushMethod               string
	Datadir, DatadirFS                    string
	MinIO                                 string
	FsyncP50, FsyncP99                    time.Duration // 4 KiB write + fdatasync in the temp dir
	FsyncWhere                            string
	Background                            procfs.CPU // the 3 s before the measurements
}

// Drain is how the worker caught up with the photos a measurement stored.
type Drain struct {
	Photos  int           // photos stored by the measurement
	Backlog int           // their jobs still queued or running when the uploads ended
	Elapsed time.Duration // from then until none was left, or -drain-max
	Removed int           // jobs still queued at -drain-max, removed then
	CPU     procfs.CPU    // during the drain
	States  string        // the photos' processing states at the end
}

// Rate is the photos the worker processed per second while draining.
func (d *Drain) Rate() float64 {
	if d.Elapsed <= 0 {
		return 0
	}
	return float64(d.Backlog-d.Removed) / d.Elapsed.Seconds()
}

// Line reports the drain.
func (d *Drain) Line() string {
	if d.Removed == 0 {
		return fmt.Sprintf("After the windows the worker processed the other %d in %v: **%.1f photos/s** (CPU then: %s). All %d photos ended %s.",
			d.Backlog, load.Round(d.Elapsed), d.Rate(), d.CPU, d.Photos, d.States)
	}
	return fmt.Sprintf("After the windows the worker processed %d of the other %d in %v (-drain-max): **%.1f photos/s** (CPU then: %s). The %d jobs still queued were removed then, so that the next measurement starts with an idle worker: the %d photos ended %s.",
		d.Backlog-d.Removed, d.Backlog, load.Round(d.Elapsed), d.Rate(), d.CPU, d.Removed, d.Photos, d.States)
}

// Memory is the server memory measurement. Sizes are in KiB.
type Memory struct {
	Clients, Rounds, PhotoBytes int
	IdleRSS, HWM, SampledMax    int64
	IdleAnon, IdleFile          int64
	MaxAnon, FileAtMax          int64
	PrevHWM, HWMAfterLogins     int64
	Samples                     int
	Lat                         []time.Duration // sorted
	Errors                      int
	FirstErr                    string
	Elapsed                     time.Duration
	CPU                         procfs.CPU
	Logins, LoginErrors         int
	// The fresh `xiezhi worker` that processed the rounds' photos.
	WorkerIdleRSS, WorkerHWM, WorkerSampledMax int64
	Drain                                      *Drain
}

func (r *Report) machineLines() []string {
	m, c := r.Machine, r.Config
	return []string{
		fmt.Sprintf("CPU: %d × %s; memory %s; Linux %s; %s", m.CPUs, m.CPUModel, m.Memory, m.Kernel, m.GoVersion),
		fmt.Sprintf("MariaDB %s: innodb_flush_log_at_trx_commit=%s, sync_binlog=%s, log_bin=%s, buffer pool %s, flush method %s; datadir %s on %s",
			m.MariaDB, m.FlushLog, m.SyncBinlog, m.LogBin, m.BufferPool, m.FlushMethod, m.Datadir, m.DatadirFS),
		fmt.Sprintf("MinIO %s (single drive, loopback)", m.MinIO),
		fmt.Sprintf("disk: 4 KiB write + fdatasync in the temp dir on %s: p50 %v, p99 %v", m.FsyncWhere, load.Round(m.FsyncP50), load.Round(m.FsyncP99)),
		fmt.Sprintf("load before the run (3 s, nothing of this run going yet): machine busy %s, of which MariaDB %s, MinIO %s, other %s; other work on this machine (other sessions' tests, which share the MariaDB server) skews the numbers below when this is not near 0",
			Pct(m.Background.Busy), Pct(m.Background.MariaDB), Pct(m.Background.MinIO), Pct(m.Background.Other)),
		fmt.Sprintf("run: %d lead clients, %d photo clients, %d memory clients × %d rounds; %v warm-up + %v measured per lead window, + %v per photo window, %d photo rounds",
			c.Clients, c.PhotoClients, c.MemClients, c.MemRounds, c.Warmup, c.Duration, c.PhotoWindow, c.PhotoRounds),
	}
}

// photoNotes explains the decode share of the API photo measurement.
func (r *Report) photoNotes() []string {
	var out []string
	for _, p := range r.Photos {
		out = append(out, fmt.Sprintf("Photo %dx%d, JPEG quality %d, %d bytes (%.2f MiB): imaging.Process (decode + EXIF + thumbnail, what the server does per photo) takes %v in one goroutine, measured before the load runs.",
			p.Width, p.Height, p.Quality, p.Bytes, float64(p.Bytes)/mib, load.Round(p.ProcessTime)))
	}
	if a, d := r.PhotosShared, r.PhotoDrain; a != nil && d != nil {
		out = append(out, fmt.Sprintf("API photo runs: the server (`serve --workers 0`) decodes nothing; the `xiezhi worker` process (%s, %d job workers) processed %d of the %d photos stored during the API runs (warm-ups included): it was stopped (SIGSTOP) in the rounds' windows, and in the last window, while the uploads went on, it used %s of one core.",
			r.niceText(), r.Config.JobWorkers, d.Photos-d.Backlog, d.Photos, Pct(a.CPU.Worker)),
			d.Line())
	}
	return out
}

// niceText says how the worker process runs.
func (r *Report) niceText() string {
	var how []string
	if r.Config.WorkerIdle {
		how = append(how, "`chrt --idle 0`")
	}
	if r.Config.WorkerNice != 0 {
		how = append(how, fmt.Sprintf("`nice -n %d`", r.Config.WorkerNice))
	}
	if len(how) == 0 {
		return "at the server's priority"
	}
	return strings.Join(how, " ")
}

func (r *Report) memoryLines() []string {
	m := r.Memory
	if m == nil {
		return nil
	}
	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	lines := []string{
		fmt.Sprintf("%d clients × %d rounds, each uploading a %.2f MiB photo at the same moment: %d stored, %d errors, %v in all, upload latency p50 %v, p99 %v",
			m.Clients, m.Rounds, float64(m.PhotoBytes)/mib, len(m.Lat), m.Errors, load.Round(m.Elapsed), load.Round(load.Percentile(m.Lat, 0.5)), load.Round(load.Percentile(m.Lat, 0.99))),
		fmt.Sprintf("server (fresh process, no login on it): VmHWM %.1f MiB; highest RSS sampled every 5 ms %.1f MiB (%d samples), of which file-backed (the binary) %.1f MiB; highest anonymous RSS %.1f MiB",
			mb(m.HWM), mb(m.SampledMax), m.Samples, mb(m.FileAtMax), mb(m.MaxAnon)),
		fmt.Sprintf("the same process at rest before the uploads: RSS %.1f MiB (anonymous %.1f, file-backed %.1f)", mb(m.IdleRSS), mb(m.IdleAnon), mb(m.IdleFile)),
		fmt.Sprintf("CPU during the rounds: %s", m.CPU),
	}
	if d := m.Drain; d != nil {
		lines = append(lines, fmt.Sprintf("worker (a fresh `xiezhi worker` process, %s, %d job workers, started with the server): RSS at rest %.1f MiB; of the %d photos it processed %d during the rounds and the other %d in %v after the last upload (%.1f photos/s); **VmHWM %.1f MiB**, highest RSS sampled %.1f MiB",
			r.niceText(), r.Config.JobWorkers, mb(m.WorkerIdleRSS), d.Photos, d.Photos-d.Backlog, d.Backlog, load.Round(d.Elapsed), d.Rate(), mb(m.WorkerHWM), mb(m.WorkerSampledMax)))
	}
	lines = append(lines, fmt.Sprintf("for information, not the target: the previous server process (the runs before, with logins one after another) peaked at VmHWM %.1f MiB; after %d logins at once on the fresh process (%d failed) its VmHWM is %.1f MiB (argon2id takes 64 MiB per login)",
		mb(m.PrevHWM), m.Logins, m.LoginErrors, mb(m.HWMAfterLogins)))
	if m.FirstErr != "" {
		lines = append(lines, "first error: "+m.FirstErr)
	}
	return lines
}
