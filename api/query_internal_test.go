package api

import (
	"maps"
	"slices"
	"testing"

	"github.com/zhengning-court/xiezhi/api/apitest"
)

// TestQueryParamsAreTheSpecs: noEmptyQuery knows exactly the query
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
