package password

import (
	"errors"
	"strings"
	"testing"
)

// fast keeps the tests quick; the format and checks are the same.
var fast = Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashAndCheck(t *testing.T) {
	h, err := fast.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	h2, _ := fast.Hash("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name, pw string
		want     bool
	}{
		{"right", "correct horse battery", true},
		{"wrong", "correct horse batterz", false},
		{"empty", "", false},
		{"prefix", "correct horse", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Check(h, tc.pw)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Errorf("Check(%q) = %v, want %v", tc.pw, ok, tc.want)
			}
		})
	}
}

func TestCheckMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=1,t=1,p=1$!!$a2V5", "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$"} {
		if _, err := Check(h, "x"); !errors.Is(err, ErrMalformed) {
			t.Errorf("Check(%q) err = %v, want ErrMalformed", h, err)
		}
	}
}

func TestRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := Random(16)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 16 {
			t.Fatalf("len %d", len(p))
		}
		for _, r := range p {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("%q has %q outside the alphabet", p, r)
			}
		}
		if seen[p] {
			t.Fatalf("repeated password %q", p)
		}
		seen[p] = true
	}
}

func TestWeakness(t *testing.T) {
	tests := []struct{ pw, phone, want string }{
		{"short1", "", "too_short"},
		{strings.Repeat("长", 9), "", "too_short"},
		{strings.Repeat("x", 257), "", "too_long"},
		{"Password123", "", "too_common"},
		{"WOAINI1314", "", "too_common"},
		{"1234567890", "", "too_common"},
		{"abcdefghijk", "", "too_common"},
		{"aaaaaaaaaaaa", "", "too_common"},
		{"abababababab", "", "too_common"},
		{"my13800138000pw", "13800138000", "contains_phone"},
		{"x00138000yz!", "13800138000", "contains_phone"},
		{"黄土高原上的苹果树", "", "too_short"},
		{"黄土高原上的苹果树开花", "13800138000", ""},
		{"tractor-Gansu-2026", "13800138000", ""},
	}
	for _, tc := range tests {
		if got := Weakness(tc.pw, tc.phone); got != tc.want {
			t.Errorf("Weakness(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
}

func TestLockedMatchesNothing(t *testing.T) {
	for _, pw := range []string{"", Locked, "anything"} {
		if ok, err := Check(Locked, pw); ok || err != nil {
			t.Errorf("Check(Locked, %q) = %v, %v", pw, ok, err)
		}
	}
}
