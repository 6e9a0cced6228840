package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
)

// describeMachine collects what the report says of the machine: CPU,
// memory, kernel, the MariaDB settings that decide a commit's cost, MinIO's
// version, the disk's fsync latency and the load before the run.
func (b *bench) describeMachine(ctx context.Context) report.Machine {
	m := report.Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if c, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(c), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if kb, err := procfs.MeminfoKB("MemTotal"); err == nil {
		m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if k, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(k))
	}
	b.describeMariaDB(ctx, &m)
	m.MinIO = minioVersion(ctx)
	m.FsyncP50, m.FsyncP99 = fsyncLatency(b.tmp)
	m.FsyncWhere = procfs.MountOf(b.tmp)
	c0 := b.meter.Snapshot(0)
	time.Sleep(3 * time.Second)
	m.Background = b.meter.Since(c0, 0)
	return m
}

// describeMariaDB reads the server's version and durability settings.
func (b *bench) describeMariaDB(ctx context.Context, m *report.Machine) {
	var pool int64
	row := b.admin.QueryRowContext(ctx, "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@log_bin, @@innodb_buffer_pool_size, @@innodb_flush_method, @@datadir")
	if err := row.Scan(&m.MariaDB, &m.FlushLog, &m.SyncBinlog, &m.LogBin, &pool, &m.FlushMethod, &m.Datadir); err != nil {
		b.logf("note: reading the MariaDB settings: %v", err)
	}
	m.BufferPool = fmt.Sprintf("%d MiB", pool/mib)
	if requireLoopback(b.mysql.Addr) == nil {
		m.DatadirFS = procfs.MountOf(m.Datadir)
	}
}

// minioVersion is the version of the pinned MinIO of scripts/test-env.sh.
func minioVersion(ctx context.Context) string {
	bin := os.Getenv("XIEZHI_TEST_MINIO_BIN")
	if bin == "" {
		return "unknown"
	}
	if v, err := os.ReadFile(filepath.Join(filepath.Dir(bin), "minio.version")); err == nil { //nolint:gosec // written by scripts/ensure-minio.sh
		return strings.TrimPrefix(strings.TrimSpace(string(v)), "github.com/minio/minio@")
	}
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil { //nolint:gosec // the pinned MinIO of scripts/test-env.sh
		v, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return v
	}
	return "unknown"
}

// fsyncLatency writes 4 KiB and fdatasyncs it 200 times in dir: what one
// durable commit costs the disk at least.
func fsyncLatency(dir string) (p50, p99 time.Duration) {
	f, err := os.CreateTemp(dir, "fsync.")
	if err != nil {
		return 0, 0
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	var ds []time.Duration
	for i := range 200 {
		t := time.Now()
		if _, err := f.WriteAt(block, int64(i%16)*4096); err != nil {
			return 0, 0
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, 0
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	return load.Percentile(ds, 0.5), load.Percentile(ds, 0.99)
}
