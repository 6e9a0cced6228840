package api_test

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

func move(token, lead string, body any) *http.Request {
	return request(http.MethodPost, "/v1/leads/"+lead+"/transitions", token, body)
}

// TestLifecycleThroughToMoneyRecovered walks one lead from submission to
// closed and back, and checks what the reporter sees on the way.
func TestLifecycleThroughToMoneyRecovered(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		rep, off, lead := w.token("assistant"), w.token("officer"), w.token("gridlead")
		l := decodeBody(t, w.do(postLead(rep, vehicleLead(), "")))
		id := l["id"].(string)
		step := func(tok string, body map[string]any) map[string]any {
			t.Helper()
			rec := w.do(move(tok, id, body))
			if rec.Code != 200 {
				t.Fatalf("%v: %d %s", body["to"], rec.Code, rec.Body)
			}
			return decodeBody(t, rec)
		}
		step(off, map[string]any{"to": "needs_info", "note": "请补拍车牌照片"})
		if rec := w.do(request(http.MethodPost, "/v1/leads/"+id+"/answer", rep, map[string]any{"text": "已补拍", "photos_expected": 1})); rec.Code != 200 {
			t.Fatalf("answer: %d %s", rec.Code, rec.Body)
		}
		got := step(off, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID, "note": "内部：先查车管所", "public_note": false})
		due, _ := time.Parse(time.RFC3339Nano, got["due_at"].(string))
		if got["assignee_id"] != w.users["officer"].ID || due.Sub(w.clock.now()) != 72*time.Hour || got["overdue"] != false {
			t.Errorf("accepted: assignee %v, due %v (urgent leads get 3 days)", got["assignee_id"], got["due_at"])
		}
		wantProblem(t, w.do(move(w.token("officerB"), id, map[string]any{"to": "verified"})), 404, "not_found")
		step(off, map[string]any{"to": "verified", "note": "车辆属实", "public_note": true})
		step(off, map[string]any{"to": "measures_taken", "measure": "seize", "measure_date": w.clock.now().Format("2006-01-02")})
		got = step(off, map[string]any{"to": "closed", "outcome": "拍卖后划拨执行款", "amount_recovered_fen": 4560000})
		if got["amount_recovered_fen"] != float64(4560000) || got["status"] != "closed" {
			t.Errorf("closed: %v", got)
		}
		wantProblem(t, w.do(move(off, id, map[string]any{"to": "accepted", "note": "重新核查"})), 403, "forbidden") // reopen: grid lead only
		got = step(lead, map[string]any{"to": "accepted", "note": "重新核查"})
		if got["status"] != "accepted" || got["assignee_id"] != w.users["officer"].ID {
			t.Errorf("reopened: %v", got)
		}

		// The reporter's timeline: public steps, the question, public notes only.
		var mine []string
		for _, e := range decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+id+"/events", rep, nil)))["events"].([]any) {
			e := e.(map[string]any)
			note, _ := e["note"].(string)
			mine = append(mine, e["type"].(string)+":"+note)
		}
		want := "submitted: needs_info:请补拍车牌照片 answered:已补拍 status_changed: status_changed:车辆属实 status_changed: status_changed: status_changed:"
		if strings.Join(mine, " ") != want {
			t.Errorf("reporter's timeline\n%s\nwant\n%s", strings.Join(mine, " "), want)
		}
		all := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+id+"/events", off, nil)))["events"].([]any)
		if len(all) <= len(mine) {
			t.Errorf("officers see %d events, the reporter %d: internal notes missing", len(all), len(mine))
		}
		if strings.Contains(w.do(request(http.MethodGet, "/v1/leads/"+id+"/events", rep, nil)).Body.String(), "内部") {
			t.Error("the reporter sees an internal note")
		}
		if _, ok := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+id, rep, nil)))["assignee_id"]; ok {
			t.Error("the reporter sees triage fields")
		}
	})
}

// TestEveryIllegalTransition tries every target from every status: legal
// steps are tested above; every other one is a 409 naming what is allowed.
func TestEveryIllegalTransition(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		ctx := context.Background()
		statuses := []domain.LeadStatus{domain.LeadSubmitted, domain.LeadNeedsInfo, domain.LeadAccepted, domain.LeadVerified, domain.LeadMeasuresTaken,
			domain.LeadClosed, domain.LeadRejected, domain.LeadDuplicate, domain.LeadUnsubstantiated, domain.LeadWithdrawn}
		tok := w.token("gridlead")
		for _, from := range statuses {
			id := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
			l, err := b.DB.Leads().GetLead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			l.Status, l.AssigneeID = from, w.users["gridlead"].ID
			if _, err := b.DB.Leads().UpdateLead(ctx, l, 0); err != nil {
				t.Fatal(err)
			}
			allowed := domain.TriageMoves(from, domain.RoleGridLead, true)
			var wantAllowed []string
			for _, s := range allowed {
				wantAllowed = append(wantAllowed, string(s))
			}
			for _, to := range statuses {
				if slices.Contains(allowed, to) {
					continue
				}
				t.Run(string(from)+"→"+string(to), func(t *testing.T) {
					body := map[string]any{"to": string(to), "note": "n", "assignee_id": w.users["gridlead"].ID, "reason_code": "other",
						"measure": "seal", "measure_date": "2026-01-01", "outcome": "o", "amount_recovered_fen": 0}
					p := wantProblem(t, w.do(move(tok, id, body)), 409, "conflict")
					var got []string
					for _, s := range p["allowed_next"].([]any) {
						got = append(got, s.(string))
					}
					sort.Strings(got)
					want := slices.Clone(wantAllowed)
					sort.Strings(want)
					if !slices.Equal(got, want) {
						t.Errorf("allowed_next %v, want %v", got, want)
					}
				})
			}
		}
	})
}

func TestTransitionBadInput(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		first := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		w.clock.add(time.Minute)
		id := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		w.clock.add(time.Minute)
		later := decodeBody(t, w.do(postLead(w.token("assistant2"), vehicleLead(), "")))["id"].(string)
		otherGrid := decodeBody(t, w.do(postLead(w.token("assistantB"), map[string]any{"kind": "other", "description": ""}, "")))["id"].(string)
		tests := []struct {
			name  string
			body  string
			field string
			code  string
		}{
			{"accept without assignee", `{"to":"accepted"}`, "assignee_id", "required"},
			// Another team's officer is as unknown to this officer as a missing id.
			{"assignee of another team", `{"to":"accepted","assignee_id":"` + w.users["officerB"].ID + `"}`, "assignee_id", "invalid"},
			{"no such assignee", `{"to":"accepted","assignee_id":"0193a3c4-7777-7bbb-8ccc-123456789abc"}`, "assignee_id", "invalid"},
			{"assignee not an officer", `{"to":"accepted","assignee_id":"` + w.users["assistant"].ID + `"}`, "assignee_id", "invalid"},
			{"reject without reason", `{"to":"rejected","note":"x"}`, "reason_code", "required"},
			{"reject without note", `{"to":"rejected","reason_code":"insufficient"}`, "note", "required"},
			{"unknown reason", `{"to":"rejected","reason_code":"dislike","note":"x"}`, "reason_code", "invalid"},
			{"needs_info without question", `{"to":"needs_info"}`, "note", "required"},
			{"duplicate of itself", `{"to":"duplicate","duplicate_of":"` + id + `"}`, "duplicate_of", "self"},
			{"duplicate of a later lead", `{"to":"duplicate","duplicate_of":"` + later + `"}`, "duplicate_of", "later"},
			{"duplicate of a lead the caller cannot see", `{"to":"duplicate","duplicate_of":"` + otherGrid + `"}`, "duplicate_of", "not_visible"},
			{"duplicate of nothing", `{"to":"duplicate"}`, "duplicate_of", "required"},
			{"unknown status", `{"to":"archived"}`, "to", "invalid"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := wantProblem(t, w.do(move(off, id, tc.body)), 422, "validation_failed")
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
		// The county scope sees every user: an admin is told why officerB may not hold it.
		p := wantProblem(t, w.do(move(w.token("admin"), id, map[string]any{"to": "accepted", "assignee_id": w.users["officerB"].ID})), 422, "validation_failed")
		if e := p["errors"].([]any)[0].(map[string]any); e["field"] != "assignee_id" || e["code"] != "other_team" {
			t.Errorf("admin, assignee of another team: %v", p["errors"])
		}
		if rec := w.do(move(off, id, map[string]any{"to": "duplicate", "duplicate_of": first})); rec.Code != 200 {
			t.Errorf("duplicate of the earlier lead: %d %s", rec.Code, rec.Body)
		}

		// Through to measures and close, with bad amounts and dates.
		w.do(move(off, later, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID}))
		w.do(move(off, later, map[string]any{"to": "verified"}))
		for _, tc := range []struct{ body, field, code string }{
			{`{"to":"measures_taken","measure_date":"2026-01-01"}`, "measure", "required"},
			{`{"to":"measures_taken","measure":"seal","measure_date":"2999-01-01"}`, "measure_date", "in_future"},
			{`{"to":"measures_taken","measure":"seal","measure_date":"01/02/2026"}`, "measure_date", "invalid"},
			{`{"to":"closed","outcome":"x","amount_recovered_fen":-5}`, "amount_recovered_fen", "out_of_range"},
			{`{"to":"closed","outcome":"x","amount_recovered_fen":12.5}`, "amount_recovered_fen", "invalid"},
			{`{"to":"closed","amount_recovered_fen":100}`, "outcome", "required"},
			{`{"to":"closed","outcome":"x"}`, "amount_recovered_fen", "required"},
		} {
			p := wantProblem(t, w.do(move(off, later, tc.body)), 422, "validation_failed")
			if e := p["errors"].([]any)[0].(map[string]any); e["field"] != tc.field || e["code"] != tc.code {
				t.Errorf("%s: errors %v, want %s:%s", tc.body, p["errors"], tc.field, tc.code)
			}
		}

		// Stale If-Match; roles.
		req := move(off, later, map[string]any{"to": "closed", "outcome": "x", "amount_recovered_fen": 0})
		req.Header.Set("If-Match", `"1"`)
		wantProblem(t, w.do(req), 412, "precondition_failed")
		wantProblem(t, w.do(move(w.token("gridlead"), later, map[string]any{"to": "unsubstantiated"})), 409, "conflict")
		wantProblem(t, w.do(move(w.token("assistant"), later, map[string]any{"to": "closed"})), 403, "forbidden")
		wantProblem(t, w.do(move(w.token("auditor"), later, map[string]any{"to": "closed"})), 403, "forbidden")
		wantProblem(t, w.do(move(w.token("officerB"), later, map[string]any{"to": "closed"})), 404, "not_found")
		if got := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+later, off, nil)))["status"]; got != "verified" {
			t.Errorf("refused steps changed the lead: %v", got)
		}
	})
}

func TestComments(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		id := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		path := "/v1/leads/" + id + "/comments"
		if rec := w.do(request(http.MethodPost, path, w.token("officer"), map[string]any{"text": "内部备注：与派出所联系"})); rec.Code != 201 {
			t.Fatalf("comment: %d %s", rec.Code, rec.Body)
		}
		if rec := w.do(request(http.MethodPost, path, w.token("officer"), map[string]any{"text": "感谢提供线索，我们正在核实", "public": true})); rec.Code != 201 {
			t.Fatalf("public comment: %d %s", rec.Code, rec.Body)
		}
		body := w.do(request(http.MethodGet, "/v1/leads/"+id+"/events", w.token("assistant"), nil)).Body.String()
		if strings.Contains(body, "内部备注") || !strings.Contains(body, "正在核实") {
			t.Errorf("reporter's timeline: %s", body)
		}
		wantProblem(t, w.do(request(http.MethodPost, path, w.token("officer"), map[string]any{"text": ""})), 422, "validation_failed")
		wantProblem(t, w.do(request(http.MethodPost, path, w.token("officerB"), map[string]any{"text": "x"})), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodPost, path, w.token("assistant"), map[string]any{"text": "x"})), 403, "forbidden")
	})
}

// TestLeadChangesAreAudited: lifecycle steps, assignment and comments land
// in the audit log, which auditors read.
func TestLeadChangesAreAudited(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off := w.token("officer")
		id := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		w.do(move(off, id, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID}))
		w.do(request(http.MethodPost, "/v1/leads/"+id+"/assign", w.token("gridlead"), map[string]any{"assignee_id": w.users["gridlead"].ID}))
		w.do(request(http.MethodPost, "/v1/leads/"+id+"/comments", off, map[string]any{"text": "内部"}))
		rec := w.do(request(http.MethodGet, "/v1/audit?subject_id="+id, w.token("auditor"), nil))
		if rec.Code != 200 {
			t.Fatalf("audit: %d %s", rec.Code, rec.Body)
		}
		var actions []string
		for _, e := range decodeBody(t, rec)["entries"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		if strings.Join(actions, ",") != "lead.comment,lead.assign,lead.transition" {
			t.Errorf("audit entries (newest first) %v", actions)
		}
		if strings.Contains(rec.Body.String(), "内部") {
			t.Error("the audit log carries a note's text")
		}
	})
}

// TestLinkLead: tying a lead to a livelihood case puts it in the green
// channel; unknown cases and debtors of other grids are refused.
func TestLinkLead(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		ctx := context.Background()
		off := w.token("officer")
		id := decodeBody(t, w.do(postLead(w.token("assistant"), map[string]any{"kind": "deposit", "description": "", "details": map[string]any{"bank": "邮储"}}, "")))["id"].(string)
		dA, err := b.DB.Cases().CreateDebtor(ctx, domain.Debtor{Kind: domain.DebtorPerson, Name: "张某", VillageID: w.villageA.ID})
		if err != nil {
			t.Fatal(err)
		}
		dB, err := b.DB.Cases().CreateDebtor(ctx, domain.Debtor{Kind: domain.DebtorPerson, Name: "李某", VillageID: w.villageB.ID})
		if err != nil {
			t.Fatal(err)
		}
		// A case of grid A (its debtor lives there), and one of grid B,
		// which the officer of grid A must not be able to find by number.
		for _, c := range []domain.Case{
			{Number: "（2025）甘1025执88号", Category: domain.CaseLivelihood, DebtorIDs: []string{dA.ID}},
			{Number: "（2025）甘1025执77号", Category: domain.CaseLivelihood, DebtorIDs: []string{dB.ID}},
		} {
			if _, err := b.DB.Cases().CreateCase(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		link := func(body map[string]any) *http.Request {
			return request(http.MethodPost, "/v1/leads/"+id+"/link", off, body)
		}
		rec := w.do(link(map[string]any{"case_number": "(2025)甘1025执88号", "debtor_id": dA.ID}))
		got := decodeBody(t, rec)
		if rec.Code != 200 || got["priority"] != "urgent" || got["case_number"] != "（2025）甘1025执88号" || got["debtor_name"] != "张某" {
			t.Fatalf("link: %d %s", rec.Code, rec.Body)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"case_number": "（2025）甘1025执99号"}, "case_number"},
			{map[string]any{"case_number": "（2025）甘1025执77号"}, "case_number"}, // grid B's: as unknown as 99
			{map[string]any{"case_number": "(2015)正执字第00123号"}, "case_number"},
			{map[string]any{"debtor_id": dB.ID}, "debtor_id"},
			{map[string]any{}, "case_number"},
		} {
			p := wantProblem(t, w.do(link(tc.body)), 422, "validation_failed")
			if p["errors"].([]any)[0].(map[string]any)["field"] != tc.field {
				t.Errorf("%v: %v", tc.body, p["errors"])
			}
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+id+"/link", w.token("officerB"), map[string]any{"debtor_id": dB.ID})), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+id+"/link", w.token("assistant"), map[string]any{"debtor_id": dA.ID})), 403, "forbidden")
	})
}
