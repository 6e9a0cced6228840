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

// fixedClock makes stored times and ids predictable.
func fixedClock(b backendtest.Backend) time.Time {
	now := time.Date(2026, 11, 25, 8, 30, 0, 123456000, time.UTC)
	n := 0
	b.DB.SetClock(func() time.Time { return now }, func() string {
		n++
		return fmt.Sprintf("00000000-0000-7000-8000-%012d", n)
	})
	return now
}

func TestOrgStore(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		now := fixedClock(b)
		org := b.DB.Org()

		g, err := org.UpsertGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇", Pinyin: "Yulinzi", Kind: "town"})
		if err != nil {
			t.Fatal(err)
		}
		want := domain.Grid{ID: g.ID, Version: 1, Code: "621025101", Name: "榆林子镇", Pinyin: "Yulinzi", Kind: "town", CreatedAt: now, UpdatedAt: now}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("upserted grid (-want +got):\n%s", diff)
		}
		// Same code again updates, never duplicates.
		g2, err := org.UpsertGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇", Pinyin: "Yu Linzi", Kind: "town"})
		if err != nil {
			t.Fatal(err)
		}
		if g2.ID != g.ID || g2.Pinyin != "Yu Linzi" {
			t.Errorf("second upsert %+v", g2)
		}
		other, err := org.UpsertGrid(ctx, domain.Grid{Code: "621025100", Name: "山河镇", Kind: "town"})
		if err != nil {
			t.Fatal(err)
		}
		grids, err := org.ListGrids(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(grids) != 2 || grids[0].Code != "621025100" || grids[1].Name != "榆林子镇" {
			t.Errorf("ListGrids %+v", grids)
		}
		if diff := cmp.Diff(want.CreatedAt, grids[1].CreatedAt); diff != "" {
			t.Errorf("time round trip (-want +got): %s", diff)
		}

		for _, v := range []domain.Village{
			{GridID: g.ID, Name: "冢巷村", Code: "621025101201"},
			{GridID: g.ID, Name: "无码村"},
			{GridID: g.ID, Name: "中街社区", Code: "621025101001"},
			{GridID: g.ID, Name: "无码村"}, // again: no duplicate
		} {
			if _, err := org.UpsertVillage(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		vs, err := org.ListVillages(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, v := range vs {
			names = append(names, v.Name)
		}
		if diff := cmp.Diff([]string{"中街社区", "冢巷村", "无码村"}, names); diff != "" {
			t.Errorf("villages in code order, uncoded last (-want +got):\n%s", diff)
		}
		if _, err := org.ListVillages(ctx, "no-such-grid"); !domain.IsCode(err, domain.ENotFound) {
			t.Errorf("villages of a missing grid: %v", err)
		}
		// A village code is unique across grids.
		if _, err := org.UpsertVillage(ctx, domain.Village{GridID: other.ID, Name: "别村", Code: "621025101201"}); err != nil {
			t.Fatalf("upsert by code moves the village: %v", err)
		}

		team, err := org.CreateTeam(ctx, domain.Team{Name: "榆林子法庭", GridIDs: []string{g.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.CreateTeam(ctx, domain.Team{Name: "另一团队", GridIDs: []string{g.ID}}); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("a grid routed to two teams: %v", err)
		}
		if _, err := org.CreateTeam(ctx, domain.Team{Name: "幽灵团队", GridIDs: []string{"missing"}}); !domain.IsCode(err, domain.EValidation) {
			t.Errorf("team for a missing grid: %v", err)
		}
		teams, err := org.ListTeams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(teams) != 1 || teams[0].ID != team.ID || !cmp.Equal(teams[0].GridIDs, []string{g.ID}) {
			t.Errorf("ListTeams %+v (failed creations must leave nothing)", teams)
		}

		u, err := org.CreateUser(ctx, domain.User{Phone: "13800138000", Name: "张三", Role: domain.RoleOfficer, TeamID: team.ID, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != domain.UserActive || u.VillageID != "" || u.TeamID != team.ID {
			t.Errorf("created user %+v", u)
		}
		if _, err := org.CreateUser(ctx, domain.User{Phone: "13800138000", Name: "李四", Role: domain.RoleAdmin, PasswordHash: "h"}); !domain.IsCode(err, domain.EConflict) {
			t.Errorf("duplicate phone: %v", err)
		}
		if n, err := org.CountUsers(ctx); err != nil || n != 1 {
			t.Errorf("CountUsers = %d, %v", n, err)
		}
	})
}

// TestTransactRollsBack: an error inside Transact leaves nothing behind.
func TestTransactRollsBack(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		boom := fmt.Errorf("boom")
		err := b.DB.Transact(ctx, func(s domain.Stores) error {
			if _, err := s.Org.UpsertGrid(ctx, domain.Grid{Code: "621025101", Name: "榆林子镇"}); err != nil {
				return err
			}
			return boom
		})
		if err != boom { //nolint:errorlint // the very error must come back
			t.Fatalf("Transact returned %v", err)
		}
		grids, err := b.DB.Org().ListGrids(ctx)
		if err != nil || len(grids) != 0 {
			t.Errorf("after rollback: %v, %v", grids, err)
		}
	})
}
