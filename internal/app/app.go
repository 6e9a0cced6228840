// Package app wires Xiezhi together: from an open database, object store
// and keys it builds the use cases, the background job runner and the
// router's options. `xiezhi serve`, `xiezhi worker` and the API tests all
// build the application here, so that what the tests run is what the
// server runs. Opening the backends (and where their settings come from)
// stays with the caller.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/cases"
	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/jobs"
	"github.com/zhengning-court/xiezhi/internal/jwtauth"
	"github.com/zhengning-court/xiezhi/internal/organisation"
	"github.com/zhengning-court/xiezhi/internal/roster"
	"github.com/zhengning-court/xiezhi/internal/stats"
	"github.com/zhengning-court/xiezhi/internal/triage"
)

// Config is what the use cases and the job runner are tuned with.
type Config struct {
	Intake      intake.Config         // photo uploads
	Jobs        jobs.Config           // the background job runner
	Idempotency api.IdempotencyConfig // Idempotency-Key of creating requests
	// MinBodyRate (bytes a second) and BodyRateGrace: the floor under which
	// a request body is cut (api.Options).
	MinBodyRate   int
	BodyRateGrace time.Duration
}

// DefaultConfig is the production tuning.
func DefaultConfig() Config {
	return Config{Intake: intake.DefaultConfig(), Jobs: jobs.DefaultConfig(), Idempotency: api.DefaultIdempotencyConfig(),
		MinBodyRate: 256, BodyRateGrace: 20 * time.Second}
}

// ConfigFrom applies the settings of the configuration: the largest photo
// upload, and as long for a job to finish on shutdown as the in-flight
// requests have.
func ConfigFrom(cfg config.Config) Config {
	c := DefaultConfig()
	c.Intake.MaxPhotoBytes = cfg.MaxPhotoBytes
	c.Jobs.Drain = cfg.ShutdownTimeout
	c.MinBodyRate, c.BodyRateGrace = cfg.MinBodyRate, cfg.BodyRateGrace
	return c
}

// Deps are the open backends and keys the application runs on.
type Deps struct {
	DB      *gormstore.DB
	Objects domain.ObjectStore
	// Keys signs and verifies access tokens, and Sealer seals ID numbers.
	// A process that serves no HTTP (xiezhi worker) leaves both nil: the
	// App then has no Accounts and no Cases, and no router Options.
	Keys      *jwtauth.Keyring
	Sealer    cases.Sealer
	Passwords accounts.Hasher  // argon2id parameters (password.Default in production)
	Now       func() time.Time // nil: time.Now
	NewID     func() string    // nil: gormstore.NewID
	Log       *slog.Logger     // the job runner's log; nil: slog.Default()
}

// App is the wired application.
type App struct {
	DB       *gormstore.DB
	Objects  domain.ObjectStore
	Keys     *jwtauth.Keyring
	Accounts *accounts.Service     // nil without Deps.Keys
	Org      *organisation.Service // grids, villages, teams
	Contacts *roster.Service       // contact book import and export
	Intake   *intake.Service       // leads and photos
	Triage   *triage.Service       // the enforcement teams' workflow
	Cases    *cases.Service        // nil without Deps.Sealer
	Stats    *stats.Service        // results per grid and assistant
	Jobs     *jobs.Runner          // the background jobs, wired to their use cases

	cfg Config
	now func() time.Time
}

// New builds the application over d.
func New(cfg Config, d Deps) (*App, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = gormstore.NewID
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	db := d.DB
	// The stores stamp created_at and updated_at on the application's clock
	// too, so that a test's clock holds for every record it makes.
	db.SetClock(d.Now, d.NewID)
	a := &App{DB: db, Objects: d.Objects, Keys: d.Keys, cfg: cfg, now: d.Now,
		Org:      organisation.New(db, db.Org()),
		Contacts: roster.New(db, db.Org()),
		Intake:   intake.New(db, db.Leads(), db.Org(), db.Cases(), d.Objects, d.Now, d.NewID, cfg.Intake),
		Triage:   triage.New(db, db.Leads(), db.Org(), d.Now, d.NewID, triage.DefaultConfig),
		Stats:    stats.New(db.Org(), db.Stats(), d.Now),
	}
	if d.Keys != nil {
		svc, err := accounts.New(db, db.Org(), db.Sessions(), d.Keys, d.Passwords, d.Now, d.NewID, accounts.DefaultConfig)
		if err != nil {
			return nil, err
		}
		a.Accounts = svc
	}
	if d.Sealer != nil {
		a.Cases = cases.New(db, db.Cases(), db.Audit(), db.Org(), d.Sealer, d.Now, d.NewID)
	}
	a.Jobs = jobs.New(db.Jobs(), cfg.Jobs, d.Now, d.Log)
	a.Jobs.Handle(domain.JobPhotoProcess, jobs.Handler{Run: a.Intake.RunPhotoJob, GiveUp: a.Intake.GiveUpPhotoJob})
	return a, nil
}

// Options are the router's options for the application: its use cases,
// tokens, job counts and readiness checks. The caller adds the logger,
// the metrics registry, the spec and the start time.
func (a *App) Options() api.Options {
	return api.Options{
		Accounts:          a.Accounts,
		Org:               a.Org,
		Tokens:            a.Keys,
		JWKS:              a.Keys.JWKS,
		Contacts:          a.Contacts,
		Intake:            a.Intake,
		Triage:            a.Triage,
		Cases:             a.Cases,
		Stats:             a.Stats,
		JobCounts:         a.DB.Jobs().CountJobs,
		Idempotency:       a.DB.Idempotency(),
		IdempotencyConfig: a.cfg.Idempotency,
		Now:               a.now,
		MinBodyRate:       a.cfg.MinBodyRate,
		BodyRateGrace:     a.cfg.BodyRateGrace,
		Checks: []api.Check{
			{Name: "database", Backend: a.DB.Name(), Ping: a.DB.Ping},
			{Name: "object_store", Backend: a.Objects.Name(), Ping: a.Objects.Ping},
		},
	}
}

// PurgeIdempotency deletes the expired idempotency records every interval
// until ctx ends. Several instances may run it: deleting is idempotent.
func (a *App) PurgeIdempotency(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.DB.Idempotency().PurgeIdempotency(ctx, a.now()); err != nil && ctx.Err() == nil {
			log.Warn("purge idempotency keys", "error", err.Error())
		} else if n > 0 {
			log.Info("idempotency keys purged", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
