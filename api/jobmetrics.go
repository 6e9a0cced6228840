package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// jobsCollector exports the background jobs waiting, running and failed,
// read from the database at each scrape: the jobs table is shared by every
// instance and worker process, so any instance shows the whole queue.
type jobsCollector struct {
	count func(context.Context) (map[domain.JobState]int64, error)
	log   *slog.Logger
	desc  *prometheus.Desc
}

func newJobsCollector(count func(context.Context) (map[domain.JobState]int64, error), log *slog.Logger) *jobsCollector {
	return &jobsCollector{count: count, log: log, desc: prometheus.NewDesc("xiezhi_jobs",
		"Background jobs (photo processing) by state: queued (waiting or backing off after a failure), running, failed (gave up; see docs/operations.md).",
		[]string{"state"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. A failing count leaves the
// metric out of this scrape (and logs why) rather than failing /metrics.
func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.count(ctx)
	if err != nil {
		c.log.Warn("count jobs for /metrics", "error", err.Error())
		return
	}
	for _, s := range []domain.JobState{domain.JobQueued, domain.JobRunning, domain.JobFailed} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n[s]), string(s))
	}
}
