// Command xiezhi-bench takes the performance measurements of lead intake,
// each beside a baseline measured in the same run on the same servers:
//
//  1. Lead submission: POST /v1/leads through the real HTTP API of a
//     `xiezhi serve` subprocess on MariaDB (a fresh database) and MinIO,
//     by -clients concurrent assistants, beside a bare GORM program that
//     does the same writes with the store's own row types (the reference
//     counter increment, the lead, its "submitted" timeline event and its
//     count, one transaction per lead) with as many goroutines into
//     another fresh database migrated the same way.
//  2. Photo upload: PUT /v1/leads/{id}/photos/{photo_id} of ~2 MiB 12 MP
//     phone-like JPEGs by -photo-clients clients, beside minio-go
//     PutObject of the same bytes straight to the same MinIO. The server
//     runs with --workers 0 and a separate `nice -n 19 xiezhi worker`
//     decodes the photos and makes their thumbnails (see worker.go).
//  3. Server memory: VmHWM (and RSS sampled every 5 ms) of a freshly
//     started server while -mem-clients clients each upload an ~8 MiB
//     photo at once, -mem-rounds times, and the peak of a fresh worker
//     process that processes those photos.
//  4. With -only queue: the officers' queue and the statistics at
//     -queue-leads leads (queue.go).
//
// It prints a table, the targets and whether they were met, and with -out
// writes the same as a markdown fragment. It asserts no time: a failed
// request is an error, a slow one is a number.
//
// Everything it starts or creates (the server processes, the databases
// xzbench_*, the buckets xzbench-*, the temp dir) is removed at exit, also
// after an error or SIGINT/SIGTERM. It talks to loopback addresses only.
//
// The pieces with tests of their own are under internal/: supervise
// (processes), procfs (/proc probes), photo (the JPEG synthesiser), load
// (the client loop and percentiles) and report (the tables).
//
//	scripts/test-env.sh go run ./cmd/xiezhi-bench -xiezhi bin/xiezhi
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const mib = 1 << 20

// config is the command line.
type config struct {
	duration, warmup                             time.Duration
	clients, photoClients, memClients, memRounds int
	photoMiB, memPhotoMiB                        float64
	mysqlDSN, s3Endpoint, s3AccessKey, s3Secret  string
	xiezhi, out, only, cpuprofile, serverPprof   string
	leadsOn, photosOn, memoryOn, queueOn         bool
	baselineCounter                              bool
	queueLeads, queueRequests, queueClients      int
	queueWindow                                  time.Duration
	jobWorkers, workerNice, photoRounds          int
	workerIdle                                   bool
	drainMax, photoWindow                        time.Duration
	serverTimeout, requestTimeout                time.Duration
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "xiezhi-bench:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "xiezhi-bench: FAIL:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line; the backends default to the
// variables scripts/test-env.sh sets (read through getenv).
func parseFlags(args []string, getenv func(string) string) (config, error) {
	c := config{serverTimeout: 90 * time.Second, requestTimeout: 2 * time.Minute}
	fs := flag.NewFlagSet("xiezhi-bench", flag.ContinueOnError)
	defineFlags(fs, &c, getenv)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.parseOnly(); err != nil {
		return c, err
	}
	return c, c.check()
}

func defineFlags(fs *flag.FlagSet, c *config, getenv func(string) string) {
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "measured time of each lead throughput measurement")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "unmeasured warm-up before each throughput measurement")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients submitting leads (API and baseline)")
	fs.IntVar(&c.photoClients, "photo-clients", 8, "concurrent clients uploading photos (API and baseline)")
	fs.IntVar(&c.memClients, "mem-clients", 32, "clients uploading a large photo at once in the memory measurement")
	fs.IntVar(&c.memRounds, "mem-rounds", 3, "rounds of simultaneous large uploads in the memory measurement (at most 9)")
	fs.IntVar(&c.photoRounds, "photo-rounds", 4, "rounds of the photo measurement: each runs both PutObject baselines and the API once, in reverse order every other round")
	fs.DurationVar(&c.photoWindow, "photo-window", 10*time.Second, "measured time of each photo window (after -warmup); every window writes its photos to MinIO's temp dir, about 45 GB for the default rounds")
	fs.DurationVar(&c.drainMax, "drain-max", time.Minute, "time the worker's catching up after the photo windows for at most this long (the jobs still queued then are removed from the bench database)")
	fs.Float64Var(&c.photoMiB, "photo-mib", 2, "approximate size of the throughput photos (MiB)")
	fs.Float64Var(&c.memPhotoMiB, "mem-photo-mib", 8, "approximate size of the memory-measurement photos (MiB)")
	fs.StringVar(&c.mysqlDSN, "mysql-dsn", getenv("XIEZHI_TEST_MYSQL_DSN"), "MariaDB/MySQL server DSN (user:pass@tcp(127.0.0.1:3306)/); databases xzbench_* are created and dropped")
	fs.StringVar(&c.s3Endpoint, "s3-endpoint", getenv("XIEZHI_TEST_S3_ENDPOINT"), "MinIO host:port (loopback)")
	fs.StringVar(&c.s3AccessKey, "s3-access-key", getenv("XIEZHI_TEST_S3_ACCESS_KEY"), "MinIO access key")
	fs.StringVar(&c.s3Secret, "s3-secret-key", getenv("XIEZHI_TEST_S3_SECRET_KEY"), "MinIO secret key")
	fs.StringVar(&c.xiezhi, "xiezhi", "bin/xiezhi", "path of the built xiezhi binary (make build)")
	fs.StringVar(&c.out, "out", "", "also write the results as a markdown fragment to this file")
	fs.StringVar(&c.only, "only", "leads,photos,memory", "measurements to run, comma separated: leads, photos, memory, queue (queue is not in the default set: it inserts -queue-leads leads first, about 10 minutes for 1,000,000)")
	fs.IntVar(&c.queueLeads, "queue-leads", 1_000_000, "leads inserted for the queue measurement (at least 2000)")
	fs.IntVar(&c.queueRequests, "queue-requests", 300, "measured requests per case in the queue measurement (after a tenth as many unmeasured)")
	fs.IntVar(&c.queueClients, "queue-clients", 4, "concurrent clients in the second round of the queue measurement")
	fs.DurationVar(&c.queueWindow, "queue-window", 30*time.Second, "at most this much measuring per case in the queue measurement")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of this program (the client side only) to this file")
	fs.StringVar(&c.serverPprof, "server-pprof", "", "a loopback address for the server's net/http/pprof (XIEZHI_PPROF_ADDR; the -xiezhi binary must be built with -tags pprof)")
	fs.IntVar(&c.jobWorkers, "job-workers", 2, "job workers (photo decoders) in the separate `xiezhi worker` process of the photo and memory measurements")
	fs.IntVar(&c.workerNice, "worker-nice", 19, "niceness of the `xiezhi worker` process (0: run it at the server's priority)")
	fs.BoolVar(&c.workerIdle, "worker-idle", true, "run the `xiezhi worker` process under SCHED_IDLE too (chrt --idle 0), so that it yields the CPU at once to any other task")
	fs.BoolVar(&c.baselineCounter, "baseline-counter", true, "the GORM baseline increments the reference counter as the server does (false: lead, event and count only, for analysis)")
}

// parseOnly turns -only into the measurements to run.
func (c *config) parseOnly() error {
	for _, m := range strings.Split(c.only, ",") {
		switch strings.TrimSpace(m) {
		case "leads":
			c.leadsOn = true
		case "photos":
			c.photosOn = true
		case "memory":
			c.memoryOn = true
		case "queue":
			c.queueOn = true
		case "":
		default:
			return fmt.Errorf("-only: unknown measurement %q (leads, photos, memory, queue)", m)
		}
	}
	return nil
}

// check refuses settings the measurements cannot run with.
func (c *config) check() error {
	switch {
	case c.mysqlDSN == "":
		return errors.New("no MariaDB: set -mysql-dsn or XIEZHI_TEST_MYSQL_DSN (run under scripts/test-env.sh)")
	case c.s3Endpoint == "" || c.s3AccessKey == "" || c.s3Secret == "":
		return errors.New("no MinIO: set -s3-endpoint/-s3-access-key/-s3-secret-key or the XIEZHI_TEST_S3_* variables (run under scripts/test-env.sh)")
	case c.duration <= 0 || c.warmup < 0 || c.photoWindow <= 0:
		return errors.New("-duration and -photo-window must be positive and -warmup not negative")
	case c.photoRounds < 1:
		return fmt.Errorf("-photo-rounds: %d, want at least 1", c.photoRounds)
	case c.clients < 1 || c.photoClients < 1 || c.memClients < 1:
		return errors.New("client counts must be at least 1")
	case c.jobWorkers < 1 || c.workerNice < 0 || c.workerNice > 19:
		return errors.New("-job-workers must be at least 1 and -worker-nice 0 to 19")
	case c.queueOn && (c.queueLeads < 2000 || c.queueRequests < 1 || c.queueClients < 1 || c.queueWindow <= 0):
		return errors.New("-queue-leads must be at least 2000, -queue-requests, -queue-clients and -queue-window positive")
	case c.memRounds < 1 || c.memRounds > 9:
		return errors.New("-mem-rounds must be 1 to 9 (a lead takes at most 9 photos)")
	case c.photoMiB <= 0 || c.memPhotoMiB <= 0 || c.memPhotoMiB > 9.5:
		return errors.New("photo sizes must be positive and under the server's 10 MiB cap")
	}
	return nil
}
