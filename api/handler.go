package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handlerFunc is the shape of every resource handler: bind the request,
// call one use case, and return what to answer, or an error that handle
// renders as a problem. Only streaming handlers (exports, photo downloads)
// are plain gin.HandlerFuncs: they write the body as they read it, and say
// so in a comment.
type handlerFunc func(c *gin.Context) (response, error)

// response is a handler's answer: a status, a JSON body (none for 204 or
// 304) and the headers the cross-cutting concerns need. Build it with ok,
// created, versioned or noContent and add headers with its methods.
type response struct {
	status   int
	body     any
	raw      []byte            // a body already encoded (JSON unless contentType says otherwise)
	ctype    string            // the Content-Type of raw
	etag     string            // the strong ETag, quoted
	location string            // Location of a created resource
	headers  map[string]string // anything else: Cache-Control, Idempotent-Replayed…
	cached   bool              // ETag from the body's bytes; 304 on If-None-Match
}

// handle adapts a handlerFunc to Gin: the one place that turns an error
// into a problem and a response into headers and a body.
func handle(f handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := f(c)
		if err != nil {
			renderProblem(c, err)
			return
		}
		r.render(c)
	}
}

// ok answers 200 with body.
func ok(body any) response { return response{status: http.StatusOK, body: body} }

// noContent answers 204.
func noContent() response { return response{status: http.StatusNoContent} }

// versioned answers status with a resource and the ETag of its version.
func versioned(status, version int, body any) response {
	return response{status: status, body: body, etag: etagOf(version)}
}

// created answers 201 with a new resource at location and its version.
func created(location string, version int, body any) response {
	r := versioned(http.StatusCreated, version, body)
	r.location = location
	return r
}

// cachedOK answers 200 with an ETag computed from the body's bytes, or 304
// when the client's If-None-Match already has it (lists that rarely
// change, read by every phone at start).
func cachedOK(body any) response { return response{status: http.StatusOK, body: body, cached: true} }

// header returns r with one more header.
func (r response) header(name, value string) response {
	h := make(map[string]string, len(r.headers)+1)
	for k, v := range r.headers {
		h[k] = v
	}
	h[name] = value
	r.headers = h
	return r
}

// noStore returns r marked Cache-Control: no-store (secrets, personal data).
func (r response) noStore() response { return r.header("Cache-Control", "no-store") }

// render writes r.
func (r response) render(c *gin.Context) {
	for k, v := range r.headers {
		c.Header(k, v)
	}
	if r.location != "" {
		c.Header("Location", r.location)
	}
	if r.etag != "" {
		c.Header("ETag", r.etag)
	}
	switch {
	case r.cached:
		renderCached(c, r.body)
	case r.raw != nil:
		ct := r.ctype
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		c.Data(r.status, ct, r.raw)
	case r.body == nil:
		c.Status(r.status)
	default:
		c.JSON(r.status, r.body)
	}
}

// listOf converts a page of domain values to their JSON form; the result
// is never nil, so that an empty page is written as [] and not null.
func listOf[T, J any](xs []T, f func(T) J) []J {
	out := make([]J, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// page is the body of a paginated list: the items under their name and the
// cursor of the next page, left out on the last one.
func page(name string, items any, next string) gin.H {
	out := gin.H{name: items}
	if next != "" {
		out["next_cursor"] = next
	}
	return out
}

// withBody adapts a handler of a JSON body of type T: the body is bound
// (415, 413, 400 or 422 when it cannot be) before f runs.
func withBody[T any](f func(c *gin.Context, in T) (response, error)) handlerFunc {
	return func(c *gin.Context) (response, error) {
		var in T
		if err := bindJSON(c, &in); err != nil {
			return response{}, err
		}
		return f(c, in)
	}
}

// withChange adapts a handler of a change: a JSON body of type T and the
// version the client last saw (If-Match, 0 when absent; 412 when it names
// no version).
func withChange[T any](f func(c *gin.Context, in T, version int) (response, error)) handlerFunc {
	return func(c *gin.Context) (response, error) {
		var in T
		version, err := bindChange(c, &in)
		if err != nil {
			return response{}, err
		}
		return f(c, in, version)
	}
}
