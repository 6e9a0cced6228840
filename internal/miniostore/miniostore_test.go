package miniostore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/miniostore"
	"github.com/zhengning-court/xiezhi/internal/objectstoretest"
	"github.com/zhengning-court/xiezhi/internal/testenv"
)

func TestConformance(t *testing.T) {
	objectstoretest.Run(t, func(t *testing.T) domain.ObjectStore {
		return open(t, testenv.MinIO(t))
	})
}

func TestName(t *testing.T) {
	if got := open(t, testenv.MinIO(t)).Name(); got != "minio" {
		t.Errorf("Name = %q, want minio", got)
	}
}

func TestOpenCreatesBucket(t *testing.T) {
	s3 := testenv.MinIO(t)
	c := rawClient(t, s3)
	if ok, err := c.BucketExists(t.Context(), s3.Bucket); err != nil || ok {
		t.Fatalf("bucket %s exists before Open (%v, %v)", s3.Bucket, ok, err)
	}
	open(t, s3)
	if ok, err := c.BucketExists(t.Context(), s3.Bucket); err != nil || !ok {
		t.Fatalf("bucket %s missing after Open (%v, %v)", s3.Bucket, ok, err)
	}
	open(t, s3) // an existing bucket is fine
}

func TestOpenBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  miniostore.Config
	}{
		{"no endpoint", miniostore.Config{Bucket: "b"}},
		{"bad bucket name", miniostore.Config{Endpoint: "127.0.0.1:1", Bucket: "Not_A_Bucket"}},
		{"no bucket", miniostore.Config{Endpoint: "127.0.0.1:1"}},
		{"scheme in endpoint", miniostore.Config{Endpoint: "http://127.0.0.1:1", Bucket: "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := miniostore.Open(t.Context(), tc.cfg); err == nil {
				t.Error("Open succeeded, want an error")
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	endpoint := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := miniostore.Open(ctx, miniostore.Config{Endpoint: endpoint, AccessKey: "k", SecretKey: "secret-key", Bucket: "xiezhi"})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Open took %v, want a quick failure", took)
	}
	wantShortError(t, err, endpoint, "connection refused")
}

func TestOpenWrongCredentials(t *testing.T) {
	s3 := testenv.MinIO(t)
	tests := []struct {
		name                 string
		accessKey, secretKey string
	}{
		{"wrong secret key", s3.AccessKey, "not-the-secret"},
		{"unknown access key", "nobody-at-all", s3.SecretKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err := miniostore.Open(ctx, miniostore.Config{Endpoint: s3.Endpoint, AccessKey: tc.accessKey, SecretKey: tc.secretKey, Bucket: s3.Bucket})
			wantShortError(t, err, s3.Endpoint, "access denied (check XIEZHI_S3_ACCESS_KEY/XIEZHI_S3_SECRET_KEY)")
		})
	}
}

// TestPingRecovers stops and restarts a private MinIO under one Store: Ping
// and data requests fail with EUnavailable while it is down and work again
// after it is back, so /readyz recovers without restarting Xiezhi.
func TestPingRecovers(t *testing.T) {
	p := testenv.StartMinIO(t)
	s := open(t, p.S3)
	ctx := t.Context()
	data := []byte("survives a restart")
	if _, err := s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping while up: %v", err)
	}

	p.Stop()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	err := s.Ping(pingCtx)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Ping took %v while down, want a quick failure", took)
	}
	wantShortError(t, err, p.Endpoint, "connection refused")
	_, err = s.Stat(pingCtx, "k")
	if !domain.IsCode(err, domain.EUnavailable) {
		t.Errorf("Stat while down = %v, want code %s", err, domain.EUnavailable)
	}

	p.Start()
	deadline := time.Now().Add(30 * time.Second)
	for err = s.Ping(ctx); err != nil && time.Now().Before(deadline); err = s.Ping(ctx) {
		time.Sleep(200 * time.Millisecond) // MinIO may answer "not initialized" for a moment
	}
	if err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	info, err := s.Stat(ctx, "k")
	if err != nil {
		t.Fatalf("Stat after restart: %v", err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); info.SHA256 != want {
		t.Errorf("SHA256 after restart = %s, want %s", info.SHA256, want)
	}
}

// TestSHA256IsTheS3Checksum pins where the digest lives: in the object's
// x-amz-checksum-sha256, readable by any S3 client.
func TestSHA256IsTheS3Checksum(t *testing.T) {
	s3 := testenv.MinIO(t)
	s := open(t, s3)
	data := bytes.Repeat([]byte("checksum "), 1000)
	for _, size := range []int64{int64(len(data)), -1} {
		key := fmt.Sprintf("c/%d", size)
		if _, err := s.Put(t.Context(), key, bytes.NewReader(data), size, "text/plain"); err != nil {
			t.Fatal(err)
		}
		oi, err := rawClient(t, s3).StatObject(t.Context(), s3.Bucket, key, minio.StatObjectOptions{Checksum: true})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if want := base64.StdEncoding.EncodeToString(sum[:]); oi.ChecksumSHA256 != want {
			t.Errorf("size %d: x-amz-checksum-sha256 = %q, want %q", size, oi.ChecksumSHA256, want)
		}
	}
}

// TestPutPayloadUnsignedWithChecksum checks how Put sends a body over
// plain HTTP, through a proxy in front of MinIO: unsigned, with the
// SHA-256 trailer (one hash pass, the trailer's; see Put), and that MinIO
// refuses a body changed on the way, leaving no object.
func TestPutPayloadUnsignedWithChecksum(t *testing.T) {
	s3 := testenv.MinIO(t)
	data := bytes.Repeat([]byte("payload "), 4096)
	for _, tc := range []struct {
		name    string
		corrupt bool
	}{
		{"as sent", false},
		{"a byte changed on the way", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProxy(t, s3.Endpoint, tc.corrupt)
			proxied := s3
			proxied.Endpoint = p.addr
			s := open(t, proxied)
			key := "proxied/" + strings.ReplaceAll(tc.name, " ", "-")
			info, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), "text/plain")
			hdr := p.put()
			if hdr == nil {
				t.Fatal("no PUT went through the proxy")
			}
			if got, want := hdr.Get("X-Amz-Content-Sha256"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER"; got != want {
				t.Errorf("X-Amz-Content-Sha256 = %q, want %q", got, want)
			}
			if got, want := strings.ToLower(hdr.Get("X-Amz-Trailer")), "x-amz-checksum-sha256"; got != want {
				t.Errorf("X-Amz-Trailer = %q, want %q", got, want)
			}
			_, serr := rawClient(t, s3).StatObject(t.Context(), s3.Bucket, key, minio.StatObjectOptions{})
			if tc.corrupt {
				if err == nil {
					t.Fatalf("Put of a changed body = %+v, want an error", info)
				}
				if minio.ToErrorResponse(serr).Code != "NoSuchKey" {
					t.Errorf("after the refused Put, Stat: %v, want NoSuchKey", serr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if want := fmt.Sprintf("%x", sum); info.SHA256 != want {
				t.Errorf("SHA256 = %s, want %s", info.SHA256, want)
			}
			if serr != nil {
				t.Errorf("Stat after Put: %v", serr)
			}
		})
	}
}

// proxy forwards to MinIO and keeps the headers of the last PUT; with
// corrupt it flips one byte in the middle of every PUT body.
type proxy struct {
	addr string
	mu   sync.Mutex
	hdr  http.Header
}

func (p *proxy) put() http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hdr
}

func startProxy(t *testing.T, endpoint string, corrupt bool) *proxy {
	t.Helper()
	p := &proxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: endpoint})
	rp.ErrorLog = nil
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			p.mu.Lock()
			p.hdr = r.Header.Clone()
			p.mu.Unlock()
			if corrupt && r.ContentLength > 0 {
				r.Body = &flipReader{r: r.Body, at: r.ContentLength / 2}
			}
		}
		rp.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("proxy: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	p.addr = ln.Addr().String()
	return p
}

// flipReader inverts the byte at offset at.
type flipReader struct {
	r   io.ReadCloser
	at  int64
	off int64
}

func (f *flipReader) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if i := f.at - f.off; i >= 0 && i < int64(n) {
		b[i] ^= 0xFF
	}
	f.off += int64(n)
	return n, err
}

func (f *flipReader) Close() error { return f.r.Close() }

// TestForeignObject checks that an object written by another client without
// a SHA-256 checksum reports an unknown digest, not a wrong one.
func TestForeignObject(t *testing.T) {
	s3 := testenv.MinIO(t)
	s := open(t, s3)
	data := []byte("written elsewhere")
	_, err := rawClient(t, s3).PutObject(t.Context(), s3.Bucket, "foreign", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(t.Context(), "foreign")
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != "" || info.Size != int64(len(data)) || info.ContentType != "text/plain" {
		t.Errorf("Stat = %+v, want size %d, text/plain and no SHA256", info, len(data))
	}
}

// wantShortError checks that err is EUnavailable with a one-line text that
// names the endpoint and gives the reason.
func wantShortError(t *testing.T, err error, endpoint, reason string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !domain.IsCode(err, domain.EUnavailable) {
		t.Errorf("error %q has code %s, want %s", err, domain.ErrorCode(err), domain.EUnavailable)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.ContainsAny(msg, "\r\n") || len(msg) > 200 {
		t.Errorf("error is not one short line: %q", msg)
	}
	if want := "object store minio at " + endpoint + ": " + reason; !strings.Contains(msg, want) {
		t.Errorf("error %q does not contain %q", msg, want)
	}
}

// open opens a Store on the server and bucket of s3, failing the test on
// error.
func open(t *testing.T, s3 testenv.S3) *miniostore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := miniostore.Open(ctx, miniostore.Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, Bucket: s3.Bucket})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// rawClient returns a plain minio-go client for looking behind the Store.
func rawClient(t *testing.T, s3 testenv.S3) *minio.Client {
	t.Helper()
	c, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
