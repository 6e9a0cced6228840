// Package testenv gives tests throwaway real backends: a fresh MySQL/MariaDB
// database, a fresh MinIO bucket, or a private MinIO process a test may stop
// and start.
//
// The servers come from the environment that scripts/test-env.sh sets up
// (`make test` runs it):
//
//	XIEZHI_TEST_MYSQL_DSN    server DSN without a database, e.g. root@tcp(127.0.0.1:3306)/
//	XIEZHI_TEST_S3_ENDPOINT  host:port of a running MinIO
//	XIEZHI_TEST_S3_ACCESS_KEY, XIEZHI_TEST_S3_SECRET_KEY
//	XIEZHI_TEST_MINIO_BIN    path of a minio server binary (for private processes)
//
// When a backend is not configured the test is skipped with a message, unless
// backends are required (CI=true or XIEZHI_TEST_REQUIRE_BACKENDS=1): then it
// fails. In CI a missing service is a failure, never a skip.
package testenv

import (
	"os"
	"strings"
	"testing"
)

// Required reports whether every backend must be present.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("XIEZHI_TEST_REQUIRE_BACKENDS") == "1"
}

// missing skips or fails t because a backend is not configured.
func missing(t testing.TB, what, env string) {
	t.Helper()
	msg := what + " not configured (" + env + " unset); run `make test` to bring one up"
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// sanitize turns a test name into a short lowercase identifier usable in a
// database or bucket name.
func sanitize(name string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > max {
		s = s[:max]
	}
	return strings.Trim(s, "-")
}
