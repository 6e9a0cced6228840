package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	xiezhi "github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/internal/app"
	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/jwtauth"
	"github.com/zhengning-court/xiezhi/internal/netguard"
	"github.com/zhengning-court/xiezhi/internal/password"
	"github.com/zhengning-court/xiezhi/internal/seed"
)

// serve runs "xiezhi serve": open the stores, migrate, load reference and
// demo data, then answer HTTP and run cfg.Workers background job workers
// until ctx ends, and drain in-flight requests and jobs.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := loadConfig("serve", args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	dbWhere, objWhere := describe(cfg)
	log.Info("starting", "version", version, "database", dbWhere, "object_store", objWhere, "addr", cfg.Addr)
	a, err := start(ctx, cfg, log, stdout, true)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	go a.Keys.Run(ctx, time.Minute, log)
	go a.PurgeIdempotency(ctx, time.Hour, log)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	o := a.Options()
	o.Logger, o.Registry, o.Spec, o.Started = log, reg, xiezhi.OpenAPI, time.Now()
	handler := api.New(o)

	wctx, stopWorkers := context.WithCancel(ctx)
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		if cfg.Workers > 0 {
			a.Jobs.Run(wctx, cfg.Workers)
		}
	}()
	err = listenAndServe(ctx, cfg, handler, log)
	stopWorkers()
	<-workersDone
	return err
}

// start is the start-up of serve and worker: open the database and the
// object store, (serving: the data key,) migrate, (serving: load the
// reference and demo data and the token signing keys,) and wire the
// application. The caller closes a.DB.
func start(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, serving bool) (a *app.App, err error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()
	d := app.Deps{DB: db, Passwords: passwordHasher(), Log: log}
	if d.Objects, err = openObjects(ctx, cfg); err != nil {
		return nil, err
	}
	if serving {
		if d.Sealer, err = openSealer(cfg, log); err != nil {
			return nil, err
		}
	}
	if err := migrateAtStart(ctx, cfg, db, log); err != nil {
		return nil, err
	}
	if serving {
		if err := loadData(ctx, cfg, db, stdout, log); err != nil {
			return nil, err
		}
		if d.Keys, err = openKeyring(cfg, log); err != nil {
			return nil, err
		}
	}
	return app.New(app.ConfigFrom(cfg), d)
}

// openKeyring loads the token signing keys. The embedded default makes its
// first key itself; production must be given one (xiezhi keys rotate), so
// that instances never each invent a key of their own.
func openKeyring(cfg config.Config, log *slog.Logger) (*jwtauth.Keyring, error) {
	set, err := jwtauth.LoadKeys(cfg.KeysDir(), time.Now())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if set == nil || len(set.Keys()) == 0 {
		if !cfg.Embedded() {
			return nil, fmt.Errorf("no token signing key in %s: create one with `xiezhi keys rotate` (see docs/authentication.md)", cfg.KeysDir())
		}
		kid, err := jwtauth.CreateKey(cfg.KeysDir(), time.Now())
		if err != nil {
			return nil, err
		}
		log.Info("token signing key created", "kid", kid, "dir", cfg.KeysDir())
	}
	return jwtauth.NewKeyring(cfg.KeysDir(), cfg.JWTIssuer, cfg.JWTAudience, time.Now)
}

// newHTTPServer applies the timeouts: headers must come quickly (slowloris),
// bodies may take minutes (photos over a weak rural connection).
func newHTTPServer(cfg config.Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listenAndServe serves until ctx ends, then stops accepting and waits up to
// the shutdown timeout for in-flight requests to finish.
func listenAndServe(ctx context.Context, cfg config.Config, h http.Handler, log *slog.Logger) error {
	srv := newHTTPServer(cfg, h, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	ln = netguard.PerAddress(ln, cfg.MaxConnsPerIP)
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// loadData loads the Zhengning grids when the database has none, and on the
// embedded default (or XIEZHI_DEMO_DATA=true) demo teams and accounts whose
// generated passwords are printed once, on the first start only.
func loadData(ctx context.Context, cfg config.Config, db *gormstore.DB, stdout io.Writer, log *slog.Logger) error {
	org := db.Org()
	grids, err := org.ListGrids(ctx)
	if err != nil {
		return err
	}
	if len(grids) == 0 {
		data, err := seed.Zhengning()
		if err != nil {
			return err
		}
		if err := db.Transact(ctx, func(s domain.Stores) error { return seed.Grids(ctx, s.Org, data) }); err != nil {
			return err
		}
		log.Info("reference data loaded", "grids", len(data))
	}
	if !cfg.LoadDemoData() {
		return nil
	}
	creds, err := seed.DemoTx(ctx, db, password.Default.Hash, func() (string, error) { return password.Random(16) })
	if err != nil {
		return err
	}
	if len(creds) > 0 {
		printCredentials(stdout, creds)
	}
	return nil
}

// printCredentials shows the demo accounts once; they are not kept anywhere
// in clear text.
func printCredentials(w io.Writer, creds []seed.Credential) {
	var b strings.Builder
	b.WriteString("\nDemo accounts (shown only now; the passwords are stored hashed):\n")
	for _, c := range creds {
		fmt.Fprintf(&b, "  %-10s %-8s phone %s  password %s  (%s)\n", c.Role, c.Name, c.Phone, c.Password, c.Where)
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}
