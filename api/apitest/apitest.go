// Package apitest holds every HTTP test to the contract in openapi.yaml.
//
// A test serves its requests through a Client:
//
//	c := apitest.New(t, router)
//	rec := c.Do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
//
// Do finds the request's operation in the spec and fails the test (t.Errorf)
// when there is none, or when the response does not match it: a status the
// operation does not declare, a missing or malformed header it declares
// (X-Request-ID on every response), a content type it does not list, a body
// that breaks the schema. Requests that are deliberately outside the spec (an
// unknown path, a wrong method, a route that only a test registers) go
// through DoOutsideSpec, which holds the answer to the reusable NotFound,
// MethodNotAllowed or InternalError responses instead.
//
// Beyond the schemas, every response must echo a valid X-Request-ID that the
// client sent, and every problem must be consistent with itself: status and
// code match the status table, type is urn:xiezhi:problem:<code>, request_id
// is the X-Request-ID header and instance the request path.
//
// The request is checked too, so that a test cannot drift from the contract
// by accident; but a request that breaks the spec is only an error when the
// server accepted it (answered 1xx, 2xx or 3xx). Tests of bad input stay
// possible, and a handler that lets bad input through is caught.
//
// Check and CheckOutsideSpec do the same work without a testing.T and return
// the mismatches as an error.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/zhengning-court/xiezhi"
)

// ProblemMediaType is the content type of every error response (RFC 9457).
const ProblemMediaType = "application/problem+json"

// problemTypePrefix starts the type URI of every problem; the code follows.
const problemTypePrefix = "urn:xiezhi:problem:"

// codeStatus is the status every problem code comes with (openapi.yaml,
// Problem.code). A code missing here fails the Problem schema's enum first.
var codeStatus = map[string]int{
	"invalid_request":          http.StatusBadRequest,
	"unauthorized":             http.StatusUnauthorized,
	"forbidden":                http.StatusForbidden,
	"password_change_required": http.StatusForbidden,
	"not_found":                http.StatusNotFound,
	"method_not_allowed":       http.StatusMethodNotAllowed,
	"conflict":                 http.StatusConflict,
	"photo_processing":         http.StatusConflict,
	"precondition_failed":      http.StatusPreconditionFailed,
	"payload_too_large":        http.StatusRequestEntityTooLarge,
	"unsupported_media_type":   http.StatusUnsupportedMediaType,
	"validation_failed":        http.StatusUnprocessableEntity,
	"too_many_requests":        http.StatusTooManyRequests,
	"internal":                 http.StatusInternalServerError,
	"unavailable":              http.StatusServiceUnavailable,
}

// outsideResponses names the reusable response (components/responses) that
// answers a request outside the spec, by status.
var outsideResponses = map[int]string{
	http.StatusNotFound:            "NotFound",
	http.StatusMethodNotAllowed:    "MethodNotAllowed",
	http.StatusInternalServerError: "InternalError",
}

// validRequestID is what a client-sent X-Request-ID must look like to be
// echoed (docs/architecture.md, "API conventions"); anything else is replaced by a new ID.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// bodyPrefix is how much of a response body an error message quotes.
const bodyPrefix = 512

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error

	decodersOnce sync.Once

	routersMu sync.Mutex
	routerFor = map[*openapi3.T]routers.Router{}
)

// Spec returns the contract: openapi.yaml as embedded in package xiezhi,
// loaded and validated once per test binary. It fails the test when the
// document does not load or is not valid OpenAPI. Do not modify it.
func Spec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := loadSpec()
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	return doc
}

func loadSpec() (*openapi3.T, error) {
	specOnce.Do(func() {
		specDoc, specErr = Load(xiezhi.OpenAPI)
	})
	return specDoc, specErr
}

// Load parses and validates an OpenAPI document. Spec uses it on
// openapi.yaml; tests of this package use it on small documents of their own.
func Load(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate OpenAPI document: %w", err)
	}
	return doc, nil
}

// SpecRoutes returns one key "METHOD /path" for every operation in the spec,
// with path parameters as in the spec ("GET /v1/leads/{id}"), to compare with
// the routes the router registers.
func SpecRoutes(t testing.TB) map[string]bool {
	t.Helper()
	return Routes(Spec(t))
}

// Routes returns one key "METHOD /path" for every operation in doc.
func Routes(doc *openapi3.T) map[string]bool {
	routes := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			routes[strings.ToUpper(method)+" "+path] = true
		}
	}
	return routes
}

// ValidateResponse checks a request that a test has already served, and
// its recorded response, against the spec, and reports every mismatch with
// t.Errorf. The request's body is validated only if it can be read again
// (req.GetBody set, as http.NewRequest does for in-memory bodies); Client
// takes care of that.
func ValidateResponse(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if err := Check(Spec(t), req, rec); err != nil {
		t.Errorf("%v", err)
	}
}

// Client serves requests with a handler, usually the real router, and
// checks each exchange against the spec.
type Client struct {
	t       testing.TB
	handler http.Handler
	doc     *openapi3.T
}

// New returns a Client for handler that checks against the spec.
func New(t testing.TB, handler http.Handler) *Client {
	t.Helper()
	return &Client{t: t, handler: handler, doc: Spec(t)}
}

// Do serves req and returns the recorded response after checking the
// exchange with Check; a mismatch fails the test with t.Errorf and the
// response is still returned, so the test can go on asserting.
func (c *Client) Do(req *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	rec := c.serve(req)
	if err := Check(c.doc, req, rec); err != nil {
		c.t.Errorf("%v", err)
	}
	return rec
}

// DoOutsideSpec serves a request that the spec deliberately does not cover
// (an unknown path, a method the path does not take, a route that only the
// test registers) and checks the answer with CheckOutsideSpec.
func (c *Client) DoOutsideSpec(req *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	rec := c.serve(req)
	if err := CheckOutsideSpec(c.doc, req, rec); err != nil {
		c.t.Errorf("%v", err)
	}
	return rec
}

// serve buffers the request body, so that it can be validated after the
// handler has read it, and serves the request.
func (c *Client) serve(req *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	if req.Body == nil {
		req.Body = http.NoBody // as a server hands it to handlers
	}
	if req.Body != http.NoBody && req.GetBody == nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			c.t.Fatalf("apitest: read the body of %s %s: %v", req.Method, req.URL.Path, err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	return rec
}

// Check validates a served request and its recorded response against doc
// and returns every mismatch in one error naming the method, path, status
// and the start of the body, or nil.
//
// The operation is found by method and path; there must be one. The
// response must use a status the operation declares, carry the headers it
// declares as required (and with valid values), have a content type it
// lists and a body that matches the schema. On top of that: a valid
// X-Request-ID sent by the client is echoed, and a problem body agrees with
// its status, its headers and the request (see the package comment). The
// request is validated too; a request that breaks the spec is an error only
// when the response accepted it (status below 400).
func Check(doc *openapi3.T, req *http.Request, rec *httptest.ResponseRecorder) error {
	route, pathParams, err := findRoute(doc, req)
	if err != nil {
		return exchangeError(req, rec, []string{fmt.Sprintf(
			"the spec has no operation %s %s (%v); add it to openapi.yaml, or use DoOutsideSpec/CheckOutsideSpec for a request meant to miss",
			req.Method, req.URL.Path, err)})
	}
	return exchangeError(req, rec, checkExchange(route, pathParams, req, rec))
}

// CheckOutsideSpec validates the answer to a request that no operation of
// doc covers. It is an error when an operation does cover it. The answer
// must be one of the reusable responses NotFound (404, for a path that is
// not in the spec), MethodNotAllowed (405, for a path that is in the spec
// with another method, with Allow listing exactly the methods the spec
// gives that path) or InternalError (500, for a handler that panics), with
// the same header, content-type, schema and problem checks as Check.
func CheckOutsideSpec(doc *openapi3.T, req *http.Request, rec *httptest.ResponseRecorder) error {
	route, _, err := findRoute(doc, req)
	if err == nil {
		return exchangeError(req, rec, []string{fmt.Sprintf(
			"%s %s is operation %q of the spec; use Do/Check for it", req.Method, req.URL.Path, route.Operation.OperationID)})
	}
	allowed, err := specMethods(doc, req)
	if err != nil {
		return exchangeError(req, rec, []string{err.Error()})
	}
	pathKnown := len(allowed) > 0

	var problems []string
	status := rec.Code
	name, ok := outsideResponses[status]
	switch {
	case !ok:
		return exchangeError(req, rec, []string{fmt.Sprintf(
			"a request outside the spec must be answered 404 (unknown path), 405 (path in the spec, other method) or 500 (panic), not %d", status)})
	case status == http.StatusNotFound && pathKnown:
		problems = append(problems, fmt.Sprintf(
			"%s is a path of the spec, so a method it does not take must be answered 405 method_not_allowed, not 404", req.URL.Path))
	case status == http.StatusMethodNotAllowed && !pathKnown:
		problems = append(problems, fmt.Sprintf(
			"%s is not a path of the spec, so it must be answered 404 not_found, not 405", req.URL.Path))
	case status == http.StatusMethodNotAllowed:
		problems = append(problems, checkAllow(allowed, req.URL.Path, rec)...)
	}

	ref := doc.Components.Responses[name]
	if ref == nil || ref.Value == nil {
		return exchangeError(req, rec, append(problems, fmt.Sprintf(
			"the spec has no reusable response components/responses/%s to check a %d against", name, status)))
	}
	// A made-up operation that answers only with the reusable response lets
	// openapi3filter validate headers, content type and body as usual.
	op := openapi3.NewOperation()
	op.OperationID = "#/components/responses/" + name
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, ref))
	route = &routers.Route{
		Spec:      doc,
		Path:      req.URL.Path,
		PathItem:  &openapi3.PathItem{},
		Method:    req.Method,
		Operation: op,
	}
	problems = append(problems, checkSecurityHeaders(req, rec)...)
	problems = append(problems, checkResponse(route, req, rec)...)
	return exchangeError(req, rec, problems)
}

// findRoute finds the operation of doc that req calls, with its path
// parameters. Routing ignores doc's servers: tests call the handler
// directly, on any host, without a base path.
func findRoute(doc *openapi3.T, req *http.Request) (*routers.Route, map[string]string, error) {
	r, err := router(doc)
	if err != nil {
		return nil, nil, err
	}
	return r.FindRoute(req)
}

func router(doc *openapi3.T) (routers.Router, error) {
	routersMu.Lock()
	defer routersMu.Unlock()
	if r, ok := routerFor[doc]; ok {
		return r, nil
	}
	// Route on a shallow copy without servers: the server URL
	// (http://localhost:8080) would not match httptest's example.com.
	bare := *doc
	bare.Servers = nil
	r, err := legacy.NewRouter(&bare)
	if err != nil {
		return nil, fmt.Errorf("build a router from the OpenAPI document: %w", err)
	}
	routerFor[doc] = r
	return r, nil
}

// checkExchange validates the request and the response against route.
func checkExchange(route *routers.Route, pathParams map[string]string, req *http.Request, rec *httptest.ResponseRecorder) []string {
	var problems []string
	if err := validateRequest(route, pathParams, req); err != nil && rec.Code < http.StatusBadRequest {
		problems = append(problems, fmt.Sprintf(
			"the request breaks the spec, yet the server accepted it with %d: %v", rec.Code, flatten(err)))
	}
	problems = append(problems, checkSecurityHeaders(req, rec)...)
	return append(problems, checkResponse(route, req, rec)...)
}

// checkSecurityHeaders: every answer says X-Content-Type-Options: nosniff,
// and every answer of the /v1 API, which is personal data or about it,
// may be kept by no shared cache: Cache-Control no-store, or private.
func checkSecurityHeaders(req *http.Request, rec *httptest.ResponseRecorder) []string {
	var problems []string
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		problems = append(problems, fmt.Sprintf("X-Content-Type-Options is %q, want nosniff on every answer", got))
	}
	if strings.HasPrefix(req.URL.Path, "/v1/") {
		cc := rec.Header().Get("Cache-Control")
		if !strings.Contains(cc, "no-store") && !strings.HasPrefix(cc, "private") {
			problems = append(problems, fmt.Sprintf("Cache-Control is %q; an answer of /v1 must be no-store or private", cc))
		}
	}
	return problems
}

func validateRequest(route *routers.Route, pathParams map[string]string, req *http.Request) error {
	registerDecoders()
	opts := options()
	vreq := req.Clone(req.Context())
	switch {
	case req.GetBody != nil:
		body, err := req.GetBody()
		if err != nil {
			return fmt.Errorf("read the request body again: %w", err)
		}
		vreq.Body = body
	case req.Body != nil && req.Body != http.NoBody:
		// The handler has read the body and it cannot be had again.
		opts.ExcludeRequestBody = true
	}
	return openapi3filter.ValidateRequest(req.Context(), &openapi3filter.RequestValidationInput{
		Request:    vreq,
		PathParams: pathParams,
		Route:      route,
		Options:    opts,
	})
}

// credentialsPresent accepts a security scheme when the request carries its
// credentials at all; whether they are good is the server's business. A
// request without them breaks the spec, so the server must not accept it.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	switch s.Type {
	case "http":
		scheme, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, s.Scheme) || strings.TrimSpace(token) == "" {
			return fmt.Errorf("no %q credentials in the Authorization header", s.Scheme)
		}
	case "apiKey":
		var present bool
		switch s.In {
		case "header":
			present = req.Header.Get(s.Name) != ""
		case "query":
			present = req.URL.Query().Get(s.Name) != ""
		case "cookie":
			_, err := req.Cookie(s.Name)
			present = err == nil
		}
		if !present {
			return fmt.Errorf("no API key %q in the %s", s.Name, s.In)
		}
	}
	return nil
}

// checkResponse validates the recorded response against route's operation,
// then applies the checks no schema can express.
func checkResponse(route *routers.Route, req *http.Request, rec *httptest.ResponseRecorder) []string {
	registerDecoders()
	var problems []string
	res := rec.Result()
	body := rec.Body.Bytes()

	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   route,
		},
		Status:  res.StatusCode,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: options(),
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		problems = append(problems, responseMismatch(route, res.StatusCode, err))
	}

	if resp := route.Operation.Responses.Status(res.StatusCode); resp != nil && resp.Value != nil &&
		len(resp.Value.Content) == 0 && len(body) > 0 && req.Method != http.MethodHead {
		problems = append(problems, fmt.Sprintf("the spec declares no body for %d, yet the response has one", res.StatusCode))
	}

	got := res.Header.Get("X-Request-ID")
	if sent := req.Header.Get("X-Request-ID"); validRequestID.MatchString(sent) && got != sent {
		problems = append(problems, fmt.Sprintf("the client sent X-Request-ID %q, a valid one, but the response carries %q", sent, got))
	}

	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == ProblemMediaType {
		problems = append(problems, checkProblem(req, res, body)...)
	}
	return problems
}

// responseMismatch words an openapi3filter response error.
func responseMismatch(route *routers.Route, status int, err error) string {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Reason == "status is not supported" {
		var declared []string
		for code := range route.Operation.Responses.Map() {
			declared = append(declared, code)
		}
		sort.Strings(declared)
		return fmt.Sprintf("status %d is not declared for %s (declared: %s)",
			status, what(route), strings.Join(declared, ", "))
	}
	return fmt.Sprintf("the response does not match %s: %v", what(route), flatten(err))
}

// what names the operation of route in messages; for CheckOutsideSpec, the
// reusable response it checks against.
func what(route *routers.Route) string {
	if id := route.Operation.OperationID; strings.HasPrefix(id, "#/") {
		return id
	}
	return fmt.Sprintf("operation %q", route.Operation.OperationID)
}

// checkProblem checks what the Problem schema cannot: that the members agree
// with each other, with the status and headers, and with the request.
func checkProblem(req *http.Request, res *http.Response, body []byte) []string {
	var p struct {
		Type      string `json:"type"`
		Status    int    `json:"status"`
		Instance  string `json:"instance"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return []string{fmt.Sprintf("the problem body is not a JSON object: %v", err)}
	}
	var problems []string
	if p.Status != res.StatusCode {
		problems = append(problems, fmt.Sprintf("problem status %d differs from the HTTP status %d", p.Status, res.StatusCode))
	}
	if want, ok := codeStatus[p.Code]; ok && want != res.StatusCode {
		problems = append(problems, fmt.Sprintf("problem code %q goes with status %d, not %d", p.Code, want, res.StatusCode))
	}
	if p.Type != problemTypePrefix+p.Code {
		problems = append(problems, fmt.Sprintf("problem type %q should be %q", p.Type, problemTypePrefix+p.Code))
	}
	if id := res.Header.Get("X-Request-ID"); p.RequestID != id {
		problems = append(problems, fmt.Sprintf("problem request_id %q differs from the X-Request-ID header %q", p.RequestID, id))
	}
	if p.Instance != req.URL.Path {
		problems = append(problems, fmt.Sprintf("problem instance %q should be the request path %q", p.Instance, req.URL.Path))
	}
	return problems
}

// specMethods returns the methods that the spec's operations take on the
// path of req, sorted; none when the path is not in the spec.
func specMethods(doc *openapi3.T, req *http.Request) ([]string, error) {
	r, err := router(doc)
	if err != nil {
		return nil, err
	}
	var methods []string
	for _, m := range []string{
		http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
		http.MethodPatch, http.MethodPost, http.MethodPut, http.MethodTrace,
	} {
		probe := req.Clone(req.Context())
		probe.Method = m
		if _, _, err := r.FindRoute(probe); err == nil {
			methods = append(methods, m)
		}
	}
	return methods, nil
}

// checkAllow checks that a 405's Allow header lists exactly the methods the
// spec gives the path.
func checkAllow(want []string, path string, rec *httptest.ResponseRecorder) []string {
	if rec.Result().Header.Get("Allow") == "" {
		return nil // the MethodNotAllowed response's required header; reported there
	}
	var got []string
	for _, v := range rec.Result().Header.Values("Allow") {
		for m := range strings.SplitSeq(v, ",") {
			if m = strings.ToUpper(strings.TrimSpace(m)); m != "" && !slices.Contains(got, m) {
				got = append(got, m)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return []string{fmt.Sprintf("Allow lists %v, but the spec gives %s the methods %v", got, path, want)}
	}
	return nil
}

// registerDecoders teaches openapi3filter the media types of our responses
// that it cannot decode by itself, once: text/html, text/javascript, text/css
// and image/svg+xml (the web clients, api/web.go) as plain text.
// (application/problem+json, application/yaml and text/plain it knows.)
// Decoders already registered are left alone.
func registerDecoders() {
	decodersOnce.Do(func() {
		for _, ct := range []string{"text/plain", "text/html", "text/javascript", "text/css", "image/svg+xml"} {
			if openapi3filter.RegisteredBodyDecoder(ct) == nil {
				openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
			}
		}
		if openapi3filter.RegisteredBodyDecoder(ProblemMediaType) == nil {
			openapi3filter.RegisterBodyDecoder(ProblemMediaType, openapi3filter.JSONBodyDecoder)
		}
		if openapi3filter.RegisteredBodyDecoder("application/yaml") == nil {
			openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.YamlBodyDecoder)
		}
	})
}

// exchangeError turns problems into one error that says which exchange
// they are about, or nil.
func exchangeError(req *http.Request, rec *httptest.ResponseRecorder, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	body := rec.Body.Bytes()
	quoted := string(body[:min(len(body), bodyPrefix)])
	if len(body) > bodyPrefix {
		quoted += "…"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apitest: %s %s -> %d %s breaks the contract (openapi.yaml):",
		req.Method, req.URL.RequestURI(), rec.Code, rec.Result().Header.Get("Content-Type"))
	for _, p := range problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	fmt.Fprintf(&b, "\n  body: %q", quoted)
	return errors.New(b.String())
}

// flatten renders an openapi3 error on one line, a MultiError as its
// causes separated by semicolons.
func flatten(err error) string {
	// Only a top-level MultiError is split: a wrapping error (a parameter or
	// body error) carries context that errors.As would drop.
	if me, ok := err.(openapi3.MultiError); ok { //nolint:errorlint // see above
		parts := make([]string, 0, len(me))
		for _, e := range me {
			parts = append(parts, flatten(e))
		}
		return strings.Join(parts, "; ")
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// options are the openapi3filter options of every check.
func options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    credentialsPresent,
	}
	o.WithCustomSchemaErrorFunc(schemaMessage)
	return o
}

// schemaMessage words a schema violation in one short line: where, what,
// and the start of the offending value, instead of the default dump of the
// whole schema.
func schemaMessage(e *openapi3.SchemaError) string {
	msg := e.Reason
	if e.Origin != nil {
		msg = e.Origin.Error()
	}
	if msg == "" {
		msg = fmt.Sprintf("does not match %q", e.SchemaField)
	}
	if p := e.JSONPointer(); len(p) > 0 {
		msg = fmt.Sprintf("at /%s: %s", strings.Join(p, "/"), msg)
	}
	// A nested error quotes its own value; a missing property's value is the
	// whole object, which the message quotes anyway.
	if e.Origin != nil || e.SchemaField == "required" {
		return msg
	}
	if v, err := json.Marshal(e.Value); err == nil {
		const limit = 80
		got := string(v)
		if len(got) > limit {
			got = got[:limit] + "…"
		}
		msg += " (got " + got + ")"
	}
	return msg
}
