package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

func TestOrganisationAPI(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		admin, assistant := w.token("admin"), w.token("assistant")

		rec := w.do(request(http.MethodGet, "/v1/grids", assistant, nil))
		etag := rec.Header().Get("ETag")
		grids := decodeBody(t, rec)["grids"].([]any)
		if rec.Code != 200 || etag == "" || len(grids) != 2 || grids[0].(map[string]any)["team_id"] != w.teamA.ID {
			t.Fatalf("grids: %d %s", rec.Code, rec.Body)
		}
		req := request(http.MethodGet, "/v1/grids", assistant, nil)
		req.Header.Set("If-None-Match", etag)
		if rec := w.do(req); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d", rec.Code)
		}

		rec = w.do(request(http.MethodPost, "/v1/grids", admin, map[string]string{"code": "621025106", "name": "湫头镇", "pinyin": "Qiutou"}))
		if rec.Code != http.StatusCreated || rec.Header().Get("Location") == "" {
			t.Fatalf("create grid: %d %s", rec.Code, rec.Body)
		}
		newGrid := decodeBody(t, rec)["id"].(string)
		wantProblem(t, w.do(request(http.MethodPost, "/v1/grids", admin, map[string]string{"code": "621025106", "name": "重复"})), 409, "conflict")
		p := wantProblem(t, w.do(request(http.MethodPost, "/v1/grids", admin, map[string]string{"code": "6210", "kind": "city"})), 422, "validation_failed")
		if len(p["errors"].([]any)) != 3 {
			t.Errorf("want code, name and kind errors: %v", p["errors"])
		}
		// The list changed, so the old ETag no longer matches.
		req = request(http.MethodGet, "/v1/grids", assistant, nil)
		req.Header.Set("If-None-Match", etag)
		if rec := w.do(req); rec.Code != 200 {
			t.Errorf("stale If-None-Match: %d", rec.Code)
		}

		rec = w.do(request(http.MethodGet, "/v1/grids/"+newGrid, assistant, nil))
		tag := rec.Header().Get("ETag")
		req = request(http.MethodPatch, "/v1/grids/"+newGrid, admin, map[string]string{"name": "湫头镇（新）"})
		req.Header.Set("If-Match", tag)
		if rec := w.do(req); rec.Code != 200 || rec.Header().Get("ETag") == tag {
			t.Fatalf("patch grid: %d %s", rec.Code, rec.Body)
		}
		req = request(http.MethodPatch, "/v1/grids/"+newGrid, admin, map[string]string{"name": "湫头镇"})
		req.Header.Set("If-Match", tag)
		wantProblem(t, w.do(req), 412, "precondition_failed")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/grids/nope", assistant, nil)), 404, "not_found")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/grids/nope/villages", assistant, nil)), 404, "not_found")

		rec = w.do(request(http.MethodPost, "/v1/grids/"+newGrid+"/villages", admin, map[string]string{"name": "西沟村", "code": "621025106200"}))
		if rec.Code != 201 {
			t.Fatalf("create village: %d %s", rec.Code, rec.Body)
		}
		village := decodeBody(t, rec)["id"].(string)
		wantProblem(t, w.do(request(http.MethodPost, "/v1/grids/"+newGrid+"/villages", admin, map[string]string{"name": "西沟村"})), 409, "conflict")
		wantProblem(t, w.do(request(http.MethodPatch, "/v1/villages/"+village, admin, map[string]string{"code": "12"})), 422, "validation_failed")
		if rec := w.do(request(http.MethodPatch, "/v1/villages/"+village, admin, map[string]any{"code": nil, "name": "西沟村"})); rec.Code != 200 {
			t.Errorf("patch village: %d %s", rec.Code, rec.Body)
		}

		// Village import: every bad row at once, nothing applied; then for real.
		imp := func(body string, dry bool) *http.Request {
			path := "/v1/grids/" + newGrid + "/villages/import"
			if dry {
				path += "?dry_run=true"
			}
			r := request(http.MethodPost, path, admin, body)
			r.Header.Set("Content-Type", "text/csv")
			return r
		}
		p = wantProblem(t, w.do(imp("村代码,村名\n621025106201,东村\n62102510620,坏码村\n621025106202,\n621025106203,东村\n", false)), 422, "validation_failed")
		var bad []string
		for _, e := range p["errors"].([]any) {
			bad = append(bad, e.(map[string]any)["field"].(string))
		}
		if strings.Join(bad, " ") != "rows[3].code rows[4].name rows[5].name" {
			t.Errorf("bad rows %v", bad)
		}
		// A file of 250 bad rows gets the first 100 errors and the count of
		// the others, not a list of all of them.
		var many strings.Builder
		many.WriteString("村代码,村名\n")
		for i := range 250 {
			fmt.Fprintf(&many, "6210251%04d,新村%d\n", i, i) // an 11-digit code: one error a row
		}
		p = wantProblem(t, w.do(imp(many.String(), false)), 422, "validation_failed")
		if n := len(p["errors"].([]any)); n != 100 || p["errors_omitted"] != float64(150) {
			t.Errorf("250 bad rows: %d errors listed, %v omitted; want 100 and 150", n, p["errors_omitted"])
		}
		if first := p["errors"].([]any)[0].(map[string]any)["field"]; first != "rows[2].code" {
			t.Errorf("first error %v, want the first row's", first)
		}
		list := func() int {
			rec := w.do(request(http.MethodGet, "/v1/grids/"+newGrid+"/villages", assistant, nil))
			return len(decodeBody(t, rec)["villages"].([]any))
		}
		if n := list(); n != 1 {
			t.Fatalf("a rejected import changed the villages: %d", n)
		}
		good := "code,name\n621025106201,东村\n,西沟村\n"
		rec = w.do(imp(good, true))
		rep := decodeBody(t, rec)
		if rec.Code != 200 || rep["dry_run"] != true || rep["created"] != float64(1) || rep["unchanged"] != float64(1) || list() != 1 {
			t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(imp(good, false))
		if rec.Code != 200 || list() != 2 {
			t.Fatalf("import: %d %s", rec.Code, rec.Body)
		}
		notCSV := request(http.MethodPost, "/v1/grids/"+newGrid+"/villages/import", admin, "{}")
		wantProblem(t, w.do(notCSV), 415, "unsupported_media_type")

		// Teams.
		rec = w.do(request(http.MethodPost, "/v1/teams", admin, map[string]any{"name": "县局执行局", "grid_ids": []string{newGrid}, "county_queue": true}))
		if rec.Code != 201 {
			t.Fatalf("create team: %d %s", rec.Code, rec.Body)
		}
		team := decodeBody(t, rec)
		wantProblem(t, w.do(request(http.MethodPost, "/v1/teams", admin, map[string]any{"name": "第二县局", "grid_ids": []string{}, "county_queue": true})), 409, "conflict")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/teams", admin, map[string]any{"name": "抢网格", "grid_ids": []string{w.gridA.ID}})), 409, "conflict")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/teams", admin, map[string]any{"name": "幽灵", "grid_ids": []string{"nope"}})), 422, "validation_failed")
		rec = w.do(request(http.MethodPatch, "/v1/teams/"+team["id"].(string), admin, map[string]any{"grid_ids": []string{}}))
		if rec.Code != 200 || len(decodeBody(t, rec)["grid_ids"].([]any)) != 0 {
			t.Errorf("patch team: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(request(http.MethodGet, "/v1/teams", assistant, nil))
		if len(decodeBody(t, rec)["teams"].([]any)) != 3 {
			t.Errorf("teams: %s", rec.Body)
		}
	})
}
