package main

import (
	"context"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

// loadSpec is a load run of this bench: a load.Spec whose window is
// -duration unless given, with the CPU of the processes accounted.
type loadSpec struct {
	name, unit string
	clients    int
	bytesPerOp int64
	window     time.Duration // 0: -duration
	server     *server       // the API server, whose CPU is accounted
	sampleRSS  bool          // sample the server's RSS in the window
	prepare    func(w int)
	op         func(ctx context.Context, w int) (int64, error)
}

// load runs s with -warmup and logs the result.
func (b *bench) load(ctx context.Context, s loadSpec) *load.Result {
	window := s.window
	if window == 0 {
		window = b.cfg.duration
	}
	pid := 0
	if s.server != nil {
		pid = s.server.PID()
	}
	res := load.Run(ctx, load.Spec{
		Name: s.name, Unit: s.unit, Clients: s.clients, Warmup: b.cfg.warmup, Window: window, Prepare: s.prepare, Op: s.op,
		Measure: func() func(*load.Result) {
			c0 := b.meter.Snapshot(pid)
			var rss *procfs.Sampler
			if s.sampleRSS && pid > 0 {
				rss = procfs.StartSampler(pid, 10*time.Millisecond)
			}
			return func(r *load.Result) {
				r.CPU = b.meter.Since(c0, pid)
				if rss != nil {
					r.RSSMaxKB = rss.Stop().Max
				}
			}
		},
	})
	if !res.Interrupted {
		b.logf("  %s: %d %s in %v = %.1f/s, p50 %v, p99 %v, errors %d", s.name, res.N, s.unit, res.Window,
			res.Rate(), load.Round(load.Percentile(res.Lat, 0.50)), load.Round(load.Percentile(res.Lat, 0.99)), res.Errors)
	}
	return res
}
