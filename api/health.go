package api

import (
	"context"
	"errors"
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

// checkResult is one check's answer in the /readyz body.
type checkResult struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
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
// recovers as soon as the dependency does.
func readyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		results := make([]checkResult, len(checks))
		var wg sync.WaitGroup
		for i, ch := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(c.Request.Context(), checkTimeout)
				defer cancel()
				results[i] = checkResult{Name: ch.Name, Backend: ch.Backend, Status: "up"}
				if err := ch.Ping(ctx); err != nil {
					results[i].Status, results[i].Error = "down", reason(err)
				}
			}()
		}
		wg.Wait()
		c.Header("Cache-Control", "no-store")
		var fields []domain.FieldError
		for _, r := range results {
			if r.Status != "up" {
				fields = append(fields, domain.FieldError{Field: r.Name, Code: "down", Params: map[string]any{"reason": r.Error}})
			}
		}
		if len(fields) == 0 {
			c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": results})
			return
		}
		err := &domain.Error{Code: domain.EUnavailable, Message: "not ready", Fields: fields}
		p := newProblem(c, err)
		p.Checks = results
		loggerFrom(c).Warn("not ready", "checks", results)
		writeProblem(c, p)
	}
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
