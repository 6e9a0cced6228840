package gormstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/migrations"
)

// Migration is one versioned SQL file and, once applied, when.
type Migration struct {
	Version   int
	Name      string
	Checksum  string // SHA-256 of the file, to notice an edited released migration
	AppliedAt time.Time
	Applied   bool
}

// createMigrationsTable keeps the bookkeeping table; it is the only schema
// not in migrations/ because the migrator needs it before the first file.
var createMigrationsTable = map[Dialect]string{
	MySQL: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INT          NOT NULL PRIMARY KEY,
  name       VARCHAR(255) NOT NULL,
  checksum   CHAR(64)     NOT NULL,
  applied_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
	SQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER  NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  checksum   TEXT     NOT NULL,
  applied_at DATETIME NOT NULL
)`,
}

type migrationFile struct {
	Migration
	sql string
}

// files reads the migrations of a dialect from fsys (migrations.FS but in
// tests) in version order.
func files(fsys fs.FS, d Dialect) ([]migrationFile, error) {
	entries, err := fs.ReadDir(fsys, string(d))
	if err != nil {
		return nil, fmt.Errorf("read migrations/%s: %w", d, err)
	}
	var out []migrationFile
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations/%s/%s: name must be NNNN_description.sql", d, e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations/%s: %s and %s share version %d", d, other, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(string(d), e.Name()))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, migrationFile{
			Migration: Migration{Version: v, Name: name, Checksum: hex.EncodeToString(sum[:])},
			sql:       string(b),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// statements splits a migration file at semicolons that end a line, dropping
// comment-only lines. Migrations keep semicolons out of string literals.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmt := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, stmt)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// MigrationStatus lists every known migration and whether it is applied.
// It fails when the database has a migration this binary does not know (a
// newer binary migrated it) or when an applied file was edited since. A
// database migrated by the development migrations 0001–0009 counts as
// having the baseline (see squashed).
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	out, _, err := db.status(ctx, migrations.FS)
	return out, err
}

// appliedRow is a row of schema_migrations.
type appliedRow struct {
	Version   int
	Name      string
	Checksum  string
	AppliedAt time.Time
}

// status compares the files of fsys with schema_migrations. squashed
// reports a database whose rows are the development history that the
// baseline replaces, which Migrate then rewrites.
func (db *DB) status(ctx context.Context, fsys fs.FS) (out []Migration, squashed bool, err error) {
	all, err := files(fsys, db.dialect)
	if err != nil {
		return nil, false, err
	}
	if err := db.gorm.WithContext(ctx).Exec(createMigrationsTable[db.dialect]).Error; err != nil {
		return nil, false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var rows []appliedRow
	if err := db.gorm.WithContext(ctx).Raw("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").Scan(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("read schema_migrations: %w", err)
	}
	if hasBaseline(all) {
		if rows, squashed, err = db.unsquash(rows, all[0]); err != nil {
			return nil, false, err
		}
	}
	applied := map[int]appliedRow{}
	for _, r := range rows {
		applied[r.Version] = r
	}
	out = make([]Migration, 0, len(all))
	var errs []error
	for _, f := range all {
		m := f.Migration
		if r, ok := applied[m.Version]; ok {
			m.Applied, m.AppliedAt = true, r.AppliedAt.UTC()
			if r.Checksum != m.Checksum {
				errs = append(errs, fmt.Errorf("migration %04d_%s was edited after it was applied (checksum %s, applied %s)", m.Version, m.Name, m.Checksum[:12], r.Checksum[:min(12, len(r.Checksum))]))
			}
			delete(applied, m.Version)
		}
		out = append(out, m)
	}
	for v, r := range applied {
		errs = append(errs, fmt.Errorf("database has migration %04d_%s that this binary does not know: run a newer xiezhi", v, r.Name))
	}
	return out, squashed, errors.Join(errs...)
}

// Migrate applies every pending migration in order and returns those it
// applied. On MySQL a named lock keeps instances that start together from
// migrating at once. MySQL commits DDL implicitly, so a file that fails half
// way is reported with the statement that failed and is not recorded; fix
// the cause and run again (every statement in our files is safe to re-run
// only up to the failure, so keep one DDL change per file where it matters).
// A database migrated by the development migrations 0001–0009 gets its
// bookkeeping rewritten to the baseline, which is not reported as applied:
// its schema is already the baseline's.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	return db.migrate(ctx, migrations.FS)
}

func (db *DB) migrate(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	if db.dialect == MySQL {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('xiezhi_migrate', 60)").Scan(&got); err != nil {
			return nil, fmt.Errorf("migrate: take the migration lock: %w", err)
		}
		if got.Int64 != 1 {
			return nil, errors.New("migrate: another instance held the migration lock for 60 s; try again")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('xiezhi_migrate')") //nolint:errcheck // released with the connection anyway
	}
	status, squashed, err := db.status(ctx, fsys)
	if err != nil {
		return nil, err
	}
	all, err := files(fsys, db.dialect)
	if err != nil {
		return nil, err
	}
	if squashed {
		if err := db.recordBaseline(ctx, all[0]); err != nil {
			return nil, err
		}
	}
	var done []Migration
	for i, f := range all {
		if status[i].Applied {
			continue
		}
		if err := db.apply(ctx, f); err != nil {
			return done, err
		}
		m := f.Migration
		m.Applied, m.AppliedAt = true, time.Now().UTC()
		done = append(done, m)
	}
	return done, nil
}

func (db *DB) apply(ctx context.Context, f migrationFile) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %04d_%s: %w", f.Version, f.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	for _, stmt := range statements(f.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			first, _, _ := strings.Cut(stmt, "\n")
			return fmt.Errorf("migration %04d_%s, statement %q: %w", f.Version, f.Name, first, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
		f.Version, f.Name, f.Checksum, time.Now().UTC()); err != nil {
		return fmt.Errorf("record migration %04d_%s: %w", f.Version, f.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %04d_%s: %w", f.Version, f.Name, err)
	}
	return nil
}
