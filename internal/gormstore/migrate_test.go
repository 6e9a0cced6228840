package gormstore_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// TestMigrateTwice: backendtest already migrated; a second run applies
// nothing and the status lists every migration as applied.
func TestMigrateTwice(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		done, err := b.DB.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 0 {
			t.Errorf("second Migrate applied %v", done)
		}
		status, err := b.DB.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(status) == 0 {
			t.Fatal("no migrations known")
		}
		if status[0].Version != gormstore.BaselineVersion || status[0].Name != "baseline" {
			t.Errorf("first migration %04d_%s, want the baseline", status[0].Version, status[0].Name)
		}
		for i, m := range status {
			if !m.Applied || m.AppliedAt.IsZero() || (i > 0 && m.Version <= status[i-1].Version) || len(m.Checksum) != 64 {
				t.Errorf("migration %d: %+v", i, m)
			}
		}
	})
}

// TestMigrationStatusNotices an edited migration and one from a newer binary.
func TestMigrationStatusNotices(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		if _, err := b.DB.SQL().ExecContext(ctx, "UPDATE schema_migrations SET checksum = ? WHERE version = ?", "0000000000000000000000000000000000000000000000000000000000000000", gormstore.BaselineVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := b.DB.MigrationStatus(ctx); err == nil {
			t.Error("an edited migration went unnoticed")
		}
		if _, err := b.DB.Migrate(ctx); err == nil {
			t.Error("Migrate ran over an edited migration")
		}
	})
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		if _, err := b.DB.SQL().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (9999, 'from_the_future', 'x', '2026-01-01 00:00:00')"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.DB.MigrationStatus(ctx); err == nil {
			t.Error("a migration unknown to this binary went unnoticed")
		}
	})
}

// TestOpenMySQLUnreachable: a server that is not there gives a one-line
// EUnavailable error naming where, quickly.
func TestOpenMySQLUnreachable(t *testing.T) {
	tests := []struct {
		name, dsn, want string
		code            domain.Code
	}{
		{"closed port", "root@tcp(127.0.0.1:1)/xiezhi", "database mysql at 127.0.0.1:1/xiezhi: connection refused", domain.EUnavailable},
		{"not a dsn", "mysql://root@localhost/xiezhi", "XIEZHI_DATABASE_URL is not a MySQL DSN", domain.EInternal},
		{"no database", "root@tcp(127.0.0.1:3306)/", "XIEZHI_DATABASE_URL names no database", domain.EInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gormstore.OpenMySQL(context.Background(), tc.dsn)
			if err == nil {
				t.Fatal("no error")
			}
			var de *domain.Error
			msg := err.Error()
			if errors.As(err, &de) {
				msg = de.Message
			}
			if domain.ErrorCode(err) != tc.code || len(msg) < len(tc.want) || msg[:len(tc.want)] != tc.want {
				t.Errorf("error %q (code %s), want prefix %q (code %s)", msg, domain.ErrorCode(err), tc.want, tc.code)
			}
			for _, c := range msg {
				if c == '\n' {
					t.Errorf("error spans lines: %q", msg)
				}
			}
		})
	}
}

// TestOpenSQLiteOddPath: characters that mean something in a URI stay part
// of the file name.
func TestOpenSQLiteOddPath(t *testing.T) {
	path := t.TempDir() + "/a#b?c%20d/xiezhi.db"
	db, err := gormstore.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
}
