package localdir_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/localdir"
	"github.com/zhengning-court/xiezhi/internal/objectstoretest"
)

func TestConformance(t *testing.T) {
	objectstoretest.Run(t, func(t *testing.T) domain.ObjectStore {
		return open(t, t.TempDir())
	})
}

func TestName(t *testing.T) {
	if got := open(t, t.TempDir()).Name(); got != "localdir" {
		t.Errorf("Name = %q, want localdir", got)
	}
}

func TestOpenCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "objects")
	s := open(t, dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("Open did not create %s: %v", dir, err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenFailsOnFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "below"), ""} {
		if _, err := localdir.Open(dir); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", dir)
		}
	}
}

// TestNoLeftovers checks that failed Puts leave no temporary files and that
// deletes leave no empty directories.
func TestNoLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	data := bytes.Repeat([]byte("x"), 100<<10)
	if _, err := s.Put(ctx, "keep/this.jpg", bytes.NewReader(data), int64(len(data)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}

	broken := errors.New("broken")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	failures := []struct {
		name string
		ctx  context.Context
		r    func() io.Reader
		size int64
	}{
		{"short", ctx, func() io.Reader { return bytes.NewReader(data[:10]) }, int64(len(data))},
		{"long", ctx, func() io.Reader { return bytes.NewReader(data) }, 10},
		{"failing", ctx, func() io.Reader { return io.MultiReader(bytes.NewReader(data), errReader{broken}) }, -1},
		{"canceled", canceled, func() io.Reader { return bytes.NewReader(data) }, int64(len(data))},
	}
	for _, f := range failures {
		for _, key := range []string{"keep/this.jpg", "new/" + f.name + ".jpg"} {
			if _, err := s.Put(f.ctx, key, f.r(), f.size, "image/jpeg"); err == nil {
				t.Errorf("Put %s %s succeeded, want an error", f.name, key)
			}
		}
	}
	if err := s.Delete(ctx, "gone/soon"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "gone/deep/soon", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "gone/deep/soon"); err != nil {
		t.Fatal(err)
	}

	want := []string{"keep/", "keep/this.jpg~obj"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

// TestFileLayout pins the on-disk format: a 4 KiB header naming the
// metadata, then the bytes as they were put.
func TestFileLayout(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	data := []byte("a photo")
	info, err := s.Put(t.Context(), "photos/p1/orig.jpg", bytes.NewReader(data), int64(len(data)), `image/jpeg; x="<q>"`)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "photos", "p1", "orig.jpg~obj"))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4096+len(data) || !bytes.Equal(raw[4096:], data) {
		t.Fatalf("file is %d bytes ending %q, want a 4096-byte header and %q", len(raw), raw[min(len(raw), 4096):], data)
	}
	for _, want := range []string{"xiezhi-object v1\n", info.SHA256, `"image/jpeg; x=\"<q>\""`} {
		if !bytes.Contains(raw[:4096], []byte(want)) {
			t.Errorf("header %.200q lacks %q", raw[:4096], want)
		}
	}
}

// TestReopen checks that size, SHA-256, content type and time survive a new
// Store on the same directory.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	data := []byte("durable")
	put, err := open(t, dir).Put(t.Context(), "d/k", bytes.NewReader(data), -1, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	got, err := open(t, dir).Stat(t.Context(), "d/k")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(put, got); diff != "" {
		t.Errorf("Stat after reopening (-put +stat):\n%s", diff)
	}
}

// TestCorruptFile checks that a damaged object file is an internal error,
// not a missing object nor wrong bytes.
func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	data := bytes.Repeat([]byte("y"), 1000)
	if _, err := s.Put(t.Context(), "c", bytes.NewReader(data), 1000, ""); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c~obj")
	tests := []struct {
		name   string
		damage func() error
	}{
		{"truncated data", func() error { return os.Truncate(path, 4096+999) }},
		{"truncated header", func() error { return os.Truncate(path, 100) }},
		{"foreign file", func() error { return os.WriteFile(path, bytes.Repeat([]byte("z"), 5000), 0o600) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.damage(); err != nil {
				t.Fatal(err)
			}
			_, err := s.Stat(t.Context(), "c")
			if code := domain.ErrorCode(err); code != domain.EInternal {
				t.Errorf("Stat = %v (code %q), want code %s", err, code, domain.EInternal)
			}
			rc, _, err := s.Open(t.Context(), "c", 0, -1)
			if rc != nil {
				_ = rc.Close()
			}
			if code := domain.ErrorCode(err); code != domain.EInternal {
				t.Errorf("Open = %v (code %q), want code %s", err, code, domain.EInternal)
			}
		})
	}
}

func TestPing(t *testing.T) {
	tests := []struct {
		name   string
		damage func(dir string) error
	}{
		{"directory removed", os.RemoveAll},
		{"file in place of the directory", func(dir string) error {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			return os.WriteFile(dir, []byte("not a dir"), 0o600)
		}},
		// A read-only directory is not in the table: tests run as root here,
		// and root writes to read-only directories, so the case would only skip.
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "objects")
			s := open(t, dir)
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping before: %v", err)
			}
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
			err := s.Ping(t.Context())
			if !domain.IsCode(err, domain.EUnavailable) {
				t.Fatalf("Ping = %v, want code %s", err, domain.EUnavailable)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("Ping error %q does not name %s", err, dir)
			}
		})
	}

	t.Run("recovers", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "objects")
		s := open(t, dir)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(t.Context()); err == nil {
			t.Fatal("Ping of a removed directory succeeded")
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping after the directory is back: %v", err)
		}
		if got := tree(t, dir); len(got) != 0 {
			t.Errorf("Ping left %q behind", got)
		}
	})
}

// TestNestedKeys checks that a key may also be the directory of longer keys,
// which the "~obj" suffix of object files allows.
func TestNestedKeys(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	keys := []string{"n", "n/m", "n/m/o", "n/m.x"}
	for _, key := range keys {
		if _, err := s.Put(ctx, key, strings.NewReader(key), int64(len(key)), ""); err != nil {
			t.Fatalf("Put %s: %v", key, err)
		}
	}
	if err := s.Delete(ctx, "n/m"); err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		rc, _, err := s.Open(ctx, key, 0, -1)
		if key == "n/m" {
			if !domain.IsCode(err, domain.ENotFound) {
				t.Errorf("Open deleted %s = %v, want %s", key, err, domain.ENotFound)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Open %s: %v", key, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(b) != key {
			t.Errorf("%s holds %q (%v), want %q", key, b, err, key)
		}
	}
}

func TestNotFoundError(t *testing.T) {
	s := open(t, t.TempDir())
	_, err := s.Stat(t.Context(), "photos/x.jpg")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ENotFound {
		t.Fatalf("Stat = %v, want a *domain.Error with code %s", err, domain.ENotFound)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat = %v, want it to wrap fs.ErrNotExist", err)
	}
	if msg := err.Error(); strings.Count(msg, "no such file") > 1 || !strings.Contains(msg, "photos/x.jpg") {
		t.Errorf("error text %q should name the key once and the cause once", msg)
	}
}

// open opens a Store on dir, failing the test on error.
func open(t *testing.T, dir string) *localdir.Store {
	t.Helper()
	s, err := localdir.Open(dir)
	if err != nil {
		t.Fatalf("Open %s: %v", dir, err)
	}
	return s
}

// tree lists the files and directories under dir, relative and sorted;
// directories end in "/".
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// errReader fails every read with err.
type errReader struct{ err error }

// Read implements io.Reader.
func (e errReader) Read([]byte) (int, error) { return 0, e.err }
