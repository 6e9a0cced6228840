package api

import (
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// TestFieldDetailsFillEveryPlaceholder: every field error code, in every
// language, renders without a raw {placeholder}, with its parameters and
// without them (an error that does not carry one), and names the field.
func TestFieldDetailsFillEveryPlaceholder(t *testing.T) {
	params := map[string]any{"max": 64, "min": 12, "column": "姓名", "first_line": 3}
	for code := range fieldDetails {
		for _, l := range []lang{zh, en} {
			for _, p := range []map[string]any{params, nil} {
				got := fieldDetail(domain.FieldError{Field: "rows[2].name", Code: code, Params: p}, l)
				if strings.ContainsAny(got, "{}") {
					t.Errorf("%s (lang %d, params %v): %q keeps a placeholder", code, l, p, got)
				}
				if strings.Contains(fieldDetails[code][l], "{field}") && !strings.Contains(got, "rows[2].name") {
					t.Errorf("%s (lang %d): %q does not name the field", code, l, got)
				}
			}
		}
	}
	if got := fieldDetail(domain.FieldError{Field: "note", Code: "too_long", Params: map[string]any{"max": 2000}}, zh); got != "note 超过最大长度 2000。" {
		t.Errorf("too_long with max: %q", got)
	}
}
