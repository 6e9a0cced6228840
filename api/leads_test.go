package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// vehicleLead is a valid submission to vary.
func vehicleLead() map[string]any {
	return map[string]any{
		"kind":        "vehicle",
		"description": "春节前看到被执行人的车停在家门口",
		"location":    map[string]any{"lat": 35.49, "lng": 108.36, "accuracy_m": 12.5, "crs": "wgs84"},
		"captured_at": "2026-11-20T08:30:00+08:00",
		"details":     map[string]any{"plate": "甘M·12345", "colour": "白"},
	}
}

func postLead(token string, body any, key string) *http.Request {
	r := request(http.MethodPost, "/v1/leads", token, body)
	if key != "" {
		r.Header.Set("Idempotency-Key", key)
	}
	return r
}

func TestSubmitLead(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		rec := w.do(postLead(tok, vehicleLead(), ""))
		if rec.Code != http.StatusCreated {
			t.Fatalf("submit: %d %s", rec.Code, rec.Body)
		}
		l := decodeBody(t, rec)
		year := w.clock.now().In(time.FixedZone("CST", 8*3600)).Year()
		want := map[string]any{
			"ref": fmt.Sprintf("ZN-%d-000001", year), "status": "submitted", "priority": "urgent",
			"grid_id": w.gridA.ID, "village_id": w.villageA.ID, "team_id": w.teamA.ID, "reporter_id": w.users["assistant"].ID,
			"captured_at": "2026-11-20T00:30:00Z", "photos_expected": float64(0), "photos_received": float64(0),
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("%s = %v, want %v", k, l[k], v)
			}
		}
		if l["details"].(map[string]any)["plate"] != "甘M12345" {
			t.Errorf("plate not normalised: %v", l["details"])
		}
		if _, ok := l["possible_duplicates"]; ok {
			t.Error("the reporter sees officer-only fields")
		}
		if rec.Header().Get("Location") != "/v1/leads/"+l["id"].(string) {
			t.Errorf("Location %q", rec.Header().Get("Location"))
		}
		second := decodeBody(t, w.do(postLead(tok, map[string]any{"kind": "deposit", "description": "", "details": map[string]any{"bank": "正宁农商银行"}}, "")))
		if second["ref"] != fmt.Sprintf("ZN-%d-000002", year) || second["priority"] != "normal" {
			t.Errorf("second lead %v", second)
		}
		got := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+l["id"].(string), tok, nil)))
		if got["ref"] != l["ref"] || got["received_at"] != l["received_at"] {
			t.Errorf("read back %v", got)
		}
		events := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+l["id"].(string)+"/events", tok, nil)))["events"].([]any)
		if len(events) != 1 || events[0].(map[string]any)["type"] != "submitted" {
			t.Errorf("events %v", events)
		}
	})
}

// TestSubmitExactlyOnce: the same submission fired from 20 goroutines at
// once makes one lead and twenty consistent answers, by idempotency key and
// by client-chosen id.
func TestSubmitExactlyOnce(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		fire := func(body map[string]any, key string) []map[string]any {
			var mu sync.Mutex
			var out []map[string]any
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := w.do(postLead(tok, body, key))
					m := decodeBody(t, rec)
					m["_status"] = rec.Code
					m["_replayed"] = rec.Header().Get("Idempotent-Replayed")
					mu.Lock()
					out = append(out, m)
					mu.Unlock()
				}()
			}
			wg.Wait()
			return out
		}
		answers := fire(vehicleLead(), "phone-7f3a-attempt")
		created, replayed := 0, 0
		for _, a := range answers {
			if a["_status"] != http.StatusCreated || a["id"] != answers[0]["id"] || a["ref"] != answers[0]["ref"] {
				t.Fatalf("inconsistent answer %v (first %v)", a, answers[0]["id"])
			}
			if a["_replayed"] == "true" {
				replayed++
			} else {
				created++
			}
		}
		if created != 1 || replayed != 19 {
			t.Errorf("%d created, %d replayed; want 1 and 19", created, replayed)
		}
		body := vehicleLead()
		body["id"] = "0193a3c4-1111-7bbb-8ccc-123456789abc"
		answers = fire(body, "")
		statuses := map[any]int{}
		for _, a := range answers {
			statuses[a["_status"]]++
			if a["id"] != body["id"] {
				t.Fatalf("answer for another lead: %v", a)
			}
		}
		if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 19 {
			t.Errorf("client id answers %v; want one 201 and nineteen 200", statuses)
		}
		leads := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads", tok, nil)))["leads"].([]any)
		if len(leads) != 2 {
			t.Fatalf("%d leads stored, want 2", len(leads))
		}
		// Same key, other body: 422; same client id, other content: 409.
		other := vehicleLead()
		other["description"] = "另一条线索"
		p := wantProblem(t, w.do(postLead(tok, other, "phone-7f3a-attempt")), 422, "validation_failed")
		if p["errors"].([]any)[0].(map[string]any)["code"] != "reused" {
			t.Errorf("reused key: %v", p)
		}
		other["id"] = body["id"]
		wantProblem(t, w.do(postLead(tok, other, "")), 409, "conflict")
		// Another assistant replaying the first one's key gets their own lead.
		if rec := w.do(postLead(w.token("assistant2"), vehicleLead(), "phone-7f3a-attempt")); rec.Code != 201 || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("keys are per user: %d %v", rec.Code, rec.Header())
		}
	})
}

func TestSubmitBadInput(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		with := func(k string, v any) map[string]any {
			m := vehicleLead()
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		tests := []struct {
			name   string
			body   any
			status int
			field  string
			code   string
		}{
			{"unknown kind", with("kind", "treasure"), 422, "kind", "invalid"},
			{"description over the limit", with("description", strings.Repeat("长", 2001)), 422, "description", "too_long"},
			{"no description", with("description", nil), 422, "description", "required"},
			{"latitude out of range", with("location", map[string]any{"lat": 95.0, "lng": 108.3}), 422, "location.lat", "out_of_range"},
			{"longitude NaN", with("location", map[string]any{"lat": 35.0, "lng": "NaN"}), 422, "location.lng", "invalid"},
			{"unknown crs", with("location", map[string]any{"lat": 35.0, "lng": 108.0, "crs": "bd09"}), 422, "location.crs", "invalid"},
			{"captured in the future", with("captured_at", "2999-01-01T00:00:00Z"), 422, "captured_at", "in_future"},
			{"captured_at unparsable", with("captured_at", "yesterday"), 422, "captured_at", "invalid"},
			{"village of another grid", with("village_id", w.villageB.ID), 422, "village_id", "not_allowed"},
			{"vehicle without plate", with("details", map[string]any{"colour": "白"}), 422, "details.plate", "required"},
			{"bad plate", with("details", map[string]any{"plate": "12345"}), 422, "details.plate", "invalid_plate"},
			{"unknown detail", with("details", map[string]any{"plate": "甘M12345", "wheels": 4}), 422, "details.wheels", "unknown_field"},
			{"old case number", with("case_number", "(2015)正执字第00123号"), 422, "case_number", "old_format"},
			{"leading zero case number", with("case_number", "（2022）甘1025执0123号"), 422, "case_number", "leading_zero"},
			{"ten photos expected", with("photos_expected", 10), 422, "photos_expected", "out_of_range"},
			{"client id not a uuid", with("id", "my-lead-1"), 422, "id", "invalid"},
			{"unknown debtor", with("debtor_id", "nobody"), 422, "debtor_id", "invalid"},
			{"not JSON", "kind=vehicle", 400, "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code := map[int]string{422: "validation_failed", 400: "invalid_request"}[tc.status]
				p := wantProblem(t, w.do(postLead(tok, tc.body, "")), tc.status, code)
				if tc.field == "" {
					return
				}
				found := false
				for _, e := range p["errors"].([]any) {
					e := e.(map[string]any)
					found = found || e["field"] == tc.field && e["code"] == tc.code
				}
				if !found {
					t.Errorf("errors %v lack %s:%s", p["errors"], tc.field, tc.code)
				}
			})
		}
		if n := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/leads", w.token("admin"), nil)))["leads"].([]any)); n != 0 {
			t.Errorf("bad submissions stored %d leads", n)
		}
		// An officer may report for a village of any grid.
		body := with("village_id", w.villageB.ID)
		if rec := w.do(postLead(w.token("officer"), body, "")); rec.Code != 201 || decodeBody(t, rec)["team_id"] != w.teamB.ID {
			t.Errorf("officer reporting for grid B: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(postLead(w.token("auditor"), vehicleLead(), "")), 403, "forbidden")
	})
}

// TestRoutingAndFlags: the county queue catches grids no team serves; a
// far-away location and possible duplicates are flagged for officers only.
func TestRoutingAndFlags(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		ctx := context.Background()
		org := b.DB.Org()
		gridC, _ := org.CreateGrid(ctx, domain.Grid{Code: "621025107", Name: "西坡镇"})
		villageC, _ := org.CreateVillage(ctx, domain.Village{GridID: gridC.ID, Name: "西坡村"})
		admin := w.token("admin")

		lead := func(tok string, body map[string]any) map[string]any {
			t.Helper()
			rec := w.do(postLead(tok, body, ""))
			if rec.Code != 201 {
				t.Fatalf("submit: %d %s", rec.Code, rec.Body)
			}
			return decodeBody(t, rec)
		}
		body := vehicleLead()
		body["village_id"] = villageC.ID
		body["details"] = map[string]any{"plate": "甘M00001"}
		if l := lead(w.token("officer"), body); l["team_id"] != nil || l["grid_id"] != gridC.ID {
			t.Errorf("no team and no county queue: %v", l["team_id"])
		}
		rec := w.do(request(http.MethodPost, "/v1/teams", admin, map[string]any{"name": "县局", "grid_ids": []string{}, "county_queue": true}))
		county := decodeBody(t, rec)["id"]
		w.clock.add(6 * time.Second) // the routing table is reread every few seconds
		body["details"] = map[string]any{"plate": "甘M00002"}
		if l := lead(w.token("officer"), body); l["team_id"] != county {
			t.Errorf("county queue: %v, want %v", l["team_id"], county)
		}

		// Far away, and twice the same plate.
		far := vehicleLead()
		far["location"] = map[string]any{"lat": 39.9, "lng": 116.4, "crs": "gcj02"}
		first := lead(w.token("assistant"), vehicleLead())
		second := lead(w.token("assistant2"), far)
		if _, ok := second["location_flag"]; ok {
			t.Error("the assistant sees the location flag")
		}
		got := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+second["id"].(string), w.token("officer"), nil)))
		if got["location_flag"] != "outside_county" {
			t.Errorf("location flag %v", got["location_flag"])
		}
		dups := got["possible_duplicates"].([]any)
		if len(dups) != 1 || dups[0].(map[string]any)["lead_id"] != first["id"] || dups[0].(map[string]any)["reason"] != "same_plate" {
			t.Errorf("duplicates %v", dups)
		}
		// Green channel: a lead on a livelihood case is urgent whatever its
		// kind, when the case is one the submitter sees (its debtor lives in
		// their grid); a livelihood case of another grid counts as unknown.
		for _, c := range []struct {
			number, village, priority string
		}{
			{"（2025）甘1025执88号", w.villageA.ID, "urgent"},
			{"（2025）甘1025执77号", w.villageB.ID, "normal"},
		} {
			d, err := b.DB.Cases().CreateDebtor(ctx, domain.Debtor{Kind: domain.DebtorPerson, Name: "被执行人" + c.number, VillageID: c.village})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.Cases().CreateCase(ctx, domain.Case{Number: c.number, Category: "livelihood", DebtorIDs: []string{d.ID}}); err != nil {
				t.Fatal(err)
			}
			if l := lead(w.token("assistant"), map[string]any{"kind": "deposit", "description": "", "case_number": c.number,
				"details": map[string]any{"bank": "邮储"}}); l["priority"] != c.priority || l["case_number"] != c.number {
				t.Errorf("lead on case %s: %v %v, want %s", c.number, l["priority"], l["case_number"], c.priority)
			}
		}
	})
}

// TestLeadVisibility: a lead is visible to its reporter and the officers
// of its grid, and 404 to everyone else.
func TestLeadVisibility(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		l := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))
		path := "/v1/leads/" + l["id"].(string)
		for _, who := range []string{"assistant", "officer", "gridlead", "admin", "auditor"} {
			if rec := w.do(request(http.MethodGet, path, w.token(who), nil)); rec.Code != 200 {
				t.Errorf("%s: %d", who, rec.Code)
			}
		}
		for _, who := range []string{"assistant2", "assistantB", "officerB"} {
			for _, p := range []string{path, path + "/events", path + "/photos"} {
				wantProblem(t, w.do(request(http.MethodGet, p, w.token(who), nil)), 404, "not_found")
			}
			wantProblem(t, w.do(request(http.MethodPost, path+"/withdraw", w.token(who), map[string]any{})), 404, "not_found")
		}
		wantProblem(t, w.do(request(http.MethodPost, path+"/withdraw", w.token("officer"), map[string]any{})), 403, "forbidden")
		for who, n := range map[string]int{"assistant": 1, "assistant2": 0, "officer": 1, "officerB": 0, "admin": 1} {
			if got := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/leads", w.token(who), nil)))["leads"].([]any)); got != n {
				t.Errorf("%s lists %d leads, want %d", who, got, n)
			}
		}
	})
}

// TestWithdrawAndAnswer: the reporter takes a lead back before acceptance,
// and answers a request for more information.
func TestWithdrawAndAnswer(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")
		l := decodeBody(t, w.do(postLead(tok, vehicleLead(), "")))
		id := l["id"].(string)
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+id+"/answer", tok, map[string]any{"text": "补充"})), 409, "conflict")

		// An officer asks for more (the triage workflow does this; here the store).
		ctx := context.Background()
		cur, _ := b.DB.Leads().GetLead(ctx, id)
		cur.Status = domain.LeadNeedsInfo
		if _, err := b.DB.Leads().UpdateLead(ctx, cur, 0); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+id+"/answer", tok, map[string]any{"text": ""})), 422, "validation_failed")
		rec := w.do(request(http.MethodPost, "/v1/leads/"+id+"/answer", tok, map[string]any{"text": "车牌是甘M12345，停在村委会旁", "photos_expected": 2}))
		got := decodeBody(t, rec)
		if rec.Code != 200 || got["status"] != "submitted" || got["photos_expected"] != float64(2) {
			t.Fatalf("answer: %d %s", rec.Code, rec.Body)
		}
		req := request(http.MethodPost, "/v1/leads/"+id+"/withdraw", tok, map[string]any{"reason": "看错了"})
		req.Header.Set("If-Match", `"1"`)
		wantProblem(t, w.do(req), 412, "precondition_failed")
		rec = w.do(request(http.MethodPost, "/v1/leads/"+id+"/withdraw", tok, map[string]any{"reason": "看错了"}))
		if rec.Code != 200 || decodeBody(t, rec)["status"] != "withdrawn" {
			t.Fatalf("withdraw: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+id+"/withdraw", tok, map[string]any{})), 409, "conflict")
		var types []string
		for _, e := range decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+id+"/events", tok, nil)))["events"].([]any) {
			types = append(types, e.(map[string]any)["type"].(string))
		}
		if strings.Join(types, ",") != "submitted,answered,withdrawn" {
			t.Errorf("timeline %v", types)
		}
	})
}

func TestWantedList(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		ctx := context.Background()
		cs := b.DB.Cases()
		d, err := cs.CreateDebtor(ctx, domain.Debtor{Kind: "person", Name: "张某", IDMasked: domain.MaskID("62102519800101001X"), VillageID: w.villageA.ID})
		if err != nil {
			t.Fatal(err)
		}
		closedOnly, _ := cs.CreateDebtor(ctx, domain.Debtor{Kind: "company", Name: "某公司", VillageID: w.villageA.ID})
		if _, err := cs.CreateCase(ctx, domain.Case{Number: "（2024）甘1025执1号", AmountDueFen: 1250000, DebtorIDs: []string{d.ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CreateCase(ctx, domain.Case{Number: "（2024）甘1025执2号", Status: "closed", DebtorIDs: []string{closedOnly.ID}}); err != nil {
			t.Fatal(err)
		}
		rec := w.do(request(http.MethodGet, "/v1/wanted", w.token("assistant"), nil))
		list := decodeBody(t, rec)["debtors"].([]any)
		if len(list) != 1 {
			t.Fatalf("wanted %s", rec.Body)
		}
		got := list[0].(map[string]any)
		if got["name"] != "张某" || got["masked_id"] != "621025********001X" || got["village_name"] != "冢巷村" || len(got["helpful_kinds"].([]any)) == 0 {
			t.Errorf("wanted debtor %v", got)
		}
		if strings.Contains(rec.Body.String(), "1250000") || strings.Contains(rec.Body.String(), "19800101") {
			t.Error("the wanted list shows an amount or a full ID")
		}
		if n := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/wanted", w.token("assistantB"), nil)))["debtors"].([]any)); n != 0 {
			t.Errorf("assistant of grid B sees %d wanted debtors of grid A", n)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/wanted", w.token("officer"), nil)), 403, "forbidden")
		// The wanted list gives the id a lead names its debtor with.
		body := vehicleLead()
		body["debtor_id"] = d.ID
		l := decodeBody(t, w.do(postLead(w.token("assistant"), body, "")))
		if l["debtor_id"] != d.ID || l["debtor_name"] != "张某" {
			t.Errorf("lead on a wanted debtor %v", l)
		}
	})
}

// TestRefsUnderConcurrency: twenty different leads at once get twenty
// distinct, gap-free references.
func TestRefsUnderConcurrency(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tokens := []string{w.token("assistant"), w.token("assistant2"), w.token("assistantB"), w.token("officer")}
		var mu sync.Mutex
		refs := map[string]bool{}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := map[string]any{"kind": "whereabouts", "description": fmt.Sprint("第", i, "条"), "details": map[string]any{"where": "集市"}}
				if i%4 == 3 {
					body["village_id"] = w.villageA.ID // the officer names a village
				}
				rec := w.do(postLead(tokens[i%4], body, ""))
				if rec.Code != 201 {
					t.Errorf("lead %d: %d %s", i, rec.Code, rec.Body)
					return
				}
				mu.Lock()
				refs[decodeBody(t, rec)["ref"].(string)] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
		year := w.clock.now().In(time.FixedZone("CST", 8*3600)).Year()
		for i := 1; i <= 20; i++ {
			if ref := fmt.Sprintf("ZN-%d-%06d", year, i); !refs[ref] {
				t.Errorf("%s missing; got %v", ref, refs)
			}
		}
	})
}

// TestSubmitDebtorInScope: a lead names its debtor through the caller's
// scope. A debtor of another grid answers exactly as a missing one
// (debtor_id invalid), so a submission is no oracle of who is a debtor
// where; one of the caller's own grid is linked.
func TestSubmitDebtorInScope(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		own := w.createDebtor(w.token("officer"), map[string]any{"kind": "person", "name": "赵建国",
			"id_number": residentID("62102519800101001"), "village_id": w.villageA.ID})["id"].(string)
		other := w.createDebtor(w.token("officerB"), map[string]any{"kind": "person", "name": "钱有田",
			"id_number": residentID("62102519750505002"), "village_id": w.villageB.ID})["id"].(string)
		tests := []struct {
			name, token, debtor string
			status              int
		}{
			{"assistant, debtor of their grid", "assistant", own, http.StatusCreated},
			{"assistant, debtor of another grid", "assistant", other, http.StatusUnprocessableEntity},
			{"assistant, no such debtor", "assistant", "0193a3c4-9999-7bbb-8ccc-123456789abc", http.StatusUnprocessableEntity},
			{"assistant of another village of the grid", "assistant2", own, http.StatusCreated},
			{"assistant of grid B, debtor of grid A", "assistantB", own, http.StatusUnprocessableEntity},
			{"officer of grid B, own debtor", "officerB", other, http.StatusCreated},
		}
		var problems []string
		for _, tc := range tests {
			body := map[string]any{"kind": "other", "description": tc.name, "debtor_id": tc.debtor}
			if tc.token == "officerB" {
				body["village_id"] = w.villageB.ID // an officer names the village
			}
			rec := w.do(postLead(w.token(tc.token), body, ""))
			if rec.Code != tc.status {
				t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body)
				continue
			}
			if tc.status == http.StatusCreated {
				if got := decodeBody(t, rec)["debtor_id"]; got != tc.debtor {
					t.Errorf("%s: debtor_id %v, want %s", tc.name, got, tc.debtor)
				}
				continue
			}
			p := wantProblem(t, rec, 422, "validation_failed")
			problems = append(problems, fmt.Sprint(p["errors"]))
		}
		// Out of scope and missing give the same problem, field for field.
		for _, p := range problems {
			if p != problems[0] || !strings.Contains(p, "debtor_id") || !strings.Contains(p, "invalid") {
				t.Errorf("problems differ or name the wrong field: %q vs %q", p, problems[0])
			}
		}
	})
}

// TestDuplicatesInScope: possible duplicates name only leads the reader
// may see. The same plate reported in grid A and in grid B is a possible
// duplicate within each grid, and nothing across them: neither the lead
// page nor the queue names or counts the other grid's lead.
func TestDuplicatesInScope(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		submit := func(who string) string {
			t.Helper()
			body := vehicleLead()
			body["details"] = map[string]any{"plate": "甘M55555"}
			rec := w.do(postLead(w.token(who), body, ""))
			if rec.Code != http.StatusCreated {
				t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
			}
			return decodeBody(t, rec)["id"].(string)
		}
		a1 := submit("assistant")
		b1 := submit("assistantB")
		a2 := submit("assistant2")
		dupIDs := func(l map[string]any) []string {
			var out []string
			list, _ := l["possible_duplicates"].([]any)
			for _, d := range list {
				out = append(out, d.(map[string]any)["lead_id"].(string))
			}
			return out
		}
		tests := []struct {
			name, reader, lead string
			want               []string
		}{
			{"grid A's second lead, read in grid A", "officer", a2, []string{a1}},
			{"grid A's first lead (duplicates are noted on the later one)", "officer", a1, nil},
			{"grid B's lead, read in grid B", "officerB", b1, nil},
		}
		for _, tc := range tests {
			got := dupIDs(decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+tc.lead, w.token(tc.reader), nil))))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: duplicates %v, want %v", tc.name, got, tc.want)
			}
		}
		queue := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads", w.token("officerB"), nil)))["leads"].([]any)
		for _, l := range queue {
			if got := dupIDs(l.(map[string]any)); len(got) != 0 {
				t.Errorf("grid B's queue names duplicates %v of grid A", got)
			}
		}
		if len(queue) != 1 {
			t.Errorf("grid B's queue has %d leads, want 1", len(queue))
		}
	})
}
