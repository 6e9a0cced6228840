package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// TestQueue: officers get their grids' leads most urgent first, then
// oldest, with filters and counts per status.
func TestQueue(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		rep := w.token("assistant")
		submit := func(body map[string]any) string {
			t.Helper()
			w.clock.add(time.Minute)
			rec := w.do(postLead(rep, body, ""))
			if rec.Code != 201 {
				t.Fatalf("submit: %d %s", rec.Code, rec.Body)
			}
			return decodeBody(t, rec)["id"].(string)
		}
		normal1 := submit(map[string]any{"kind": "deposit", "description": "工资卡", "details": map[string]any{"bank": "农商行"}})
		urgent := submit(vehicleLead())
		normal2 := submit(map[string]any{"kind": "real_estate", "description": "", "details": map[string]any{"address": "中街"}})
		submit(map[string]any{"kind": "other", "description": "", "details": map[string]any{}})
		other := decodeBody(t, w.do(postLead(w.token("assistantB"), vehicleLead(), "")))["id"].(string)

		ids := func(path, tok string) []string {
			t.Helper()
			rec := w.do(request(http.MethodGet, path, tok, nil))
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			var out []string
			for _, l := range decodeBody(t, rec)["leads"].([]any) {
				out = append(out, l.(map[string]any)["id"].(string))
			}
			return out
		}
		off := w.token("officer")
		q := ids("/v1/leads", off)
		if len(q) != 4 || q[0] != urgent || q[1] != normal1 || q[2] != normal2 {
			t.Errorf("queue order %v; want urgent, then oldest first", q)
		}
		for _, id := range q {
			if id == other {
				t.Error("another grid's lead in the queue")
			}
		}
		// Paging keeps the order.
		rec := w.do(request(http.MethodGet, "/v1/leads?limit=3", off, nil))
		page := decodeBody(t, rec)
		rest := ids("/v1/leads?limit=3&cursor="+page["next_cursor"].(string), off)
		if len(page["leads"].([]any)) != 3 || len(rest) != 1 || rest[0] != q[3] {
			t.Errorf("second page %v", rest)
		}
		if page["counts"].(map[string]any)["submitted"] != float64(4) {
			t.Errorf("counts %v", page["counts"])
		}

		w.do(move(off, urgent, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID}))
		w.do(move(off, normal1, map[string]any{"to": "accepted", "assignee_id": w.users["gridlead"].ID}))
		ctx := context.Background()
		l, _ := b.DB.Leads().GetLead(ctx, normal1)
		l.DueAt = w.clock.now().Add(-time.Hour)
		if _, err := b.DB.Leads().UpdateLead(ctx, l, 0); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			query string
			want  []string
		}{
			{"?status=accepted", []string{urgent, normal1}},
			{"?status=submitted&status=accepted&kind=vehicle", []string{urgent}},
			{"?assignee=mine", []string{urgent}},
			{"?assignee=unassigned&kind=real_estate", []string{normal2}},
			{"?assignee=" + w.users["gridlead"].ID, []string{normal1}},
			{"?overdue=true", []string{normal1}},
			{"?q=工资", []string{normal1}},
			{"?village_id=" + w.villageA.ID + "&kind=deposit", []string{normal1}},
			{"?grid_id=" + w.gridA.ID + "&kind=vehicle", []string{urgent}},
			{"?received_to=" + w.clock.now().Add(-150*time.Second).Format(time.RFC3339) + "&status=accepted", []string{normal1}},
		}
		for _, tc := range tests {
			if got := ids("/v1/leads"+tc.query, off); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
		}
		counts := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads?status=accepted", off, nil)))["counts"].(map[string]any)
		if counts["accepted"] != float64(2) || counts["submitted"] != float64(2) {
			t.Errorf("counts ignore the status filter: %v", counts)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads?grid_id="+w.gridB.ID, off, nil)), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads?village_id="+w.villageB.ID, off, nil)), 404, "not_found")
		for _, bad := range []string{"kind=treasure", "status=lost", "overdue=maybe", "received_from=yesterday", "limit=0"} {
			wantProblem(t, w.do(request(http.MethodGet, "/v1/leads?"+bad, off, nil)), 422, "validation_failed")
		}
		// An assistant's list stays their own, newest first.
		mine := ids("/v1/leads", rep)
		if len(mine) != 4 || mine[0] == urgent {
			t.Errorf("assistant's list %v", mine)
		}
	})
}

func TestAssignAndReroute(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		off, lead := w.token("officer"), w.token("gridlead")
		l1 := decodeBody(t, w.do(postLead(w.token("assistant"), vehicleLead(), "")))["id"].(string)
		l2 := decodeBody(t, w.do(postLead(w.token("assistant2"), vehicleLead(), "")))["id"].(string)
		lB := decodeBody(t, w.do(postLead(w.token("assistantB"), vehicleLead(), "")))["id"].(string)
		assign := func(tok, id, who string) *http.Request {
			return request(http.MethodPost, "/v1/leads/"+id+"/assign", tok, map[string]any{"assignee_id": who})
		}
		if rec := w.do(assign(off, l1, w.users["officer"].ID)); rec.Code != 200 || decodeBody(t, rec)["assignee_id"] != w.users["officer"].ID {
			t.Fatalf("self-assign: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(assign(off, l1, w.users["gridlead"].ID)), 403, "forbidden") // taking it from the assignee
		wantProblem(t, w.do(assign(off, l2, w.users["gridlead"].ID)), 403, "forbidden") // assigning to someone else
		wantProblem(t, w.do(assign(lead, l2, w.users["officerB"].ID)), 422, "validation_failed")
		wantProblem(t, w.do(assign(off, lB, w.users["officer"].ID)), 404, "not_found")
		if rec := w.do(assign(lead, l1, w.users["gridlead"].ID)); rec.Code != 200 {
			t.Errorf("reassign by the grid lead: %d %s", rec.Code, rec.Body)
		}

		// Bulk: one transaction, a result per lead.
		rec := w.do(request(http.MethodPost, "/v1/leads/assign", lead, map[string]any{"lead_ids": []string{l1, l2, lB, "nope"}, "assignee_id": w.users["officer"].ID}))
		if rec.Code != 200 {
			t.Fatalf("bulk: %d %s", rec.Code, rec.Body)
		}
		var results []string
		for _, r := range decodeBody(t, rec)["results"].([]any) {
			r := r.(map[string]any)
			code, _ := r["code"].(string)
			results = append(results, r["result"].(string)+":"+code)
		}
		if strings.Join(results, " ") != "assigned: assigned: refused:not_found refused:not_found" {
			t.Errorf("bulk results %v", results)
		}
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/assign", lead, map[string]any{"lead_ids": []string{}, "assignee_id": w.users["officer"].ID})), 422, "validation_failed")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/assign", w.token("assistant"), map[string]any{"lead_ids": []string{l1}, "assignee_id": "x"})), 403, "forbidden")

		// Re-route to grid B: the queue follows, the assignee is cleared.
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+l2+"/reroute", off, map[string]any{"grid_id": w.gridB.ID, "note": "x"})), 403, "forbidden")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+l2+"/reroute", lead, map[string]any{"grid_id": w.gridA.ID, "note": "x"})), 422, "validation_failed")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/leads/"+l2+"/reroute", lead, map[string]any{"grid_id": w.gridB.ID})), 422, "validation_failed")
		rec = w.do(request(http.MethodPost, "/v1/leads/"+l2+"/reroute", lead, map[string]any{"grid_id": w.gridB.ID, "note": "车在周家镇"}))
		got := decodeBody(t, rec)
		if rec.Code != 200 || got["grid_id"] != w.gridB.ID || got["team_id"] != w.teamB.ID || got["assignee_id"] != nil {
			t.Fatalf("reroute: %d %s", rec.Code, rec.Body)
		}
		if rec := w.do(request(http.MethodGet, "/v1/leads/"+l2, w.token("officerB"), nil)); rec.Code != 200 {
			t.Errorf("the new grid's officer cannot see it: %d", rec.Code)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/"+l2, off, nil)), 404, "not_found")
		if rec := w.do(request(http.MethodGet, "/v1/leads/"+l2, w.token("assistant2"), nil)); rec.Code != 200 {
			t.Errorf("the reporter lost their lead: %d", rec.Code)
		}
		events := decodeBody(t, w.do(request(http.MethodGet, "/v1/leads/"+l2+"/events", w.token("officerB"), nil)))["events"].([]any)
		last := events[len(events)-1].(map[string]any)
		if last["type"] != "rerouted" || last["public"] != false {
			t.Errorf("reroute event %v", last)
		}
		ctx := context.Background()
		if l, _ := b.DB.Leads().GetLead(ctx, l2); l.Status != domain.LeadSubmitted {
			t.Errorf("reroute changed the status: %s", l.Status)
		}
	})
}

// TestExportQueue: the queue view as CSV and XLSX, with masked names and
// without the reporter.
func TestExportQueue(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		body := vehicleLead()
		body["debtor_name"] = "赵建国"
		id := decodeBody(t, w.do(postLead(w.token("assistant"), body, "")))["id"].(string)
		w.do(move(w.token("officer"), id, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID}))
		w.do(postLead(w.token("assistantB"), vehicleLead(), ""))

		rec := w.do(request(http.MethodGet, "/v1/leads/export?status=accepted", w.token("officer"), nil))
		csv := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %v", rec.Code, rec.Header())
		}
		lines := strings.Split(strings.TrimSpace(csv), "\r\n")
		if len(lines) != 2 || !strings.Contains(lines[1], "赵**") || !strings.Contains(lines[1], "已受理") || !strings.Contains(lines[1], "紧急") {
			t.Errorf("csv:\n%s", csv)
		}
		for _, secret := range []string{"赵建国", w.users["assistant"].Phone, "春节前", "assistant"} {
			if strings.Contains(csv, secret) {
				t.Errorf("the export shows %q", secret)
			}
		}
		rec = w.do(request(http.MethodGet, "/v1/leads/export?format=xlsx", w.token("admin"), nil))
		rows, _, err := contactbookRows(rec.Body.Bytes())
		if rec.Code != 200 || err != nil || rows != 2 {
			t.Errorf("xlsx: %d, %d rows, %v", rec.Code, rows, err)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/export?format=pdf", w.token("officer"), nil)), 422, "validation_failed")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/export?grid_id="+w.gridB.ID, w.token("officer"), nil)), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/leads/export", w.token("assistant"), nil)), 403, "forbidden")
	})
}

// contactbookRows counts the data rows of an .xlsx workbook's first sheet.
func contactbookRows(b []byte) (int, []string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) == 0 {
		return 0, nil, err
	}
	return len(rows) - 1, rows[0], nil
}
