package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/internal/app"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// TestClientHangsUp: a request whose client hung up before it was answered
// is not a server error. It is logged and counted as 499, never as 500 or
// 503, and nothing is logged at ERROR or WARN.
func TestClientHangsUp(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		a, err := app.New(app.DefaultConfig(), app.Deps{DB: b.DB, Objects: b.Objects, Keys: w.keyring, Sealer: testSealer,
			Passwords: cheap, Now: w.clock.now})
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		reg := prometheus.NewRegistry()
		o := a.Options()
		o.Logger, o.Registry, o.Spec = slog.New(slog.NewJSONHandler(&logs, nil)), reg, xiezhi.OpenAPI
		r := api.New(o)
		for _, path := range []string{"/v1/leads", "/v1/me", "/v1/grids"} {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the phone's connection dropped
			req := request(http.MethodGet, path, w.token("officer"), nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != api.StatusClientClosedRequest {
				t.Errorf("%s, client gone: %d %s, want 499", path, rec.Code, rec.Body)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
				t.Errorf("logged as a server problem: %s", line)
			}
		}
		out, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		counted := map[string]float64{}
		for _, mf := range out {
			if mf.GetName() != "xiezhi_http_requests_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "status" {
						counted[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
		if len(counted) != 1 || counted["499"] != 3 {
			t.Errorf("requests counted by status %v, want 3 as 499", counted)
		}
	})
}
