package sealer_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhengning-court/xiezhi/internal/sealer"
)

func newSealer(t *testing.T, fill byte) *sealer.Sealer {
	t.Helper()
	s, err := sealer.New(bytes.Repeat([]byte{fill}, sealer.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := newSealer(t, 7)
	for _, plain := range []string{"62102519800101001X", "91621025MA71234567", "", "张三"} {
		sealed, err := s.Seal(plain, "debtor:1")
		if err != nil {
			t.Fatal(err)
		}
		if sealed[0] != sealer.CurrentKeyID {
			t.Errorf("key id byte %d, want %d", sealed[0], sealer.CurrentKeyID)
		}
		if plain != "" && bytes.Contains(sealed, []byte(plain)) {
			t.Errorf("sealed value contains the plaintext %q", plain)
		}
		got, err := s.Open(sealed, "debtor:1")
		if err != nil || got != plain {
			t.Errorf("Open = %q, %v; want %q", got, err, plain)
		}
	}
}

func TestSealDifferentNonces(t *testing.T) {
	s := newSealer(t, 7)
	a, _ := s.Seal("62102519800101001X", "debtor:1")
	b, _ := s.Seal("62102519800101001X", "debtor:1")
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Fatal("nonce reused")
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	s := newSealer(t, 7)
	sealed, err := s.Seal("62102519800101001X", "debtor:1")
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name   string
		sealed []byte
		aad    string
		with   *sealer.Sealer
	}{
		{"key id byte", flip(0), "debtor:1", s},
		{"nonce", flip(3), "debtor:1", s},
		{"ciphertext", flip(14), "debtor:1", s},
		{"tag", flip(len(sealed) - 1), "debtor:1", s},
		{"truncated", sealed[:10], "debtor:1", s},
		{"empty", nil, "debtor:1", s},
		{"other record", sealed, "debtor:2", s},
		{"other key", sealed, "debtor:1", newSealer(t, 8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.with.Open(tc.sealed, tc.aad)
			if !errors.Is(err, sealer.ErrOpen) {
				t.Errorf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

func TestIndexStableAndKeyed(t *testing.T) {
	s, same, other := newSealer(t, 7), newSealer(t, 7), newSealer(t, 8)
	tests := []struct {
		name  string
		a, b  string
		s2    *sealer.Sealer
		equal bool
	}{
		{"same value, same key", "62102519800101001X", "62102519800101001X", same, true},
		{"same value, other key", "62102519800101001X", "62102519800101001X", other, false},
		{"other value, same key", "62102519800101001X", "621025198001010025", same, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := s.Index(tc.a), tc.s2.Index(tc.b)
			if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
				t.Errorf("index %q is not 64 hex digits", a)
			}
			if (a == b) != tc.equal {
				t.Errorf("Index(%q) = %s, Index(%q) = %s; equal want %v", tc.a, a, tc.b, b, tc.equal)
			}
		})
	}
	// The index key is not the seal key, and the index is not a plain hash.
	if s.Index("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Error("index is an unkeyed SHA-256")
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := sealer.New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-byte key", n)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "data.key")
	if err := sealer.CreateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, err := sealer.LoadKey(path)
	if err != nil || len(key) != sealer.KeySize {
		t.Fatalf("LoadKey = %d bytes, %v", len(key), err)
	}
	if err := sealer.CreateKeyFile(path); err == nil {
		t.Error("CreateKeyFile overwrote a key")
	}
	again, _ := sealer.LoadKey(path)
	if !bytes.Equal(key, again) {
		t.Error("the key changed")
	}

	bad := filepath.Join(dir, "bad.key")
	for _, content := range []string{"not base64!!", "c2hvcnQ=\n", ""} {
		if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := sealer.LoadKey(bad); err == nil || !strings.Contains(err.Error(), sealer.HowToCreate) {
			t.Errorf("LoadKey(%q) = %v; want an error telling how to create a key", content, err)
		}
	}
}
