package accounts

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/password"
)

// slowHasher records how many hashes run at once.
type slowHasher struct{ now, peak atomic.Int32 }

func (h *slowHasher) work() {
	n := h.now.Add(1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(5 * time.Millisecond)
	h.now.Add(-1)
}

func (h *slowHasher) Hash(string) (string, error)        { h.work(); return "h", nil }
func (h *slowHasher) Check(string, string) (bool, error) { h.work(); return true, nil }

// TestHashersAreBounded: sixteen logins at once run at most Hashers
// argon2id computations together (each takes 64 MiB).
func TestHashersAreBounded(t *testing.T) {
	inner := &slowHasher{}
	b := boundedHasher{h: inner, sem: make(chan struct{}, 2)}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, _ = b.Hash("x")
			} else {
				_, _ = b.Check("h", "x")
			}
		}()
	}
	wg.Wait()
	if p := inner.peak.Load(); p != 2 {
		t.Errorf("peak concurrent hashes %d, want 2", p)
	}
}

// TestDummyHashMatchesDefault: the fixed dummy hash has the production
// parameters, so an unknown phone costs what a known one does.
func TestDummyHashMatchesDefault(t *testing.T) {
	p := password.Default
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Time, p.Threads)
	if !strings.HasPrefix(dummyHash, want) {
		t.Errorf("dummy hash %q does not start with %q", dummyHash, want)
	}
	if ok, err := password.Check(dummyHash, ""); ok || err != nil {
		t.Errorf("dummy hash: %v %v", ok, err)
	}
}
