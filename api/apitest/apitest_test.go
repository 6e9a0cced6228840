package apitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi"
)

// The tests run a fake server through the checks: one that keeps the
// contract, and variations that each break it in one way. A check that
// passes the broken ones would be worthless, so most cases here expect an
// error.

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// requestID echoes a valid client ID and otherwise makes one up.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); idPattern.MatchString(id) {
		return id
	}
	return "01JQ7ZK3M8N5R2T4V6W8Y0A1B3"
}

func write(w http.ResponseWriter, r *http.Request, status int, contentType, body string) {
	w.Header().Set("X-Request-ID", requestID(r))
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func problem(w http.ResponseWriter, r *http.Request, status int, code, extra string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	write(w, r, status, ProblemMediaType, fmt.Sprintf(
		`{"type":"urn:xiezhi:problem:%s","title":"%s","status":%d,"detail":"出错了。","instance":%q,"code":%q,"request_id":%q%s}`,
		code, http.StatusText(status), status, r.URL.Path, code, requestID(r), extra))
}

const checksDown = `"checks":[{"name":"database","backend":"sqlite","status":"up"},` +
	`{"name":"object_store","backend":"localdir","status":"down"}]`

// goodServer keeps the contract on every route of the spec and answers
// everything else the way the real router must.
func goodServer() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, "application/json; charset=utf-8", `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("down") != "" {
			problem(w, r, 503, "unavailable",
				`,"errors":[{"field":"object_store","code":"down","detail":"对象存储无法访问。"}],`+checksDown)
			return
		}
		write(w, r, 200, "application/json; charset=utf-8",
			`{"status":"ready","checks":[{"name":"database","backend":"sqlite","status":"up"},{"name":"object_store","backend":"localdir","status":"up"}]}`)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
			"# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 7\n")
	})
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, "application/yaml", string(xiezhi.OpenAPI))
	})
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, "text/html; charset=utf-8", "<!doctype html><title>docs</title>")
	})
	mux.HandleFunc("GET /docs/redoc.standalone.js", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 200, "text/javascript; charset=utf-8", "/** @license MIT */ export{};")
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		problem(w, r, 500, "internal", "")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/docs", "/docs/redoc.standalone.js":
			w.Header().Set("Allow", "GET")
			problem(w, r, 405, "method_not_allowed", "")
		default:
			problem(w, r, 404, "not_found", "")
		}
	})
	return mux
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestSpec(t *testing.T) {
	doc := Spec(t)
	if doc.Info == nil || doc.Info.Version == "" {
		t.Fatalf("Spec has no info.version")
	}
	if Spec(t) != doc {
		t.Errorf("Spec loaded the document twice")
	}
	code := doc.Components.Schemas["Problem"].Value.Properties["code"].Value
	for c := range codeStatus {
		found := false
		for _, e := range code.Enum {
			found = found || e == c
		}
		if !found {
			t.Errorf("code %q of apitest's status table is not in the Problem.code enum", c)
		}
	}
	if len(code.Enum) != len(codeStatus) {
		t.Errorf("Problem.code has %d codes, apitest's status table %d", len(code.Enum), len(codeStatus))
	}
}

func TestSpecRoutes(t *testing.T) {
	got := SpecRoutes(t)
	want := []string{
		"GET /healthz", "GET /readyz", "GET /metrics",
		"GET /openapi.yaml", "GET /docs", "GET /docs/redoc.standalone.js",
	}
	for _, r := range want {
		if !got[r] {
			t.Errorf("SpecRoutes lacks %q: %v", r, got)
		}
	}
	if !got["POST /v1/auth/login"] || !got["DELETE /v1/me/sessions/{session_id}"] {
		t.Errorf("SpecRoutes lacks the /v1 operations: %v", got)
	}
}

func TestCheckAcceptsTheContract(t *testing.T) {
	doc := Spec(t)
	h := goodServer()
	for _, tc := range []struct {
		method, target string
		header         map[string]string
	}{
		{"GET", "/healthz", nil},
		{"GET", "/healthz", map[string]string{"X-Request-ID": "client-id.42_x"}},
		{"GET", "/healthz", map[string]string{"X-Request-ID": "not valid!"}},
		{"GET", "/readyz", nil},
		{"GET", "/readyz?down=1", map[string]string{"Accept-Language": "en"}},
		{"GET", "/metrics", nil},
		{"GET", "/openapi.yaml", nil},
		{"GET", "/docs", nil},
		{"GET", "/docs/redoc.standalone.js", nil},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if err := Check(doc, req, serve(h, req)); err != nil {
				t.Errorf("Check rejects a response that keeps the contract:\n%v", err)
			}
		})
	}
}

func TestCheckOutsideSpecAcceptsTheContract(t *testing.T) {
	doc := Spec(t)
	h := goodServer()
	for _, tc := range []struct{ method, target string }{
		{"GET", "/nothing-here"},
		{"GET", "/v1/not-in-the-spec/01JQ7ZM0C4D6F8H0J2K4M6P8R0"},
		{"POST", "/healthz"},
		{"DELETE", "/docs"},
		{"GET", "/panic"},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if err := CheckOutsideSpec(doc, req, serve(h, req)); err != nil {
				t.Errorf("CheckOutsideSpec rejects an answer that keeps the contract:\n%v", err)
			}
		})
	}
}

// breaking builds a server that answers target with h and everything else
// like goodServer.
func breaking(pattern string, h http.HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", goodServer())
	mux.HandleFunc(pattern, h)
	return mux
}

func TestCheckRejectsBreaches(t *testing.T) {
	doc := Spec(t)
	for _, tc := range []struct {
		name    string
		target  string
		header  map[string]string
		handler http.Handler
		want    string // in the error
	}{
		{
			name:   "undeclared status",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 201, "application/json", `{"status":"ok"}`)
			}),
			want: `status 201 is not declared for operation "getHealth"`,
		},
		{
			name:   "body without a required member",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 200, "application/json", `{"state":"ok"}`)
			}),
			want: `property "status" is missing`,
		},
		{
			name:   "value outside the enum",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 200, "application/json", `{"status":"fine"}`)
			}),
			want: `value is not one of the allowed values`,
		},
		{
			name:   "no nosniff",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", requestID(r))
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}),
			want: `X-Content-Type-Options is "", want nosniff on every answer`,
		},
		{
			name:   "no X-Request-ID",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}),
			want: `response header "X-Request-ID" missing`,
		},
		{
			name:   "malformed X-Request-ID",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "has spaces in it")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}),
			want: `response header "X-Request-ID" doesn't match schema`,
		},
		{
			name:   "X-Request-ID not echoed",
			target: "/healthz",
			header: map[string]string{"X-Request-ID": "mine-123"},
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "theirs-456")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}),
			want: `the client sent X-Request-ID "mine-123"`,
		},
		{
			name:   "wrong content type",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 200, "text/plain; charset=utf-8", `{"status":"ok"}`)
			}),
			want: `response header Content-Type has unexpected value: "text/plain; charset=utf-8"`,
		},
		{
			name:   "not JSON",
			target: "/healthz",
			handler: breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 200, "application/json", `ok`)
			}),
			want: `failed to decode response body`,
		},
		{
			name:   "error as plain JSON",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "5")
				write(w, r, 503, "application/json", `{"error":"object store down"}`)
			}),
			want: `response header Content-Type has unexpected value: "application/json"`,
		},
		{
			name:   "readiness problem without checks",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				problem(w, r, 503, "unavailable", "")
			}),
			want: `property "checks" is missing`,
		},
		{
			name:   "problem code outside the enum",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				problem(w, r, 503, "down", ","+checksDown)
			}),
			want: `value is not one of the allowed values`,
		},
		{
			name:   "problem code of another status",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				problem(w, r, 503, "internal", ","+checksDown)
			}),
			want: `problem code "internal" goes with status 500, not 503`,
		},
		{
			name:   "problem status differs from the HTTP status",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", requestID(r))
				w.Header().Set("Content-Type", ProblemMediaType)
				w.WriteHeader(503)
				fmt.Fprintf(w, `{"type":"urn:xiezhi:problem:unavailable","title":"Service Unavailable","status":500,"detail":"x","instance":"/readyz","code":"unavailable","request_id":%q,%s}`,
					requestID(r), checksDown)
			}),
			want: `problem status 500 differs from the HTTP status 503`,
		},
		{
			name:   "problem request_id differs from the header",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "header-id")
				w.Header().Set("Content-Type", ProblemMediaType)
				w.WriteHeader(503)
				fmt.Fprintf(w, `{"type":"urn:xiezhi:problem:unavailable","title":"Service Unavailable","status":503,"detail":"x","instance":"/readyz","code":"unavailable","request_id":"body-id",%s}`, checksDown)
			}),
			want: `problem request_id "body-id" differs from the X-Request-ID header "header-id"`,
		},
		{
			name:   "problem instance is not the path",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", requestID(r))
				w.Header().Set("Content-Type", ProblemMediaType)
				w.WriteHeader(503)
				fmt.Fprintf(w, `{"type":"urn:xiezhi:problem:unavailable","title":"Service Unavailable","status":503,"detail":"x","instance":"/elsewhere","code":"unavailable","request_id":%q,%s}`,
					requestID(r), checksDown)
			}),
			want: `problem instance "/elsewhere" should be the request path "/readyz"`,
		},
		{
			name:   "problem type does not follow the code",
			target: "/readyz?down=1",
			handler: breaking("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", requestID(r))
				w.Header().Set("Content-Type", ProblemMediaType)
				w.WriteHeader(503)
				fmt.Fprintf(w, `{"type":"urn:xiezhi:problem:internal","title":"Service Unavailable","status":503,"detail":"x","instance":"/readyz","code":"unavailable","request_id":%q,%s}`,
					requestID(r), checksDown)
			}),
			want: `problem type "urn:xiezhi:problem:internal" should be "urn:xiezhi:problem:unavailable"`,
		},
		{
			name:    "route not in the spec",
			target:  "/v1/not-in-the-spec",
			handler: breaking("GET /v1/not-in-the-spec", func(w http.ResponseWriter, r *http.Request) { write(w, r, 200, "application/json", `[]`) }),
			want:    `the spec has no operation GET /v1/not-in-the-spec`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := serve(tc.handler, req)
			err := Check(doc, req, rec)
			if err == nil {
				t.Fatalf("Check accepts a response that breaks the contract (%s): %d %s", tc.name, rec.Code, rec.Body)
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check's error does not say %q:\n%v", tc.want, err)
			}
			// The message names the exchange, so a failure in a big test is easy to place.
			if prefix := "apitest: GET " + tc.target + " -> "; !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "body: ") {
				t.Errorf("Check's error does not name the exchange (want prefix %q and the body):\n%v", prefix, err)
			}
		})
	}
}

func TestCheckOutsideSpecRejectsBreaches(t *testing.T) {
	doc := Spec(t)
	for _, tc := range []struct {
		name    string
		method  string
		target  string
		handler http.Handler
		want    string
	}{
		{
			name:    "a route of the spec",
			method:  "GET",
			target:  "/healthz",
			handler: goodServer(),
			want:    `GET /healthz is operation "getHealth" of the spec; use Do/Check`,
		},
		{
			name:   "unknown path answered 200",
			method: "GET",
			target: "/v1/not-in-the-spec",
			handler: breaking("GET /v1/not-in-the-spec", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 200, "application/json", `[]`)
			}),
			want: `must be answered 404 (unknown path), 405 (path in the spec, other method) or 500 (panic), not 200`,
		},
		{
			name:   "unknown path answered 405",
			method: "GET",
			target: "/nothing-here",
			handler: breaking("/nothing-here", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", "GET")
				problem(w, r, 405, "method_not_allowed", "")
			}),
			want: `/nothing-here is not a path of the spec, so it must be answered 404 not_found, not 405`,
		},
		{
			name:   "wrong method answered 404",
			method: "POST",
			target: "/healthz",
			handler: breaking("POST /healthz", func(w http.ResponseWriter, r *http.Request) {
				problem(w, r, 404, "not_found", "")
			}),
			want: `/healthz is a path of the spec, so a method it does not take must be answered 405`,
		},
		{
			name:   "405 without Allow",
			method: "POST",
			target: "/healthz",
			handler: breaking("POST /healthz", func(w http.ResponseWriter, r *http.Request) {
				problem(w, r, 405, "method_not_allowed", "")
			}),
			want: `response header "Allow" missing`,
		},
		{
			name:   "405 whose Allow names a method the spec lacks",
			method: "POST",
			target: "/healthz",
			handler: breaking("POST /healthz", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", "GET, PUT")
				problem(w, r, 405, "method_not_allowed", "")
			}),
			want: `Allow lists [GET PUT], but the spec gives /healthz the methods [GET]`,
		},
		{
			name:   "404 as plain text",
			method: "GET",
			target: "/nothing-here",
			handler: breaking("/nothing-here", func(w http.ResponseWriter, r *http.Request) {
				write(w, r, 404, "text/plain; charset=utf-8", "404 page not found")
			}),
			want: `response header Content-Type has unexpected value: "text/plain; charset=utf-8"`,
		},
		{
			name:   "panic answered with the error text",
			method: "GET",
			target: "/panic",
			handler: breaking("/panic", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", requestID(r))
				w.Header().Set("Content-Type", ProblemMediaType)
				w.WriteHeader(500)
				fmt.Fprint(w, `{"code":"internal","error":"runtime error: index out of range"}`)
			}),
			want: `property "type" is missing`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			rec := serve(tc.handler, req)
			err := CheckOutsideSpec(doc, req, rec)
			if err == nil {
				t.Fatalf("CheckOutsideSpec accepts an answer that breaks the contract (%s): %d %s", tc.name, rec.Code, rec.Body)
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckOutsideSpec's error does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

// thingsSpec has what openapi.yaml does not have yet: a secured operation
// with a constrained parameter.
const thingsSpec = `
openapi: 3.0.3
info: {title: things, version: "1"}
paths:
  /v1/things/{id}:
    get:
      operationId: getThing
      security: [{bearerAuth: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, minLength: 3}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object}}}
        "400":
          description: bad
          content: {application/problem+json: {schema: {type: object}}}
        "401":
          description: no token
          content: {application/problem+json: {schema: {type: object}}}
  /v1/things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string, minLength: 1}}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object}}}
        "400":
          description: bad
          content: {application/problem+json: {schema: {type: object}}}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
`

func TestCheckRequest(t *testing.T) {
	doc, err := Load([]byte(thingsSpec))
	if err != nil {
		t.Fatal(err)
	}
	// answers always answers status, whatever the request, after reading
	// the body as a real handler would.
	answers := func(status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, r.Body)
			}
			if status == 200 {
				write(w, r, 200, "application/json", `{}`)
				return
			}
			code := map[int]string{400: "invalid_request", 401: "unauthorized"}[status]
			problem(w, r, status, code, "")
		})
	}
	for _, tc := range []struct {
		name    string
		target  string
		body    string // non-empty: POST it
		auth    string
		status  int
		wantErr string // empty: no error
	}{
		{"valid request accepted", "/v1/things/abc?limit=10", "", "Bearer t0ken", 200, ""},
		{"bad parameter rejected", "/v1/things/abc?limit=500", "", "Bearer t0ken", 400, ""},
		{"bad parameter accepted", "/v1/things/abc?limit=500", "", "Bearer t0ken", 200, `parameter "limit" in query has an error`},
		{"short path parameter accepted", "/v1/things/ab", "", "Bearer t0ken", 200, `parameter "id" in path has an error`},
		{"no token rejected", "/v1/things/abc", "", "", 401, ""},
		{"no token accepted", "/v1/things/abc", "", "", 200, `the request breaks the spec, yet the server accepted it with 200`},
		{"basic credentials accepted", "/v1/things/abc", "", "Basic dTpw", 200, `no "bearer" credentials`},
		{"valid body accepted", "/v1/things", `{"name":"tractor"}`, "", 200, ""},
		{"bad body rejected", "/v1/things", `{"name":""}`, "", 400, ""},
		{"bad body accepted", "/v1/things", `{"name":""}`, "", 200, `request body has an error`},
		{"body without a required member accepted", "/v1/things", `{}`, "", 200, `property "name" is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodGet
			var body io.Reader
			if tc.body != "" {
				method, body = http.MethodPost, strings.NewReader(tc.body)
			}
			// http.NewRequest sets GetBody, so the body can be validated after serving.
			req, err := http.NewRequest(method, tc.target, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			err = Check(doc, req, serve(answers(tc.status), req))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("Check accepts it; want an error saying %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("Check's error does not say %q:\n%v", tc.wantErr, err)
			}
		})
	}
}

// recorder stands in for the test's *testing.T so that the tests can see
// what Client reports without failing themselves.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestClient(t *testing.T) {
	bad := breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, 201, "application/json", `{"status":"ok"}`)
	})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		outside bool
		method  string
		target  string
		wantErr bool
	}{
		{"Do, contract kept", goodServer(), false, "GET", "/healthz", false},
		{"Do, contract broken", bad, false, "GET", "/healthz", true},
		{"Do, route outside the spec", goodServer(), false, "GET", "/nothing-here", true},
		{"DoOutsideSpec, unknown path", goodServer(), true, "GET", "/nothing-here", false},
		{"DoOutsideSpec, wrong method", goodServer(), true, "PUT", "/readyz", false},
		{"DoOutsideSpec, route of the spec", goodServer(), true, "GET", "/healthz", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			c := New(r, tc.handler)
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(""))
			var rec *httptest.ResponseRecorder
			if tc.outside {
				rec = c.DoOutsideSpec(req)
			} else {
				rec = c.Do(req)
			}
			if rec == nil || rec.Code == 0 {
				t.Fatalf("the client returned no response")
			}
			if got := len(r.errors) > 0; got != tc.wantErr {
				t.Errorf("reported errors %q; want an error: %v", r.errors, tc.wantErr)
			}
		})
	}

	// ValidateResponse reports through the same t.
	r := &recorder{TB: t}
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	ValidateResponse(r, req, serve(bad, req))
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "status 201 is not declared") {
		t.Errorf("ValidateResponse reported %q; want the undeclared status 201", r.errors)
	}
}

func TestClientKeepsTheRequestBodyForTheHandler(t *testing.T) {
	var got string
	h := breaking("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		write(w, r, 200, "application/json", `{"status":"ok"}`)
	})
	c := New(t, h)
	c.Do(httptest.NewRequest(http.MethodGet, "/healthz", strings.NewReader("payload")))
	if got != "payload" {
		t.Errorf("the handler read %q; want the request body %q", got, "payload")
	}
}
