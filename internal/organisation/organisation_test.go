package organisation_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/organisation"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

func ptr[T any](v T) *T { return &v }

// everyone but the admin: they read the organisation and may not change it.
var readers = []string{u.Assistant, u.Officer, u.GridLead, u.Auditor}

// TestGrids: admins create and rename grids; everyone reads them with the
// team that serves them.
func TestGrids(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		t.Run("create", func(t *testing.T) {
			tests := []struct {
				name  string
				actor string
				in    organisation.GridInput
				code  domain.Code
				field string
			}{
				{name: "admin", actor: u.Admin, in: organisation.GridInput{Code: ptr("621025102"), Name: ptr("永和镇"), Pinyin: ptr("Yonghe")}},
				{name: "admin, township", actor: u.Admin, in: organisation.GridInput{Code: ptr("621025203"), Name: ptr("三嘉乡"), Kind: ptr("township")}},
				{name: "code taken", actor: u.Admin, in: organisation.GridInput{Code: ptr(w.GridA.Code), Name: ptr("重复")}, code: domain.EConflict},
				{name: "bad code", actor: u.Admin, in: organisation.GridInput{Code: ptr("6210"), Name: ptr("短码镇")}, code: domain.EValidation, field: "code"},
				{name: "no name", actor: u.Admin, in: organisation.GridInput{Code: ptr("621025104")}, code: domain.EValidation, field: "name"},
				{name: "name too long", actor: u.Admin, in: organisation.GridInput{Code: ptr("621025104"), Name: ptr(strings.Repeat("镇", 65))}, code: domain.EValidation, field: "name"},
				{name: "bad kind", actor: u.Admin, in: organisation.GridInput{Code: ptr("621025104"), Name: ptr("山河镇"), Kind: ptr("city")}, code: domain.EValidation, field: "kind"},
			}
			for _, r := range readers {
				tests = append(tests, struct {
					name  string
					actor string
					in    organisation.GridInput
					code  domain.Code
					field string
				}{name: r + " may not", actor: r, in: organisation.GridInput{Code: ptr("621025106"), Name: ptr("湫头镇")}, code: domain.EForbidden})
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					before, err := w.App.Org.Grids(ctx, w.Actor(t, u.Admin))
					if err != nil {
						t.Fatal(err)
					}
					g, err := w.App.Org.CreateGrid(ctx, w.Actor(t, tc.actor), tc.in)
					after, rerr := w.App.Org.Grids(ctx, w.Actor(t, u.Assistant))
					if rerr != nil {
						t.Fatal(rerr)
					}
					if tc.code != "" {
						u.WantCode(t, err, tc.code, tc.field)
						if len(after) != len(before) {
							t.Fatalf("a refused create left %d grids, was %d", len(after), len(before))
						}
						return
					}
					if err != nil || g.Grid.Code != *tc.in.Code || g.Grid.Name != *tc.in.Name || g.TeamID != "" || len(after) != len(before)+1 {
						t.Fatalf("grid %+v, %v; %d grids after, %d before", g, err, len(after), len(before))
					}
				})
			}
		})

		t.Run("read", func(t *testing.T) {
			for _, actor := range append([]string{u.Admin}, readers...) {
				t.Run(actor, func(t *testing.T) {
					g, err := w.App.Org.Grid(ctx, w.Actor(t, actor), w.GridB.ID)
					if err != nil || g.Grid.Code != w.GridB.Code || g.TeamID != w.TeamB.ID {
						t.Fatalf("grid %+v, %v; want %s served by team B", g, err, w.GridB.Code)
					}
				})
			}
			_, err := w.App.Org.Grid(ctx, w.Actor(t, u.Admin), "no-such-grid")
			u.WantCode(t, err, domain.ENotFound, "")
		})

		t.Run("update", func(t *testing.T) {
			tests := []struct {
				name    string
				actor   string
				id      string
				in      organisation.GridInput
				version int // 0: the current one
				code    domain.Code
				field   string
			}{
				{name: "rename", actor: u.Admin, id: w.GridA.ID, in: organisation.GridInput{Name: ptr("榆林子镇（新）")}},
				{name: "the code is fixed", actor: u.Admin, id: w.GridA.ID, in: organisation.GridInput{Code: ptr("999999999"), Name: ptr("榆林子镇")}},
				{name: "stale version", actor: u.Admin, id: w.GridA.ID, in: organisation.GridInput{Name: ptr("旧")}, version: 1, code: domain.EPrecondition},
				{name: "empty name", actor: u.Admin, id: w.GridA.ID, in: organisation.GridInput{Name: ptr(" ")}, code: domain.EValidation, field: "name"},
				{name: "missing grid", actor: u.Admin, id: "no-such-grid", in: organisation.GridInput{Name: ptr("无")}, code: domain.ENotFound},
				{name: "grid lead may not", actor: u.GridLead, id: w.GridA.ID, in: organisation.GridInput{Name: ptr("无")}, code: domain.EForbidden},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					before, err := w.App.Org.Grid(ctx, w.Actor(t, u.Admin), w.GridA.ID)
					if err != nil {
						t.Fatal(err)
					}
					version := tc.version
					if version == 0 {
						version = before.Grid.Version
					}
					g, err := w.App.Org.UpdateGrid(ctx, w.Actor(t, tc.actor), tc.id, tc.in, version)
					after, rerr := w.App.Org.Grid(ctx, w.Actor(t, u.Admin), w.GridA.ID)
					if rerr != nil {
						t.Fatal(rerr)
					}
					if tc.code != "" {
						u.WantCode(t, err, tc.code, tc.field)
						if after.Grid.Version != before.Grid.Version || after.Grid.Name != before.Grid.Name {
							t.Fatalf("a refused update changed the grid: %+v", after.Grid)
						}
						return
					}
					if err != nil || g.Grid.Name != *tc.in.Name || after.Grid.Code != w.GridA.Code || after.Grid.Version != before.Grid.Version+1 {
						t.Fatalf("grid %+v (stored %+v), %v", g.Grid, after.Grid, err)
					}
				})
			}
		})
	})
}

// TestVillages: admins add villages to a grid and rename them.
func TestVillages(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		tests := []struct {
			name  string
			actor string
			grid  string
			in    organisation.VillageInput
			code  domain.Code
			field string
		}{
			{name: "admin", actor: u.Admin, grid: w.GridB.ID, in: organisation.VillageInput{Code: ptr("621025105201"), Name: ptr("罗卜村")}},
			{name: "admin, no code", actor: u.Admin, grid: w.GridB.ID, in: organisation.VillageInput{Name: ptr("新庄村")}},
			{name: "bad code", actor: u.Admin, grid: w.GridB.ID, in: organisation.VillageInput{Code: ptr("62102510520"), Name: ptr("短码村")}, code: domain.EValidation, field: "code"},
			{name: "no name", actor: u.Admin, grid: w.GridB.ID, in: organisation.VillageInput{Code: ptr("621025105202")}, code: domain.EValidation, field: "name"},
			{name: "code taken", actor: u.Admin, grid: w.GridB.ID, in: organisation.VillageInput{Code: ptr(w.VillageB.Code), Name: ptr("重复村")}, code: domain.EConflict},
			{name: "missing grid", actor: u.Admin, grid: "no-such-grid", in: organisation.VillageInput{Name: ptr("无村")}, code: domain.ENotFound},
			{name: "officer may not", actor: u.OfficerB, grid: w.GridB.ID, in: organisation.VillageInput{Name: ptr("西村")}, code: domain.EForbidden},
			{name: "assistant may not", actor: u.AssistantB, grid: w.GridB.ID, in: organisation.VillageInput{Name: ptr("东村")}, code: domain.EForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before, err := w.App.Org.Villages(ctx, w.Actor(t, u.AssistantB), w.GridB.ID)
				if err != nil {
					t.Fatal(err)
				}
				v, err := w.App.Org.CreateVillage(ctx, w.Actor(t, tc.actor), tc.grid, tc.in)
				after, rerr := w.App.Org.Villages(ctx, w.Actor(t, u.AssistantB), w.GridB.ID)
				if rerr != nil {
					t.Fatal(rerr)
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if len(after) != len(before) {
						t.Fatalf("a refused create left %d villages, was %d", len(after), len(before))
					}
					return
				}
				if err != nil || v.GridID != tc.grid || v.Name != *tc.in.Name || len(after) != len(before)+1 ||
					!slices.ContainsFunc(after, func(x domain.Village) bool { return x.ID == v.ID }) {
					t.Fatalf("village %+v, %v; %d villages after, %d before", v, err, len(after), len(before))
				}
			})
		}

		renames := []struct {
			name    string
			actor   string
			id      string
			in      organisation.VillageInput
			version int
			code    domain.Code
			field   string
		}{
			{name: "rename", actor: u.Admin, id: w.VillageA.ID, in: organisation.VillageInput{Name: ptr("冢巷新村")}},
			{name: "stale version", actor: u.Admin, id: w.VillageA.ID, in: organisation.VillageInput{Name: ptr("旧村")}, version: 1, code: domain.EPrecondition},
			{name: "bad code", actor: u.Admin, id: w.VillageA.ID, in: organisation.VillageInput{Code: ptr("x")}, code: domain.EValidation, field: "code"},
			{name: "missing village", actor: u.Admin, id: "no-such-village", in: organisation.VillageInput{Name: ptr("无")}, code: domain.ENotFound},
			{name: "auditor may not", actor: u.Auditor, id: w.VillageA.ID, in: organisation.VillageInput{Name: ptr("无")}, code: domain.EForbidden},
		}
		for _, tc := range renames {
			t.Run("update/"+tc.name, func(t *testing.T) {
				before, err := b.DB.Org().GetVillage(ctx, w.VillageA.ID)
				if err != nil {
					t.Fatal(err)
				}
				version := tc.version
				if version == 0 {
					version = before.Version
				}
				v, err := w.App.Org.UpdateVillage(ctx, w.Actor(t, tc.actor), tc.id, tc.in, version)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					return
				}
				if err != nil || v.Name != *tc.in.Name || v.Code != w.VillageA.Code || v.Version != before.Version+1 {
					t.Fatalf("village %+v, %v", v, err)
				}
			})
		}
	})
}

// TestTeams: admins make the teams that serve grids; a grid has one team.
func TestTeams(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		free, err := w.App.Org.CreateGrid(ctx, w.Actor(t, u.Admin), organisation.GridInput{Code: ptr("621025102"), Name: ptr("永和镇")})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			actor string
			in    organisation.TeamInput
			code  domain.Code
			field string
		}{
			{name: "admin, a team for the free grid", actor: u.Admin, in: organisation.TeamInput{Name: ptr("永和法庭执行团队"), GridIDs: &[]string{free.Grid.ID}}},
			{name: "admin, the county queue", actor: u.Admin, in: organisation.TeamInput{Name: ptr("县法院执行局"), CountyQueue: ptr(true)}},
			{name: "a second county queue", actor: u.Admin, in: organisation.TeamInput{Name: ptr("第二执行局"), CountyQueue: ptr(true)}, code: domain.EConflict},
			{name: "grid served by another team", actor: u.Admin, in: organisation.TeamInput{Name: ptr("抢地盘团队"), GridIDs: &[]string{w.GridA.ID}}, code: domain.EConflict},
			{name: "name taken", actor: u.Admin, in: organisation.TeamInput{Name: ptr(w.TeamA.Name)}, code: domain.EConflict},
			{name: "unknown grid", actor: u.Admin, in: organisation.TeamInput{Name: ptr("无名团队"), GridIDs: &[]string{"no-such-grid"}}, code: domain.EValidation, field: "grid_ids[0]"},
			{name: "no name", actor: u.Admin, in: organisation.TeamInput{}, code: domain.EValidation, field: "name"},
			{name: "grid lead may not", actor: u.GridLead, in: organisation.TeamInput{Name: ptr("自建团队")}, code: domain.EForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before, err := w.App.Org.Teams(ctx, w.Actor(t, u.Officer))
				if err != nil {
					t.Fatal(err)
				}
				team, err := w.App.Org.CreateTeam(ctx, w.Actor(t, tc.actor), tc.in)
				after, rerr := w.App.Org.Teams(ctx, w.Actor(t, u.Officer))
				if rerr != nil {
					t.Fatal(rerr)
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if len(after) != len(before) {
						t.Fatalf("a refused create left %d teams, was %d", len(after), len(before))
					}
					return
				}
				if err != nil || team.Name != *tc.in.Name || len(after) != len(before)+1 {
					t.Fatalf("team %+v, %v; %d teams after, %d before", team, err, len(after), len(before))
				}
				got, err := w.App.Org.Team(ctx, w.Actor(t, u.Assistant), team.ID)
				if err != nil || got.CountyQueue != (tc.in.CountyQueue != nil && *tc.in.CountyQueue) {
					t.Fatalf("stored team %+v, %v", got, err)
				}
			})
		}
		g, err := w.App.Org.Grid(ctx, w.Actor(t, u.Assistant), free.Grid.ID)
		if err != nil || g.TeamID == "" {
			t.Fatalf("grid %+v, %v: want it served by the new team", g, err)
		}

		updates := []struct {
			name    string
			actor   string
			id      string
			in      organisation.TeamInput
			version int
			code    domain.Code
			field   string
		}{
			{name: "rename", actor: u.Admin, id: w.TeamB.ID, in: organisation.TeamInput{Name: ptr("周家法庭")}},
			{name: "stale version", actor: u.Admin, id: w.TeamB.ID, in: organisation.TeamInput{Name: ptr("旧名")}, version: 1, code: domain.EPrecondition},
			{name: "take another team's grid", actor: u.Admin, id: w.TeamB.ID, in: organisation.TeamInput{GridIDs: &[]string{w.GridA.ID, w.GridB.ID}}, code: domain.EConflict},
			{name: "empty name", actor: u.Admin, id: w.TeamB.ID, in: organisation.TeamInput{Name: ptr("")}, code: domain.EValidation, field: "name"},
			{name: "missing team", actor: u.Admin, id: "no-such-team", in: organisation.TeamInput{Name: ptr("无")}, code: domain.ENotFound},
			{name: "officer may not", actor: u.OfficerB, id: w.TeamB.ID, in: organisation.TeamInput{Name: ptr("我的团队")}, code: domain.EForbidden},
		}
		for _, tc := range updates {
			t.Run("update/"+tc.name, func(t *testing.T) {
				before, err := w.App.Org.Team(ctx, w.Actor(t, u.Admin), w.TeamB.ID)
				if err != nil {
					t.Fatal(err)
				}
				version := tc.version
				if version == 0 {
					version = before.Version
				}
				team, err := w.App.Org.UpdateTeam(ctx, w.Actor(t, tc.actor), tc.id, tc.in, version)
				after, rerr := w.App.Org.Team(ctx, w.Actor(t, u.Admin), w.TeamB.ID)
				if rerr != nil {
					t.Fatal(rerr)
				}
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if after.Version != before.Version || !slices.Equal(after.GridIDs, before.GridIDs) {
						t.Fatalf("a refused update changed the team: %+v", after)
					}
					return
				}
				if err != nil || team.Name != *tc.in.Name || after.Name != *tc.in.Name || !slices.Equal(after.GridIDs, []string{w.GridB.ID}) {
					t.Fatalf("team %+v (stored %+v), %v", team, after, err)
				}
			})
		}
	})
}
