package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// minBodyRate cuts a request body that trickles: after grace, the client
// must have sent at least rate bytes a second on average since the request
// began, or the read fails and the request is answered 400 (the server
// then closes the connection). Without it a client could hold a
// connection and its goroutine for the whole ReadTimeout by sending a byte
// now and then. A phone on a weak rural connection sends several KiB a
// second; rate is far below that. rate < 1 turns it off.
func minBodyRate(rate int, grace time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if rate < 1 || c.Request.Body == nil || c.Request.Body == http.NoBody {
			c.Next()
			return
		}
		r := &rateReader{body: c.Request.Body, rc: http.NewResponseController(c.Writer), rate: rate, start: time.Now(), grace: grace}
		r.extend()
		c.Request.Body = r
		c.Next()
	}
}

// rateReader moves the connection's read deadline on as bytes arrive:
// start + grace + (bytes so far)/rate.
type rateReader struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	rate  int
	start time.Time
	grace time.Duration
	n     int64
}

func (r *rateReader) extend() {
	// A writer that cannot set deadlines (a test's recorder) is left alone.
	_ = r.rc.SetReadDeadline(r.start.Add(r.grace + time.Duration(r.n)*time.Second/time.Duration(r.rate)))
}

func (r *rateReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.n += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, domain.Errorf(domain.EInvalid, "request body slower than %d bytes a second after %s: cut", r.rate, r.grace)
	}
	switch {
	case err == nil:
		r.extend()
	case errors.Is(err, io.EOF):
		// The body is read: no deadline while the request is handled (the
		// server watches the connection for a hang-up with a read, which
		// an old deadline would end, cancelling the request).
		_ = r.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (r *rateReader) Close() error { return r.body.Close() }
