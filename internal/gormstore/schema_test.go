package gormstore_test

import (
	"context"
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

func sqliteSchema(t *testing.T, db *gormstore.DB) map[string]table {
	t.Helper()
	q := db.SQL()
	out := map[string]table{}
	rows, err := q.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, name := range names {
		tb := table{Indexes: map[string]index{}}
		cols, err := q.Query(fmt.Sprintf("SELECT name, \"notnull\", pk FROM pragma_table_info('%s') ORDER BY cid", name))
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var c column
			var notnull, pk int
			if err := cols.Scan(&c.Name, &notnull, &pk); err != nil {
				t.Fatal(err)
			}
			c.Nullable, c.PK = notnull == 0 && pk == 0, pk > 0
			tb.Columns = append(tb.Columns, c)
		}
		cols.Close()
		idx, err := q.Query(fmt.Sprintf("SELECT name, \"unique\", origin FROM pragma_index_list('%s')", name))
		if err != nil {
			t.Fatal(err)
		}
		type il struct {
			name, origin string
			unique       bool
		}
		var list []il
		for idx.Next() {
			var x il
			if err := idx.Scan(&x.name, &x.unique, &x.origin); err != nil {
				t.Fatal(err)
			}
			list = append(list, x)
		}
		idx.Close()
		for _, x := range list {
			if x.origin == "pk" {
				continue // the primary key is compared through the columns
			}
			var colNames []string
			ic, err := q.Query(fmt.Sprintf("SELECT name FROM pragma_index_info('%s') ORDER BY seqno", x.name))
			if err != nil {
				t.Fatal(err)
			}
			for ic.Next() {
				var n string
				if err := ic.Scan(&n); err != nil {
					t.Fatal(err)
				}
				colNames = append(colNames, n)
			}
			ic.Close()
			tb.Indexes[x.name] = index{Unique: x.unique, Columns: strings.Join(colNames, ",")}
		}
		out[name] = tb
	}
	trg, err := q.Query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	defer trg.Close()
	for trg.Next() {
		var name, tbl, sql string
		if err := trg.Scan(&name, &tbl, &sql); err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(strings.ToUpper(sql)) // CREATE TRIGGER name AFTER INSERT …
		if len(words) < 5 {
			t.Fatalf("trigger %s: %q", name, sql)
		}
		addTrigger(out, tbl, name, words[3]+" "+words[4])
	}
	if err := trg.Err(); err != nil {
		t.Fatal(err)
	}
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
	rows, err := q.Query(`SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tn, isNull, key string
		var c column
		if err := rows.Scan(&tn, &c.Name, &isNull, &key); err != nil {
			t.Fatal(err)
		}
		c.Nullable, c.PK = isNull == "YES", key == "PRI"
		tb, ok := out[tn]
		if !ok {
			tb = table{Indexes: map[string]index{}}
		}
		tb.Columns = append(tb.Columns, c)
		out[tn] = tb
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	idx, err := q.Query(`SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for idx.Next() {
		var tn, in, cn string
		var nonUnique int
		if err := idx.Scan(&tn, &in, &nonUnique, &cn); err != nil {
			t.Fatal(err)
		}
		x := out[tn].Indexes[in]
		x.Unique = nonUnique == 0
		if x.Columns != "" {
			x.Columns += ","
		}
		x.Columns += cn
		out[tn].Indexes[in] = x
	}
	if err := idx.Err(); err != nil {
		t.Fatal(err)
	}
	trg, err := q.Query(`SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION
		FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`)
	if err != nil {
		t.Fatal(err)
	}
	defer trg.Close()
	for trg.Next() {
		var name, tbl, timing, event string
		if err := trg.Scan(&name, &tbl, &timing, &event); err != nil {
			t.Fatal(err)
		}
		addTrigger(out, tbl, name, timing+" "+event)
	}
	if err := trg.Err(); err != nil {
		t.Fatal(err)
	}
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
	// No triggers: the SQL stays portable (DESIGN §7).
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
