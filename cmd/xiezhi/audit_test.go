package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// TestAuditVerify: the command reports an intact chain, then the first
// entry whose row was edited behind the server's back, with exit status 1.
func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "XIEZHI_DATA_DIR" {
			return dir
		}
		return ""
	}
	ctx := context.Background()
	db, err := gormstore.OpenSQLite(ctx, dir+"/xiezhi.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := db.Audit().AppendAudit(ctx, domain.AuditEntry{ActorID: "u1", ActorRole: domain.RoleOfficer, Action: domain.AuditLeadMove,
			SubjectType: "lead", SubjectID: "l1", Detail: domain.AuditDetail(map[string]any{"step": i})}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"audit", "verify"}, nil, &out, &errOut, getenv)
		return out.String() + errOut.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "audit log intact: 3 entries") {
		t.Fatalf("intact chain: %v\n%s", err, out)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_log SET detail = '{"step":9}' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "audit log BROKEN at seq 2") {
		t.Errorf("tampered chain: %v (exit %d)\n%s", err, exitCode(err), out)
	}
}
