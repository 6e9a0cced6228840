package main

import (
	"context"
	"io"
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
	a, err := start(ctx, cfg, log, nil, false)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	a.Jobs.Run(ctx, cfg.Workers)
	log.Info("stopped")
	return nil
}
