package gormstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

// column is what the parity test compares of a column: its name, whether it
// takes NULL and whether it is part of the primary key.
type column struct {
	Name     string
	Nullable bool
	PK       bool
}

// index is what the parity test compares of a secondary index.
type index struct {
	Unique  bool
	Columns string
}

type table struct {
	Columns  []column
	Indexes  map[string]index
	Triggers map[string]string // name -> "AFTER INSERT" and the like
}

// eachRow runs q and, for every row, scans it into dest and calls fn.
func eachRow(t *testing.T, db *sql.DB, q string, dest []any, fn func()) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fn()
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func sqliteSchema(t *testing.T, db *gormstore.DB) map[string]table {
	t.Helper()
	q := db.SQL()
	out := map[string]table{}
	var names []string
	var n string
	eachRow(t, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, []any{&n}, func() {
		names = append(names, n)
	})
	for _, name := range names {
		tb := table{Indexes: map[string]index{}}
		var c column
		var notnull, pk int
		eachRow(t, q, fmt.Sprintf("SELECT name, \"notnull\", pk FROM pragma_table_info('%s') ORDER BY cid", name), []any{&c.Name, &notnull, &pk}, func() {
			c.Nullable, c.PK = notnull == 0 && pk == 0, pk > 0
			tb.Columns = append(tb.Columns, c)
		})
		type il struct {
			name, origin string
			unique       bool
		}
		var list []il
		var x il
		eachRow(t, q, fmt.Sprintf("SELECT name, \"unique\", origin FROM pragma_index_list('%s')", name), []any{&x.name, &x.unique, &x.origin}, func() {
			list = append(list, x)
		})
		for _, x := range list {
			if x.origin == "pk" {
				continue // the primary key is compared through the columns
			}
			var colNames []string
			var cn string
			eachRow(t, q, fmt.Sprintf("SELECT name FROM pragma_index_info('%s') ORDER BY seqno", x.name), []any{&cn}, func() {
				colNames = append(colNames, cn)
			})
			tb.Indexes[x.name] = index{Unique: x.unique, Columns: strings.Join(colNames, ",")}
		}
		out[name] = tb
	}
	var name, tbl, sqlText string
	eachRow(t, q, `SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`, []any{&name, &tbl, &sqlText}, func() {
		words := strings.Fields(strings.ToUpper(sqlText)) // CREATE TRIGGER name AFTER INSERT …
		if len(words) < 5 {
			t.Fatalf("trigger %s: %q", name, sqlText)
		}
		addTrigger(out, tbl, name, words[3]+" "+words[4])
	})
	return out
}

func addTrigger(out map[string]table, tbl, name, when string) {
	tb := out[tbl]
	if tb.Triggers == nil {
		tb.Triggers = map[string]string{}
	}
	tb.Triggers[name] = when
	out[tbl] = tb
}

func mysqlSchema(t *testing.T, db *gormstore.DB) map[string]table {
	t.Helper()
	q := db.SQL()
	out := map[string]table{}
	var tn, isNull, key string
	var c column
	eachRow(t, q, `SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`, []any{&tn, &c.Name, &isNull, &key}, func() {
		c.Nullable, c.PK = isNull == "YES", key == "PRI"
		tb, ok := out[tn]
		if !ok {
			tb = table{Indexes: map[string]index{}}
		}
		tb.Columns = append(tb.Columns, c)
		out[tn] = tb
	})
	var in, cn string
	var nonUnique int
	eachRow(t, q, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, []any{&tn, &in, &nonUnique, &cn}, func() {
		x := out[tn].Indexes[in]
		x.Unique = nonUnique == 0
		if x.Columns != "" {
			x.Columns += ","
		}
		x.Columns += cn
		out[tn].Indexes[in] = x
	})
	var name, tbl, timing, event string
	eachRow(t, q, `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION
		FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`, []any{&name, &tbl, &timing, &event}, func() {
		addTrigger(out, tbl, name, timing+" "+event)
	})
	return out
}

// TestSchemaParity proves that the mysql and sqlite migrations produce the
// same tables, columns (name, nullability, primary key) and indexes, and
// no triggers.
func TestSchemaParity(t *testing.T) {
	ctx := context.Background()
	lite, err := gormstore.OpenSQLite(ctx, t.TempDir()+"/parity.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	my, err := gormstore.OpenMySQL(ctx, testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	for _, db := range []*gormstore.DB{lite, my} {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("%s: %v", db.Dialect(), err)
		}
	}
	got, want := sqliteSchema(t, lite), mysqlSchema(t, my)
	if len(want) < 6 {
		t.Fatalf("mysql schema has %d tables, expected the migrated schema", len(want))
	}
	// No triggers: the SQL stays portable (docs/architecture.md, "Scale").
	for name, tb := range want {
		if len(tb.Triggers) > 0 {
			t.Errorf("mysql table %s has triggers %v", name, tb.Triggers)
		}
	}
	for name, tb := range got {
		if len(tb.Triggers) > 0 {
			t.Errorf("sqlite table %s has triggers %v", name, tb.Triggers)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schemas differ (-mysql +sqlite):\n%s", diff)
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("both dialects have tables %v", names)
}
