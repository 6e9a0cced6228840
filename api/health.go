package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Check is one dependency that /readyz asks: the database or the object
// store.
type Check struct {
	Name    string // "database", "object_store"
	Backend string // "sqlite", "mysql", "localdir", "minio"
	Ping    func(ctx context.Context) error
}

// checkResult is one check's answer in the /readyz body: up or down, never
// why (the probe answers anyone; the reason goes to the log).
type checkResult struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	Status  string `json:"status"`
}

// checkTimeout bounds each readiness check so that a hung dependency makes
// /readyz fail fast instead of hanging the load balancer's probe.
const checkTimeout = 3 * time.Second

// healthz handles GET /healthz: the process is alive. It asks nothing else,
// so a database outage never makes an orchestrator restart healthy pods.
func healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz handles GET /readyz: every dependency answers. Checks run
// concurrently, each with its own timeout; nothing is cached, so the answer
// recovers as soon as the dependency does. The probe needs no token, so
// it says which dependency is down but not why: the reason of each failed
// check is logged with the request id.
func readyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		results, reasons := runChecks(c.Request.Context(), checks)
		c.Header("Cache-Control", "no-store")
		var fields []domain.FieldError
		var logged []any
		for i, r := range results {
			if r.Status != "up" {
				fields = append(fields, domain.FieldError{Field: r.Name, Code: "down"})
				logged = append(logged, slog.String(r.Name, r.Backend+": "+reasons[i]))
			}
		}
		if len(fields) == 0 {
			c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": results})
			return
		}
		loggerFrom(c).Warn("not ready", slog.Group("down", logged...))
		err := &domain.Error{Code: domain.EUnavailable, Message: "not ready", Fields: fields}
		p := newProblem(c, err)
		p.Checks = results
		problemHeaders(c, err, p)
		writeProblem(c, p)
	}
}

// runChecks runs the checks concurrently and returns their results and,
// for those down, the reasons.
func runChecks(ctx context.Context, checks []Check) ([]checkResult, []string) {
	results, reasons := make([]checkResult, len(checks)), make([]string, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			results[i] = checkResult{Name: ch.Name, Backend: ch.Backend, Status: "up"}
			if err := ch.Ping(ctx); err != nil {
				results[i].Status, reasons[i] = "down", reason(err)
			}
		})
	}
	wg.Wait()
	return results, reasons
}

// reason is the operator-facing text of a failed check: the domain message
// when there is one (adapters keep it short and free of secrets).
func reason(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Message != "" {
		return de.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}
