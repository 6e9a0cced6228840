package api

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// IdempotencyConfig tunes the Idempotency-Key of creating requests.
type IdempotencyConfig struct {
	TTL          time.Duration // how long the outcome of a request is kept for its retries
	InFlightWait time.Duration // how long a repeated request waits for the first one to finish
	// RunTimeout bounds the use case of a claimed request: when it passes,
	// the request's context ends and its transaction is rolled back, so
	// that a record older than AbandonAfter (> RunTimeout) can only be one
	// whose instance died, and is taken over.
	RunTimeout   time.Duration
	AbandonAfter time.Duration
}

// DefaultIdempotencyConfig is what production runs with: a phone may retry
// a submission for a week (it queues offline); a submission takes
// milliseconds, so 20 s bounds even a slow database, and the key of an
// instance killed in the middle is free again 30 s after its claim.
func DefaultIdempotencyConfig() IdempotencyConfig {
	return IdempotencyConfig{TTL: 7 * 24 * time.Hour, InFlightWait: 10 * time.Second, RunTimeout: 20 * time.Second, AbandonAfter: 30 * time.Second}
}

var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// creation is what a creating use case did: the answer, and the resource
// it created (created true) or found already there.
type creation struct {
	answer  response
	id      string
	created bool
}

// exactlyOnce runs a creating request at most once per caller and
// Idempotency-Key (none: run runs with a nil key). op names the request and
// hash is that of its canonical body. The first request claims the key and
// runs; run must finish the key's record in the transaction of what it
// creates (domain.IdempotencyStore.FinishIdempotency), and exactlyOnce
// finishes it when run found the resource already there, or frees the key
// when run failed. The same request again is answered by replay from the
// record's outcome, marked Idempotent-Replayed: true; while the first is
// still in flight it waits up to InFlightWait, then is EConflict. The same
// key with another body or request is EValidation (Idempotency-Key
// reused).
func (h *handlers) exactlyOnce(c *gin.Context, op, hash string,
	run func(ctx context.Context, key *domain.IdempotencyKey) (creation, error),
	replay func(id string, created bool) (response, error)) (response, error) {
	raw := c.GetHeader("Idempotency-Key")
	if raw == "" {
		res, err := run(c.Request.Context(), nil)
		return res.answer, err
	}
	if !idempotencyKeyPattern.MatchString(raw) {
		return response{}, domain.Invalid(domain.FieldError{Field: "Idempotency-Key", Code: "invalid"})
	}
	ctx := c.Request.Context()
	k := domain.IdempotencyKey{UserID: actor(c).UserID, Key: raw}
	rec, claimed, err := h.claim(ctx, k, op, hash)
	if err != nil {
		return response{}, err
	}
	if !claimed {
		r, err := replay(rec.ResourceID, rec.Outcome == domain.OutcomeCreated)
		return r.header("Idempotent-Replayed", "true"), err
	}
	rctx, cancel := context.WithTimeout(ctx, h.o.IdempotencyConfig.RunTimeout)
	defer cancel()
	res, err := run(rctx, &k)
	switch {
	case err != nil:
		// Nothing was created: free the key so that a corrected retry works.
		// (Had the change committed, its record is done and stays.)
		_ = h.o.Idempotency.ReleaseIdempotency(context.WithoutCancel(ctx), k)
	case !res.created:
		err = h.o.Idempotency.FinishIdempotency(ctx, k, domain.OutcomeExisting, res.id)
	}
	return res.answer, err
}

// claim takes the key for this request (claimed true), or returns the
// finished record of the first request with it. It uses single statements,
// not a locking transaction: two requests that race to insert one key must
// not deadlock (InnoDB gap locks), and the primary key decides which wins.
func (h *handlers) claim(ctx context.Context, k domain.IdempotencyKey, op, hash string) (domain.IdempotencyRecord, bool, error) {
	store, cfg := h.o.Idempotency, h.o.IdempotencyConfig
	// The wait is real time, not the application's clock: it bounds how
	// long this request holds its connection.
	deadline := time.Now().Add(cfg.InFlightWait)
	for {
		now := h.o.Now().UTC()
		err := store.ClaimIdempotency(ctx, domain.IdempotencyRecord{IdempotencyKey: k, Operation: op, RequestHash: hash,
			CreatedAt: now, ExpiresAt: now.Add(cfg.TTL)})
		if err == nil {
			return domain.IdempotencyRecord{}, true, nil
		}
		if !domain.IsCode(err, domain.EConflict) {
			return domain.IdempotencyRecord{}, false, err
		}
		rec, err := store.GetIdempotency(ctx, k)
		switch {
		case domain.IsCode(err, domain.ENotFound):
			continue // the first request failed and freed the key: try again
		case err != nil:
			return rec, false, err
		case rec.Operation != op || rec.RequestHash != hash:
			return rec, false, &domain.Error{Code: domain.EValidation, Message: "idempotency key reused with another request",
				Fields: []domain.FieldError{{Field: "Idempotency-Key", Code: "reused"}}}
		case rec.Done:
			return rec, false, nil
		case now.Sub(rec.CreatedAt) >= cfg.AbandonAfter: // its instance died: take it over
			if err := store.ReleaseIdempotency(ctx, k); err != nil {
				return rec, false, err
			}
			continue
		}
		if !time.Now().Before(deadline) {
			return rec, false, &domain.Error{Code: domain.EConflict, RetryAfter: cfg.AbandonAfter - now.Sub(rec.CreatedAt),
				Message: fmt.Sprintf("a request with idempotency key %q is still in flight", k.Key)}
		}
		select {
		case <-ctx.Done():
			return rec, false, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}
