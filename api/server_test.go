package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	xiezhi "github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/api/apitest"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/miniostore"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

func init() { gin.SetMode(gin.TestMode) } //nolint:gochecknoinits // test binary only: keep gin quiet

// router builds the real router over a backend's stores.
func router(t *testing.T, b backendtest.Backend) *gin.Engine {
	t.Helper()
	return api.New(api.Options{
		Logger:   slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
		Spec:     xiezhi.OpenAPI,
		Started:  time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Checks: []api.Check{
			{Name: "database", Backend: b.DB.Name(), Ping: b.DB.Ping},
			{Name: "object_store", Backend: b.Objects.Name(), Ping: b.Objects.Ping},
		},
	})
}

func get(path string, header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// decode unmarshals a response body into a map.
func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, rec.Body.String())
	}
	return m
}

// TestRoutesMatchSpec fails when a route is missing from openapi.yaml or the
// spec names a route the router does not serve.
func TestRoutesMatchSpec(t *testing.T) {
	r := newWorld(t, backendtest.Embedded(t)).router
	served := map[string]bool{}
	for _, ri := range r.Routes() {
		path := ri.Path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
				path = strings.Replace(path, seg, "{"+seg[1:]+"}", 1)
			}
		}
		served[ri.Method+" "+path] = true
	}
	spec := apitest.SpecRoutes(t)
	var missing, extra []string
	for k := range served {
		if !spec[k] {
			missing = append(missing, k)
		}
	}
	for k := range spec {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes served but missing from openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.yaml that no route serves: %v", extra)
	}
	if len(served) < 35 {
		t.Errorf("only %d routes served; the router lost its routes", len(served))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		c := apitest.New(t, router(t, b))

		rec := c.Do(get("/healthz"))
		if rec.Code != http.StatusOK || decode(t, rec)["status"] != "ok" {
			t.Errorf("/healthz = %d %s", rec.Code, rec.Body)
		}

		rec = c.Do(get("/readyz"))
		if rec.Code != http.StatusOK {
			t.Fatalf("/readyz = %d %s", rec.Code, rec.Body)
		}
		var got struct {
			Status string
			Checks []struct{ Name, Backend, Status string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := []struct{ Name, Backend, Status string }{
			{"database", b.DB.Name(), "up"},
			{"object_store", b.Objects.Name(), "up"},
		}
		if got.Status != "ready" || !cmp.Equal(got.Checks, want) {
			t.Errorf("/readyz body %+v, want ready with %+v", got, want)
		}
	})
}

// TestReadinessDatabaseDown: a closed database pool makes /readyz answer a
// 503 problem naming the database, on both dialects.
func TestReadinessDatabaseDown(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		c := apitest.New(t, router(t, b))
		if err := b.DB.Close(); err != nil {
			t.Fatal(err)
		}
		rec := c.Do(get("/readyz", "Accept-Language", "en"))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("/readyz with the database closed = %d %v %s, want 503 with Retry-After", rec.Code, rec.Header(), rec.Body)
		}
		p := decode(t, rec)
		errs, _ := p["errors"].([]any)
		if p["code"] != "unavailable" || len(errs) != 1 || errs[0].(map[string]any)["field"] != "database" {
			t.Errorf("problem %v does not name the database alone", p)
		}
	})
}

func TestProblems(t *testing.T) {
	c := apitest.New(t, router(t, backendtest.Embedded(t)))
	tests := []struct {
		name       string
		method     string
		path       string
		lang       string
		wantStatus int
		wantCode   string
		wantDetail string
		wantAllow  string
	}{
		{"unknown path, zh by default", http.MethodGet, "/v1/nothing", "", 404, "not_found", "未找到请求的资源。", ""},
		{"unknown path, en", http.MethodGet, "/v1/nothing", "en-US,en;q=0.9", 404, "not_found", "The requested resource was not found.", ""},
		{"zh preferred over en", http.MethodGet, "/nothing", "en;q=0.5, zh-CN", 404, "not_found", "未找到请求的资源。", ""},
		{"unsupported language falls back to zh", http.MethodGet, "/nothing", "fr", 404, "not_found", "未找到请求的资源。", ""},
		{"wrong method", http.MethodDelete, "/healthz", "en", 405, "method_not_allowed", "This method is not allowed on this resource.", "GET"},
		{"wrong method, zh", http.MethodPost, "/readyz", "", 405, "method_not_allowed", "该资源不支持此请求方法。", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
			rec := c.DoOutsideSpec(req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
				t.Errorf("Content-Type %q", ct)
			}
			p := decode(t, rec)
			if p["code"] != tc.wantCode || p["detail"] != tc.wantDetail || p["instance"] != tc.path {
				t.Errorf("problem %v, want code %s detail %q instance %s", p, tc.wantCode, tc.wantDetail, tc.path)
			}
			if p["request_id"] != rec.Header().Get("X-Request-ID") || p["request_id"] == "" {
				t.Errorf("request_id %v, header %q", p["request_id"], rec.Header().Get("X-Request-ID"))
			}
			if got := rec.Header().Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow %q, want %q", got, tc.wantAllow)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	c := apitest.New(t, router(t, backendtest.Embedded(t)))
	tests := []struct {
		name, sent string
		echoed     bool
	}{
		{"client id echoed", "phone-4f2a.17_x", true},
		{"none sent", "", false},
		{"too long replaced", strings.Repeat("a", 129), false},
		{"bad characters replaced", "a b<script>", false},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := get("/healthz")
			if tc.sent != "" {
				req.Header.Set("X-Request-ID", tc.sent)
			}
			got := c.Do(req).Header().Get("X-Request-ID")
			if tc.echoed && got != tc.sent {
				t.Errorf("X-Request-ID %q, want echo of %q", got, tc.sent)
			}
			if !tc.echoed && (got == tc.sent || len(got) < 16 || seen[got]) {
				t.Errorf("X-Request-ID %q should be a fresh generated id", got)
			}
			seen[got] = true
		})
	}
}

// TestPanicIsGenericProblem: a panicking handler answers a 500 problem that
// leaks nothing of the panic, and the server keeps serving.
func TestPanicIsGenericProblem(t *testing.T) {
	var logs strings.Builder
	r := api.New(api.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Spec: xiezhi.OpenAPI})
	r.GET("/boom", func(*gin.Context) { panic("secret table users exploded") })
	c := apitest.New(t, r)
	rec := c.DoOutsideSpec(get("/boom", "Accept-Language", "en"))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("500 body leaks the panic: %s", rec.Body)
	}
	if p := decode(t, rec); p["code"] != "internal" {
		t.Errorf("problem %v", p)
	}
	if !strings.Contains(logs.String(), "secret table users exploded") || !strings.Contains(logs.String(), `"stack"`) {
		t.Errorf("panic not logged with its stack: %s", logs.String())
	}
	if rec := c.Do(get("/healthz")); rec.Code != http.StatusOK {
		t.Errorf("after a panic /healthz = %d", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	c := apitest.New(t, router(t, backendtest.Embedded(t)))
	c.Do(get("/healthz"))
	c.Do(get("/healthz"))
	c.DoOutsideSpec(get("/v1/not-in-the-spec/0193a3c4-aaaa-7bbb-8ccc-123456789abc"))
	rec := c.Do(get("/metrics"))
	body := rec.Body.String()
	for _, want := range []string{
		`xiezhi_http_requests_total{method="GET",route="/healthz",status="200"} 2`,
		`xiezhi_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`xiezhi_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 2`,
		`xiezhi_http_requests_in_flight 1`, // the /metrics request itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "0193a3c4") {
		t.Error("a path id leaked into metric labels")
	}
}

func TestDocs(t *testing.T) {
	c := apitest.New(t, router(t, backendtest.Embedded(t)))
	rec := c.Do(get("/openapi.yaml"))
	if rec.Code != http.StatusOK || rec.Body.String() != string(xiezhi.OpenAPI) {
		t.Errorf("/openapi.yaml = %d, %d bytes; want the embedded spec", rec.Code, rec.Body.Len())
	}
	rec = c.Do(get("/docs"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "/docs/redoc.standalone.js") || !strings.Contains(rec.Body.String(), "/openapi.yaml") {
		t.Errorf("/docs = %d: %.200s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "https://") && strings.Contains(rec.Body.String(), "<script src=\"https") {
		t.Error("/docs loads a script from the network")
	}
	rec = c.Do(get("/docs/redoc.standalone.js"))
	if rec.Code != http.StatusOK || rec.Body.Len() < 100_000 {
		t.Errorf("/docs/redoc.standalone.js = %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// TestCheckTimeout: a dependency that hangs makes /readyz fail within the
// check timeout instead of hanging the probe.
func TestCheckTimeout(t *testing.T) {
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	r := api.New(api.Options{Spec: xiezhi.OpenAPI, Checks: []api.Check{{Name: "object_store", Backend: "minio", Ping: hang}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client gave up: the check must end at once, not after its own timeout
	req := get("/readyz").WithContext(ctx)
	rec := apitest.New(t, r).Do(req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
	if p := decode(t, rec); p["code"] != string(domain.EUnavailable) {
		t.Errorf("problem %v", p)
	}
}

// TestReadinessRecoversWithoutRestart: stopping MinIO makes /readyz fail
// with a problem naming the object store; starting it again makes /readyz
// pass with the same router and store, no restart.
func TestReadinessRecoversWithoutRestart(t *testing.T) {
	p := testenv.StartMinIO(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	objects, err := miniostore.Open(ctx, miniostore.Config{Endpoint: p.Endpoint, AccessKey: p.AccessKey, SecretKey: p.SecretKey, Bucket: p.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	b := backendtest.Embedded(t)
	b.Objects = objects
	c := apitest.New(t, router(t, b))

	if rec := c.Do(get("/readyz")); rec.Code != http.StatusOK {
		t.Fatalf("/readyz with MinIO up = %d %s", rec.Code, rec.Body)
	}
	p.Stop()
	rec := c.Do(get("/readyz", "Accept-Language", "en"))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with MinIO stopped = %d %s", rec.Code, rec.Body)
	}
	var prob struct {
		Code   string
		Errors []struct{ Field, Code, Detail string }
		Checks []struct{ Name, Backend, Status string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &prob); err != nil {
		t.Fatal(err)
	}
	if prob.Code != "unavailable" || len(prob.Errors) != 1 || prob.Errors[0].Field != "object_store" || !strings.Contains(prob.Errors[0].Detail, "object_store is unreachable") {
		t.Errorf("problem does not name the object store alone: %s", rec.Body)
	}
	wantChecks := []struct{ Name, Backend, Status string }{{"database", "sqlite", "up"}, {"object_store", "minio", "down"}}
	if diff := cmp.Diff(wantChecks, prob.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	p.Start()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := c.Do(get("/readyz"))
		if rec.Code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not recover after MinIO came back: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
