package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// TestQueueAgreesWithReference: the queue, which the store answers as a
// union of ordered index ranges (one per grid and status, and the team's
// queue outside its grids), returns page by page exactly the leads and
// order that filtering and sorting every lead in Go gives, with the same
// counts per status, for each role's scope and each filter officers use;
// and the per-status counts the store keeps in lead_counts equal COUNT(*) over the
// leads after every kind of change.
func TestQueueAgreesWithReference(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		ctx := context.Background()
		off, gl := w.token("officer"), w.token("gridlead")
		bodies := []map[string]any{
			vehicleLead(),
			{"kind": "deposit", "description": "工资卡在农商行", "details": map[string]any{"bank": "农商行"}},
			{"kind": "real_estate", "description": "", "details": map[string]any{"address": "中街"}},
			{"kind": "other", "description": "", "details": map[string]any{}},
		}
		reporters := []string{"assistant", "assistant2", "assistantB"}
		var ids []string
		for i := range 24 {
			if i%5 != 4 { // every fifth lead arrives in the same instant as the one before: the id breaks the tie
				w.clock.add(20 * time.Second) // tokens last 15 minutes
			}
			rec := w.do(postLead(w.token(reporters[i%3]), bodies[i%4], ""))
			if rec.Code != 201 {
				t.Fatalf("submit %d: %d %s", i, rec.Code, rec.Body)
			}
			ids = append(ids, decodeBody(t, rec)["id"].(string))
		}
		must := func(rec *httptest.ResponseRecorder, what string) {
			t.Helper()
			if rec.Code != 200 && rec.Code != 201 {
				t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
			}
		}
		accept := func(id, who string) {
			must(w.do(move(gl, id, map[string]any{"to": "accepted", "assignee_id": w.users[who].ID})), "accept "+id)
		}
		visible := func(id string) bool {
			l, err := b.DB.Leads().GetLead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return l.GridID == w.gridA.ID
		}
		// Move grid A's leads through the lifecycle (grid B's stay submitted).
		var inA []string
		for _, id := range ids {
			if visible(id) {
				inA = append(inA, id)
			}
		}
		for i, id := range inA {
			switch i % 6 {
			case 1:
				accept(id, "officer")
			case 2:
				accept(id, "gridlead")
			case 3:
				must(w.do(move(gl, id, map[string]any{"to": "rejected", "reason_code": "unrelated_debtor", "note": "不是"})), "reject")
			case 4:
				accept(id, "officer")
				must(w.do(move(off, id, map[string]any{"to": "verified"})), "verify")
				must(w.do(move(off, id, map[string]any{"to": "closed", "outcome": "扣划", "amount_recovered_fen": 1000})), "close")
			case 5:
				accept(id, "officer")
				must(w.do(move(off, id, map[string]any{"to": "verified"})), "verify")
				must(w.do(move(off, id, map[string]any{"to": "closed", "outcome": "扣划", "amount_recovered_fen": 500})), "close")
				must(w.do(move(gl, id, map[string]any{"to": "accepted", "note": "重新核实"})), "reopen")
			}
		}
		// One accepted lead past its due date; one grid B lead in team A's
		// queue (as the county queue holds other grids' leads); one grid A
		// lead moved to team B, which stays in grid A's scope.
		overdue, _ := b.DB.Leads().GetLead(ctx, inA[1])
		overdue.DueAt = w.clock.now().Add(-time.Hour)
		if _, err := b.DB.Leads().UpdateLead(ctx, overdue, 0); err != nil {
			t.Fatal(err)
		}
		var toTeamA, toTeamB domain.Lead
		for _, id := range ids {
			l, _ := b.DB.Leads().GetLead(ctx, id)
			switch {
			case l.GridID == w.gridB.ID && toTeamA.ID == "":
				toTeamA = l
			case l.GridID == w.gridA.ID && l.Status == domain.LeadSubmitted && toTeamB.ID == "":
				toTeamB = l
			}
		}
		toTeamA.TeamID, toTeamB.TeamID = w.teamA.ID, w.teamB.ID
		for _, l := range []domain.Lead{toTeamA, toTeamB} {
			if _, err := b.DB.Leads().UpdateLead(ctx, l, 0); err != nil {
				t.Fatal(err)
			}
		}
		must(w.do(request(http.MethodPost, "/v1/leads/"+inA[7]+"/reroute", gl, map[string]any{"grid_id": w.gridB.ID, "note": "在周家镇"})), "reroute")

		all, _, err := b.DB.Leads().ListLeads(ctx, domain.LeadFilter{Limit: 200})
		if err != nil || len(all) != len(ids) {
			t.Fatalf("all leads: %d, %v", len(all), err)
		}
		flagged, err := b.DB.Leads().DuplicatesOf(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		now := w.clock.now()
		mid := all[len(all)/2].ReceivedAt // newest first: the middle of the range

		// A filter is its query, what it asks of a lead but the status
		// (the counts ignore the status filter), and the statuses.
		type filter struct {
			query    string
			match    func(l domain.Lead, me string) bool
			statuses []domain.LeadStatus
		}
		every := func(domain.Lead, string) bool { return true }
		filters := []filter{
			{"", every, nil},
			{"status=submitted&status=accepted", every, []domain.LeadStatus{domain.LeadSubmitted, domain.LeadAccepted}},
			{"status=closed", every, []domain.LeadStatus{domain.LeadClosed}},
			{"kind=vehicle", func(l domain.Lead, _ string) bool { return l.Kind == domain.KindVehicle }, nil},
			{"kind=vehicle&kind=deposit&status=accepted", func(l domain.Lead, _ string) bool {
				return l.Kind == domain.KindVehicle || l.Kind == domain.KindDeposit
			}, []domain.LeadStatus{domain.LeadAccepted}},
			{"assignee=mine", func(l domain.Lead, me string) bool { return l.AssigneeID == me }, nil},
			{"assignee=unassigned&status=submitted", func(l domain.Lead, _ string) bool { return l.AssigneeID == "" },
				[]domain.LeadStatus{domain.LeadSubmitted}},
			{"overdue=true", func(l domain.Lead, _ string) bool { return l.Overdue(now) }, nil},
			{"flagged=true", func(l domain.Lead, _ string) bool { return len(flagged[l.ID]) > 0 }, nil},
			{"grid_id=" + w.gridA.ID, func(l domain.Lead, _ string) bool { return l.GridID == w.gridA.ID }, nil},
			{"village_id=" + w.villageA2.ID, func(l domain.Lead, _ string) bool { return l.VillageID == w.villageA2.ID }, nil},
			{"q=农商行", func(l domain.Lead, _ string) bool { return strings.Contains(l.Description, "农商行") }, nil},
			{"received_from=" + url.QueryEscape(mid.Format(time.RFC3339Nano)), func(l domain.Lead, _ string) bool { return !l.ReceivedAt.Before(mid) }, nil},
		}
		scopes := []struct {
			who   string
			sees  func(domain.Lead) bool
			skips map[string]bool // filters that name something out of this scope (404)
		}{
			{"officer", func(l domain.Lead) bool { return l.GridID == w.gridA.ID || l.TeamID == w.teamA.ID }, nil},
			{"officerB", func(l domain.Lead) bool { return l.GridID == w.gridB.ID || l.TeamID == w.teamB.ID },
				map[string]bool{"grid_id=" + w.gridA.ID: true, "village_id=" + w.villageA2.ID: true}},
			{"admin", func(domain.Lead) bool { return true }, nil},
		}
		for _, sc := range scopes {
			tok := w.token(sc.who)
			me := w.users[sc.who].ID
			for _, f := range filters {
				if sc.skips[f.query] {
					continue
				}
				t.Run(sc.who+"/"+f.query, func(t *testing.T) {
					var want []domain.Lead
					counts := map[string]int64{}
					for _, l := range all {
						if !sc.sees(l) || !f.match(l, me) {
							continue
						}
						counts[string(l.Status)]++
						if len(f.statuses) == 0 || slices.Contains(f.statuses, l.Status) {
							want = append(want, l)
						}
					}
					slices.SortFunc(want, func(a, b domain.Lead) int {
						if a.Priority != b.Priority {
							return int(a.Priority - b.Priority)
						}
						if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
							return c
						}
						return strings.Compare(a.ID, b.ID)
					})
					var wantIDs []string
					for _, l := range want {
						wantIDs = append(wantIDs, l.ID)
					}
					var got []string
					var gotCounts map[string]any
					cursor := ""
					for page := 0; ; page++ {
						path := "/v1/leads?limit=2&" + f.query
						if cursor != "" {
							path += "&cursor=" + url.QueryEscape(cursor)
						}
						rec := w.do(request(http.MethodGet, path, tok, nil))
						if rec.Code != 200 {
							t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
						}
						body := decodeBody(t, rec)
						for _, l := range body["leads"].([]any) {
							got = append(got, l.(map[string]any)["id"].(string))
						}
						if page == 0 {
							gotCounts = body["counts"].(map[string]any)
						}
						next, _ := body["next_cursor"].(string)
						if next == "" || page > 30 {
							break
						}
						cursor = next
					}
					if diff := cmp.Diff(wantIDs, got); diff != "" {
						t.Errorf("queue (-want +got):\n%s", diff)
					}
					wantCounts := map[string]any{}
					for st, n := range counts {
						wantCounts[st] = float64(n)
					}
					if diff := cmp.Diff(wantCounts, gotCounts); diff != "" {
						t.Errorf("counts (-want +got):\n%s", diff)
					}
				})
			}
		}

		// The counts kept in lead_counts equal the leads, per grid, team, assignee, kind
		// and status.
		type row struct {
			Grid, Team, Assignee, Kind, Status string
			N                                  int64
		}
		read := func(q string) []row {
			rows, err := b.DB.SQL().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.Grid, &r.Team, &r.Assignee, &r.Kind, &r.Status, &r.N); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		const key = "grid_id, team_id, assignee_id, kind, status"
		kept := read(`SELECT ` + key + `, SUM(n) FROM lead_counts GROUP BY ` + key + ` HAVING SUM(n) <> 0 ORDER BY ` + key)
		const leadKey = "grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status"
		counted := read(`SELECT ` + leadKey + `, COUNT(*) FROM leads GROUP BY ` + leadKey + ` ORDER BY ` + leadKey)
		if diff := cmp.Diff(counted, kept); diff != "" || len(kept) < 5 {
			t.Errorf("lead_counts (-COUNT(*) +kept), %d groups:\n%s", len(kept), diff)
		}
		t.Logf("%d leads, %d count groups", len(all), len(kept))
	})
}
