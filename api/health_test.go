package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	xiezhi "github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/api/apitest"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// TestReadinessTellsNoReason: with the database down, /readyz (which
// answers anyone) says which dependency is down but not why; the reason is
// in the log line of the request, under its request id.
func TestReadinessTellsNoReason(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		var logs bytes.Buffer // written by the request's goroutine alone
		r := api.New(api.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Spec: xiezhi.OpenAPI, Checks: []api.Check{
			{Name: "database", Backend: b.DB.Name(), Ping: b.DB.Ping},
			{Name: "object_store", Backend: b.Objects.Name(), Ping: b.Objects.Ping},
		}})
		if err := b.DB.Close(); err != nil {
			t.Fatal(err)
		}
		rec := apitest.New(t, r).Do(get("/readyz", "Accept-Language", "en", "X-Request-ID", "readyz-reason-1"))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz = %d %s", rec.Code, rec.Body)
		}
		var body struct {
			Errors []map[string]any
			Checks []map[string]any
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		wantErrors := []map[string]any{{"field": "database", "code": "down", "detail": "database is unreachable."}}
		wantChecks := []map[string]any{
			{"name": "database", "backend": b.DB.Name(), "status": "down"},
			{"name": "object_store", "backend": b.Objects.Name(), "status": "up"},
		}
		if diff := cmp.Diff(wantErrors, body.Errors); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantChecks, body.Checks); diff != "" {
			t.Errorf("checks (-want +got):\n%s", diff)
		}
		var line map[string]any
		for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if strings.Contains(l, `"msg":"not ready"`) {
				_ = json.Unmarshal([]byte(l), &line)
			}
		}
		down, _ := line["down"].(map[string]any)
		logged, _ := down["database"].(string)
		reason := strings.TrimPrefix(logged, b.DB.Name()+": ")
		if line["request_id"] != "readyz-reason-1" || reason == logged || reason == "" {
			t.Fatalf("log line %v does not give the database's reason under the request id; log:\n%s", line, logs.String())
		}
		if strings.Contains(rec.Body.String(), reason) {
			t.Errorf("the answer tells the reason %q: %s", reason, rec.Body)
		}
		if _, ok := down["object_store"]; ok {
			t.Errorf("log line %v names a dependency that is up", line)
		}
	})
}
