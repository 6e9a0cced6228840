package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

func TestVersionedUpdates(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		fixedClock(b)
		org := b.DB.Org()
		g, err := org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇", Kind: "town"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "重复"}); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("duplicate code: %v", err)
		}
		g.Pinyin = "Yulinzi"
		g2, err := org.UpdateGrid(ctx, g, 1)
		if err != nil {
			t.Fatal(err)
		}
		if g2.Version != 2 || g2.Pinyin != "Yulinzi" {
			t.Errorf("after update %+v", g2)
		}
		if _, err := org.UpdateGrid(ctx, g, 1); !domain.IsCode(err, domain.EPrecondition) {
			t.Errorf("stale version: %v", err)
		}
		if _, err := org.UpdateGrid(ctx, domain.Grid{ID: "missing"}, 1); !domain.IsCode(err, domain.ENotFound) {
			t.Errorf("missing grid: %v", err)
		}
		if g3, err := org.UpdateGrid(ctx, g, 0); err != nil || g3.Version != 3 {
			t.Errorf("unconditional update: %+v %v", g3, err)
		}

		v, err := org.CreateVillage(ctx, domain.Village{GridID: g.ID, Name: "冢巷村", Code: "621025101201"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateVillage(ctx, domain.Village{GridID: g.ID, Name: "冢巷村"}); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("same name twice in a grid: %v", err)
		}
		if _, err := org.CreateVillage(ctx, domain.Village{GridID: "missing", Name: "某村"}); !domain.IsCode(err, domain.EValidation) {
			t.Errorf("village of a missing grid: %v", err)
		}
		v.Code = ""
		v2, err := org.UpdateVillage(ctx, v, v.Version)
		if err != nil || v2.Code != "" || v2.Version != 2 {
			t.Errorf("clear village code: %+v %v", v2, err)
		}
		all, err := org.AllVillages(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("AllVillages %v %v", all, err)
		}

		g2b, err := org.CreateGrid(ctx, domain.Grid{Code: "621025100", Name: "山河镇", Kind: "town"})
		if err != nil {
			t.Fatal(err)
		}
		team, err := org.CreateTeam(ctx, domain.Team{Name: "县局", GridIDs: []string{g.ID}, CountyQueue: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateTeam(ctx, domain.Team{Name: "第二", CountyQueue: true}); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("second county queue: %v", err)
		}
		team.GridIDs = []string{g.ID, g2b.ID}
		team.Name = "县局执行团队"
		t2, err := org.UpdateTeam(ctx, team, team.Version)
		if err != nil {
			t.Fatal(err)
		}
		if t2.Version != 2 || t2.Name != "县局执行团队" || len(t2.GridIDs) != 2 || !t2.CountyQueue {
			t.Errorf("updated team %+v", t2)
		}
		if _, err := org.UpdateTeam(ctx, team, 1); !domain.IsCode(err, domain.EPrecondition) {
			t.Errorf("stale team update: %v", err)
		}
		got, err := org.GetTeam(ctx, team.ID)
		if err != nil || !cmp.Equal(got.GridIDs, t2.GridIDs) {
			t.Errorf("a failed update changed the team: %+v %v", got, err)
		}
	})
}

func TestListUsers(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		fixedClock(b)
		org := b.DB.Org()
		g1, _ := org.CreateGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇"})
		g2, _ := org.CreateGrid(ctx, domain.Grid{Code: "621025102", Name: "宫河镇"})
		v1, _ := org.CreateVillage(ctx, domain.Village{GridID: g1.ID, Name: "冢巷村"})
		v2, _ := org.CreateVillage(ctx, domain.Village{GridID: g2.ID, Name: "某村"})
		team, _ := org.CreateTeam(ctx, domain.Team{Name: "榆林子", GridIDs: []string{g1.ID}})
		mk := func(phone, name string, role domain.Role, village, teamID string) domain.User {
			u, err := org.CreateUser(ctx, domain.User{Phone: phone, Name: name, Role: role, VillageID: village, TeamID: teamID, PasswordHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		for i := range 7 {
			mk(fmt.Sprintf("1380000100%d", i), fmt.Sprintf("协执员%d", i), domain.RoleAssistant, v1.ID, "")
		}
		mk("13900000001", "外网格协执员", domain.RoleAssistant, v2.ID, "")
		mk("13900000002", "干警_甲", domain.RoleOfficer, "", team.ID)
		mk("13900000003", "管理员", domain.RoleAdmin, "", "")

		// Page through the assistants of grid 1, three at a time.
		var names []string
		cursor := ""
		for page := 0; ; page++ {
			us, next, err := org.ListUsers(ctx, domain.UserFilter{Roles: []domain.Role{domain.RoleAssistant}, GridIDs: []string{g1.ID}, Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range us {
				names = append(names, u.Name)
			}
			if next == "" {
				break
			}
			if page > 5 {
				t.Fatal("pagination does not end")
			}
			cursor = next
		}
		want := []string{"协执员0", "协执员1", "协执员2", "协执员3", "协执员4", "协执员5", "协执员6"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("paged assistants (-want +got):\n%s", diff)
		}

		tests := []struct {
			name string
			f    domain.UserFilter
			want int
		}{
			{"grid scope includes the team's officers", domain.UserFilter{GridIDs: []string{g1.ID}}, 8},
			{"empty scope matches nothing", domain.UserFilter{GridIDs: []string{}}, 0},
			{"by phone fragment", domain.UserFilter{Query: "0000100"}, 7},
			{"like wildcards are literal", domain.UserFilter{Query: "%"}, 0},
			{"underscore is literal", domain.UserFilter{Query: "_"}, 1},
			{"by village", domain.UserFilter{VillageID: v2.ID}, 1},
			{"by role", domain.UserFilter{Roles: []domain.Role{domain.RoleOfficer, domain.RoleAdmin}}, 2},
			{"disabled", domain.UserFilter{Status: domain.UserDisabled}, 0},
		}
		for _, tc := range tests {
			us, _, err := org.ListUsers(ctx, tc.f)
			if err != nil || len(us) != tc.want {
				t.Errorf("%s: %d users, %v; want %d", tc.name, len(us), err, tc.want)
			}
		}
		if _, _, err := org.ListUsers(ctx, domain.UserFilter{Cursor: "not-a-cursor!"}); !domain.IsCode(err, domain.EValidation) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestSessionsAndThrottles(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		now := fixedClock(b)
		org := b.DB.Org()
		u, err := org.CreateUser(ctx, domain.User{Phone: "13800138000", Name: "甲", Role: domain.RoleAdmin, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		ss := b.DB.Sessions()
		sess := domain.Session{ID: "s1", UserID: u.ID, Device: "test", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
		first := domain.RefreshToken{Hash: "h1", SessionID: "s1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := ss.CreateSession(ctx, sess, first); err != nil {
			t.Fatal(err)
		}
		next := domain.RefreshToken{Hash: "h2", SessionID: "s1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		later := now.Add(time.Minute)
		if err := b.DB.Transact(ctx, func(s domain.Stores) error {
			tok, err := s.Sessions.GetRefreshToken(ctx, "h1")
			if err != nil {
				return err
			}
			return s.Sessions.RotateRefreshToken(ctx, tok, next, later)
		}); err != nil {
			t.Fatal(err)
		}
		old, err := ss.GetRefreshToken(ctx, "h1")
		if err != nil || !old.SpentAt.Equal(later) || old.SuccessorHash != "h2" {
			t.Errorf("spent token %+v %v", old, err)
		}
		if _, err := ss.GetRefreshToken(ctx, "nope"); !domain.IsCode(err, domain.ENotFound) {
			t.Errorf("unknown token: %v", err)
		}
		list, err := ss.ListSessions(ctx, u.ID, later)
		if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(later) {
			t.Errorf("sessions %+v %v", list, err)
		}
		if err := ss.RevokeUserSessions(ctx, u.ID, "password", later); err != nil {
			t.Fatal(err)
		}
		got, err := ss.GetSession(ctx, "s1")
		if err != nil || got.Active(later) || got.RevokeReason != "password" {
			t.Errorf("revoked session %+v %v", got, err)
		}
		if list, _ := ss.ListSessions(ctx, u.ID, later); len(list) != 0 {
			t.Errorf("revoked session still listed: %+v", list)
		}

		th := b.DB.Throttles()
		zero, err := th.GetThrottle(ctx, "phone:13800138000")
		if err != nil || zero.Failures != 0 || zero.Key != "phone:13800138000" {
			t.Errorf("fresh throttle %+v %v", zero, err)
		}
		for i := 1; i <= 2; i++ { // the second put updates in place
			if err := th.PutThrottle(ctx, domain.Throttle{Key: "phone:13800138000", Failures: i, WindowStart: now, LockedUntil: later}); err != nil {
				t.Fatal(err)
			}
		}
		got2, err := th.GetThrottle(ctx, "phone:13800138000")
		if err != nil || got2.Failures != 2 || !got2.LockedUntil.Equal(later) {
			t.Errorf("stored throttle %+v %v", got2, err)
		}
		if err := th.DeleteThrottle(ctx, "phone:13800138000"); err != nil {
			t.Fatal(err)
		}
		if got3, _ := th.GetThrottle(ctx, "phone:13800138000"); got3.Failures != 0 {
			t.Errorf("deleted throttle %+v", got3)
		}
	})
}
