package gormstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

// dialects opens two empty databases of each dialect, for a test that
// builds one schema two ways.
var dialects = []struct {
	name string
	open func(t *testing.T) *gormstore.DB
	dump func(t *testing.T, db *sql.DB) map[string][]string
}{
	{"sqlite", func(t *testing.T) *gormstore.DB {
		db, err := gormstore.OpenSQLite(context.Background(), t.TempDir()+"/xiezhi.db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}, dumpSQLite},
	{"mysql", func(t *testing.T) *gormstore.DB {
		db, err := gormstore.OpenMySQL(context.Background(), testenv.MySQLDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}, dumpMySQL},
}

// TestBaselineIsTheOldChain: a database created from the baseline and one
// migrated by the development migrations 0001–0009 it replaced have the
// same schema to the last column type, default, index, foreign key and
// table option, and the same rows (audit_head); then Migrate takes the old
// database as having the baseline, applies only what follows it, and both
// are still the same.
func TestBaselineIsTheOldChain(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			old, fresh := d.open(t), d.open(t)
			done, err := old.MigrateFS(ctx, gormstore.OldChain)
			if err != nil {
				t.Fatal(err)
			}
			if len(done) != 9 {
				t.Fatalf("old chain applied %d migrations", len(done))
			}
			if _, err := fresh.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			status, err := fresh.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var after []string // what the old database still needs
			for _, m := range status {
				if m.Version > gormstore.BaselineVersion {
					after = append(after, fmt.Sprintf("%04d_%s", m.Version, m.Name))
				}
			}
			if len(after) == 0 {
				// Only the baseline: compare before the old database is touched.
				compareSchemas(t, d.dump(t, old.SQL()), d.dump(t, fresh.SQL()))
			}

			oldStatus, err := old.MigrationStatus(ctx)
			if err != nil {
				t.Fatalf("status of a database at the old 0009: %v", err)
			}
			if oldStatus[0].Name != "baseline" || !oldStatus[0].Applied {
				t.Errorf("old database's status starts with %+v, want the baseline applied", oldStatus[0])
			}
			done, err = old.Migrate(ctx)
			if err != nil {
				t.Fatalf("migrate a database at the old 0009: %v", err)
			}
			var applied []string
			for _, m := range done {
				applied = append(applied, fmt.Sprintf("%04d_%s", m.Version, m.Name))
			}
			if diff := cmp.Diff(after, applied); diff != "" {
				t.Errorf("Migrate over the old chain applied (-want +got):\n%s", diff)
			}
			compareSchemas(t, d.dump(t, old.SQL()), d.dump(t, fresh.SQL()))
			if done, err := old.Migrate(ctx); err != nil || len(done) != 0 {
				t.Errorf("second Migrate: %v, %v", done, err)
			}
			var rows int
			if err := old.SQL().QueryRow("SELECT COUNT(*) FROM schema_migrations WHERE version <= ?", gormstore.BaselineVersion).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("schema_migrations has %d rows up to the baseline (%v), want 1", rows, err)
			}
		})
	}
}

// TestBaselineRefusesPartOfTheOldChain: a database that a development build
// migrated only part of the way, or whose history is not the old chain's,
// is refused with a message that says what to do, and left alone.
func TestBaselineRefusesPartOfTheOldChain(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := d.open(t)
			if _, err := db.MigrateFS(ctx, firstOld(t, d.name, 7)); err != nil {
				t.Fatal(err)
			}
			for _, run := range []func(context.Context) error{
				func(ctx context.Context) error { _, err := db.MigrationStatus(ctx); return err },
				func(ctx context.Context) error { _, err := db.Migrate(ctx); return err },
			} {
				err := run(ctx)
				if err == nil || !strings.Contains(err.Error(), "up to 0007_queue_scale") || !strings.Contains(err.Error(), "recreate") {
					t.Errorf("part of the old chain: %v", err)
				}
			}
			if _, err := db.SQL().ExecContext(ctx, "UPDATE schema_migrations SET name = 'other' WHERE version = 3"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "0003_other") {
				t.Errorf("a foreign history: %v", err)
			}
			var n int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != 7 {
				t.Errorf("schema_migrations has %d rows (%v), want the 7 left alone", n, err)
			}
		})
	}
}

// firstOld is the old chain's files up to version n of one dialect.
func firstOld(t *testing.T, dialect string, n int) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(gormstore.OldChain, dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries[:n] {
		b, err := fs.ReadFile(gormstore.OldChain, dialect+"/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[dialect+"/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

func compareSchemas(t *testing.T, old, fresh map[string][]string) {
	t.Helper()
	if len(fresh) < 10 {
		t.Fatalf("dump has %d entries; expected a migrated schema", len(fresh))
	}
	if diff := cmp.Diff(old, fresh); diff != "" {
		t.Errorf("schemas differ (-old chain +baseline):\n%s", diff)
	}
}

// queryStrings runs q and returns each row's columns joined by " | ".
func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dumpMySQL is every table's SHOW CREATE TABLE (columns in order, keys and
// constraints sorted, as their order follows the order of creation), the
// triggers and routines, and audit_head's rows; schema_migrations is left
// out.
func dumpMySQL(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tbl := range queryStrings(t, db, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migrations'") {
		var name, create string
		if err := db.QueryRow("SHOW CREATE TABLE `"+tbl+"`").Scan(&name, &create); err != nil {
			t.Fatal(err)
		}
		var cols, keys []string
		for _, line := range strings.Split(create, "\n") {
			line = strings.TrimSuffix(strings.TrimSpace(line), ",")
			if strings.HasPrefix(line, "`") {
				cols = append(cols, line)
			} else {
				keys = append(keys, line)
			}
		}
		sort.Strings(keys)
		out["table "+tbl] = append(cols, keys...)
	}
	out["triggers"] = queryStrings(t, db, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
	out["routines"] = queryStrings(t, db, "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")
	out["audit_head rows"] = queryStrings(t, db, "SELECT * FROM audit_head ORDER BY id")
	return out
}

// dumpSQLite is every table's columns (pragma table_xinfo), indexes with
// their columns, and foreign keys, the triggers and views, and audit_head's
// rows; schema_migrations is left out.
func dumpSQLite(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tbl := range queryStrings(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'") {
		out["table "+tbl] = queryStrings(t, db, fmt.Sprintf("SELECT * FROM pragma_table_xinfo('%s') ORDER BY cid", tbl))
		out["foreign keys "+tbl] = queryStrings(t, db, fmt.Sprintf("SELECT * FROM pragma_foreign_key_list('%s') ORDER BY id, seq", tbl))
		for _, idx := range queryStrings(t, db, fmt.Sprintf("SELECT name || ' | ' || \"unique\" || ' | ' || origin || ' | ' || partial FROM pragma_index_list('%s')", tbl)) {
			name, _, _ := strings.Cut(idx, " | ")
			out["index "+tbl+" "+idx] = queryStrings(t, db, fmt.Sprintf("SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo('%s') ORDER BY seqno", name))
		}
	}
	out["triggers and views"] = queryStrings(t, db, "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('trigger', 'view')")
	out["audit_head rows"] = queryStrings(t, db, "SELECT * FROM audit_head ORDER BY id")
	return out
}
