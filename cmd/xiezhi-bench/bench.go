package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/photo"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
)

// bench is one run: its backends, what it started and what it measured.
type bench struct {
	cfg    config
	tmp    string
	tag    string // names this run's databases and buckets
	mysql  *mysql.Config
	admin  *sql.DB
	s3     *minio.Client
	http   *http.Client
	meter  *procfs.Meter // CPU of mariadb, minio and the worker
	atExit []func(context.Context) error
	out    report.Report
	photo  *photo.Photo // throughput photos (~2 MiB)
	big    *photo.Photo // memory photos (~8 MiB)
	// jobsRemoved counts the photo jobs drainJobs removed at -drain-max:
	// their photos stay pending for the rest of the run.
	jobsRemoved int
}

// run takes the measurements; everything it started is undone before it
// returns, whatever happened.
func run(ctx context.Context, cfg config) (err error) {
	b := &bench{cfg: cfg, meter: &procfs.Meter{PIDs: map[string]int{}}}
	defer func() { err = errors.Join(err, b.cleanUp()) }()
	if err := b.startProfile(); err != nil {
		return err
	}
	if err := b.setup(ctx); err != nil {
		return err
	}
	if err := b.measure(ctx); err != nil {
		return err
	}
	b.out.Print(os.Stdout)
	if cfg.out != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.out), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(cfg.out, []byte(b.out.Markdown(time.Now())), 0o644); err != nil { //nolint:gosec // a report meant to be read
			return err
		}
		fmt.Printf("\nmarkdown written to %s\n", cfg.out)
	}
	if n := b.out.FailedRequests(); n > 0 {
		return fmt.Errorf("%d request(s) failed during the measurements (see the errors column); the numbers above are not trustworthy", n)
	}
	return nil
}

// measure runs the measurements -only names, in a fixed order.
func (b *bench) measure(ctx context.Context) error {
	var api *apiEnv
	var err error
	if b.cfg.leadsOn || b.cfg.photosOn || b.cfg.memoryOn {
		if api, err = b.startAPI(ctx); err != nil {
			return err
		}
	}
	steps := []struct {
		on bool
		do func(context.Context) error
	}{
		{b.cfg.queueOn, b.measureQueue},
		{b.cfg.leadsOn, func(ctx context.Context) error { return b.measureLeads(ctx, api) }},
		{b.cfg.photosOn, func(ctx context.Context) error { return b.measurePhotos(ctx, api) }},
		{b.cfg.memoryOn, func(ctx context.Context) error { return b.measureMemory(ctx, api) }},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := s.do(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// cleanUp undoes what the run started, last first.
func (b *bench) cleanUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	for i := len(b.atExit) - 1; i >= 0; i-- {
		if err := b.atExit[i](ctx); err != nil {
			fmt.Fprintln(os.Stderr, "xiezhi-bench: cleanup:", err)
			errs = append(errs, fmt.Errorf("cleanup: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (b *bench) onExit(f func(context.Context) error) { b.atExit = append(b.atExit, f) }

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "xiezhi-bench: "+format+"\n", args...)
}

// startProfile starts -cpuprofile of this program.
func (b *bench) startProfile() error {
	if b.cfg.cpuprofile == "" {
		return nil
	}
	f, err := os.Create(b.cfg.cpuprofile)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	b.onExit(func(context.Context) error { pprof.StopCPUProfile(); return f.Close() })
	return nil
}

// setup checks the backends, collects the machine description and makes
// the test photos.
func (b *bench) setup(ctx context.Context) error {
	if err := b.checkAddresses(); err != nil {
		return err
	}
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	b.tag = hex.EncodeToString(tag[:])
	var err error
	if b.tmp, err = os.MkdirTemp("", "xiezhi-bench."); err != nil {
		return err
	}
	b.onExit(func(context.Context) error { return os.RemoveAll(b.tmp) })
	if err := b.connect(ctx); err != nil {
		return err
	}
	b.http = &http.Client{Transport: newTransport(256), Timeout: b.cfg.requestTimeout}
	b.findServers()
	b.out.Machine = b.describeMachine(ctx)
	b.out.Config = report.Config{Clients: b.cfg.clients, PhotoClients: b.cfg.photoClients, MemClients: b.cfg.memClients, MemRounds: b.cfg.memRounds,
		PhotoRounds: b.cfg.photoRounds, Warmup: b.cfg.warmup, Duration: b.cfg.duration, PhotoWindow: b.cfg.photoWindow,
		JobWorkers: b.cfg.jobWorkers, WorkerNice: b.cfg.workerNice, WorkerIdle: b.cfg.workerIdle}
	return b.makePhotos()
}

// checkAddresses refuses backends that are not on this machine and a
// missing binary.
func (b *bench) checkAddresses() error {
	var err error
	if b.mysql, err = mysql.ParseDSN(b.cfg.mysqlDSN); err != nil {
		return fmt.Errorf("-mysql-dsn: %w", err)
	}
	if b.mysql.Net != "tcp" {
		return fmt.Errorf("-mysql-dsn: want a tcp address on loopback, got %s(%s)", b.mysql.Net, b.mysql.Addr)
	}
	if err := requireLoopback(b.mysql.Addr); err != nil {
		return fmt.Errorf("-mysql-dsn: %w", err)
	}
	if err := requireLoopback(b.cfg.s3Endpoint); err != nil {
		return fmt.Errorf("-s3-endpoint: %w", err)
	}
	if _, err := os.Stat(b.cfg.xiezhi); err != nil {
		return fmt.Errorf("-xiezhi: %w (run make build)", err)
	}
	b.cfg.xiezhi, err = filepath.Abs(b.cfg.xiezhi)
	return err
}

// connect opens the MariaDB admin connection and the MinIO client.
func (b *bench) connect(ctx context.Context) error {
	admin := b.mysql.Clone()
	admin.DBName = ""
	admin.ParseTime = true
	var err error
	if b.admin, err = sql.Open("mysql", admin.FormatDSN()); err != nil {
		return err
	}
	b.onExit(func(context.Context) error { return b.admin.Close() })
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.admin.PingContext(pctx); err != nil {
		return fmt.Errorf("MariaDB at %s: %w", b.mysql.Addr, err)
	}
	b.s3, err = minio.New(b.cfg.s3Endpoint, &minio.Options{
		Creds:           credentials.NewStaticV4(b.cfg.s3AccessKey, b.cfg.s3Secret, ""),
		Transport:       newTransport(64),
		TrailingHeaders: true, // as internal/miniostore: the SHA-256 goes in a trailer
	})
	if err != nil {
		return err
	}
	if _, err := b.s3.ListBuckets(pctx); err != nil {
		return fmt.Errorf("MinIO at %s: %w", b.cfg.s3Endpoint, err)
	}
	return nil
}

// findServers finds the MariaDB and MinIO processes, whose CPU is
// accounted.
func (b *bench) findServers() {
	if pid := procfs.FindProcess("mariadbd", ""); pid > 0 {
		b.meter.PIDs[procfs.ProcMariaDB] = pid
	} else if pid := procfs.FindProcess("mysqld", ""); pid > 0 {
		b.meter.PIDs[procfs.ProcMariaDB] = pid
	}
	_, port, _ := net.SplitHostPort(b.cfg.s3Endpoint)
	if pid := procfs.FindProcess("minio", ":"+port); pid > 0 {
		b.meter.PIDs[procfs.ProcMinIO] = pid
	}
	for _, name := range []string{procfs.ProcMariaDB, procfs.ProcMinIO} {
		if b.meter.PIDs[name] == 0 {
			b.logf("note: no %s process found on this machine; its CPU is not accounted", name)
		}
	}
}

// makePhotos makes the photos of the measurements that run: noise and
// starting JPEG quality that give about 2 and 8 MiB at 12 MP; the quality
// is then adjusted to the requested size.
func (b *bench) makePhotos() error {
	small := photo.Spec{Width: 4000, Height: 3000, Seed: 1, Noise: 8, Quality: 85, Bytes: int(b.cfg.photoMiB * mib)}
	large := photo.Spec{Width: 4000, Height: 3000, Seed: 2, Noise: 20, Quality: 96, Bytes: int(b.cfg.memPhotoMiB * mib)}
	if !b.cfg.photosOn && !b.cfg.memoryOn {
		return nil
	}
	b.logf("making the test photos (%dx%d JPEGs of ~%.0f and ~%.0f MiB)", small.Width, small.Height, b.cfg.photoMiB, b.cfg.memPhotoMiB)
	var wg sync.WaitGroup
	var errSmall, errBig error
	if b.cfg.photosOn {
		wg.Go(func() { b.photo, errSmall = photo.Make(small) })
	}
	if b.cfg.memoryOn {
		wg.Go(func() { b.big, errBig = photo.Make(large) })
	}
	wg.Wait()
	if err := errors.Join(errSmall, errBig); err != nil {
		return err
	}
	// What the server's decode and thumbnail cost for each file in one
	// goroutine, before any load of this run.
	for _, p := range []*photo.Photo{b.photo, b.big} {
		if p == nil {
			continue
		}
		d, err := p.ProcessTime()
		if err != nil {
			return err
		}
		b.logf("photo: %dx%d, quality %d, %d bytes (%.2f MiB)", p.Width, p.Height, p.Quality, len(p.Data), float64(len(p.Data))/mib)
		b.out.Photos = append(b.out.Photos, report.Photo{Width: p.Width, Height: p.Height, Quality: p.Quality, Bytes: len(p.Data), ProcessTime: d})
	}
	return nil
}

// requireLoopback refuses an address that is not on this machine: a load
// test sends traffic to loopback only.
func requireLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("address %q: %w", hostport, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q is not a loopback address; this benchmark only loads servers on 127.0.0.0/8 or ::1", hostport)
	}
	return nil
}

// newTransport is a keep-alive transport for loopback servers.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // loopback only, never through a proxy
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		DisableCompression:    true,
	}
}

// createDB creates a database of this run; it is dropped at exit.
func (b *bench) createDB(ctx context.Context, suffix string) (name, dsn string, err error) {
	name = "xzbench_" + b.tag + "_" + suffix
	if _, err := b.admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", "", fmt.Errorf("create database %s: %w", name, err)
	}
	b.onExit(func(ctx context.Context) error {
		_, err := b.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
		return err
	})
	c := b.mysql.Clone()
	c.DBName = name
	return name, c.FormatDSN(), nil
}

// makeBucket creates a bucket of this run (or, with create false, one the
// server creates); it is emptied and removed at exit.
func (b *bench) makeBucket(ctx context.Context, name string, create bool) error {
	if create {
		if err := b.s3.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
			return fmt.Errorf("make bucket %s: %w", name, err)
		}
	}
	b.onExit(func(ctx context.Context) error {
		ok, err := b.s3.BucketExists(ctx, name)
		if err != nil || !ok {
			return err
		}
		objects := b.s3.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true})
		for e := range b.s3.RemoveObjects(ctx, name, objects, minio.RemoveObjectsOptions{}) {
			if e.Err != nil {
				return fmt.Errorf("empty bucket %s: %w", name, e.Err)
			}
		}
		return b.s3.RemoveBucket(ctx, name)
	})
	return nil
}
