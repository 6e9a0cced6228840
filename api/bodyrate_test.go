package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi"
	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/internal/app"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// TestTricklingBodyIsCut: over a real connection, a request body that
// comes slower than the floor once the grace has passed is cut with a 400
// and the connection closed, instead of holding the server until the
// client gives up; a body sent at once is served. (The read deadline below
// only keeps a broken server from hanging the test.)
func TestTricklingBodyIsCut(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	cfg := app.DefaultConfig()
	cfg.MinBodyRate, cfg.BodyRateGrace = 1000, 300*time.Millisecond
	a, err := app.New(cfg, app.Deps{DB: w.b.DB, Objects: w.b.Objects, Keys: w.keyring, Sealer: testSealer, Passwords: cheap, Now: w.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	o := a.Options()
	o.Spec, o.Logger = xiezhi.OpenAPI, testLogger(t)
	srv := httptest.NewServer(api.New(o))
	defer srv.Close()
	tok := w.token("assistant")

	post := func(body string, length int) (status int, err error) {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			return 0, err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(15 * time.Second))
		fmt.Fprintf(c, "POST /v1/leads HTTP/1.1\r\nHost: xiezhi\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", tok, length, body)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusBadRequest && !res.Close {
			return res.StatusCode, fmt.Errorf("the connection is kept open after the cut")
		}
		return res.StatusCode, nil
	}
	whole := `{"kind":"other","description":"一次发完"}`
	if st, err := post(whole, len(whole)); err != nil || st != http.StatusCreated {
		t.Errorf("a body sent at once: %d, %v; want 201", st, err)
	}
	// 20 bytes of a 2,000-byte body, then nothing: the floor is 1,000 B/s.
	if st, err := post(strings.Repeat(" ", 20), 2000); err != nil || st != http.StatusBadRequest {
		t.Errorf("a stalled body: %d, %v; want 400 and the connection closed", st, err)
	}
}
