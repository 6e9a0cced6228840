package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/contactbook"
)

// TestAssistantScope: officers see the assistants of their own grids only;
// another grid is 404, as if it did not exist.
func TestAssistantScope(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		count := func(name, query string) int {
			rec := w.do(request(http.MethodGet, "/v1/assistants"+query, w.token(name), nil))
			if rec.Code != 200 {
				t.Fatalf("%s %s: %d %s", name, query, rec.Code, rec.Body)
			}
			return len(decodeBody(t, rec)["assistants"].([]any))
		}
		tests := []struct {
			who, query string
			want       int
		}{
			{"officer", "", 2},
			{"gridlead", "", 2},
			{"officerB", "", 1},
			{"admin", "", 3},
			{"auditor", "?grid_id=" + w.gridB.ID, 1},
			{"officer", "?village_id=" + w.villageA2.ID, 1},
			{"officer", "?q=assistant2", 1},
			{"officer", "?q=13800000101", 1},
		}
		for _, tc := range tests {
			if got := count(tc.who, tc.query); got != tc.want {
				t.Errorf("%s sees %d assistants with %q, want %d", tc.who, got, tc.query, tc.want)
			}
		}
		rec := w.do(request(http.MethodGet, "/v1/assistants", w.token("officer"), nil))
		first := decodeBody(t, rec)["assistants"].([]any)[0].(map[string]any)
		if first["phone"] != "13800000101" || first["grid_name"] != "榆林子镇" || first["village_name"] != "冢巷村" {
			t.Errorf("assistant row %v", first)
		}
		for _, q := range []string{"?grid_id=" + w.gridB.ID, "?village_id=" + w.villageB.ID, "?grid_id=nope"} {
			wantProblem(t, w.do(request(http.MethodGet, "/v1/assistants"+q, w.token("officer"), nil)), 404, "not_found")
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/assistants/export?grid_id="+w.gridB.ID, w.token("officer"), nil)), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/assistants/export", w.token("officer"), nil)), 422, "validation_failed")
	})
}

func TestContactBook(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		admin := w.token("admin")

		// Export grid A as CSV and XLSX; both read back with the parser.
		for _, format := range []contactbook.Format{contactbook.CSV, contactbook.XLSX} {
			rec := w.do(request(http.MethodGet, "/v1/assistants/export?format="+string(format)+"&grid_id="+w.gridA.ID, w.token("officer"), nil))
			if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("export %s: %d %s", format, rec.Code, rec.Header())
			}
			rows, rowErrs, err := contactbook.Parse(bytes.NewReader(rec.Body.Bytes()), format, 100)
			if err != nil || len(rowErrs) != 0 || len(rows) != 2 || rows[0].Phone != "13800000101" || rows[0].VillageCode != "621025101201" {
				t.Errorf("export %s reads back as %+v %v %v", format, rows, rowErrs, err)
			}
		}

		imp := func(body, query string) *http.Request {
			r := request(http.MethodPost, "/v1/assistants/import"+query, admin, body)
			r.Header.Set("Content-Type", "text/csv")
			return r
		}
		book := "姓名,手机号,乡镇,村,村代码,角色\n" +
			"新协执员,139 0000 0001,榆林子镇,冢巷村,,\n" + // created, by village name within the township
			"assistant 改名,13800000101,,,621025101201,协执员\n" + // updated (renamed)
			"assistant2,13800000102,,,621025101202,\n" + // unchanged
			"新干警,13900000002,周家镇,徐家村,,干警\n" // an officer joins the team of the village's grid
		rec := w.do(imp(book, "?dry_run=true"))
		rep := decodeBody(t, rec)
		if rec.Code != 200 || rep["created"] != float64(2) || rep["updated"] != float64(1) || rep["unchanged"] != float64(1) {
			t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
		}
		if n := len(decodeBody(t, w.do(request(http.MethodGet, "/v1/assistants", admin, nil)))["assistants"].([]any)); n != 3 {
			t.Fatalf("a dry run changed the assistants: %d", n)
		}

		bad := "姓名,手机号,村代码,角色\n" +
			"好人,13900000003,621025101201,\n" +
			",13900000004,621025101201,\n" + // no name
			"坏号,12345,621025101201,\n" + // bad phone
			"无村,13900000005,621025109999,\n" + // unknown village
			"管理员,13900000006,621025101201,admin\n" // not importable
		p := wantProblem(t, w.do(imp(bad, "")), 422, "validation_failed")
		var fields []string
		for _, e := range p["errors"].([]any) {
			fields = append(fields, e.(map[string]any)["field"].(string)+":"+e.(map[string]any)["code"].(string))
		}
		want := "rows[3].name:required rows[4].phone:invalid_phone rows[5].village:unknown_village rows[6].role:not_importable"
		if strings.Join(fields, " ") != want {
			t.Errorf("bad rows %v\nwant %s", fields, want)
		}
		rec = w.do(request(http.MethodGet, "/v1/users?q=13900000003", admin, nil))
		if n := len(decodeBody(t, rec)["users"].([]any)); n != 0 {
			t.Fatal("a rejected import created a good row")
		}

		rec = w.do(imp(book, ""))
		if rec.Code != 200 {
			t.Fatalf("import: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(request(http.MethodGet, "/v1/assistants?grid_id="+w.gridA.ID, admin, nil))
		if n := len(decodeBody(t, rec)["assistants"].([]any)); n != 3 {
			t.Errorf("grid A has %d assistants after the import, want 3", n)
		}
		rec = w.do(request(http.MethodGet, "/v1/users?q=13900000002", admin, nil))
		officer := decodeBody(t, rec)["users"].([]any)[0].(map[string]any)
		if officer["role"] != "officer" || officer["team_id"] != w.teamB.ID {
			t.Errorf("imported officer %v", officer)
		}
		// Imported accounts have no password until an admin resets one.
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": "13900000001", "password": ""})), 422, "validation_failed")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": "13900000001", "password": "!locked"})), 401, "unauthorized")

		// Importing the same book again changes nothing.
		rep = decodeBody(t, w.do(imp(book, "")))
		if rep["unchanged"] != float64(4) {
			t.Errorf("second import: %v", rep)
		}

		big := request(http.MethodPost, "/v1/assistants/import", admin, strings.Repeat("x", 6<<20))
		big.Header.Set("Content-Type", "text/csv")
		wantProblem(t, w.do(big), 413, "payload_too_large")
		pdf := request(http.MethodPost, "/v1/assistants/import", admin, "%PDF-1.4")
		pdf.Header.Set("Content-Type", "application/pdf")
		wantProblem(t, w.do(pdf), 415, "unsupported_media_type")
	})
}

// TestContactBookXLSX: the spreadsheet courts keep, uploaded as .xlsx.
func TestContactBookXLSX(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	var book bytes.Buffer
	entries := func(yield func(contactbook.Entry) bool) {
		_ = yield(contactbook.Entry{Name: "表格协执员", Phone: "13900000011", Township: "周家镇", VillageName: "徐家村", Role: "assistant"}) &&
			yield(contactbook.Entry{Name: "assistantB", Phone: "13800000103", VillageCode: "621025105200", Role: "assistant"})
	}
	if err := contactbook.WriteXLSX(&book, entries); err != nil {
		t.Fatal(err)
	}
	req := request(http.MethodPost, "/v1/assistants/import", w.token("admin"), book.Bytes())
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	rec := w.do(req)
	rep := decodeBody(t, rec)
	if rec.Code != 200 || rep["created"] != float64(1) || rep["unchanged"] != float64(1) {
		t.Fatalf("xlsx import: %d %s", rec.Code, rec.Body)
	}
	rec = w.do(request(http.MethodGet, "/v1/assistants?grid_id="+w.gridB.ID, w.token("officerB"), nil))
	if n := len(decodeBody(t, rec)["assistants"].([]any)); n != 2 {
		t.Errorf("grid B has %d assistants, want 2", n)
	}
	// CSV bytes sent as .xlsx are not a workbook.
	req = request(http.MethodPost, "/v1/assistants/import", w.token("admin"), "姓名,手机号\n")
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	wantProblem(t, w.do(req), 400, "invalid_request")
}
