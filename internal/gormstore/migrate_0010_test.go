package gormstore_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/migrations"
)

// TestIdempotencyOutcomeMigration: 0010 turns the records that stored a
// rendered answer into records of an outcome, keeping the replay of every
// finished one (its lead's id read out of the answer) and the in-flight
// ones as they were.
func TestIdempotencyOutcomeMigration(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := d.open(t)
			baseline := fstest.MapFS{}
			b, err := fs.ReadFile(migrations.FS, d.name+"/0009_baseline.sql")
			if err != nil {
				t.Fatal(err)
			}
			baseline[d.name+"/0009_baseline.sql"] = &fstest.MapFile{Data: b}
			if _, err := db.MigrateFS(ctx, baseline); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
			for _, r := range []struct {
				key, state string
				status     int
				response   any
			}{
				{"k-created", "done", 201, `{"id":"0193a3c4-1111-7bbb-8ccc-000000000001","ref":"ZN-2026-000001"}`},
				{"k-existing", "done", 200, `{"ref":"ZN-2026-000002","id":"0193a3c4-1111-7bbb-8ccc-000000000002"}`},
				{"k-pending", "pending", 0, nil},
			} {
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO idempotency_keys
  (user_id, idem_key, request_hash, state, status_code, response, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
					"u1", r.key, "h-"+r.key, r.state, r.status, r.response, at, at.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			done, err := db.Migrate(ctx)
			if err != nil || len(done) == 0 || done[0].Name != "idempotency_outcome" {
				t.Fatalf("migrate from the baseline: %v, %v", done, err)
			}
			rows, err := db.SQL().QueryContext(ctx, "SELECT idem_key, operation, request_hash, state, outcome, resource_id FROM idempotency_keys ORDER BY idem_key")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got [][6]string
			for rows.Next() {
				var r [6]string
				if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			want := [][6]string{
				{"k-created", "POST /v1/leads", "h-k-created", "done", "created", "0193a3c4-1111-7bbb-8ccc-000000000001"},
				{"k-existing", "POST /v1/leads", "h-k-existing", "done", "existing", "0193a3c4-1111-7bbb-8ccc-000000000002"},
				{"k-pending", "POST /v1/leads", "h-k-pending", "pending", "", ""},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records after 0010 (-want +got):\n%s", diff)
			}
		})
	}
}
