package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// migrate runs "xiezhi migrate up|status".
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		return usageError{"usage: xiezhi migrate up|status [flags]"}
	}
	cfg, err := loadConfig("migrate "+args[0], args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		done, err := db.Migrate(ctx)
		for _, m := range done {
			fmt.Fprintf(stdout, "applied %04d_%s\n", m.Version, m.Name)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintln(stdout, "database is up to date")
		}
		return nil
	}
	status, err := db.MigrationStatus(ctx)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VERSION\tNAME\tAPPLIED\n")
	pending := 0
	for _, m := range status {
		at := "pending"
		if m.Applied {
			at = m.AppliedAt.Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, at)
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "%s database: %d applied, %d pending\n", db.Dialect(), len(status)-pending, pending)
	return err
}

// migrateAtStart applies pending migrations before a command works on the
// database, unless cfg.NoMigrate, logging each one applied when log is not
// nil.
func migrateAtStart(ctx context.Context, cfg config.Config, db *gormstore.DB, log *slog.Logger) error {
	if cfg.NoMigrate {
		return nil
	}
	done, err := db.Migrate(ctx)
	for _, m := range done {
		if log != nil {
			log.Info("migration applied", "version", m.Version, "name", m.Name)
		}
	}
	return err
}
