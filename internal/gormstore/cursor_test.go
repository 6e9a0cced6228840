package gormstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// TestKeysetPages walks lists of every keyset shape page by page: one
// column descending (the audit log), two ascending with ties on the first
// (debtors by name), two descending (cases newest first). Every row must
// come exactly once, in order, whatever the page size.
func TestKeysetPages(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		names := []string{"wang", "zhang", "li", "zhang", "wang", "zhang", "zhao"}
		for i, n := range names {
			if _, err := b.DB.Cases().CreateDebtor(ctx, domain.Debtor{ID: fmt.Sprintf("d%02d", i), Kind: domain.DebtorPerson, Name: n}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.Cases().CreateCase(ctx, domain.Case{Number: fmt.Sprintf("（2024）甘1025执%d号", i+1), Category: "ordinary", Status: "open"}); err != nil {
				t.Fatal(err)
			}
		}
		appendN(t, b.DB, len(names))
		for _, limit := range []int{1, 2, 3, 7, 50} {
			t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
				debtors := walk(t, func(cursor string) ([]domain.Debtor, string, error) {
					return b.DB.Cases().ListDebtors(ctx, domain.DebtorFilter{Limit: limit, Cursor: cursor})
				}, func(d domain.Debtor) string { return d.Name + "/" + d.ID })
				if !slices.IsSorted(debtors) || len(debtors) != len(names) {
					t.Errorf("debtors %v", debtors)
				}
				cases := walk(t, func(cursor string) ([]domain.Case, string, error) {
					return b.DB.Cases().ListCases(ctx, domain.CaseFilter{Limit: limit, Cursor: cursor})
				}, func(c domain.Case) string { return c.CreatedAt.Format("2006-01-02T15:04:05.000000") + "/" + c.ID })
				if !slices.IsSortedFunc(cases, func(a, b string) int { return -strings.Compare(a, b) }) || len(cases) != len(names) {
					t.Errorf("cases %v", cases)
				}
				audit := walk(t, func(cursor string) ([]domain.AuditEntry, string, error) {
					return b.DB.Audit().ListAudit(ctx, domain.AuditFilter{Limit: limit, Cursor: cursor})
				}, func(e domain.AuditEntry) string { return fmt.Sprintf("%09d", e.Seq) })
				if !slices.IsSortedFunc(audit, func(a, b string) int { return -strings.Compare(a, b) }) || len(audit) != len(names) {
					t.Errorf("audit %v", audit)
				}
			})
		}
		if _, _, err := b.DB.Cases().ListCases(ctx, domain.CaseFilter{Cursor: "not a cursor"}); !domain.IsCode(err, domain.EValidation) {
			t.Errorf("a forged cursor: %v, want a validation error", err)
		}
	})
}

// walk follows next cursors to the end, returning the key of every row and
// failing on a row seen twice.
func walk[T any](t *testing.T, list func(cursor string) ([]T, string, error), key func(T) string) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	cursor := ""
	for range 100 {
		rows, next, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			k := key(r)
			if seen[k] {
				t.Fatalf("%s twice", k)
			}
			seen[k] = true
			out = append(out, k)
		}
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("no last page after 100")
	return nil
}
