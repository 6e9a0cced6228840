package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 says where a MinIO server is and which bucket a test owns.
type S3 struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
}

// MinIO returns the shared test MinIO with a fresh bucket name that no other
// test uses. The bucket is not created (the adapter creates missing buckets);
// whatever exists under that name is removed when t ends.
func MinIO(t testing.TB) S3 {
	t.Helper()
	endpoint := os.Getenv("XIEZHI_TEST_S3_ENDPOINT")
	if endpoint == "" {
		missing(t, "MinIO", "XIEZHI_TEST_S3_ENDPOINT")
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	s := S3{
		Endpoint:  endpoint,
		AccessKey: os.Getenv("XIEZHI_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("XIEZHI_TEST_S3_SECRET_KEY"),
		Bucket:    "xz-" + sanitize(t.Name(), 40) + "-" + hex.EncodeToString(suffix[:]),
	}
	t.Cleanup(func() { removeBucket(t, s) })
	return s
}

// removeBucket empties and removes a test bucket; a missing bucket is fine.
func removeBucket(t testing.TB, s S3) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")})
	if err != nil {
		t.Errorf("clean bucket %s: %v", s.Bucket, err)
		return
	}
	ok, err := c.BucketExists(ctx, s.Bucket)
	if err != nil || !ok {
		return // the server may be gone on purpose; nothing to clean then
	}
	for obj := range c.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			_ = c.RemoveObject(ctx, s.Bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
	if err := c.RemoveBucket(ctx, s.Bucket); err != nil {
		t.Errorf("remove bucket %s: %v", s.Bucket, err)
	}
}

// MinIOProcess is a private MinIO server owned by one test, which the test
// may stop and start again on the same port and data directory.
type MinIOProcess struct {
	S3
	bin, dir string
	cmd      *exec.Cmd
	t        testing.TB
}

// StartMinIO starts a private MinIO server on a free loopback port with a
// fresh data directory. It is stopped when t ends.
func StartMinIO(t testing.TB) *MinIOProcess {
	t.Helper()
	bin := os.Getenv("XIEZHI_TEST_MINIO_BIN")
	if bin == "" {
		missing(t, "a MinIO server binary", "XIEZHI_TEST_MINIO_BIN")
	}
	p := &MinIOProcess{
		S3: S3{
			Endpoint:  "127.0.0.1:" + fmt.Sprint(FreePort(t)),
			AccessKey: "xiezhi-test",
			SecretKey: "xiezhi-test-secret",
			Bucket:    "xiezhi-private",
		},
		bin: bin,
		dir: t.TempDir(),
		t:   t,
	}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// Start starts the server and waits until it answers its liveness probe.
func (p *MinIOProcess) Start() {
	p.t.Helper()
	if p.cmd != nil {
		return
	}
	cmd := exec.Command(p.bin, "server", "--quiet", "--address", p.Endpoint, filepath.Join(p.dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+p.AccessKey,
		"MINIO_ROOT_PASSWORD="+p.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	log, err := os.Create(filepath.Join(p.dir, "minio.log"))
	if err != nil {
		p.t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start minio: %v", err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if p.answersS3() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(p.dir, "minio.log"))
	p.Stop()
	p.t.Fatalf("minio did not become ready on %s:\n%s", p.Endpoint, out)
}

// answersS3 reports whether the server answers a signed S3 call. Its
// health probes are not enough: /minio/health/ready can say 200 while S3
// calls still fail with "Server not initialized yet" (seen in CI), so the
// probe is the call the adapter itself makes first.
func (p *MinIOProcess) answersS3() bool {
	c, err := minio.New(p.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(p.AccessKey, p.SecretKey, ""), MaxRetries: 1})
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.ListBuckets(ctx)
	return err == nil
}

// Stop kills the server and waits for it to exit.
func (p *MinIOProcess) Stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
