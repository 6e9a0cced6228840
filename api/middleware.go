package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// RequestIDHeader carries the request id both ways.
const RequestIDHeader = "X-Request-ID"

// validRequestID accepts what a client may send as its own request id;
// anything else is replaced so that logs stay clean.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// requestID echoes a valid X-Request-ID or makes a new one, sets it on the
// response and puts it, with a logger carrying it, into the request context.
func requestID(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Header(RequestIDHeader, id)
		log := base.With("request_id", id)
		ctx := context.WithValue(c.Request.Context(), requestIDKey, id)
		ctx = context.WithValue(ctx, loggerKey, log)
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func contextWithActor(ctx context.Context, a domain.Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// RequestID returns the request id of c's request.
func RequestID(c *gin.Context) string {
	id, _ := c.Request.Context().Value(requestIDKey).(string)
	return id
}

// Logger returns the request's logger (with its request id) from ctx, or
// slog.Default when there is none.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func loggerFrom(c *gin.Context) *slog.Logger { return Logger(c.Request.Context()) }

// accessLog logs one JSON line per request once it is answered.
func accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		st := c.Writer.Status()
		level := slog.LevelInfo
		if st >= 500 {
			level = slog.LevelError
		}
		loggerFrom(c).LogAttrs(c.Request.Context(), level, "request",
			slog.String("method", c.Request.Method),
			slog.String("route", routeLabel(c)),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", st),
			slog.Int("bytes", c.Writer.Size()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote", c.ClientIP()),
		)
	}
}

// recoverProblem turns a panic into a logged stack trace and a generic 500
// problem. http.ErrAbortHandler is re-raised: it is net/http's way to cut a
// response short on purpose.
func recoverProblem() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			loggerFrom(c).Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if c.Writer.Written() {
				c.Abort()
				return
			}
			writeProblem(c, newProblem(c, domain.Errorf(domain.EInternal, "panic: %v", v)))
		}()
		c.Next()
	}
}

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xiezhi_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "xiezhi_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "xiezhi_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// instrument counts and times every request by its route template, so that
// ids in paths never blow up the label space.
func (m *Metrics) instrument() gin.HandlerFunc {
	return func(c *gin.Context) {
		m.inFlight.Inc()
		start := time.Now()
		defer func() {
			m.inFlight.Dec()
			route := routeLabel(c)
			m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
			m.duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
		}()
		c.Next()
	}
}

// routeLabel is the matched route template, or "unmatched".
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// securityHeaders sets what every answer carries: X-Content-Type-Options:
// nosniff, so that no browser runs an answer as another type than it
// says; and, for the /v1 API, Cache-Control: no-store unless the handler
// says otherwise (a photo is private and immutable, a rarely changing list
// private, no-cache): its answers are personal data or about it, and no
// shared cache or browser history may keep them.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}
