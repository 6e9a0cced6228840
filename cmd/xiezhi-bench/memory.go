package main

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
)

// measureMemory restarts the server (so that its peak is this
// measurement's alone: logins, which hash with 64 MiB each, happen on the
// previous process), then has every client upload a large photo at once,
// -mem-rounds times, and reads the peaks of the server and of the worker
// that processes the photos.
func (b *bench) measureMemory(ctx context.Context, a *apiEnv) error {
	if err := b.login(ctx, a); err != nil {
		return err
	}
	n := b.cfg.memClients
	var seq atomic.Uint64
	seq.Store(2 << 40) // plates apart from the other measurements'
	leads, err := b.newPhotoLeads(ctx, a, n, 1, b.cfg.memRounds, &seq)
	if err != nil {
		return err
	}
	m := &report.Memory{Clients: n, Rounds: b.cfg.memRounds, PhotoBytes: len(b.big.Data)}
	m.PrevHWM, _ = procfs.StatusKB(a.srv.PID(), "VmHWM")
	if err := b.restartAPI(ctx, a); err != nil {
		return err
	}
	time.Sleep(time.Second) // let the fresh processes settle before reading their rest
	if err := b.memoryAtRest(a, m); err != nil {
		return err
	}
	stored, err := b.photoCount(ctx, a)
	if err != nil {
		return err
	}
	pid := a.srv.PID()
	sampler := procfs.StartSampler(pid, 5*time.Millisecond)
	wsampler := procfs.StartSampler(a.worker.PID(), 5*time.Millisecond)
	cpu0 := b.meter.Snapshot(pid)
	b.logf("memory: %d clients each upload a %.1f MiB photo at once, %d rounds (server pid %d)", n, float64(len(b.big.Data))/mib, m.Rounds, pid)
	start := time.Now()
	b.uploadAtOnce(ctx, a, leads, m)
	if err := ctx.Err(); err != nil {
		return err
	}
	m.Elapsed = time.Since(start)
	slices.Sort(m.Lat)
	m.CPU = b.meter.Since(cpu0, pid)
	rss := sampler.Stop()
	m.SampledMax, m.Samples, m.MaxAnon, m.FileAtMax = rss.Max, rss.N, rss.MaxAnon, rss.FileAtMax
	if m.HWM, err = procfs.StatusKB(pid, "VmHWM"); err != nil {
		return err
	}
	// The worker processes the photos of the rounds (at nice 19 it had
	// little CPU during them); its peak is read once it has processed all.
	if m.Drain, err = b.drainJobs(ctx, a, stored, 20*time.Minute); err != nil {
		return err
	}
	m.WorkerSampledMax = wsampler.Stop().Max
	if m.WorkerHWM, err = procfs.StatusKB(a.worker.PID(), "VmHWM"); err != nil {
		return err
	}
	b.loginAtOnce(ctx, a, m)
	b.out.Memory = m
	return nil
}

// restartAPI replaces the server and the worker by fresh processes.
func (b *bench) restartAPI(ctx context.Context, a *apiEnv) error {
	if err := a.srv.Stop(); err != nil {
		return err
	}
	if err := a.worker.Stop(); err != nil {
		return err
	}
	var err error
	if a.srv, err = b.startServer(ctx, a.env, "server-2"); err != nil {
		return err
	}
	a.worker, err = b.startWorker(ctx, a, "worker-2")
	return err
}

// memoryAtRest reads the fresh processes' memory before any upload.
func (b *bench) memoryAtRest(a *apiEnv, m *report.Memory) error {
	if st, err := procfs.Status(a.worker.PID()); err == nil {
		m.WorkerIdleRSS = st["VmRSS"]
	}
	idle, err := procfs.Status(a.srv.PID())
	if err != nil {
		return err
	}
	m.IdleRSS, m.IdleAnon, m.IdleFile = idle["VmRSS"], idle["RssAnon"], idle["RssFile"]
	return nil
}

// uploadAtOnce runs the rounds: every client uploads its photo at the same
// moment, each round with new bytes.
func (b *bench) uploadAtOnce(ctx context.Context, a *apiEnv, leads *photoLeads, m *report.Memory) {
	n := m.Clients
	bufs := make([][]byte, n)
	digests := make([]string, n)
	for range m.Rounds {
		for w := range n { // every round's bytes differ
			bufs[w], digests[w] = b.big.Instance(bufs[w])
		}
		var wg sync.WaitGroup
		gate := make(chan struct{})
		lat := make([]time.Duration, n)
		errs := make([]error, n)
		for w := range n {
			wg.Go(func() {
				lead, err := leads.next(ctx, w)
				<-gate
				if err == nil {
					t := time.Now()
					err = b.putPhoto(ctx, a.srv, leads.token(w), lead, bufs[w], digests[w])
					lat[w] = time.Since(t)
				}
				errs[w] = err
			})
		}
		close(gate)
		wg.Wait()
		for w := range n {
			if errs[w] == nil {
				m.Lat = append(m.Lat, lat[w])
				continue
			}
			m.Errors++
			if m.FirstErr == "" {
				m.FirstErr = errs[w].Error()
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// loginAtOnce, for information: the same process's peak after the
// assistants log in at once.
func (b *bench) loginAtOnce(ctx context.Context, a *apiEnv, m *report.Memory) {
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, u := range a.users {
		wg.Go(func() {
			if _, err := b.loginOne(ctx, a.srv, u); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	m.Logins, m.LoginErrors = len(a.users), int(failed.Load())
	m.HWMAfterLogins, _ = procfs.StatusKB(a.srv.PID(), "VmHWM")
}
