package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// maxJSONBody caps every JSON request body.
const maxJSONBody = 64 << 10

// bindJSON decodes the request body into v: it must be JSON (415
// otherwise), at most maxJSONBody bytes (413), well-formed (400) and of the
// right field types (422 naming the field). Unknown fields are ignored so
// that older servers accept newer clients.
func bindJSON(c *gin.Context, v any) error {
	raw, err := readJSONBody(c)
	if err != nil {
		return err
	}
	return decodeJSON(raw, v)
}

// bindChange binds the body of a change and reads its If-Match version.
func bindChange(c *gin.Context, in any) (version int, err error) {
	if err := bindJSON(c, in); err != nil {
		return 0, err
	}
	return ifMatch(c)
}

// jsonContentType refuses a body declared as anything but JSON.
func jsonContentType(c *gin.Context) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return domain.Errorf(domain.EUnsupportedMedia, "content type %q, want application/json", ct)
		}
	}
	return nil
}

// decodeJSON decodes one JSON value into v, mapping the errors to problems.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("data after the JSON value")
		}
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return domain.Invalid(domain.FieldError{Field: typeErr.Field, Code: "invalid"})
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EInvalid, "empty body, want a JSON object")
	}
	return domain.Errorf(domain.EInvalid, "malformed JSON: %v", err)
}

// hashHex is the hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// etagOf is the strong ETag of a resource version.
func etagOf(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch returns the version named by If-Match: 0 when absent or "*".
// A value that names no version can never match: it answers 412.
func ifMatch(c *gin.Context) (int, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	n, err := strconv.Atoi(strings.Trim(h, `"`))
	if err != nil || n <= 0 {
		return 0, domain.Errorf(domain.EPrecondition, "If-Match %q names no version", h)
	}
	return n, nil
}

// renderCached writes v as JSON with an ETag computed from its bytes, or
// 304 when the client's If-None-Match already has it.
func renderCached(c *gin.Context, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		renderProblem(c, err)
		return
	}
	sum := sha256.Sum256(b)
	tag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", tag)
	c.Header("Cache-Control", "private, no-cache")
	for _, t := range strings.Split(c.GetHeader("If-None-Match"), ",") {
		if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == tag || t == "*" {
			c.Status(http.StatusNotModified)
			return
		}
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// queryParams are the names of the API's query parameters (openapi.yaml).
var queryParams = map[string]bool{
	"action": true, "assignee": true, "category": true, "cursor": true, "debtor_id": true, "dry_run": true,
	"flagged": true, "format": true, "from": true, "grid_id": true, "id_number": true, "kind": true, "limit": true,
	"overdue": true, "q": true, "received_from": true, "received_to": true, "role": true, "status": true,
	"subject_id": true, "to": true, "village_id": true,
}

// queryMaxLen is the longest value of a query parameter (its maxLength in
// openapi.yaml), by name; queryMaxLenOf has the one route that differs.
var queryMaxLen = map[string]int{
	"q": 64, "grid_id": 64, "village_id": 64, "assignee": 64, "debtor_id": 64, "id_number": 64, "subject_id": 64, "action": 64,
	"cursor": 512,
}

// queryMaxLenOf is the maxLength of the parameter name on route (a Gin
// route template); 0 for none.
func queryMaxLenOf(route, name string) int {
	if route == "/v1/debtors" && name == "q" {
		return 128 // a debtor's name or company name
	}
	return queryMaxLen[name]
}

// checkQuery refuses a query parameter of the API given with an empty
// value (?grid_id=, ?dry_run=): an empty filter would otherwise widen to
// everything and an empty switch read as false (an import meant as a dry
// run applied). Leave a parameter out to not use it. It also refuses a
// value over the parameter's maxLength (too_long, with max). Names the API
// does not have are ignored, as before.
func checkQuery(c *gin.Context) {
	var fields []domain.FieldError
	for name, values := range c.Request.URL.Query() {
		if !queryParams[name] {
			continue
		}
		max := queryMaxLenOf(c.FullPath(), name)
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				fields = append(fields, domain.FieldError{Field: name, Code: "empty"})
				break
			}
			if max > 0 && utf8.RuneCountInString(v) > max {
				fields = append(fields, domain.FieldError{Field: name, Code: "too_long", Params: map[string]any{"max": max}})
				break
			}
		}
	}
	if len(fields) > 0 {
		sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
		renderProblem(c, domain.Invalid(fields...))
	}
}
