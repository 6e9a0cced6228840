package procfs

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		text string
		want map[string]int64
	}{
		{"kB fields only", "Name:\txiezhi\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\nThreads:\t9\n",
			map[string]int64{"VmHWM": 20480, "VmRSS": 10240}},
		{"anon and file", "RssAnon:\t 3000 kB\nRssFile:\t 7000 kB\n", map[string]int64{"RssAnon": 3000, "RssFile": 7000}},
		{"not a number", "VmRSS:\t lots kB\n", map[string]int64{}},
		{"empty", "", map[string]int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

func TestParseTicks(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
	tests := []struct {
		name    string
		stat    string
		want    uint64
		wantErr bool
	}{
		{"plain", "42 (xiezhi) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0", 300, false},
		{"comm with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0", 33, false},
		{"no comm", "7 R 1 7 7", 0, true},
		{"short", "7 (x) R 1 7", 0, true},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 u s", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTicks([]byte(tt.stat))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ticks = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseMachineTicks(t *testing.T) {
	tests := []struct {
		name                     string
		line                     string
		busy, iowait, idleWanted uint64
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{"all fields", "cpu  100 10 50 1000 30 5 5 20 40 4", 170, 30, 1020},
		{"old kernel, four fields", "cpu 1 2 3 4", 6, 0, 4},
		{"empty", "", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, w, i := ParseMachineTicks(tt.line)
			if b != tt.busy || w != tt.iowait || i != tt.idleWanted {
				t.Errorf("got busy %d iowait %d idle %d, want %d %d %d", b, w, i, tt.busy, tt.iowait, tt.idleWanted)
			}
		})
	}
}

func TestMountIn(t *testing.T) {
	mounts := "overlay / overlay rw 0 0\n/dev/sda1 /var ext4 rw 0 0\n/dev/sdb1 /var/lib/mysql xfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n"
	tests := []struct{ path, want string }{
		{"/var/lib/mysql/ibdata1", "/dev/sdb1 (xfs, mounted on /var/lib/mysql)"},
		{"/var/lib/mysqlx", "/dev/sda1 (ext4, mounted on /var)"},
		{"/tmp", "tmpfs (tmpfs, mounted on /tmp)"},
		{"/home/x", "overlay (overlay, mounted on /)"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := MountIn(mounts, tt.path); got != tt.want {
				t.Errorf("MountIn(%s) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
	if got := MountIn("", "/x"); got != "unknown" {
		t.Errorf("no mounts: %q, want unknown", got)
	}
}

// TestOwnProcess reads this test's own process through /proc.
func TestOwnProcess(t *testing.T) {
	pid := os.Getpid()
	st, err := Status(pid)
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if st["VmRSS"] <= 0 || st["VmHWM"] < st["VmRSS"] {
		t.Errorf("VmRSS %d, VmHWM %d: want a positive RSS and a high-water mark at least as high", st["VmRSS"], st["VmHWM"])
	}
	if _, err := StatusKB(pid, "NoSuchField"); err == nil {
		t.Error("StatusKB of a missing field: no error")
	}
	t0, err := Ticks(pid)
	if err != nil {
		t.Fatal(err)
	}
	burn := 0
	for i := range 20_000_000 {
		burn ^= i
	}
	_ = burn
	if t1, err := Ticks(pid); err != nil || t1 < t0 {
		t.Errorf("ticks went from %d to %d (%v)", t0, t1, err)
	}
	if b, w, i := MachineTicks(); b+w+i == 0 {
		t.Error("MachineTicks: all zero")
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	if got := FindProcess(strings.TrimSpace(string(comm)), ""); got == 0 {
		t.Errorf("FindProcess(%q) found nothing", strings.TrimSpace(string(comm)))
	}
	if kb, err := MeminfoKB("MemTotal"); err != nil || kb <= 0 {
		t.Errorf("MemTotal %d, %v", kb, err)
	}
	s := StartSampler(pid, time.Millisecond)
	rss := s.Stop()
	if rss.N < 1 || rss.Max <= 0 {
		t.Errorf("sampler: %+v, want at least the first sample", rss)
	}
}

func TestMeterOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	m := &Meter{PIDs: map[string]int{ProcMariaDB: 0}}
	s0 := m.Snapshot(os.Getpid())
	burn := 0
	for i := range 20_000_000 {
		burn ^= i
	}
	_ = burn
	c := m.Since(s0, os.Getpid())
	if !c.OK || math.IsNaN(c.Bench) || math.IsNaN(c.Server) {
		t.Errorf("own CPU not measured: %+v", c)
	}
	if !math.IsNaN(c.MariaDB) || !math.IsNaN(c.Worker) {
		t.Errorf("processes without a pid measured: %+v", c)
	}
}

func TestBetween(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s0 := Snap{at: at, procs: map[string]uint64{procServer: 100, procBench: 10}, busy: 1000, iowait: 0, idle: 1000}
	tests := []struct {
		name             string
		s1               Snap
		server, bench    float64
		busy, other      float64
		serverNaN, notOK bool
		mariadbNaNWanted bool
		iowaitWanted     float64
		cpusOfTheMachine int
	}{
		{name: "two cores, server one core", s1: Snap{at: at.Add(2 * time.Second), procs: map[string]uint64{procServer: 300, procBench: 30}, busy: 1300, iowait: 100, idle: 1000},
			server: 100, bench: 10, busy: 150, other: 40, mariadbNaNWanted: true, iowaitWanted: 50, cpusOfTheMachine: 2},
		{name: "server gone", s1: Snap{at: at.Add(time.Second), procs: map[string]uint64{procBench: 10}, busy: 1000, idle: 1200},
			serverNaN: true, mariadbNaNWanted: true, cpusOfTheMachine: 1},
		{name: "no time passed", s1: Snap{at: at}, notOK: true, cpusOfTheMachine: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Between(s0, tt.s1, tt.cpusOfTheMachine)
			if c.OK == tt.notOK {
				t.Fatalf("OK = %v", c.OK)
			}
			if tt.notOK {
				return
			}
			if math.IsNaN(c.Server) != tt.serverNaN || (!tt.serverNaN && c.Server != tt.server) {
				t.Errorf("server %v, want %v (NaN %v)", c.Server, tt.server, tt.serverNaN)
			}
			if c.Bench != tt.bench || c.Busy != tt.busy || c.Other != tt.other || c.IOWait != tt.iowaitWanted {
				t.Errorf("bench %v busy %v other %v iowait %v, want %v %v %v %v", c.Bench, c.Busy, c.Other, c.IOWait, tt.bench, tt.busy, tt.other, tt.iowaitWanted)
			}
			if math.IsNaN(c.MariaDB) != tt.mariadbNaNWanted {
				t.Errorf("MariaDB %v", c.MariaDB)
			}
		})
	}
}

func TestMeanCPU(t *testing.T) {
	got := MeanCPU([]CPU{{Server: 10, Busy: 50, OK: true}, {Server: 30, Busy: 70, OK: true}})
	if !got.OK || got.Server != 20 || got.Busy != 60 {
		t.Errorf("mean %+v", got)
	}
	if got := MeanCPU([]CPU{{OK: true}, {}}); got.OK {
		t.Error("a window not measured made the mean measured")
	}
	if got := MeanCPU(nil); got.OK {
		t.Error("no windows made a measured mean")
	}
	if s := (CPU{Server: 12.4, Worker: math.NaN(), OK: true}).String(); !strings.HasPrefix(s, "server 12% · MariaDB 0%") {
		t.Errorf("String() = %q", s)
	}
	if s := (CPU{}).String(); s != "–" {
		t.Errorf("unmeasured String() = %q", s)
	}
}
