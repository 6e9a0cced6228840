package cases_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/cases"
	"github.com/zhengning-court/xiezhi/internal/domain"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

func ptr[T any](v T) *T { return &v }

// residentID is usecasetest.ResidentID.
var residentID = u.ResidentID

// serial numbers the fixture's resident IDs, so that none repeats.
var serial atomic.Int32

// newID is a valid resident ID number not used before.
func newID() string { return residentID(fmt.Sprintf("62102519800101%03d", serial.Add(1))) }

// person is the input of a new person debtor in village.
func person(name, village string) cases.DebtorInput {
	return cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr(name), IDNumber: ptr(newID()), VillageID: ptr(village)}
}

func createDebtor(t *testing.T, w *u.World, actor string, in cases.DebtorInput) domain.Debtor {
	t.Helper()
	d, err := w.App.Cases.CreateDebtor(context.Background(), w.Actor(t, actor), in)
	if err != nil {
		t.Fatalf("create debtor: %v", err)
	}
	return d
}

// TestCreateDebtor: who creates debtors where, what is checked, and that
// the ID number comes back masked only.
func TestCreateDebtor(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		taken := newID()
		createDebtor(t, w, u.Officer, cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr("赵建国"), IDNumber: ptr(taken), VillageID: ptr(w.VillageA.ID)})
		wrongCheck := func(id string) string {
			if id[17] == '1' {
				return id[:17] + "2"
			}
			return id[:17] + "1"
		}
		tests := []struct {
			name  string
			actor string
			in    cases.DebtorInput
			grid  string
			code  domain.Code
			field string
		}{
			{name: "officer, village of own grid", actor: u.Officer, in: person("钱某", w.VillageA2.ID), grid: w.GridA.ID},
			{name: "grid lead", actor: u.GridLead, in: person("孙某", w.VillageA.ID), grid: w.GridA.ID},
			{name: "admin without a village", actor: u.Admin, in: cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr("李某"), IDNumber: ptr(newID())}},
			{name: "officer, village of another grid", actor: u.Officer, in: person("周某", w.VillageB.ID), code: domain.EValidation, field: "village_id"},
			{name: "officer without a village", actor: u.Officer, in: cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr("吴某"), IDNumber: ptr(newID())}, code: domain.EValidation, field: "village_id"},
			{name: "unknown village", actor: u.Officer, in: person("郑某", "no-such-village"), code: domain.EValidation, field: "village_id"},
			{name: "no kind", actor: u.Officer, in: cases.DebtorInput{Name: ptr("王某"), VillageID: ptr(w.VillageA.ID)}, code: domain.EValidation, field: "kind"},
			{name: "no name", actor: u.Officer, in: cases.DebtorInput{Kind: ptr(domain.DebtorPerson), IDNumber: ptr(newID()), VillageID: ptr(w.VillageA.ID)}, code: domain.EValidation, field: "name"},
			{name: "name too long", actor: u.Officer, in: person(strings.Repeat("名", 129), w.VillageA.ID), code: domain.EValidation, field: "name"},
			{name: "bad check digit", actor: u.Officer, in: cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr("冯某"), IDNumber: ptr(wrongCheck(newID())), VillageID: ptr(w.VillageA.ID)}, code: domain.EValidation, field: "id_number"},
			{name: "ID number taken", actor: u.GridLead, in: cases.DebtorInput{Kind: ptr(domain.DebtorPerson), Name: ptr("赵某"), IDNumber: ptr(taken), VillageID: ptr(w.VillageA2.ID)}, code: domain.EConflict},
			{name: "assistant", actor: u.Assistant, in: person("陈某", w.VillageA.ID), code: domain.EForbidden},
			{name: "auditor reads only", actor: u.Auditor, in: person("褚某", w.VillageA.ID), code: domain.EForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := w.Actor(t, tc.actor)
				d, err := w.App.Cases.CreateDebtor(context.Background(), a, tc.in)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if d.Name != *tc.in.Name || d.GridID != tc.grid || d.IDMasked == "" || strings.Contains(d.IDMasked, (*tc.in.IDNumber)[6:14]) {
					t.Fatalf("debtor %+v, want %s in grid %q with a masked ID number", d, *tc.in.Name, tc.grid)
				}
				got, err := w.App.Cases.Debtor(context.Background(), a, d.ID)
				if err != nil || got.ID != d.ID || got.IDIndex == "" {
					t.Fatalf("stored debtor %+v, %v", got, err)
				}
			})
		}
	})
}

// TestCases: creating cases through their debtors, and who sees which.
func TestCases(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		dA := createDebtor(t, w, u.Officer, person("赵建国", w.VillageA.ID))
		dB := createDebtor(t, w, u.OfficerB, person("周某", w.VillageB.ID))
		caseA, err := w.App.Cases.CreateCase(ctx, w.Actor(t, u.Officer), cases.CaseInput{Number: ptr("(2025)甘1025执88号"),
			Category: ptr(domain.CaseLivelihood), AmountDueFen: ptr(int64(3860000)), DebtorIDs: []string{dA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if caseA.Number != "（2025）甘1025执88号" || caseA.Status != domain.CaseOpen || caseA.Category != domain.CaseLivelihood {
			t.Fatalf("case %+v", caseA)
		}
		caseB, err := w.App.Cases.CreateCase(ctx, w.Actor(t, u.OfficerB), cases.CaseInput{Number: ptr("(2025)甘1025执89号"), DebtorIDs: []string{dB.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.App.Cases.CreateCase(ctx, w.Actor(t, u.Admin), cases.CaseInput{Number: ptr("(2025)甘1025执90号")}); err != nil {
			t.Fatal(err)
		}

		t.Run("create", func(t *testing.T) {
			tests := []struct {
				name  string
				actor string
				in    cases.CaseInput
				code  domain.Code
				field string
			}{
				{name: "number taken", actor: u.Officer, in: cases.CaseInput{Number: ptr("(2025)甘1025执88号"), DebtorIDs: []string{dA.ID}}, code: domain.EConflict},
				{name: "debtor of another grid", actor: u.Officer, in: cases.CaseInput{Number: ptr("(2025)甘1025执91号"), DebtorIDs: []string{dB.ID}}, code: domain.EValidation, field: "debtor_ids[0]"},
				{name: "officer names no debtor", actor: u.Officer, in: cases.CaseInput{Number: ptr("(2025)甘1025执92号")}, code: domain.EValidation, field: "debtor_ids"},
				{name: "not an enforcement case", actor: u.Officer, in: cases.CaseInput{Number: ptr("(2022)甘1025民初123号"), DebtorIDs: []string{dA.ID}}, code: domain.EValidation, field: domain.CaseNumberField},
				{name: "no number", actor: u.Officer, in: cases.CaseInput{DebtorIDs: []string{dA.ID}}, code: domain.EValidation, field: domain.CaseNumberField},
				{name: "negative amount", actor: u.Officer, in: cases.CaseInput{Number: ptr("(2025)甘1025执93号"), AmountDueFen: ptr(int64(-1)), DebtorIDs: []string{dA.ID}}, code: domain.EValidation, field: "amount_due_fen"},
				{name: "assistant", actor: u.Assistant, in: cases.CaseInput{Number: ptr("(2025)甘1025执94号"), DebtorIDs: []string{dA.ID}}, code: domain.EForbidden},
				{name: "auditor", actor: u.Auditor, in: cases.CaseInput{Number: ptr("(2025)甘1025执95号")}, code: domain.EForbidden},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					_, err := w.App.Cases.CreateCase(ctx, w.Actor(t, tc.actor), tc.in)
					u.WantCode(t, err, tc.code, tc.field)
				})
			}
		})

		t.Run("list and read", func(t *testing.T) {
			tests := []struct {
				name  string
				actor string
				q     cases.CaseQuery
				want  int
				code  domain.Code
				field string
			}{
				{name: "officer sees own grid's", actor: u.Officer, want: 1},
				{name: "officer of grid B", actor: u.OfficerB, want: 1},
				{name: "grid lead", actor: u.GridLead, want: 1},
				{name: "admin sees all", actor: u.Admin, want: 3},
				{name: "auditor sees all", actor: u.Auditor, want: 3},
				{name: "by category", actor: u.Admin, q: cases.CaseQuery{Category: domain.CaseLivelihood}, want: 1},
				{name: "by debtor", actor: u.Admin, q: cases.CaseQuery{DebtorID: dB.ID}, want: 1},
				{name: "closed ones", actor: u.Admin, q: cases.CaseQuery{Status: domain.CaseClosed}, want: 0},
				{name: "bad status", actor: u.Admin, q: cases.CaseQuery{Status: "lost"}, code: domain.EValidation, field: "status"},
				{name: "bad category", actor: u.Admin, q: cases.CaseQuery{Category: "civil"}, code: domain.EValidation, field: "category"},
				{name: "assistant", actor: u.Assistant, code: domain.EForbidden},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					a := w.Actor(t, tc.actor)
					list, _, err := w.App.Cases.Cases(ctx, a, tc.q)
					if tc.code != "" {
						u.WantCode(t, err, tc.code, tc.field)
						return
					}
					if err != nil || len(list) != tc.want {
						t.Fatalf("%d cases, %v; want %d", len(list), err, tc.want)
					}
					for _, c := range list {
						if !a.SeesCase(c) {
							t.Fatalf("case %s (grids %v) listed out of scope", c.Number, c.GridIDs)
						}
					}
				})
			}
			reads := []struct {
				actor, id string
				code      domain.Code
			}{
				{u.Officer, caseA.ID, ""},
				{u.Auditor, caseB.ID, ""},
				{u.Officer, caseB.ID, domain.ENotFound},
				{u.OfficerB, caseA.ID, domain.ENotFound},
				{u.Officer, "no-such-case", domain.ENotFound},
				{u.Assistant, caseA.ID, domain.EForbidden},
			}
			for _, tc := range reads {
				t.Run("read/"+tc.actor+"/"+tc.id, func(t *testing.T) {
					c, err := w.App.Cases.Case(ctx, w.Actor(t, tc.actor), tc.id)
					if tc.code != "" {
						u.WantCode(t, err, tc.code, "")
						return
					}
					if err != nil || c.ID != tc.id {
						t.Fatalf("case %+v, %v", c, err)
					}
				})
			}
		})

		t.Run("update", func(t *testing.T) {
			tests := []struct {
				name    string
				actor   string
				id      string
				version int // 0: the current one
				code    domain.Code
			}{
				{name: "officer closes own grid's", actor: u.Officer, id: caseA.ID},
				{name: "stale version", actor: u.Officer, id: caseA.ID, version: 1, code: domain.EPrecondition},
				{name: "officer of another grid", actor: u.OfficerB, id: caseA.ID, code: domain.ENotFound},
				{name: "auditor", actor: u.Auditor, id: caseA.ID, code: domain.EForbidden},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					before, err := w.App.Cases.Case(ctx, w.Actor(t, u.Admin), tc.id)
					if err != nil {
						t.Fatal(err)
					}
					version := tc.version
					if version == 0 {
						version = before.Version
					}
					got, err := w.App.Cases.UpdateCase(ctx, w.Actor(t, tc.actor), tc.id, cases.CaseInput{Status: ptr(domain.CaseClosed), AmountRecoveredFen: ptr(int64(100))}, version)
					after, rerr := w.App.Cases.Case(ctx, w.Actor(t, u.Admin), tc.id)
					if rerr != nil {
						t.Fatal(rerr)
					}
					if tc.code != "" {
						u.WantCode(t, err, tc.code, "")
						if after.Version != before.Version {
							t.Fatalf("a refused update changed the case to version %d", after.Version)
						}
						return
					}
					if err != nil || got.Status != domain.CaseClosed || after.Status != domain.CaseClosed || after.AmountRecoveredFen != 100 || after.Version != before.Version+1 {
						t.Fatalf("updated case %+v (stored %+v), %v", got, after, err)
					}
				})
			}
		})
	})
}

// TestUnmask: the full ID number, for the roles that may see it, within
// their scope, with a reason that is written to the audit log.
func TestUnmask(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		in := person("赵建国", w.VillageA.ID)
		d := createDebtor(t, w, u.Officer, in)
		tests := []struct {
			name   string
			actor  string
			id     string
			reason string
			code   domain.Code
			field  string
		}{
			{name: "officer of the grid", actor: u.Officer, id: d.ID, reason: "查询财产需要核对身份"},
			{name: "admin", actor: u.Admin, id: d.ID, reason: "复核案件材料"},
			{name: "no reason", actor: u.Officer, id: d.ID, reason: " ", code: domain.EValidation, field: "reason"},
			{name: "reason too short", actor: u.Officer, id: d.ID, reason: "看看", code: domain.EValidation, field: "reason"},
			{name: "reason too long", actor: u.Officer, id: d.ID, reason: strings.Repeat("因", 501), code: domain.EValidation, field: "reason"},
			{name: "officer of another grid", actor: u.OfficerB, id: d.ID, reason: "查询财产需要核对身份", code: domain.ENotFound},
			{name: "missing debtor", actor: u.Officer, id: "no-such-debtor", reason: "查询财产需要核对身份", code: domain.ENotFound},
			{name: "auditor", actor: u.Auditor, id: d.ID, reason: "查询财产需要核对身份", code: domain.EForbidden},
			{name: "assistant", actor: u.Assistant, id: d.ID, reason: "查询财产需要核对身份", code: domain.EForbidden},
		}
		audited := func(t *testing.T) int {
			t.Helper()
			entries, _, err := w.App.Cases.Audit(ctx, w.Actor(t, u.Auditor), domain.AuditFilter{Action: domain.AuditDebtorUnmask, SubjectID: d.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(entries)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := audited(t)
				number, err := w.App.Cases.Unmask(ctx, w.Actor(t, tc.actor), tc.id, tc.reason)
				after := audited(t)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if number != "" || after != before {
						t.Fatalf("a refused unmask showed %q and wrote %d audit entries", number, after-before)
					}
					return
				}
				if err != nil || number != *in.IDNumber || after != before+1 {
					t.Fatalf("unmasked %q, %v, %d audit entries; want %s and one entry", number, err, after-before, *in.IDNumber)
				}
				entries, _, err := w.App.Cases.Audit(ctx, w.Actor(t, u.Admin), domain.AuditFilter{Action: domain.AuditDebtorUnmask, SubjectID: d.ID, Limit: 1})
				if err != nil || len(entries) != 1 || entries[0].ActorID != w.Users[tc.actor].ID || !strings.Contains(entries[0].Detail, tc.reason) ||
					strings.Contains(entries[0].Detail, *in.IDNumber) {
					t.Fatalf("audit entry %+v, %v: want the actor and reason, never the number", entries, err)
				}
			})
		}
	})
}
