package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/stats"
	"github.com/zhengning-court/xiezhi/internal/triage"
	u "github.com/zhengning-court/xiezhi/internal/usecasetest"
)

// results is the world of the statistics tests: in grid A the assistant
// supplied three leads (one closed with ¥1,200 recovered, one rejected, one
// a duplicate of the first) and the second assistant one still submitted;
// in grid B one lead is still submitted.
func results(t *testing.T, b backendtest.Backend) *u.World {
	t.Helper()
	w := u.New(t, b)
	ctx := context.Background()
	lead := w.Actor(t, u.GridLead)
	move := func(l domain.Lead, steps ...triage.Transition) {
		t.Helper()
		for _, step := range steps {
			var err error
			if l, err = w.App.Triage.Move(ctx, lead, l.ID, step, l.Version); err != nil {
				t.Fatalf("setup: move to %s: %v", step.To, err)
			}
		}
	}
	closed := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "在村口见到")).Lead
	w.Clock.Add(time.Minute) // a duplicate is of an earlier lead
	rejected := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "在集市见到")).Lead
	duplicate := w.Submit(t, w.Actor(t, u.Assistant), u.Lead("", "又在村口见到")).Lead
	w.Submit(t, w.Actor(t, u.Assistant2), u.Lead("", "乐安坊村"))
	w.Submit(t, w.Actor(t, u.AssistantB), u.Lead("", "徐家村"))
	w.Clock.Add(time.Hour)
	amount := int64(120000)
	move(closed, triage.Transition{To: domain.LeadAccepted, AssigneeID: w.Users[u.Officer].ID},
		triage.Transition{To: domain.LeadVerified},
		triage.Transition{To: domain.LeadClosed, Outcome: "执行到位", AmountRecoveredFen: &amount})
	move(rejected, triage.Transition{To: domain.LeadRejected, Note: "豁免财产", ReasonCode: domain.RejectExemptProperty})
	move(duplicate, triage.Transition{To: domain.LeadDuplicate, DuplicateOf: closed.ID})
	return w
}

// outcome checks the error of a call that returned n results against the
// code and field wanted ("" for none), and reports whether the results are
// to be checked.
func outcome(t *testing.T, err error, code domain.Code, field string, n int) bool {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	u.WantCode(t, err, code, field)
	if n != 0 {
		t.Errorf("%d results with an error", n)
	}
	return false
}

// gridWant is what a test expects of one grid's results.
type gridWant struct {
	grid                                 string // "A" or "B"
	received, submitted, closed, rejects int64
	duplicates, whereabouts, recovered   int64
	acceptance                           *float64 // nil: none decided
	accepted                             bool     // a time to accept and to close is known
}

func TestGrids(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := results(t, b)
		ctx := context.Background()
		third := 0.3333 // 1 accepted of 3 decided, as the service rounds it
		a := gridWant{grid: "A", received: 4, submitted: 1, closed: 1, rejects: 1, duplicates: 1, whereabouts: 4, recovered: 120000, acceptance: &third, accepted: true}
		bb := gridWant{grid: "B", received: 1, submitted: 1, whereabouts: 1}
		emptyA, emptyB := gridWant{grid: "A"}, gridWant{grid: "B"}
		ids := map[string]string{"A": w.GridA.ID, "B": w.GridB.ID}
		tests := []struct {
			name  string
			actor string
			q     stats.Query
			want  []gridWant
			code  domain.Code
			field string
		}{
			{name: "admin sees every grid", actor: u.Admin, want: []gridWant{a, bb}},
			{name: "auditor sees every grid", actor: u.Auditor, want: []gridWant{a, bb}},
			{name: "officer sees the team's grid", actor: u.Officer, want: []gridWant{a}},
			{name: "grid lead asks for the own grid", actor: u.GridLead, q: stats.Query{GridID: w.GridA.ID}, want: []gridWant{a}},
			{name: "officer of grid B", actor: u.OfficerB, want: []gridWant{bb}},
			{name: "admin asks for grid B", actor: u.Admin, q: stats.Query{GridID: w.GridB.ID}, want: []gridWant{bb}},
			{name: "a range before the leads", actor: u.Admin, q: stats.Query{From: "2020-01-01", To: "2020-01-31"}, want: []gridWant{emptyA, emptyB}},
			{name: "officer asks for another grid", actor: u.Officer, q: stats.Query{GridID: w.GridB.ID}, code: domain.ENotFound},
			{name: "admin asks for an unknown grid", actor: u.Admin, q: stats.Query{GridID: "no-such-grid"}, code: domain.ENotFound},
			{name: "assistant", actor: u.Assistant, code: domain.EForbidden},
			{name: "from not a date", actor: u.Admin, q: stats.Query{From: "2026-13-01"}, code: domain.EValidation, field: "from"},
			{name: "to not a date", actor: u.Admin, q: stats.Query{To: "yesterday"}, code: domain.EValidation, field: "to"},
			{name: "to before from", actor: u.Admin, q: stats.Query{From: "2026-03-02", To: "2026-03-01"}, code: domain.EValidation, field: "to"},
			{name: "longer than a year", actor: u.Admin, q: stats.Query{From: "2025-01-01", To: "2026-01-02"}, code: domain.EValidation, field: "from"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r, got, err := w.App.Stats.Grids(ctx, w.Actor(t, tc.actor), tc.q)
				if !outcome(t, err, tc.code, tc.field, len(got)) {
					return
				}
				if tc.q.From != "" && (r.From != tc.q.From || r.To != tc.q.To) {
					t.Errorf("range %s..%s, want %s..%s", r.From, r.To, tc.q.From, tc.q.To)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("results of %d grids %+v, want %d", len(got), got, len(tc.want))
				}
				for i, want := range tc.want {
					g := got[i]
					if g.Grid.ID != ids[want.grid] {
						t.Errorf("grid %d is %s, want grid %s", i, g.Grid.Name, want.grid)
						continue
					}
					if g.Received != want.received || g.ByStatus[domain.LeadSubmitted] != want.submitted || g.ByStatus[domain.LeadClosed] != want.closed ||
						g.ByStatus[domain.LeadRejected] != want.rejects || g.ByStatus[domain.LeadDuplicate] != want.duplicates ||
						g.ByKind[domain.KindWhereabouts] != want.whereabouts || g.AmountRecoveredFen != want.recovered || g.OverdueNow != 0 {
						t.Errorf("grid %s: %+v, want %+v", want.grid, g, want)
					}
					if (g.AcceptanceRate == nil) != (want.acceptance == nil) || (want.acceptance != nil && *g.AcceptanceRate != *want.acceptance) {
						t.Errorf("grid %s: acceptance rate %v, want %v", want.grid, g.AcceptanceRate, want.acceptance)
					}
					substantiated := g.SubstantiationRate != nil && *g.SubstantiationRate == 1
					if substantiated != want.accepted || (g.SubstantiationRate != nil && !want.accepted) {
						t.Errorf("grid %s: substantiation rate %v", want.grid, g.SubstantiationRate)
					}
					if (g.MedianSecondsToAccept != nil) != want.accepted || (g.MedianSecondsToClose != nil) != want.accepted {
						t.Errorf("grid %s: medians to accept %v and to close %v, want known: %v", want.grid, g.MedianSecondsToAccept, g.MedianSecondsToClose, want.accepted)
					}
				}
			})
		}
	})
}

func TestAssistants(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := results(t, b)
		ctx := context.Background()
		type row struct {
			name                                      string
			supplied, accepted, duplicates, recovered int64
		}
		assistant := row{u.Assistant, 3, 1, 1, 120000}
		assistant2 := row{u.Assistant2, 1, 0, 0, 0}
		assistantB := row{u.AssistantB, 1, 0, 0, 0}
		tests := []struct {
			name  string
			actor string
			q     stats.Query
			want  []row // most supplied first, then by name
			code  domain.Code
			field string
		}{
			{name: "admin sees every assistant", actor: u.Admin, want: []row{assistant, assistant2, assistantB}},
			{name: "officer sees the grid's assistants", actor: u.Officer, want: []row{assistant, assistant2}},
			{name: "officer of grid B", actor: u.OfficerB, want: []row{assistantB}},
			{name: "auditor asks for grid A", actor: u.Auditor, q: stats.Query{GridID: w.GridA.ID}, want: []row{assistant, assistant2}},
			{name: "a range before the leads lists the assistants with nothing", actor: u.GridLead, q: stats.Query{From: "2020-01-01", To: "2020-01-31"},
				want: []row{{name: u.Assistant}, {name: u.Assistant2}}},
			{name: "officer asks for another grid", actor: u.Officer, q: stats.Query{GridID: w.GridB.ID}, code: domain.ENotFound},
			{name: "assistant", actor: u.Assistant2, code: domain.EForbidden},
			{name: "to before from", actor: u.Officer, q: stats.Query{From: "2026-03-02", To: "2026-03-01"}, code: domain.EValidation, field: "to"},
			{name: "from not a date", actor: u.Officer, q: stats.Query{From: "03/01/2026"}, code: domain.EValidation, field: "from"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, got, err := w.App.Stats.Assistants(ctx, w.Actor(t, tc.actor), tc.q)
				if !outcome(t, err, tc.code, tc.field, len(got)) {
					return
				}
				var rows []row
				for _, x := range got {
					rows = append(rows, row{x.Name, x.Supplied, x.Accepted, x.Duplicates, x.AmountRecoveredFen})
				}
				if len(rows) != len(tc.want) {
					t.Fatalf("activity %+v, want %+v", rows, tc.want)
				}
				for i := range rows {
					if rows[i] != tc.want[i] {
						t.Errorf("activity %+v, want %+v", rows, tc.want)
						break
					}
				}
				for _, x := range got {
					if x.UserID != w.Users[x.Name].ID || x.VillageID != w.Users[x.Name].VillageID || x.Status != domain.UserActive {
						t.Errorf("assistant %+v, want the fixture's %+v", x, w.Users[x.Name])
					}
				}
			})
		}
	})
}
