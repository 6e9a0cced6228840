package intake_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/intake"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

func ptr[T any](v T) *T { return &v }

// TestSubmit submits leads straight to the use case: who may, what is
// validated, and where each lead is routed with which priority.
func TestSubmit(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		realEstate := func(village string) intake.SubmitInput {
			return intake.SubmitInput{Kind: string(domain.KindRealEstate), Description: ptr("三层小楼"), VillageID: village,
				Details: map[string]any{"address": "冢巷村3组"}}
		}
		tests := []struct {
			name     string
			actor    string
			in       intake.SubmitInput
			code     domain.Code
			field    string
			grid     string // of the lead created
			team     string
			priority domain.Priority
			officer  bool // the view shows officer fields
		}{
			{name: "assistant, own village by default", actor: u.Assistant, in: u.Lead("", "他在镇上打工"),
				grid: w.GridA.ID, team: w.TeamA.ID, priority: domain.PriorityUrgent},
			{name: "assistant, normal priority kind", actor: u.Assistant2, in: realEstate(w.VillageA.ID),
				grid: w.GridA.ID, team: w.TeamA.ID, priority: domain.PriorityNormal},
			{name: "assistant of grid B", actor: u.AssistantB, in: u.Lead("", "回村了"),
				grid: w.GridB.ID, team: w.TeamB.ID, priority: domain.PriorityUrgent},
			{name: "officer reports in another grid, routed to its team", actor: u.Officer, in: realEstate(w.VillageB.ID),
				grid: w.GridB.ID, team: w.TeamB.ID, priority: domain.PriorityNormal, officer: true},
			{name: "grid lead", actor: u.GridLead, in: u.Lead(w.VillageA2.ID, "见到了"),
				grid: w.GridA.ID, team: w.TeamA.ID, priority: domain.PriorityUrgent, officer: true},
			{name: "assistant outside own grid", actor: u.Assistant, in: u.Lead(w.VillageB.ID, "x"), code: domain.EValidation, field: "village_id"},
			{name: "unknown village", actor: u.Officer, in: u.Lead("no-such-village", "x"), code: domain.EValidation, field: "village_id"},
			{name: "admin may not submit", actor: u.Admin, in: u.Lead(w.VillageA.ID, "x"), code: domain.EForbidden},
			{name: "auditor may not submit", actor: u.Auditor, in: u.Lead(w.VillageA.ID, "x"), code: domain.EForbidden},
			{name: "unknown kind", actor: u.Assistant, in: intake.SubmitInput{Kind: "spaceship", Description: ptr("x")}, code: domain.EValidation, field: "kind"},
			{name: "no description", actor: u.Assistant, in: intake.SubmitInput{Kind: string(domain.KindWhereabouts)}, code: domain.EValidation, field: "description"},
			{name: "description too long", actor: u.Assistant, in: u.Lead("", strings.Repeat("长", domain.MaxLeadDescription+1)), code: domain.EValidation, field: "description"},
			{name: "missing detail", actor: u.Assistant, in: intake.SubmitInput{Kind: string(domain.KindRealEstate), Description: ptr("x")}, code: domain.EValidation, field: "details.address"},
			{name: "latitude out of range", actor: u.Assistant, in: intake.SubmitInput{Kind: string(domain.KindWhereabouts), Description: ptr("x"),
				Location: &intake.LocationInput{Lat: ptr(91.0), Lng: ptr(108.3)}}, code: domain.EValidation, field: "location.lat"},
			{name: "client id not a uuid", actor: u.Assistant, in: intake.SubmitInput{ID: "lead-1", Kind: string(domain.KindWhereabouts), Description: ptr("x")}, code: domain.EValidation, field: "id"},
			{name: "too many photos expected", actor: u.Assistant, in: intake.SubmitInput{Kind: string(domain.KindWhereabouts), Description: ptr("x"), PhotosExpected: ptr(99)}, code: domain.EValidation, field: "photos_expected"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := w.Actor(t, tc.actor)
				v, created, err := w.SubmitErr(t, a, tc.in)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					return
				}
				if err != nil || !created {
					t.Fatalf("submit: created %v, %v", created, err)
				}
				l := v.Lead
				if l.Status != domain.LeadSubmitted || l.ReporterID != a.UserID || l.GridID != tc.grid || l.TeamID != tc.team ||
					l.Priority != tc.priority || v.Officer != tc.officer || !strings.HasPrefix(l.Ref, "ZN-") || l.Version != 1 {
					t.Fatalf("lead %+v (officer view %v), want grid %s team %s priority %v officer %v", l, v.Officer, tc.grid, tc.team, tc.priority, tc.officer)
				}
				stored, err := w.App.Intake.Lead(context.Background(), a, l.ID)
				if err != nil || stored.Lead.Ref != l.Ref || stored.Lead.GridID != tc.grid {
					t.Fatalf("stored lead %+v, %v", stored.Lead, err)
				}
			})
		}
	})
}

// TestSubmitClientID: a client id makes a retry answer the same lead, and
// other content under it a conflict.
func TestSubmitClientID(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		const id = "0b9f3c4e-1d2a-4c5b-8e6f-7a8b9c0d1e2f"
		in := u.Lead("", "第一次")
		in.ID = id
		first := w.Submit(t, w.Actor(t, u.Assistant), in)
		other := u.Lead("", "别的内容")
		other.ID = id
		tests := []struct {
			name  string
			actor string
			in    intake.SubmitInput
			code  domain.Code
		}{
			{"retry by the reporter", u.Assistant, in, ""},
			{"other content, same id", u.Assistant, other, domain.EConflict},
			{"same content, other reporter", u.Assistant2, in, domain.EConflict},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				v, created, err := w.SubmitErr(t, w.Actor(t, tc.actor), tc.in)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, "")
					return
				}
				if err != nil || created || v.Lead.ID != id || v.Lead.Ref != first.Lead.Ref {
					t.Fatalf("retry: %+v created %v, %v; want lead %s unchanged", v.Lead, created, err, first.Lead.Ref)
				}
			})
		}
		leads, _, _, err := w.App.Intake.Leads(context.Background(), w.Actor(t, u.Assistant), intake.Query{})
		if err != nil || len(leads) != 1 {
			t.Fatalf("assistant's leads after retries: %d, %v; want 1", len(leads), err)
		}
	})
}

// TestLeadVisibility: a lead is seen by its reporter and by the roles that
// read leads of its grid; to anyone else it is missing.
func TestLeadVisibility(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		l := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "在村口")).Lead
		tests := []struct {
			actor   string
			id      string
			code    domain.Code
			officer bool
		}{
			{u.Assistant, l.ID, "", false},
			{u.Assistant2, l.ID, domain.ENotFound, false},
			{u.AssistantB, l.ID, domain.ENotFound, false},
			{u.Officer, l.ID, "", true},
			{u.GridLead, l.ID, "", true},
			{u.OfficerB, l.ID, domain.ENotFound, false},
			{u.Admin, l.ID, "", true},
			{u.Auditor, l.ID, "", true},
			{u.Officer, "no-such-lead", domain.ENotFound, false},
		}
		for _, tc := range tests {
			t.Run(tc.actor+"/"+tc.id, func(t *testing.T) {
				v, err := w.App.Intake.Lead(context.Background(), w.Actor(t, tc.actor), tc.id)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, "")
					return
				}
				if err != nil || v.Lead.ID != l.ID || v.Officer != tc.officer {
					t.Fatalf("lead %+v officer view %v, %v; want %s, officer %v", v.Lead, v.Officer, err, l.ID, tc.officer)
				}
			})
		}
	})
}

// TestLeads: an assistant lists their own leads, the enforcement side the
// queue of its grids; a grid outside the scope is missing.
func TestLeads(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		mine := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "一"))
		w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "二"))
		w.Submit(t, w.Actor(t, u.Assistant2), u.Lead("", "三"))
		w.Submit(t, w.Actor(t, u.AssistantB), u.Lead("", "四"))
		tests := []struct {
			name  string
			actor string
			q     intake.Query
			want  int
			code  domain.Code
			field string
		}{
			{name: "assistant sees own", actor: u.Assistant, want: 2},
			{name: "other assistant of the grid sees own", actor: u.Assistant2, want: 1},
			{name: "officer sees the grid's queue", actor: u.Officer, want: 3},
			{name: "officer of grid B", actor: u.OfficerB, want: 1},
			{name: "grid lead filters by village", actor: u.GridLead, q: intake.Query{VillageID: w.VillageA2.ID}, want: 1},
			{name: "admin sees the county", actor: u.Admin, want: 4},
			{name: "auditor sees the county", actor: u.Auditor, want: 4},
			{name: "admin filters by grid", actor: u.Admin, q: intake.Query{GridID: w.GridB.ID}, want: 1},
			{name: "officer filters by status", actor: u.Officer, q: intake.Query{Statuses: []domain.LeadStatus{domain.LeadAccepted}}, want: 0},
			{name: "officer text search", actor: u.Officer, q: intake.Query{Text: mine.Lead.Ref}, want: 1},
			{name: "grid outside scope", actor: u.Officer, q: intake.Query{GridID: w.GridB.ID}, code: domain.ENotFound},
			{name: "village outside scope", actor: u.Officer, q: intake.Query{VillageID: w.VillageB.ID}, code: domain.ENotFound},
			{name: "bad status", actor: u.Officer, q: intake.Query{Statuses: []domain.LeadStatus{"lost"}}, code: domain.EValidation, field: "status"},
			{name: "bad kind", actor: u.Assistant, q: intake.Query{Kinds: []domain.LeadKind{"spaceship"}}, code: domain.EValidation, field: "kind"},
			{name: "text too long", actor: u.Officer, q: intake.Query{Text: strings.Repeat("字", 65)}, code: domain.EValidation, field: "q"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := w.Actor(t, tc.actor)
				leads, _, counts, err := w.App.Intake.Leads(context.Background(), a, tc.q)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					return
				}
				if err != nil || len(leads) != tc.want {
					t.Fatalf("%d leads, %v; want %d", len(leads), err, tc.want)
				}
				var total int64 // of the statuses asked for: the counts are of every status
				for st, n := range counts {
					if len(tc.q.Statuses) == 0 || slices.Contains(tc.q.Statuses, st) {
						total += n
					}
				}
				if total != int64(tc.want) {
					t.Fatalf("counts %v add up to %d, want %d", counts, total, tc.want)
				}
				for _, v := range leads {
					if !a.SeesLead(v.Lead) || a.Role == domain.RoleAssistant && v.Lead.ReporterID != a.UserID {
						t.Fatalf("listed lead %s (reporter %s, grid %s) is not the actor's to see", v.Lead.Ref, v.Lead.ReporterID, v.Lead.GridID)
					}
				}
			})
		}
	})
}

// TestWithdraw: only the reporter takes a lead back, at the version they
// saw, while it is not accepted.
func TestWithdraw(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := u.New(t, b)
		ctx := context.Background()
		withdrawn := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "已撤回"))
		if _, err := w.App.Intake.Withdraw(ctx, w.Actor(t, u.Assistant), withdrawn.Lead.ID, "", 0); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			actor   string
			lead    string // "" for a fresh lead of the assistant
			reason  string
			version int // 0: no check; -1: a stale one
			code    domain.Code
			field   string
		}{
			{name: "reporter, current version", actor: u.Assistant, reason: "搞错了人", version: 1},
			{name: "reporter, no version", actor: u.Assistant},
			{name: "stale version", actor: u.Assistant, version: -1, code: domain.EPrecondition},
			{name: "another assistant", actor: u.Assistant2, code: domain.ENotFound},
			{name: "assistant of another grid", actor: u.AssistantB, code: domain.ENotFound},
			{name: "officer who sees it did not report it", actor: u.Officer, code: domain.EForbidden},
			{name: "missing lead", actor: u.Assistant, lead: "no-such-lead", code: domain.ENotFound},
			{name: "already withdrawn", actor: u.Assistant, lead: withdrawn.Lead.ID, code: domain.EConflict},
			{name: "reason too long", actor: u.Assistant, reason: strings.Repeat("因", 501), code: domain.EValidation, field: "reason"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				id := tc.lead
				if id == "" {
					id = w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", tc.name)).Lead.ID
				}
				version := tc.version
				if version < 0 {
					version = 7
				}
				l, err := w.App.Intake.Withdraw(ctx, w.Actor(t, tc.actor), id, tc.reason, version)
				if tc.code != "" {
					u.WantCode(t, err, tc.code, tc.field)
					if tc.lead == "" {
						v, err := w.App.Intake.Lead(ctx, w.Actor(t, u.Assistant), id)
						if err != nil || v.Lead.Status != domain.LeadSubmitted {
							t.Fatalf("after a refused withdrawal the lead is %s, %v; want submitted", v.Lead.Status, err)
						}
					}
					return
				}
				if err != nil || l.Status != domain.LeadWithdrawn || l.Version != 2 {
					t.Fatalf("withdrawn lead %s version %d, %v", l.Status, l.Version, err)
				}
				events, err := w.App.Intake.Events(ctx, w.Actor(t, u.Assistant), id)
				if err != nil || len(events) != 2 || !slices.ContainsFunc(events, func(e domain.LeadEvent) bool { return e.ToStatus == domain.LeadWithdrawn }) {
					t.Fatalf("timeline %+v, %v; want submitted then withdrawn", events, err)
				}
			})
		}
	})
}
