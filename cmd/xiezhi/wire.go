package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/localdir"
	"github.com/zhengning-court/xiezhi/internal/miniostore"
	"github.com/zhengning-court/xiezhi/internal/password"
)

// loadConfig parses a command's flags over the environment.
func loadConfig(name string, args []string, stderr io.Writer, getenv func(string) string) (config.Config, error) {
	return loadConfigWith(name, args, stderr, getenv, nil)
}

// loadConfigWith is loadConfig for a command with flags of its own, which
// extra registers.
func loadConfigWith(name string, args []string, stderr io.Writer, getenv func(string) string, extra func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("xiezhi "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, getenv)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return cfg, usageError{err.Error()}
	}
	return cfg, err
}

// newLogger builds the JSON (or text) slog logger of the configuration.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openDB opens the configured database: MySQL when XIEZHI_DATABASE_URL is
// set, else the embedded SQLite file.
func openDB(ctx context.Context, cfg config.Config) (*gormstore.DB, error) {
	if cfg.Embedded() {
		return gormstore.OpenSQLite(ctx, cfg.SQLitePath())
	}
	return gormstore.OpenMySQL(ctx, cfg.DatabaseURL)
}

// openObjects opens the configured object store: MinIO when
// XIEZHI_S3_ENDPOINT is set, else the embedded photo directory.
func openObjects(ctx context.Context, cfg config.Config) (domain.ObjectStore, error) {
	if cfg.S3Endpoint == "" {
		return localdir.Open(cfg.ObjectsDir())
	}
	return miniostore.Open(ctx, miniostore.Config{
		Endpoint:  cfg.S3Endpoint,
		AccessKey: cfg.S3AccessKey,
		SecretKey: cfg.S3SecretKey,
		Bucket:    cfg.S3Bucket,
		Region:    cfg.S3Region,
		UseTLS:    cfg.S3UseTLS,
	})
}

// passwordHasher is argon2id with the production parameters.
func passwordHasher() password.Params { return password.Default }

// describe says where the data lives, without secrets, for the start log.
func describe(cfg config.Config) (db, objects string) {
	db = "sqlite " + cfg.SQLitePath()
	if !cfg.Embedded() {
		db = "mysql"
		if at := strings.LastIndex(cfg.DatabaseURL, "@"); at >= 0 {
			db += " " + cfg.DatabaseURL[at+1:]
		}
	}
	objects = "localdir " + cfg.ObjectsDir()
	if cfg.S3Endpoint != "" {
		objects = fmt.Sprintf("minio %s bucket %s", cfg.S3Endpoint, cfg.S3Bucket)
	}
	return db, objects
}
