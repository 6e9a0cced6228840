// Package backendtest runs a test once per storage backend pair: the
// embedded default (SQLite + local photo directory) and production (MySQL or
// MariaDB + MinIO). Each run gets a fresh database built from the real
// migrations and a fresh, empty object store.
package backendtest

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
	"github.com/zhengning-court/xiezhi/internal/localdir"
	"github.com/zhengning-court/xiezhi/internal/miniostore"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

// Backend is one migrated database and one object store.
type Backend struct {
	Name    string // "sqlite+localdir" or "mysql+minio"; subtests carry it
	DB      *gormstore.DB
	Objects domain.ObjectStore

	// CountObjects counts what the object store holds, by looking at the
	// directory or the bucket directly: tests use it to prove that a failed
	// upload left nothing behind.
	CountObjects func(t testing.TB) int
}

// Embedded opens a fresh SQLite database and photo directory under
// t.TempDir(), migrated.
func Embedded(t testing.TB) Backend {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := gormstore.OpenSQLite(ctx, dir+"/xiezhi.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	objects, err := localdir.Open(dir + "/objects")
	if err != nil {
		t.Fatal(err)
	}
	count := func(t testing.TB) int {
		t.Helper()
		n := 0
		err := filepath.WalkDir(dir+"/objects", func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				n++ // temporary files count too: none may be left
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return Backend{Name: "sqlite+localdir", DB: migrated(t, db), Objects: objects, CountObjects: count}
}

// Production opens a fresh MySQL/MariaDB database and MinIO bucket from the
// test environment (see testenv), migrated. It skips, or in CI fails, when
// they are not configured.
func Production(t testing.TB) Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := testenv.MySQLDSN(t)
	s3 := testenv.MinIO(t)
	db, err := gormstore.OpenMySQL(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	objects, err := miniostore.Open(ctx, miniostore.Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, Bucket: s3.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	count := func(t testing.TB) int {
		t.Helper()
		c, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, "")})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for obj := range c.ListObjects(context.Background(), s3.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			n++
		}
		uploads := c.ListIncompleteUploads(context.Background(), s3.Bucket, "", true)
		for u := range uploads {
			if u.Err == nil {
				n++ // an unfinished multipart upload is a stray too
			}
		}
		return n
	}
	return Backend{Name: "mysql+minio", DB: migrated(t, db), Objects: objects, CountObjects: count}
}

func migrated(t testing.TB, db *gormstore.DB) *gormstore.DB {
	t.Helper()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect(), err)
	}
	return db
}

// Each runs fn as one subtest per backend pair, named after it, so that the
// test output names the backend every result came from.
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	pairs := []struct {
		name string
		open func(testing.TB) Backend
	}{
		{"sqlite+localdir", Embedded},
		{"mysql+minio", Production},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) { fn(t, p.open(t)) })
	}
}
