package api

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/api/apitest"
)

// TestQueryParamsAreTheSpecs: checkQuery knows exactly the query
// parameters openapi.yaml gives the API.
func TestQueryParamsAreTheSpecs(t *testing.T) {
	doc := apitest.Spec(t)
	spec := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value != nil && p.Value.In == "query" {
					spec[p.Value.Name] = true
				}
			}
		}
	}
	got, want := slices.Sorted(maps.Keys(queryParams)), slices.Sorted(maps.Keys(spec))
	if !slices.Equal(got, want) {
		t.Errorf("queryParams %v, the spec's query parameters %v", got, want)
	}
}

// TestQueryMaxLenIsTheSpecs: the longest value checkQuery takes for each
// parameter of each operation is the maxLength openapi.yaml gives it.
func TestQueryMaxLenIsTheSpecs(t *testing.T) {
	doc := apitest.Spec(t)
	checked := 0
	for path, item := range doc.Paths.Map() {
		route := strings.NewReplacer("{", ":", "}", "").Replace(path)
		for method, op := range item.Operations() {
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value == nil || p.Value.In != "query" || p.Value.Schema == nil || p.Value.Schema.Value == nil {
					continue
				}
				want := 0
				if ml := p.Value.Schema.Value.MaxLength; ml != nil {
					want = int(*ml)
				}
				if got := queryMaxLenOf(route, p.Value.Name); got != want {
					t.Errorf("%s %s ?%s: maxLength %d here, %d in the spec", method, path, p.Value.Name, got, want)
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Fatalf("checked %d query parameters; is that the spec?", checked)
	}
}
