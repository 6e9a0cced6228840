// Package netguard bounds what one client address may hold of the server:
// a listener that refuses a connection beyond a number per address, so
// that a client opening connections it never uses (or trickling bodies
// down them) cannot take the server's file descriptors and goroutines from
// everyone else.
package netguard

import (
	"net"
	"sync"
)

// PerAddress returns l limited to max open connections per remote IP
// address: a connection beyond that is closed as soon as it is accepted
// (the client sees it reset), and the count goes down when one is closed.
// max < 1 means no limit.
func PerAddress(l net.Listener, max int) net.Listener {
	if max < 1 {
		return l
	}
	return &limited{Listener: l, max: max, open: map[string]int{}}
}

type limited struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[string]int // by remote IP
}

// Accept returns the next connection within its address's limit.
func (l *limited) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		l.mu.Lock()
		full := l.open[ip] >= l.max
		if !full {
			l.open[ip]++
		}
		l.mu.Unlock()
		if full {
			_ = c.Close()
			continue
		}
		return &conn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *limited) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func remoteIP(c net.Conn) string {
	addr := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// conn gives its slot back once, when first closed.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
