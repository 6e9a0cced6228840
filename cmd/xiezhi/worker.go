package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/jobs"
)

// worker runs "xiezhi worker": background jobs only (photo decoding and
// thumbnails), no HTTP, with the configuration of serve. Operators run it
// beside `xiezhi serve --workers 0`, for instance under `nice -n 19` on a
// small machine so that decoding never slows uploads, or on other machines:
// workers share the jobs table safely. It stops on SIGTERM once its
// current jobs are finished or given back.
func worker(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	cfg, err := loadConfig("worker", args, stderr, getenv)
	if err != nil {
		return err
	}
	if cfg.Workers < 1 {
		return usageError{"xiezhi worker needs XIEZHI_WORKERS (--workers) of 1 or more"}
	}
	log := newLogger(cfg, stderr)
	dbWhere, objWhere := describe(cfg)
	log.Info("starting worker", "version", version, "database", dbWhere, "object_store", objWhere, "workers", cfg.Workers)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	objects, err := openObjects(ctx, cfg)
	if err != nil {
		return err
	}
	if err := migrateAtStart(ctx, cfg, db, log); err != nil {
		return err
	}
	intakeSvc := intake.New(db, db.Leads(), db.Org(), db.Cases(), objects, time.Now, gormstore.NewID, intakeConfig(cfg))
	newJobRunner(cfg, db, intakeSvc, log).Run(ctx, cfg.Workers)
	log.Info("stopped")
	return nil
}

// newJobRunner wires the background jobs to their use cases. On shutdown
// a job has as long as the in-flight requests to finish.
func newJobRunner(cfg config.Config, db *gormstore.DB, intakeSvc *intake.Service, log *slog.Logger) *jobs.Runner {
	jc := jobs.DefaultConfig()
	jc.Drain = cfg.ShutdownTimeout
	r := jobs.New(db.Jobs(), jc, time.Now, log)
	r.Handle(domain.JobPhotoProcess, jobs.Handler{Run: intakeSvc.RunPhotoJob, GiveUp: intakeSvc.GiveUpPhotoJob})
	return r
}
