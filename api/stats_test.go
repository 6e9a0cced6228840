package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// cst is China time, in which the statistics' dates are days.
var cst = time.FixedZone("CST", 8*3600)

// statsHistory is a small history of leads in two grids, spaced on the
// fixture's clock so that every duration is exact. Day 0 starts at 09:00
// (China time) with the first lead; see TestStats for what happens when.
type statsHistory struct {
	day0, day1 string // YYYY-MM-DD
	t0         time.Time
}

// at moves the fixture's clock forward to t0+d. Access tokens live 15
// minutes, so the cached ones are dropped and users sign in again.
func (w *world) statsAt(h statsHistory, d time.Duration) {
	w.t.Helper()
	if gap := h.t0.Add(d).Sub(w.clock.now()); gap < 0 {
		w.t.Fatalf("the clock cannot go back to t0+%s", d)
	} else {
		w.clock.add(gap)
	}
	w.mu.Lock()
	w.tokens = map[string]string{}
	w.mu.Unlock()
}

// buildStatsHistory records the history through the API and returns it.
func buildStatsHistory(t *testing.T, w *world) statsHistory {
	t.Helper()
	today := w.clock.now().In(cst)
	t0 := time.Date(today.Year(), today.Month(), today.Day()+1, 9, 0, 0, 0, cst).UTC()
	h := statsHistory{t0: t0, day0: t0.In(cst).Format("2006-01-02"), day1: t0.In(cst).AddDate(0, 0, 1).Format("2006-01-02")}

	submit := func(at time.Duration, who string, body map[string]any) string {
		t.Helper()
		w.statsAt(h, at)
		rec := w.do(postLead(w.token(who), body, ""))
		if rec.Code != http.StatusCreated {
			t.Fatalf("submit as %s: %d %s", who, rec.Code, rec.Body)
		}
		return decodeBody(t, rec)["id"].(string)
	}
	step := func(who, lead string, body map[string]any) {
		t.Helper()
		if rec := w.do(move(w.token(who), lead, body)); rec.Code != http.StatusOK {
			t.Fatalf("%s moves %s to %v: %d %s", who, lead, body["to"], rec.Code, rec.Body)
		}
	}
	vehicle := func(plate string) map[string]any {
		return map[string]any{"kind": "vehicle", "description": "车停在家门口", "details": map[string]any{"plate": plate}}
	}
	kind := func(k string, details map[string]any) map[string]any {
		return map[string]any{"kind": k, "description": "", "details": details}
	}
	h1 := time.Hour
	l1 := submit(0, "assistant", vehicle("甘M·12345"))
	l2 := submit(1*h1, "assistant", kind("deposit", map[string]any{"bank": "农商行"}))
	l3 := submit(2*h1, "assistant2", kind("real_estate", map[string]any{"address": "中街"}))
	l4 := submit(3*h1, "assistant", kind("livestock", map[string]any{"species": "牛", "head_count": 12}))
	l5 := submit(4*h1, "assistant2", kind("wages", map[string]any{"employer": "砖厂"}))
	l6 := submit(5*h1, "assistant", kind("other", map[string]any{}))
	submit(6*h1, "assistant", kind("deposit", map[string]any{"bank": "邮储"})) // stays submitted
	lB := submit(6*h1, "assistantB", vehicle("甘M·67890"))
	l8 := submit(7*h1, "assistant2", kind("business", map[string]any{"shop_name": "小卖部"}))

	w.statsAt(h, 8*h1)
	off := w.users["officer"].ID
	for _, id := range []string{l1, l2, l3, l6, l8} {
		step("officer", id, map[string]any{"to": "accepted", "assignee_id": off})
	}
	step("officer", l5, map[string]any{"to": "rejected", "reason_code": "insufficient", "note": "信息不足"})
	step("officer", l4, map[string]any{"to": "duplicate", "duplicate_of": l1})
	step("officerB", lB, map[string]any{"to": "accepted", "assignee_id": w.users["officerB"].ID})

	w.statsAt(h, 10*h1)
	for _, id := range []string{l1, l2, l3} {
		step("officer", id, map[string]any{"to": "verified"})
	}
	step("officer", l6, map[string]any{"to": "unsubstantiated"})
	step("officerB", lB, map[string]any{"to": "verified"})

	w.statsAt(h, 12*h1) // day 0, 21:00
	step("officer", l1, map[string]any{"to": "closed", "outcome": "扣押车辆", "amount_recovered_fen": 100000})
	step("officerB", lB, map[string]any{"to": "closed", "outcome": "划拨", "amount_recovered_fen": 999})

	w.statsAt(h, 25*h1) // day 1, 10:00: reopened and closed again later
	step("gridlead", l1, map[string]any{"to": "accepted", "note": "车辆拍卖款未到账"})
	step("officer", l1, map[string]any{"to": "verified"})
	w.statsAt(h, 26*h1)
	step("officer", l2, map[string]any{"to": "measures_taken", "measure": "freeze", "measure_date": h.day0})
	step("officer", l2, map[string]any{"to": "closed", "outcome": "冻结并划拨", "amount_recovered_fen": 250000})
	w.statsAt(h, 27*h1)
	step("officer", l1, map[string]any{"to": "closed", "outcome": "拍卖后划拨", "amount_recovered_fen": 120000})
	return h
}

// gridStatsJSON is the answer of GET /v1/stats/grids, as a client reads it.
type gridStatsAnswer struct {
	From     string `json:"from"`
	To       string `json:"to"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Grids    []struct {
		GridID                string           `json:"grid_id"`
		Received              int64            `json:"received"`
		ByStatus              map[string]int64 `json:"by_status"`
		ByKind                map[string]int64 `json:"by_kind"`
		AcceptanceRate        *float64         `json:"acceptance_rate"`
		SubstantiationRate    *float64         `json:"substantiation_rate"`
		MedianSecondsToAccept *int64           `json:"median_seconds_to_accept"`
		MedianSecondsToClose  *int64           `json:"median_seconds_to_close"`
		OverdueNow            int64            `json:"overdue_now"`
		AmountRecoveredFen    int64            `json:"amount_recovered_fen"`
	} `json:"grids"`
}

// gridRow is one grid's numbers in a test's expectations.
type gridRow struct {
	Grid                 string
	Received             int64
	ByStatus, ByKind     map[string]int64 // the non-zero ones
	Acceptance, Substant *float64
	ToAccept, ToClose    *int64
	Overdue, Fen         int64
}

type assistantRow struct {
	Name                                string
	Supplied, Accepted, Duplicates, Fen int64
}

func ptr[T any](v T) *T { return &v }

// nonZero drops the zero counts of every status or kind.
func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, n := range m {
		if n != 0 {
			out[k] = n
		}
	}
	return out
}

func TestStats(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		h := buildStatsHistory(t, w)
		gridName := map[string]string{w.gridA.ID: "A", w.gridB.ID: "B"}
		gridAll := gridRow{Grid: "A", Received: 8,
			ByStatus: map[string]int64{"closed": 2, "verified": 1, "duplicate": 1, "rejected": 1, "unsubstantiated": 1, "submitted": 1, "accepted": 1},
			ByKind:   map[string]int64{"vehicle": 1, "deposit": 2, "real_estate": 1, "livestock": 1, "wages": 1, "other": 1, "business": 1},
			// 5 accepted or beyond of 7 decided; 3 found true of 4 checked.
			Acceptance: ptr(0.7143), Substant: ptr(0.75),
			// Accepted after 8h, 7h, 6h, 3h and 1h; closed after 25h and 27h
			// (the last closing of the reopened lead).
			ToAccept: ptr(int64(6 * 3600)), ToClose: ptr(int64(26 * 3600)),
			Fen: 370000}
		gridB := gridRow{Grid: "B", Received: 1, ByStatus: map[string]int64{"closed": 1}, ByKind: map[string]int64{"vehicle": 1},
			Acceptance: ptr(1.0), Substant: ptr(1.0), ToAccept: ptr(int64(2 * 3600)), ToClose: ptr(int64(6 * 3600)), Fen: 999}
		emptyA := gridRow{Grid: "A", ByStatus: map[string]int64{}, ByKind: map[string]int64{}}
		both := "from=" + h.day0 + "&to=" + h.day1

		gridTests := []struct {
			name, who, query string
			want             []gridRow
		}{
			{"admin, every grid", "admin", both, []gridRow{gridAll, gridB}},
			{"auditor, one grid", "auditor", both + "&grid_id=" + w.gridB.ID, []gridRow{gridB}},
			{"officer, own grid only", "officer", both, []gridRow{gridAll}},
			{"officer B, own grid only", "officerB", both, []gridRow{gridB}},
			{"default range: the last 30 days", "gridlead", "", []gridRow{gridAll}},
			{"only to: the 30 days up to it", "gridlead", "to=" + h.day1, []gridRow{gridAll}},
			// Day 0 received everything, but closed nothing for good: both
			// closings that count happened on day 1.
			{"day 0", "officer", "from=" + h.day0 + "&to=" + h.day0, []gridRow{{Grid: "A", Received: 8, ByStatus: gridAll.ByStatus, ByKind: gridAll.ByKind,
				Acceptance: gridAll.Acceptance, Substant: gridAll.Substant, ToAccept: gridAll.ToAccept, ToClose: gridAll.ToClose}}},
			{"day 1: nothing received, the money closed", "officer", "from=" + h.day1 + "&to=" + h.day1, []gridRow{{Grid: "A",
				ByStatus: map[string]int64{}, ByKind: map[string]int64{}, Fen: 370000}}},
			{"before the history", "officer", "from=2020-01-01&to=2020-12-31", []gridRow{emptyA}},
		}
		for _, tc := range gridTests {
			t.Run("grids/"+tc.name, func(t *testing.T) {
				rec := w.do(request(http.MethodGet, "/v1/stats/grids?"+tc.query, w.token(tc.who), nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
				var got gridStatsAnswer
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				rows := make([]gridRow, len(got.Grids))
				for i, g := range got.Grids {
					if len(g.ByStatus) != 10 || len(g.ByKind) != 15 {
						t.Errorf("every status and kind must be present: %v %v", g.ByStatus, g.ByKind)
					}
					rows[i] = gridRow{Grid: gridName[g.GridID], Received: g.Received, ByStatus: nonZero(g.ByStatus), ByKind: nonZero(g.ByKind),
						Acceptance: g.AcceptanceRate, Substant: g.SubstantiationRate, ToAccept: g.MedianSecondsToAccept,
						ToClose: g.MedianSecondsToClose, Overdue: g.OverdueNow, Fen: g.AmountRecoveredFen}
				}
				if diff := cmp.Diff(tc.want, rows); diff != "" {
					t.Errorf("grids (-want +got):\n%s", diff)
				}
			})
		}

		// The range is echoed as days and as instants in UTC.
		var got gridStatsAnswer
		_ = json.Unmarshal(w.do(request(http.MethodGet, "/v1/stats/grids?"+both, w.token("officer"), nil)).Body.Bytes(), &got)
		start := time.Date(h.t0.In(cst).Year(), h.t0.In(cst).Month(), h.t0.In(cst).Day(), 0, 0, 0, 0, cst).UTC()
		if got.From != h.day0 || got.To != h.day1 || got.StartsAt != start.Format(time.RFC3339) || got.EndsAt != start.Add(48*time.Hour).Format(time.RFC3339) {
			t.Errorf("range %s %s %s %s", got.From, got.To, got.StartsAt, got.EndsAt)
		}

		assistantTests := []struct {
			name, who, query string
			want             []assistantRow
		}{
			{"admin: every assistant, most leads first", "admin", both, []assistantRow{
				{"assistant", 5, 3, 1, 370000}, {"assistant2", 3, 2, 0, 0}, {"assistantB", 1, 1, 0, 999}}},
			{"officer: the assistants of grid A", "officer", both, []assistantRow{{"assistant", 5, 3, 1, 370000}, {"assistant2", 3, 2, 0, 0}}},
			{"officer B: grid B", "officerB", "", []assistantRow{{"assistantB", 1, 1, 0, 999}}},
			{"one grid", "auditor", both + "&grid_id=" + w.gridA.ID, []assistantRow{{"assistant", 5, 3, 1, 370000}, {"assistant2", 3, 2, 0, 0}}},
			{"day 1: none supplied, by name", "gridlead", "from=" + h.day1 + "&to=" + h.day1, []assistantRow{{"assistant", 0, 0, 0, 370000}, {"assistant2", 0, 0, 0, 0}}},
		}
		for _, tc := range assistantTests {
			t.Run("assistants/"+tc.name, func(t *testing.T) {
				rec := w.do(request(http.MethodGet, "/v1/stats/assistants?"+tc.query, w.token(tc.who), nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
				var got struct {
					Assistants []struct {
						UserID             string `json:"user_id"`
						Name               string `json:"name"`
						VillageID          string `json:"village_id"`
						GridID             string `json:"grid_id"`
						LeadsSupplied      int64  `json:"leads_supplied"`
						LeadsAccepted      int64  `json:"leads_accepted"`
						Duplicates         int64  `json:"duplicates"`
						AmountRecoveredFen int64  `json:"amount_recovered_fen"`
					} `json:"assistants"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				rows := make([]assistantRow, len(got.Assistants))
				for i, a := range got.Assistants {
					rows[i] = assistantRow{a.Name, a.LeadsSupplied, a.LeadsAccepted, a.Duplicates, a.AmountRecoveredFen}
					if u := w.users[a.Name]; a.UserID != u.ID || a.VillageID != u.VillageID {
						t.Errorf("%s: user %s village %s", a.Name, a.UserID, a.VillageID)
					}
				}
				if diff := cmp.Diff(tc.want, rows); diff != "" {
					t.Errorf("assistants (-want +got):\n%s", diff)
				}
			})
		}

		// A week later, the lead accepted last and never verified is overdue
		// (whenever it was received); the default range still holds day 0.
		w.statsAt(h, 8*time.Hour+7*24*time.Hour+time.Minute)
		_ = json.Unmarshal(w.do(request(http.MethodGet, "/v1/stats/grids?grid_id="+w.gridA.ID, w.token("officer"), nil)).Body.Bytes(), &got)
		if len(got.Grids) != 1 || got.Grids[0].OverdueNow != 1 || got.Grids[0].Received != 8 {
			t.Errorf("a week later: %+v", got.Grids)
		}
		_ = json.Unmarshal(w.do(request(http.MethodGet, "/v1/stats/grids?from=2020-01-01&to=2020-01-01", w.token("officer"), nil)).Body.Bytes(), &got)
		if len(got.Grids) != 1 || got.Grids[0].OverdueNow != 1 || got.Grids[0].Received != 0 {
			t.Errorf("overdue is about now, not the range: %+v", got.Grids)
		}
	})
}

// TestStatsRefused: roles, scope and bad ranges.
func TestStatsRefused(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		today := w.clock.now().In(cst)
		day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
		for _, path := range []string{"/v1/stats/grids", "/v1/stats/assistants"} {
			t.Run(path, func(t *testing.T) {
				wantProblem(t, w.do(request(http.MethodGet, path, w.token("assistant"), nil)), http.StatusForbidden, "forbidden")
				wantProblem(t, w.do(request(http.MethodGet, path, "", nil)), http.StatusUnauthorized, "unauthorized")
				for _, tc := range []struct {
					who, grid string
				}{{"officerB", w.gridA.ID}, {"officer", w.gridB.ID}, {"gridlead", w.gridB.ID}, {"admin", "no-such-grid"}} {
					wantProblem(t, w.do(request(http.MethodGet, path+"?grid_id="+url.QueryEscape(tc.grid), w.token(tc.who), nil)), http.StatusNotFound, "not_found")
				}
				for _, tc := range []struct {
					query, field, code string
				}{
					{"from=" + day(0) + "&to=" + day(-1), "to", "out_of_range"},
					{"from=" + day(-366) + "&to=" + day(0), "from", "out_of_range"},
					{"to=" + day(0) + "&from=" + day(-400), "from", "out_of_range"},
					{"from=yesterday", "from", "invalid"},
					{"from=2026-02-30", "from", "invalid"},
					{"to=2026-3-1", "to", "invalid"},
					{"to=" + url.QueryEscape("2026-03-01T00:00:00+08:00"), "to", "invalid"},
				} {
					p := wantProblem(t, w.do(request(http.MethodGet, path+"?"+tc.query, w.token("officer"), nil)), http.StatusUnprocessableEntity, "validation_failed")
					if diff := cmp.Diff([]string{tc.field + ":" + tc.code}, fieldCodes(p)); diff != "" {
						t.Errorf("%s (-want +got):\n%s", tc.query, diff)
					}
				}
				// 366 days, both ends included, is the longest range.
				if rec := w.do(request(http.MethodGet, path+"?from="+day(-365)+"&to="+day(0), w.token("officer"), nil)); rec.Code != http.StatusOK {
					t.Errorf("366 days: %d %s", rec.Code, rec.Body)
				}
				if rec := w.do(request(http.MethodGet, path+"?from="+day(0)+"&to="+day(0), w.token("officer"), nil)); rec.Code != http.StatusOK {
					t.Errorf("one day: %d %s", rec.Code, rec.Body)
				}
			})
		}
	})
}
