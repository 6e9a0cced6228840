package procfs

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"time"
)

// CPU is the CPU each process used during a window, in % of one core; NaN
// for a process that was not running (or not found) at both ends.
type CPU struct {
	Server, MariaDB, MinIO, Bench float64
	Worker                        float64 // `xiezhi worker`, when one runs
	// The whole machine; Other is Busy less the processes above.
	Busy, IOWait, Other float64
	OK                  bool // measured at all
}

// String is the CPU line of the report.
func (c CPU) String() string {
	if !c.OK {
		return "–"
	}
	worker := ""
	if !math.IsNaN(c.Worker) {
		worker = " · worker " + Pct(c.Worker)
	}
	return fmt.Sprintf("server %s%s · MariaDB %s · MinIO %s · bench %s · other %s · machine busy %s, iowait %s",
		Pct(c.Server), worker, Pct(c.MariaDB), Pct(c.MinIO), Pct(c.Bench), Pct(c.Other), Pct(c.Busy), Pct(c.IOWait))
}

// Pct formats a percentage, "–" for NaN.
func Pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", v)
}

// The processes a Meter accounts, by the names of CPU's fields.
const (
	ProcMariaDB = "mariadb"
	ProcMinIO   = "minio"
	ProcWorker  = "worker"
	procServer  = "server"
	procBench   = "bench"
)

// Meter measures the CPU of the processes in PIDs (ProcMariaDB, ProcMinIO,
// ProcWorker; a missing or zero pid is not accounted), of this process and
// of a server given per window.
type Meter struct {
	PIDs map[string]int
}

// Snap is the CPU time of the processes and of the machine at one moment.
type Snap struct {
	at                 time.Time
	procs              map[string]uint64
	busy, iowait, idle uint64
}

// Snapshot reads the CPU times now; serverPID 0 leaves the server out.
func (m *Meter) Snapshot(serverPID int) Snap {
	s := Snap{at: time.Now(), procs: map[string]uint64{}}
	pids := map[string]int{procBench: os.Getpid(), procServer: serverPID}
	for _, name := range []string{ProcMariaDB, ProcMinIO, ProcWorker} {
		pids[name] = m.PIDs[name]
	}
	for name, pid := range pids {
		if pid <= 0 {
			continue
		}
		if t, err := Ticks(pid); err == nil {
			s.procs[name] = t
		}
	}
	s.busy, s.iowait, s.idle = MachineTicks()
	return s
}

// Since is the CPU used from s0 until now.
func (m *Meter) Since(s0 Snap, serverPID int) CPU {
	return Between(s0, m.Snapshot(serverPID), runtime.NumCPU())
}

// Between is the CPU used from s0 to s1 on a machine of cpus cores.
func Between(s0, s1 Snap, cpus int) CPU {
	wall := s1.at.Sub(s0.at).Seconds()
	if wall <= 0 {
		return CPU{}
	}
	pct := func(name string) float64 {
		a, ok0 := s0.procs[name]
		z, ok1 := s1.procs[name]
		if !ok0 || !ok1 {
			return math.NaN()
		}
		return float64(z-a) / ClockTick / wall * 100
	}
	u := CPU{Server: pct(procServer), MariaDB: pct(ProcMariaDB), MinIO: pct(ProcMinIO), Bench: pct(procBench), Worker: pct(ProcWorker), OK: true}
	total := float64((s1.busy + s1.iowait + s1.idle) - (s0.busy + s0.iowait + s0.idle))
	if total > 0 {
		n := float64(cpus) * 100
		u.Busy = float64(s1.busy-s0.busy) / total * n
		u.IOWait = float64(s1.iowait-s0.iowait) / total * n
		u.Other = u.Busy
		for _, v := range []float64{u.Server, u.MariaDB, u.MinIO, u.Bench, u.Worker} {
			if !math.IsNaN(v) {
				u.Other -= v
			}
		}
		u.Other = max(u.Other, 0)
	}
	return u
}

// MeanCPU averages the CPU of equal windows (NaN where a process did not
// run in one of them).
func MeanCPU(cs []CPU) CPU {
	var m CPU
	if len(cs) == 0 {
		return m
	}
	m.OK = true
	fields := func(c *CPU) []*float64 {
		return []*float64{&c.Server, &c.MariaDB, &c.MinIO, &c.Bench, &c.Worker, &c.Busy, &c.IOWait, &c.Other}
	}
	for _, c := range cs {
		m.OK = m.OK && c.OK
		for i, f := range fields(&c) {
			*fields(&m)[i] += *f / float64(len(cs))
		}
	}
	return m
}

// RSS is what a Sampler saw, in KiB.
type RSS struct {
	Max       int64 // highest VmRSS
	MaxAnon   int64 // highest RssAnon
	FileAtMax int64 // RssFile when VmRSS was highest
	N         int   // samples read
}

// Sampler reads the RSS of a process at an interval until Stop.
type Sampler struct {
	quit, done chan struct{}
	rss        RSS
}

// StartSampler reads /proc/<pid>/status now and then every interval.
func StartSampler(pid int, every time.Duration) *Sampler {
	s := &Sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if st, err := Status(pid); err == nil {
				if st["VmRSS"] > s.rss.Max {
					s.rss.Max, s.rss.FileAtMax = st["VmRSS"], st["RssFile"]
				}
				s.rss.MaxAnon = max(s.rss.MaxAnon, st["RssAnon"])
				s.rss.N++
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns what it saw.
func (s *Sampler) Stop() RSS {
	close(s.quit)
	<-s.done
	return s.rss
}
