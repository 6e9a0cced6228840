// Package objectstoretest is the conformance suite every domain.ObjectStore
// adapter runs, so the local directory and MinIO behave alike.
package objectstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Run runs the conformance suite against the store open returns. open is
// called once per subtest and must return an empty store that nothing else
// uses; subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) domain.ObjectStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s domain.ObjectStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"SimilarKeys", testSimilarKeys},
		{"Overwrite", testOverwrite},
		{"Range", testRange},
		{"BadKeys", testBadKeys},
		{"BadSize", testBadSize},
		{"SizeMismatch", testSizeMismatch},
		{"FailingReader", testFailingReader},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Large", testLarge},
		{"Canceled", testCanceled},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// modTimeSlack is how far the ModTime that Put reports may be from the one
// Stat reports: S3 keeps whole seconds and the PUT response carries none, so
// the MinIO adapter reports its own clock.
const modTimeSlack = 3 * time.Second

// ignoreModTime compares ObjectInfo without ModTime.
var ignoreModTime = cmpopts.IgnoreFields(domain.ObjectInfo{}, "ModTime")

func testRoundTrip(t *testing.T, s domain.ObjectStore) {
	longKey := strings.Repeat(strings.Repeat("k", 99)+"/", 5) + strings.Repeat("z", 12) // 512 bytes, the maximum
	tests := []struct {
		name    string
		key     string
		data    []byte
		size    int64 // -1: pass the size as unknown
		ctype   string
		wantCT  string
		wantLen int64
	}{
		{"small", "note.txt", []byte("hello, xiezhi"), 13, "text/plain; charset=utf-8", "text/plain; charset=utf-8", 13},
		{"nested", "photos/2024/05/0a1b-c_d.e.jpg", content(1, 100<<10), 100 << 10, "image/jpeg", "image/jpeg", 100 << 10},
		{"unknown size", "photos/unknown/orig.png", content(2, 70<<10), -1, "image/png", "image/png", 70 << 10},
		{"empty", "empty", nil, 0, "text/plain", "text/plain", 0},
		{"empty unknown size", "dir/empty2", nil, -1, "text/plain", "text/plain", 0},
		{"default content type", "no-type", content(3, 10), 10, "", "application/octet-stream", 10},
		{"longest key", longKey, content(4, 33), 33, "application/pdf", "application/pdf", 33},
		{"odd key characters", "-/_/.hidden/a.b-c_d/0.9", content(5, 5), 5, "image/webp", "image/webp", 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.key) > 512 {
				t.Fatalf("test key is %d bytes", len(tc.key))
			}
			ctx := t.Context()
			start := time.Now()
			got, err := s.Put(ctx, tc.key, onlyReader{bytes.NewReader(tc.data)}, tc.size, tc.ctype)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := domain.ObjectInfo{Key: tc.key, Size: tc.wantLen, SHA256: sum(tc.data), ContentType: tc.wantCT}
			if diff := cmp.Diff(want, got, ignoreModTime); diff != "" {
				t.Errorf("Put info (-want +got):\n%s", diff)
			}
			wantRecent(t, "Put", got.ModTime, start)

			st := stat(t, s, tc.key)
			if diff := cmp.Diff(want, st, ignoreModTime); diff != "" {
				t.Errorf("Stat info (-want +got):\n%s", diff)
			}
			wantRecent(t, "Stat", st.ModTime, start)
			if d := got.ModTime.Sub(st.ModTime).Abs(); d > modTimeSlack {
				t.Errorf("Put ModTime %v and Stat ModTime %v are %v apart", got.ModTime, st.ModTime, d)
			}

			b, oi := read(t, s, tc.key, 0, -1)
			if !bytes.Equal(b, tc.data) {
				t.Errorf("Open read %d bytes (sha %s), want %d (sha %s)", len(b), sum(b), len(tc.data), sum(tc.data))
			}
			if diff := cmp.Diff(st, oi); diff != "" {
				t.Errorf("Open info differs from Stat info (-stat +open):\n%s", diff)
			}
		})
	}
}

func testNotFound(t *testing.T, s domain.ObjectStore) {
	put(t, s, "dir/present", []byte("x"))
	for _, key := range []string{"missing", "no/such/dir/x", "dir", "dir/present/below", "dir/presen"} {
		t.Run(key, func(t *testing.T) {
			ctx := t.Context()
			_, err := s.Stat(ctx, key)
			wantCode(t, "Stat", err, domain.ENotFound)
			rc, _, err := s.Open(ctx, key, 0, -1)
			closeIfOpen(rc)
			wantCode(t, "Open", err, domain.ENotFound)
			rc, _, err = s.Open(ctx, key, 5, 10)
			closeIfOpen(rc)
			wantCode(t, "Open range", err, domain.ENotFound)
		})
	}
}

func testDelete(t *testing.T, s domain.ObjectStore) {
	ctx := t.Context()
	put(t, s, "a/b/c", []byte("c"))
	put(t, s, "a/b/sibling", []byte("sibling"))
	put(t, s, "top", []byte("top"))

	for _, key := range []string{"a/b/c", "top"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete %s: %v", key, err)
		}
		wantAbsent(t, s, key)
	}
	wantObject(t, s, "a/b/sibling", []byte("sibling"))

	// Deleting what is not there is fine, whether it was deleted before or
	// never existed, even below missing "directories".
	for _, key := range []string{"a/b/c", "never", "x/y/z"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete missing %s: %v", key, err)
		}
	}

	// The last object under a prefix goes, and the prefix can be used again.
	if err := s.Delete(ctx, "a/b/sibling"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantAbsent(t, s, "a/b/sibling")
	put(t, s, "a/b/again", []byte("again"))
	wantObject(t, s, "a/b/again", []byte("again"))
}

// testSimilarKeys checks that keys which share a prefix, or differ only in a
// suffix, name different objects. (A key that is a whole path prefix of
// another, as "a/b" of "a/b/c", is not portable: MinIO stores both but cannot
// list them, so the suite does not use such keys.)
func testSimilarKeys(t *testing.T, s domain.ObjectStore) {
	keys := []string{"p/a", "p/a.x", "p/ab", "p/a-", "p/a_/b", "p.a", "pa"}
	for _, key := range keys {
		put(t, s, key, []byte("object "+key))
	}
	for _, key := range keys {
		wantObject(t, s, key, []byte("object "+key))
	}
	if err := s.Delete(t.Context(), "p/a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantAbsent(t, s, "p/a")
	for _, key := range keys[1:] {
		wantObject(t, s, key, []byte("object "+key))
	}
}

func testOverwrite(t *testing.T, s domain.ObjectStore) {
	ctx := t.Context()
	first := content(10, 50<<10)
	second := content(11, 3<<10)
	if _, err := s.Put(ctx, "k", onlyReader{bytes.NewReader(first)}, int64(len(first)), "image/jpeg"); err != nil {
		t.Fatalf("Put first: %v", err)
	}
	got, err := s.Put(ctx, "k", onlyReader{bytes.NewReader(second)}, int64(len(second)), "image/png")
	if err != nil {
		t.Fatalf("Put second: %v", err)
	}
	want := domain.ObjectInfo{Key: "k", Size: int64(len(second)), SHA256: sum(second), ContentType: "image/png"}
	if diff := cmp.Diff(want, got, ignoreModTime); diff != "" {
		t.Errorf("Put info (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, stat(t, s, "k"), ignoreModTime); diff != "" {
		t.Errorf("Stat info (-want +got):\n%s", diff)
	}
	wantObject(t, s, "k", second)
}

func testRange(t *testing.T, s domain.ObjectStore) {
	data := content(20, 1000)
	put(t, s, "r", data)
	put(t, s, "r-empty", nil)
	st := stat(t, s, "r")

	tests := []struct {
		name           string
		key            string
		offset, length int64
		want           []byte
	}{
		{"start", "r", 0, 10, data[:10]},
		{"middle", "r", 100, 250, data[100:350]},
		{"to end", "r", 990, -1, data[990:]},
		{"whole", "r", 0, -1, data},
		{"whole by length", "r", 0, 1000, data},
		{"length past end is clamped", "r", 995, 100, data[995:]},
		{"zero length", "r", 10, 0, []byte{}},
		{"last byte", "r", 999, 1, data[999:]},
		{"at end", "r", 1000, -1, []byte{}},
		{"at end zero length", "r", 1000, 0, []byte{}},
		{"empty object", "r-empty", 0, -1, []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, info := read(t, s, tc.key, tc.offset, tc.length)
			if !bytes.Equal(b, tc.want) {
				t.Errorf("Open(%d, %d) read %d bytes %.16x…, want %d bytes %.16x…", tc.offset, tc.length, len(b), b, len(tc.want), tc.want)
			}
			if tc.key == "r" {
				if diff := cmp.Diff(st, info); diff != "" {
					t.Errorf("Open info is not the whole object's info (-stat +open):\n%s", diff)
				}
			}
		})
	}

	bad := []struct {
		name           string
		key            string
		offset, length int64
	}{
		{"offset past end", "r", 1001, -1},
		{"offset past end with length", "r", 1001, 10},
		{"offset far past end", "r", 1 << 40, 10},
		{"offset past end of empty object", "r-empty", 1, -1},
		{"negative offset", "r", -1, 10},
		{"length below -1", "r", 0, -2},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			rc, _, err := s.Open(t.Context(), tc.key, tc.offset, tc.length)
			closeIfOpen(rc)
			wantCode(t, fmt.Sprintf("Open(%d, %d)", tc.offset, tc.length), err, domain.EInvalid)
		})
	}
}

func testBadKeys(t *testing.T, s domain.ObjectStore) {
	keys := []string{
		"", "/a", "a/", "/", "a//b", "..", ".", "../a", "a/..", "a/../b", "./a", "a/./b", "x/a..b",
		"A.jpg", "a b", `a\b`, "ä.jpg", "a~obj", "a:b", "a?b", "a%2fb", "a\x00b", "a\nb",
		strings.Repeat("a", 513), strings.Repeat("b/", 256) + "c", strings.Repeat("s", 201),
	}
	for _, key := range keys {
		t.Run(fmt.Sprintf("%.24q", key), func(t *testing.T) {
			ctx := t.Context()
			_, err := s.Put(ctx, key, strings.NewReader("x"), 1, "text/plain")
			wantCode(t, "Put", err, domain.EInvalid)
			_, err = s.Stat(ctx, key)
			wantCode(t, "Stat", err, domain.EInvalid)
			rc, _, err := s.Open(ctx, key, 0, -1)
			closeIfOpen(rc)
			wantCode(t, "Open", err, domain.EInvalid)
			wantCode(t, "Delete", s.Delete(ctx, key), domain.EInvalid)
		})
	}
}

func testBadSize(t *testing.T, s domain.ObjectStore) {
	_, err := s.Put(t.Context(), "k", strings.NewReader("x"), -2, "text/plain")
	wantCode(t, "Put size -2", err, domain.EInvalid)
	wantAbsent(t, s, "k")
}

func testSizeMismatch(t *testing.T, s domain.ObjectStore) {
	tests := []struct {
		name     string
		actual   int
		declared int64
	}{
		{"shorter", 50, 100},
		{"longer", 100, 50},
		{"longer by one byte", 51, 50},
		{"shorter by one byte", 49, 50},
		{"nothing for declared bytes", 0, 10},
		{"bytes for declared nothing", 10, 0},
		{"large shorter", 1 << 20, 1<<20 + 1},
		{"large longer", 1<<20 + 1, 1 << 20},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			data := content(uint64(30+i), tc.actual)

			key := fmt.Sprintf("new-%d", i)
			_, err := s.Put(ctx, key, onlyReader{bytes.NewReader(data)}, tc.declared, "text/plain")
			wantCode(t, "Put", err, domain.EInvalid)
			wantAbsent(t, s, key)

			key = fmt.Sprintf("old-%d", i)
			old := []byte("the earlier object")
			put(t, s, key, old)
			before := stat(t, s, key)
			_, err = s.Put(ctx, key, onlyReader{bytes.NewReader(data)}, tc.declared, "text/plain")
			wantCode(t, "Put over an object", err, domain.EInvalid)
			wantObject(t, s, key, old)
			if diff := cmp.Diff(before, stat(t, s, key)); diff != "" {
				t.Errorf("object changed (-before +after):\n%s", diff)
			}
		})
	}
}

// errBoom is the error the failing readers of the suite return.
var errBoom = errors.New("objectstoretest: reader broke")

func testFailingReader(t *testing.T, s domain.ObjectStore) {
	tests := []struct {
		name      string
		good      int   // bytes the reader yields before failing
		size      int64 // declared size
		failEarly bool  // fail on the same Read that yields the last good bytes
	}{
		{"at once", 0, 1 << 10, false},
		{"half way", 64 << 10, 128 << 10, false},
		{"half way with the data", 64 << 10, 128 << 10, true},
		{"half way unknown size", 64 << 10, -1, false},
		{"after all declared bytes", 64 << 10, 64 << 10, false},
		{"after all declared bytes with the data", 64 << 10, 64 << 10, true},
		{"at once unknown size", 0, -1, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			reader := func() io.Reader {
				return &failingReader{r: bytes.NewReader(content(uint64(40+i), tc.good)), early: tc.failEarly}
			}

			key := fmt.Sprintf("new-%d", i)
			_, err := s.Put(ctx, key, reader(), tc.size, "image/jpeg")
			if !errors.Is(err, errBoom) {
				t.Errorf("Put = %v, want an error wrapping %v", err, errBoom)
			}
			wantAbsent(t, s, key)

			key = fmt.Sprintf("old-%d", i)
			old := content(uint64(50+i), 2000)
			put(t, s, key, old)
			before := stat(t, s, key)
			_, err = s.Put(ctx, key, reader(), tc.size, "image/jpeg")
			if !errors.Is(err, errBoom) {
				t.Errorf("Put over an object = %v, want an error wrapping %v", err, errBoom)
			}
			wantObject(t, s, key, old)
			if diff := cmp.Diff(before, stat(t, s, key)); diff != "" {
				t.Errorf("object changed (-before +after):\n%s", diff)
			}
		})
	}
}

func testConcurrentWriters(t *testing.T, s domain.ObjectStore) {
	const writers = 8
	for round := range 3 {
		key := fmt.Sprintf("contended/%d", round)
		bodies := make([][]byte, writers)
		types := make([]string, writers)
		for i := range bodies {
			bodies[i] = content(uint64(100*round+i), (i+1)*24<<10)
			types[i] = fmt.Sprintf("application/x-writer-%d", i)
		}

		ctx := t.Context()
		stop := make(chan struct{})
		var readers sync.WaitGroup
		readErrs := make(chan error, 4)
		for range 2 {
			readers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := readConsistent(ctx, s, key); err != nil {
						readErrs <- err
						return
					}
				}
			})
		}

		var writersWG sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			writersWG.Go(func() {
				_, errs[i] = s.Put(ctx, key, onlyReader{bytes.NewReader(bodies[i])}, int64(len(bodies[i])), types[i])
			})
		}
		writersWG.Wait()
		close(stop)
		readers.Wait()
		close(readErrs)
		for err := range readErrs {
			t.Errorf("reader during concurrent Puts: %v", err)
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("Put of writer %d: %v", i, err)
			}
		}

		got, info := read(t, s, key, 0, -1)
		winner := -1
		for i, b := range bodies {
			if bytes.Equal(got, b) {
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: object (%d bytes, sha %s) is none of the %d bodies written", round, len(got), sum(got), writers)
		}
		want := domain.ObjectInfo{Key: key, Size: int64(len(got)), SHA256: sum(got), ContentType: types[winner]}
		if diff := cmp.Diff(want, info, ignoreModTime); diff != "" {
			t.Errorf("round %d: Open info does not match the bytes (-want +got):\n%s", round, diff)
		}
		if diff := cmp.Diff(want, stat(t, s, key), ignoreModTime); diff != "" {
			t.Errorf("round %d: Stat info does not match the bytes (-want +got):\n%s", round, diff)
		}
	}
}

// readConsistent opens key once and checks that the bytes match the info
// returned with them. A missing object is fine: nothing may be committed yet.
func readConsistent(ctx context.Context, s domain.ObjectStore, key string) error {
	rc, info, err := s.Open(ctx, key, 0, -1)
	if domain.IsCode(err, domain.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != info.Size || got != info.SHA256 {
		return fmt.Errorf("read %d bytes with sha %s, info says %d bytes with sha %s", n, got, info.Size, info.SHA256)
	}
	return nil
}

func testLarge(t *testing.T, s domain.ObjectStore) {
	const size = 6 << 20
	for _, known := range []bool{true, false} {
		t.Run(fmt.Sprintf("known size %v", known), func(t *testing.T) {
			ctx := t.Context()
			key := fmt.Sprintf("large/%v.bin", known)
			declared := int64(size)
			if !known {
				declared = -1
			}
			// The body is generated as it is read, so the store sees a plain
			// stream and the test does not hold it twice.
			body := &countingReader{r: io.LimitReader(rand.NewChaCha8(seed(60)), size)}
			h := sha256.New()
			info, err := s.Put(ctx, key, io.TeeReader(body, h), declared, "application/octet-stream")
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			wantSHA := hex.EncodeToString(h.Sum(nil))
			want := domain.ObjectInfo{Key: key, Size: size, SHA256: wantSHA, ContentType: "application/octet-stream"}
			if diff := cmp.Diff(want, info, ignoreModTime); diff != "" {
				t.Errorf("Put info (-want +got):\n%s", diff)
			}
			if body.n != size {
				t.Errorf("Put read %d bytes of the body, want %d", body.n, size)
			}

			rc, oi, err := s.Open(ctx, key, 0, -1)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			h.Reset()
			n, err := io.Copy(h, rc)
			_ = rc.Close()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); n != size || got != wantSHA {
				t.Errorf("read back %d bytes with sha %s, want %d with sha %s", n, got, size, wantSHA)
			}
			if diff := cmp.Diff(want, oi, ignoreModTime); diff != "" {
				t.Errorf("Open info (-want +got):\n%s", diff)
			}

			// A range across the middle reads the right bytes.
			all := make([]byte, size)
			if _, err := io.ReadFull(rand.NewChaCha8(seed(60)), all); err != nil {
				t.Fatal(err)
			}
			mid, _ := read(t, s, key, size/2-10, 20)
			if !bytes.Equal(mid, all[size/2-10:size/2+10]) {
				t.Errorf("range across the middle read %x, want %x", mid, all[size/2-10:size/2+10])
			}
		})
	}
}

func testCanceled(t *testing.T, s domain.ObjectStore) {
	put(t, s, "present", []byte("present"))
	canceled, cancel := context.WithCancel(t.Context())
	cancel()

	t.Run("before the call", func(t *testing.T) {
		_, err := s.Put(canceled, "new", strings.NewReader("x"), 1, "text/plain")
		wantCanceled(t, "Put", err)
		wantAbsent(t, s, "new")
		_, err = s.Stat(canceled, "present")
		wantCanceled(t, "Stat", err)
		rc, _, err := s.Open(canceled, "present", 0, -1)
		closeIfOpen(rc)
		wantCanceled(t, "Open", err)
		wantCanceled(t, "Delete", s.Delete(canceled, "present"))
	})

	for _, size := range []int64{1 << 20, -1} {
		t.Run(fmt.Sprintf("during the body size %d", size), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			key := fmt.Sprintf("mid-%d", size)
			body := &cancelingReader{r: bytes.NewReader(content(70, 1<<20)), after: 256 << 10, cancel: cancel}
			_, err := s.Put(ctx, key, body, size, "text/plain")
			wantCanceled(t, "Put", err)
			wantAbsent(t, s, key)
		})
	}
	wantObject(t, s, "present", []byte("present"))
}

func testPing(t *testing.T, s domain.ObjectStore) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if s.Name() == "" {
		t.Error("Name is empty")
	}
}

// put stores data under key with a known size, failing the test on error.
func put(t *testing.T, s domain.ObjectStore, key string, data []byte) domain.ObjectInfo {
	t.Helper()
	info, err := s.Put(t.Context(), key, onlyReader{bytes.NewReader(data)}, int64(len(data)), "application/octet-stream")
	if err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
	return info
}

// stat returns the info of key, failing the test on error.
func stat(t *testing.T, s domain.ObjectStore, key string) domain.ObjectInfo {
	t.Helper()
	info, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat %s: %v", key, err)
	}
	return info
}

// read opens key and reads the range, failing the test on error.
func read(t *testing.T, s domain.ObjectStore, key string, offset, length int64) ([]byte, domain.ObjectInfo) {
	t.Helper()
	rc, info, err := s.Open(t.Context(), key, offset, length)
	if err != nil {
		t.Fatalf("Open %s (%d, %d): %v", key, offset, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s (%d, %d): %v", key, offset, length, err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("close %s: %v", key, err)
	}
	return b, info
}

// wantObject checks that key holds exactly data and that Stat agrees.
func wantObject(t *testing.T, s domain.ObjectStore, key string, data []byte) {
	t.Helper()
	got, info := read(t, s, key, 0, -1)
	if !bytes.Equal(got, data) {
		t.Errorf("%s holds %d bytes (sha %s), want %d (sha %s)", key, len(got), sum(got), len(data), sum(data))
	}
	if info.Size != int64(len(data)) || info.SHA256 != sum(data) {
		t.Errorf("%s: Open info says %d bytes with sha %s, want %d with sha %s", key, info.Size, info.SHA256, len(data), sum(data))
	}
	if diff := cmp.Diff(info, stat(t, s, key)); diff != "" {
		t.Errorf("%s: Stat info differs from Open info (-open +stat):\n%s", key, diff)
	}
}

// wantAbsent checks that key holds no object.
func wantAbsent(t *testing.T, s domain.ObjectStore, key string) {
	t.Helper()
	info, err := s.Stat(t.Context(), key)
	if err == nil {
		t.Errorf("%s exists (%d bytes), want no object", key, info.Size)
		return
	}
	wantCode(t, "Stat "+key, err, domain.ENotFound)
}

// wantCode checks that err is a *domain.Error with the given code.
func wantCode(t *testing.T, what string, err error, code domain.Code) {
	t.Helper()
	var de *domain.Error
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %s", what, code)
	case !errors.As(err, &de):
		t.Errorf("%s = %v (%T), want a *domain.Error with code %s", what, err, err, code)
	case !domain.IsCode(err, code):
		t.Errorf("%s = %v, want code %s", what, err, code)
	}
}

// wantCanceled checks that err reports the cancellation of its context.
func wantCanceled(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%s = %v, want an error wrapping context.Canceled", what, err)
	}
}

// wantRecent checks that a ModTime is set and close to the time of the test.
func wantRecent(t *testing.T, what string, mt, start time.Time) {
	t.Helper()
	if mt.Before(start.Add(-time.Minute)) || mt.After(time.Now().Add(time.Minute)) {
		t.Errorf("%s ModTime = %v, want about %v", what, mt, start)
	}
}

// closeIfOpen closes the reader of an Open that unexpectedly succeeded.
func closeIfOpen(rc io.ReadCloser) {
	if rc != nil {
		_ = rc.Close()
	}
}

// content returns n pseudo-random bytes that depend only on id.
func content(id uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(seed(id)).Read(b)
	return b
}

// seed turns a small number into a ChaCha8 seed.
func seed(id uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(id >> (8 * i))
	}
	return s
}

// sum returns the lower-case hex SHA-256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// onlyReader hides every method but Read (Seek, ReadAt, WriteTo, Len), so a
// store cannot learn the size or rewind the body behind the caller's back.
type onlyReader struct{ r io.Reader }

// Read implements io.Reader.
func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// failingReader yields what r holds and then fails with errBoom instead of
// io.EOF; with early set it fails on the read that yields the last bytes.
type failingReader struct {
	r     *bytes.Reader
	early bool
}

// Read implements io.Reader.
func (f *failingReader) Read(p []byte) (int, error) {
	if f.r.Len() == 0 {
		return 0, errBoom
	}
	n, _ := f.r.Read(p)
	if f.early && f.r.Len() == 0 {
		return n, errBoom
	}
	return n, nil
}

// cancelingReader calls cancel once it has yielded after bytes, and keeps
// yielding, as a client that hangs up mid-upload would leave the body.
type cancelingReader struct {
	r      io.Reader
	after  int
	n      int
	cancel context.CancelFunc
}

// Read implements io.Reader.
func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.n >= c.after {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
