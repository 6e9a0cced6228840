package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// appendN appends n entries, each in a transaction of its own.
func appendN(t *testing.T, db *gormstore.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := db.TransactAudited(ctx, func(st domain.AuditedStores) error {
			_, err := st.Audit.AppendAudit(ctx, domain.AuditEntry{ActorID: "u1", ActorRole: domain.RoleOfficer, Action: domain.AuditDebtorUnmask,
				SubjectType: "debtor", SubjectID: fmt.Sprintf("d%d", i), Detail: domain.AuditDetail(map[string]any{"reason": "执行需要第" + fmt.Sprint(i) + "次"})})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func wantBroken(t *testing.T, db *gormstore.DB, seq int64, reason string) {
	t.Helper()
	_, err := db.Audit().VerifyAudit(context.Background())
	var b *domain.BrokenChain
	if !errors.As(err, &b) {
		t.Fatalf("VerifyAudit = %v, want a broken chain at seq %d", err, seq)
	}
	if b.Seq != seq || !strings.Contains(b.Reason, reason) {
		t.Errorf("broken at seq %d (%s), want seq %d (%s)", b.Seq, b.Reason, seq, reason)
	}
}

func TestAuditChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper string // SQL run after 5 appends; "" for none
		seq    int64
		reason string
	}{
		{"intact", "", 0, ""},
		{"detail changed", "UPDATE audit_log SET detail = '{\"reason\":\"无\"}' WHERE seq = 3", 3, "entry changed"},
		{"actor changed", "UPDATE audit_log SET actor_id = 'u2' WHERE seq = 1", 1, "entry changed"},
		{"hash rewritten", "UPDATE audit_log SET hash = prev_hash WHERE seq = 2", 2, "entry changed"},
		{"middle row deleted", "DELETE FROM audit_log WHERE seq = 4", 4, "entry missing"},
		{"first row deleted", "DELETE FROM audit_log WHERE seq = 1", 1, "entry missing"},
		{"last row deleted", "DELETE FROM audit_log WHERE seq = 5", 5, "entry missing"},
	}
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		ctx := context.Background()
		if n, err := b.DB.Audit().VerifyAudit(ctx); err != nil || n != 0 {
			t.Fatalf("empty log: %d entries, %v", n, err)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				b := backendtest.Embedded(t)
				if strings.HasPrefix(t.Name(), "TestAuditChain/mysql") {
					b = backendtest.Production(t)
				}
				appendN(t, b.DB, 5)
				if tc.tamper == "" {
					n, err := b.DB.Audit().VerifyAudit(ctx)
					if err != nil || n != 5 {
						t.Fatalf("VerifyAudit = %d, %v; want 5 entries", n, err)
					}
					list, next, err := b.DB.Audit().ListAudit(ctx, domain.AuditFilter{Limit: 2})
					if err != nil || len(list) != 2 || list[0].Seq != 5 || list[1].Seq != 4 || next == "" {
						t.Fatalf("first page: %v %q %v", list, next, err)
					}
					list, _, err = b.DB.Audit().ListAudit(ctx, domain.AuditFilter{Limit: 2, Cursor: next})
					if err != nil || len(list) != 2 || list[0].Seq != 3 {
						t.Fatalf("second page: %v %v", list, err)
					}
					list, _, err = b.DB.Audit().ListAudit(ctx, domain.AuditFilter{SubjectID: "d2"})
					if err != nil || len(list) != 1 || list[0].Seq != 3 {
						t.Fatalf("by subject: %v %v", list, err)
					}
					return
				}
				if _, err := b.DB.SQL().ExecContext(ctx, tc.tamper); err != nil {
					t.Fatal(err)
				}
				wantBroken(t, b.DB, tc.seq, tc.reason)
			})
		}
	})
}

// TestAuditConcurrentAppends: appends from many transactions at once keep
// one gap-free chain.
func TestAuditConcurrentAppends(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		const workers, each = 10, 5
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for i := range each {
					err := b.DB.TransactAudited(ctx, func(st domain.AuditedStores) error {
						_, err := st.Audit.AppendAudit(ctx, domain.AuditEntry{ActorID: fmt.Sprint(w), ActorRole: domain.RoleAdmin,
							Action: domain.AuditCaseUpdate, SubjectType: "case", SubjectID: fmt.Sprintf("c%d-%d", w, i)})
						return err
					})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		n, err := b.DB.Audit().VerifyAudit(context.Background())
		if err != nil || n != workers*each {
			t.Fatalf("VerifyAudit = %d, %v; want %d entries", n, err, workers*each)
		}
	})
}
