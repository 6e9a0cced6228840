// Package api is Xiezhi's HTTP layer: the Gin router, middleware, problem
// errors and one file per resource. Handlers bind, call one use case and
// render; they never touch the database or the object store directly.
package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zhengning-court/xiezhi/api/docsui"
	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/cases"
	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/intake"
	"github.com/zhengning-court/xiezhi/internal/organisation"
	"github.com/zhengning-court/xiezhi/internal/roster"
	"github.com/zhengning-court/xiezhi/internal/stats"
	"github.com/zhengning-court/xiezhi/internal/triage"
)

// Options is everything the router needs; cmd/xiezhi wires it.
type Options struct {
	Logger   *slog.Logger
	Checks   []Check              // readiness checks
	Registry *prometheus.Registry // /metrics; HTTP metrics are registered on it
	Spec     []byte               // openapi.yaml, served at /openapi.yaml
	Started  time.Time            // Last-Modified of the embedded documents

	Accounts *accounts.Service     // sign-in, sessions, users
	Org      *organisation.Service // grids, villages, teams
	Tokens   domain.TokenVerifier  // access tokens
	JWKS     func() []byte         // public keys, served at /.well-known/jwks.json
	Contacts *roster.Service       // contact book import and export
	Intake   *intake.Service       // leads and photos from the phones
	Triage   *triage.Service       // the enforcement teams' workflow
	Cases    *cases.Service        // cases, debtors and the audit log
	Stats    *stats.Service        // results per grid and per assistant
	// JobCounts, when set, counts the background jobs by state for
	// /metrics (xiezhi_jobs).
	JobCounts func(context.Context) (map[domain.JobState]int64, error)

	// Idempotency keeps the outcomes of creating requests (Idempotency-Key).
	Idempotency       domain.IdempotencyStore
	IdempotencyConfig IdempotencyConfig // zero: DefaultIdempotencyConfig
	Now               func() time.Time  // nil: time.Now

	// MinBodyRate, in bytes a second, is the slowest a request body may
	// come on average once BodyRateGrace has passed; a slower one is cut
	// (0: no floor).
	MinBodyRate   int
	BodyRateGrace time.Duration
}

// handlers are the resource handlers; they share the options.
type handlers struct{ o Options }

// New builds the router.
func New(o Options) *gin.Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.IdempotencyConfig == (IdempotencyConfig{}) {
		o.IdempotencyConfig = DefaultIdempotencyConfig()
	}
	if c := &o.IdempotencyConfig; c.AbandonAfter <= c.RunTimeout {
		c.AbandonAfter = c.RunTimeout + 10*time.Second // a live request is never taken over
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if os.Getenv(gin.EnvGinMode) == "" {
		// Gin's debug mode prints every route at start and warns on
		// stdout; our logs are JSON. GIN_MODE=debug brings it back.
		gin.SetMode(gin.ReleaseMode)
	}
	r := gin.New()
	// Paths are exact: a trailing slash or odd case is a 404 problem, not a
	// redirect that API clients would have to follow.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = false
	// Behind a proxy, configure trusted proxies explicitly; by default the
	// client address is the peer's, never a spoofable header.
	_ = r.SetTrustedProxies(nil)

	m := NewMetrics(o.Registry)
	if o.JobCounts != nil {
		o.Registry.MustRegister(newJobsCollector(o.JobCounts, o.Logger))
	}
	r.Use(requestID(o.Logger), securityHeaders(), m.instrument(), accessLog(), recoverProblem(), minBodyRate(o.MinBodyRate, o.BodyRateGrace))
	r.NoRoute(func(c *gin.Context) {
		renderProblem(c, domain.Errorf(domain.ENotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		// Gin has already set Allow to the methods the path takes.
		renderProblem(c, domain.Errorf(domain.EMethodNotAllowed, "%s %s", c.Request.Method, c.Request.URL.Path))
	})

	r.GET("/healthz", healthz)
	r.GET("/readyz", readyz(o.Checks))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelError)})))
	docs(r, o)
	webRoutes(r) // the console at /: api/web.go
	if o.Accounts != nil {
		routes(r, &handlers{o: o})
	}
	return r
}

// routes registers the /v1 API. Every route but login, refresh and the
// JWKS requires a bearer token; what each role may do is decided in the use
// cases (domain policy), not here.
func routes(r *gin.Engine, h *handlers) {
	r.GET("/.well-known/jwks.json", handle(h.jwks))
	v1 := r.Group("/v1")
	v1.POST("/auth/login", handle(withBody(h.login)))
	v1.POST("/auth/refresh", handle(h.refresh))

	a := v1.Group("", h.authenticate, checkQuery)
	a.POST("/auth/logout", handle(h.logout))
	a.GET("/me", handle(h.me))
	a.POST("/me/password", handle(withBody(h.changePassword)))
	a.GET("/me/sessions", handle(h.sessions))
	a.DELETE("/me/sessions/:session_id", handle(h.endSession))

	a.GET("/grids", handle(h.listGrids))
	a.POST("/grids", handle(withBody(h.createGrid)))
	a.GET("/grids/:grid_id", handle(h.getGrid))
	a.PATCH("/grids/:grid_id", handle(withChange(h.updateGrid)))
	a.GET("/grids/:grid_id/villages", handle(h.listVillages))
	a.POST("/grids/:grid_id/villages", handle(withBody(h.createVillage)))
	a.POST("/grids/:grid_id/villages/import", handle(h.importVillages))
	a.PATCH("/villages/:village_id", handle(withChange(h.updateVillage)))
	a.GET("/teams", handle(h.listTeams))
	a.POST("/teams", handle(withBody(h.createTeam)))
	a.GET("/teams/:team_id", handle(h.getTeam))
	a.PATCH("/teams/:team_id", handle(withChange(h.updateTeam)))

	a.GET("/users", handle(h.listUsers))
	a.POST("/users", handle(withBody(h.createUser)))
	a.GET("/users/:user_id", handle(h.getUser))
	a.PATCH("/users/:user_id", handle(withChange(h.updateUser)))
	a.POST("/users/:user_id/disable", handle(h.setUserStatus(domain.UserDisabled)))
	a.POST("/users/:user_id/enable", handle(h.setUserStatus(domain.UserActive)))
	a.POST("/users/:user_id/password-reset", handle(h.resetPassword))
	a.GET("/assistants", handle(h.listAssistants))
	a.GET("/assistants/export", h.exportAssistants)
	a.POST("/assistants/import", handle(h.importAssistants))

	a.POST("/leads", handle(h.createLead))
	a.GET("/leads", handle(h.listLeads))
	a.GET("/leads/export", h.exportLeads)
	a.GET("/leads/:lead_id", handle(h.getLead))
	a.GET("/leads/:lead_id/events", handle(h.leadEvents))
	a.POST("/leads/:lead_id/withdraw", handle(h.withdrawLead))
	a.POST("/leads/:lead_id/answer", handle(withBody(h.answerLead)))
	a.POST("/leads/:lead_id/transitions", handle(withChange(h.transitionLead)))
	a.POST("/leads/:lead_id/comments", handle(withBody(h.commentLead)))
	caseRoutes(a, h)
	a.POST("/leads/:lead_id/assign", handle(withChange(h.assignLead)))
	a.POST("/leads/:lead_id/reroute", handle(withChange(h.rerouteLead)))
	a.POST("/leads/:lead_id/link", handle(withChange(h.linkLead)))
	a.POST("/leads/assign", handle(withBody(h.assignLeads)))
	a.GET("/leads/:lead_id/photos", handle(h.listPhotos))
	a.PUT("/leads/:lead_id/photos/:photo_id", handle(h.putPhoto))
	a.GET("/leads/:lead_id/photos/:photo_id", h.getPhoto(false))
	a.GET("/leads/:lead_id/photos/:photo_id/thumbnail", h.getPhoto(true))
	a.GET("/wanted", handle(h.wanted))
	a.GET("/stats/grids", handle(h.gridStats))
	a.GET("/stats/assistants", handle(h.assistantStats))
}

// docs serves the contract and the browsable reference built from it, all
// embedded in the binary (users may be offline).
func docs(r *gin.Engine, o Options) {
	page := docsui.Page("/openapi.yaml")
	script := docsui.Script()
	serve := func(contentType string, body []byte, cache string) gin.HandlerFunc {
		return func(c *gin.Context) {
			// Set before ServeContent, which would otherwise sniff the type.
			c.Header("Content-Type", contentType)
			c.Header("X-Content-Type-Options", "nosniff")
			c.Header("Cache-Control", cache)
			http.ServeContent(c.Writer, c.Request, "", o.Started, bytes.NewReader(body))
		}
	}
	r.GET("/openapi.yaml", serve("application/yaml; charset=utf-8", o.Spec, "no-cache"))
	r.GET("/docs", serve("text/html; charset=utf-8", page, "no-cache"))
	r.GET("/docs/redoc.standalone.js", serve("text/javascript; charset=utf-8", script, "public, max-age=86400"))
}
