package netguard_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/netguard"
)

// TestPerAddress: a client address gets at most max connections at once;
// one more is closed at once, and a slot is free again when one closes.
func TestPerAddress(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netguard.PerAddress(raw, 3)
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	// refused reports whether the server closed c without accepting it.
	refused := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return errors.Is(err, io.EOF) || isReset(err)
	}
	var held []net.Conn
	for range 3 {
		dial()
		held = append(held, <-accepted)
	}
	extra := dial()
	if !refused(extra) {
		t.Fatal("a fourth connection from one address was kept")
	}
	select {
	case c := <-accepted:
		t.Fatalf("the fourth connection was handed to the server: %v", c.RemoteAddr())
	default:
	}
	_ = held[0].Close() // one slot free again
	dial()
	select {
	case c := <-accepted:
		_ = c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted after one of the three closed")
	}
	_ = held[0].Close() // closing twice gives back one slot only
	extra = dial()
	extra2 := dial()
	var got []net.Conn // kept open until both are counted: closing one frees its slot
	for range 2 {
		select {
		case c := <-accepted:
			got = append(got, c)
		case <-time.After(2 * time.Second):
		}
	}
	for _, c := range got {
		defer c.Close()
	}
	if len(got) != 1 {
		t.Errorf("%d of two more connections accepted with two slots held and one free, want 1", len(got))
	}
	if !refused(extra2) && !refused(extra) {
		t.Error("neither of the two was refused")
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

// TestNoLimit: max below 1 leaves the listener as it is.
func TestNoLimit(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if netguard.PerAddress(raw, 0) != raw {
		t.Error("PerAddress(l, 0) wrapped the listener")
	}
}
