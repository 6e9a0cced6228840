package testenv

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// MySQLDSN creates a fresh, empty database on the test MySQL/MariaDB server
// and returns a DSN for it. The database is dropped when t ends.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	server := os.Getenv("XIEZHI_TEST_MYSQL_DSN")
	if server == "" {
		missing(t, "MySQL/MariaDB", "XIEZHI_TEST_MYSQL_DSN")
	}
	cfg, err := mysql.ParseDSN(server)
	if err != nil {
		t.Fatalf("XIEZHI_TEST_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("open test server: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })

	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := "xz_" + strings.ReplaceAll(sanitize(t.Name(), 40), "-", "_") + "_" + hex.EncodeToString(suffix[:])
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database (is MariaDB running? see scripts/test-env.sh): %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}
