// Package load runs the closed-loop load of a throughput measurement: N
// clients, each sending its next request as soon as the last one answered,
// for a warm-up and then a measured window. Throughput counts the requests
// that completed inside the window, divided by its length; the latencies
// (sorted, for percentiles) are those of the same requests.
package load

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

// Spec is one load run.
type Spec struct {
	Name, Unit string // the row's name; what one operation is ("leads")
	Clients    int
	Warmup     time.Duration // unmeasured, before the window
	Window     time.Duration // measured
	// Prepare readies client w's next request; its time is outside the
	// latency but inside the throughput. Optional.
	Prepare func(w int)
	// Op does client w's next request and returns the bytes it moved.
	Op func(ctx context.Context, w int) (int64, error)
	// Measure, when set, is called as the window starts; the function it
	// returns is called as the window ends (or the run is cancelled) with
	// the result, to add what was measured beside (CPU, RSS).
	Measure func() func(*Result)
	// ErrorPause is how long a client waits after a failed request, so as
	// not to spin on a failing server (default 50 ms).
	ErrorPause time.Duration
}

// Result is what a run measured.
type Result struct {
	Name, Unit string
	Clients    int
	N          int // completed in the window
	Errors     int // anywhere in the run, warm-up included
	FirstErr   string
	Window     time.Duration
	Bytes      int64
	Lat        []time.Duration // sorted
	CPU        procfs.CPU      // filled by Spec.Measure
	RSSMaxKB   int64           // server RSS, highest sampled in the window; by Spec.Measure
	Note       string
	Pooled     bool // the sum of windows listed on their own too
	// Interrupted: the run was cancelled, so its numbers mean nothing.
	Interrupted bool
}

// Rate is the operations per second of the window.
func (r *Result) Rate() float64 { return float64(r.N) / r.Window.Seconds() }

// MBps is the megabytes (10^6) per second of the window.
func (r *Result) MBps() float64 { return float64(r.Bytes) / 1e6 / r.Window.Seconds() }

type record struct {
	d time.Duration
	n int64
}

type client struct {
	recs     []record
	errors   int
	firstErr error
}

// Run runs s. Clients stop starting requests at the end of the window and
// the run waits for the last ones.
func Run(ctx context.Context, s Spec) *Result {
	res := &Result{Name: s.Name, Unit: s.Unit, Clients: s.Clients, Window: s.Window}
	t0 := time.Now().Add(s.Warmup)
	t1 := t0.Add(s.Window)
	measured := make(chan func(*Result), 1)
	go func() { // what is measured beside, over exactly the window
		time.Sleep(time.Until(t0))
		var end func(*Result)
		if s.Measure != nil {
			end = s.Measure()
		}
		select {
		case <-time.After(time.Until(t1)):
		case <-ctx.Done():
		}
		measured <- end
	}()
	clients := make([]client, s.Clients)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() { clients[w] = runClient(ctx, s, w, t0, t1) })
	}
	wg.Wait()
	if end := <-measured; end != nil {
		end(res)
	}
	res.Interrupted = ctx.Err() != nil
	for _, c := range clients {
		res.Errors += c.errors
		if c.firstErr != nil && res.FirstErr == "" {
			res.FirstErr = c.firstErr.Error()
		}
		for _, r := range c.recs {
			res.N++
			res.Bytes += r.n
			res.Lat = append(res.Lat, r.d)
		}
	}
	slices.Sort(res.Lat)
	return res
}

// runClient is client w's closed loop.
func runClient(ctx context.Context, s Spec, w int, t0, t1 time.Time) client {
	var c client
	pause := s.ErrorPause
	if pause == 0 {
		pause = 50 * time.Millisecond
	}
	for ctx.Err() == nil {
		if s.Prepare != nil {
			s.Prepare(w)
		}
		start := time.Now()
		if !start.Before(t1) {
			return c
		}
		n, err := s.Op(ctx, w)
		end := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return c
			}
			c.errors++
			if c.firstErr == nil {
				c.firstErr = err
			}
			time.Sleep(pause)
			continue
		}
		if !end.Before(t0) && !end.After(t1) {
			c.recs = append(c.recs, record{d: end.Sub(start), n: n})
		}
	}
	return c
}

// Pool sums equal windows of one kind into one result: their requests,
// bytes and latencies, and their mean CPU.
func Pool(name string, rs []*Result) *Result {
	p := &Result{Name: name, Pooled: true}
	if len(rs) == 0 {
		return p
	}
	p.Unit, p.Clients = rs[0].Unit, rs[0].Clients
	cpus := make([]procfs.CPU, 0, len(rs))
	for _, r := range rs {
		p.N += r.N
		p.Errors += r.Errors
		if p.FirstErr == "" {
			p.FirstErr = r.FirstErr
		}
		p.Window += r.Window
		p.Bytes += r.Bytes
		p.Lat = append(p.Lat, r.Lat...)
		p.RSSMaxKB = max(p.RSSMaxKB, r.RSSMaxKB)
		p.Interrupted = p.Interrupted || r.Interrupted
		cpus = append(cpus, r.CPU)
	}
	slices.Sort(p.Lat)
	p.CPU = procfs.MeanCPU(cpus)
	return p
}

// Percentile is the p-quantile (0 < p ≤ 1) of sorted durations, by the
// nearest-rank method; 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Round rounds a latency to three or four significant digits for the
// report.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
