package roster_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/roster"
)

var admin = domain.Actor{UserID: "admin", Role: domain.RoleAdmin, AllGrids: true}

// book is a contact book in CSV with a header row.
func book(rows ...string) *strings.Reader {
	return strings.NewReader("姓名,手机号,村代码,角色\n" + strings.Join(rows, "\n") + "\n")
}

// TestImport applies contact books on both backends: what each answers,
// and which accounts exist afterwards.
func TestImport(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		org := b.DB.Org()
		g, err := org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateVillage(ctx, domain.Village{GridID: g.ID, Code: "621025101201", Name: "冢巷村"}); err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateTeam(ctx, domain.Team{Name: "榆林子法庭执行团队", GridIDs: []string{g.ID}}); err != nil {
			t.Fatal(err)
		}
		svc := roster.New(b.DB, org)
		tests := []struct {
			name      string
			actor     domain.Actor
			book      *strings.Reader
			dryRun    bool
			wantErr   domain.Code
			wantField string // with EValidation, the first bad field
			want      [3]int // created, updated, unchanged
			wantUsers int    // accounts by phone afterwards
		}{
			{name: "a dry run applies nothing", actor: admin, dryRun: true, book: book("协执员甲,13800000001,621025101201,协执员"),
				want: [3]int{1, 0, 0}},
			{name: "an assistant and an officer", actor: admin, book: book("协执员甲,13800000001,621025101201,协执员", "干警乙,13800000002,621025101201,干警"),
				want: [3]int{2, 0, 0}, wantUsers: 2},
			{name: "the same book again", actor: admin, book: book("协执员甲,13800000001,621025101201,协执员", "干警乙,13800000002,621025101201,干警"),
				want: [3]int{0, 0, 2}, wantUsers: 2},
			{name: "a renamed assistant", actor: admin, book: book("协执员丙,13800000001,621025101201,协执员"),
				want: [3]int{0, 1, 0}, wantUsers: 2},
			{name: "an unknown village applies nothing", actor: admin, book: book("协执员丁,13800000003,621025101299,协执员", "协执员戊,13800000004,621025101201,协执员"),
				wantErr: domain.EValidation, wantField: "rows[2].village", wantUsers: 2},
			{name: "an officer may not import", actor: domain.Actor{UserID: "o", Role: domain.RoleOfficer}, book: book("协执员己,13800000005,621025101201,协执员"),
				wantErr: domain.EForbidden, wantUsers: 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := svc.Import(ctx, tt.actor, tt.book, contactbook.CSV, tt.dryRun)
				if tt.wantErr != "" {
					var de *domain.Error
					if !domain.IsCode(err, tt.wantErr) {
						t.Fatalf("Import: %v, want %s", err, tt.wantErr)
					}
					if tt.wantField != "" && (!errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != tt.wantField) {
						t.Errorf("Import: %+v, want the field %s", err, tt.wantField)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if got := [3]int{rep.Created, rep.Updated, rep.Unchanged}; got != tt.want {
					t.Errorf("report %+v, want created, updated, unchanged %v", rep, tt.want)
				}
				n := 0
				for _, p := range []string{"13800000001", "13800000002", "13800000003", "13800000004", "13800000005"} {
					if _, err := org.GetUserByPhone(ctx, p); err == nil {
						n++
					}
				}
				if n != tt.wantUsers {
					t.Errorf("%d accounts from the books, want %d", n, tt.wantUsers)
				}
			})
		}

		// The export writes back what was imported (the assistants only).
		entries, finished, err := svc.Export(ctx, admin, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := contactbook.WriteCSV(&out, entries); err != nil {
			t.Fatal(err)
		}
		if err := finished(); err != nil {
			t.Fatal(err)
		}
		rows, rowErrs, err := contactbook.Parse(&out, contactbook.CSV, 10)
		if err != nil || len(rowErrs) > 0 {
			t.Fatalf("parse the export: %v %v", err, rowErrs)
		}
		got := []string{}
		for _, r := range rows {
			got = append(got, r.Name+" "+r.Phone+" "+r.VillageCode+" "+r.Role)
		}
		if diff := cmp.Diff([]string{"协执员丙 13800000001 621025101201 assistant"}, got); diff != "" {
			t.Errorf("export (-want +got):\n%s", diff)
		}
	})
}
