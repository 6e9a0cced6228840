package gormstore

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

// TestTransactRetriesADeadlock: two transactions that take two rows in
// opposite orders deadlock on MariaDB; InnoDB rolls one back, Transact runs
// it again, and both commit. Three runs in all, and both changes are there.
func TestTransactRetriesADeadlock(t *testing.T) {
	ctx := context.Background()
	db, err := OpenMySQL(ctx, testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, y := range []int{1901, 1902} {
		if err := db.Leads().EnsureRefYear(ctx, y); err != nil {
			t.Fatal(err)
		}
	}
	var runs atomic.Int32
	var both sync.WaitGroup // both hold their first row before either asks for its second
	both.Add(2)
	bump := func(first, second int) error {
		firstRun := true
		return db.Transact(ctx, func(st domain.Stores) error {
			runs.Add(1)
			tx := st.Leads.(*LeadStore).db
			if err := tx.Exec("UPDATE lead_sequences SET last_seq = last_seq + 1 WHERE year = ?", first).Error; err != nil {
				return err
			}
			if firstRun {
				firstRun = false
				both.Done()
				both.Wait()
			}
			return tx.Exec("UPDATE lead_sequences SET last_seq = last_seq + 1 WHERE year = ?", second).Error
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- bump(1901, 1902) }()
	go func() { errs <- bump(1902, 1901) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed despite the retry: %v", err)
		}
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("%d runs, want 3 (two, and the deadlock victim again)", n)
	}
	for _, y := range []int{1901, 1902} {
		var seq int
		if err := db.SQL().QueryRowContext(ctx, "SELECT last_seq FROM lead_sequences WHERE year = ?", y).Scan(&seq); err != nil || seq != 2 {
			t.Errorf("year %d: last_seq %d (%v), want 2: each transaction's change once", y, seq, err)
		}
	}
}

// TestUnreachableDatabaseIsUnavailable: a database that cannot be reached
// answers EUnavailable with a Retry-After, through a store read and
// through Transact, not a bare driver error (which the API would answer
// 500 internal).
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	// A MariaDB server behind a proxy this test can cut.
	dsn := testenv.MySQLDSN(t)
	db, err := OpenMySQL(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := cfg.Addr
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.Map
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			conns.Store(c, up)
			go func() { _, _ = io.Copy(up, c) }()
			go func() { _, _ = io.Copy(c, up) }()
		}
	}()
	cfg.Addr = l.Addr().String()
	viaProxy, err := OpenMySQL(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = viaProxy.Close() })
	if _, err := viaProxy.Org().ListGrids(ctx); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	// Cut it: no new connections, the open ones closed.
	_ = l.Close()
	conns.Range(func(k, v any) bool {
		_ = k.(net.Conn).Close()
		_ = v.(net.Conn).Close()
		return true
	})
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for name, call := range map[string]func() error{
		"read":     func() error { _, err := viaProxy.Org().ListGrids(cctx); return err },
		"transact": func() error { return viaProxy.Transact(cctx, func(domain.Stores) error { return nil }) },
	} {
		err := call()
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EUnavailable || de.RetryAfter <= 0 {
			t.Errorf("%s with the database cut: %v (%T), want EUnavailable with a Retry-After", name, err, err)
		}
	}
}
