package domain

import (
	"context"
	"time"
)

// IdempotencyKey names a creating request that its client may send again:
// the caller and the key the client chose (the Idempotency-Key header).
// Keys are per user, so two users may choose the same one.
type IdempotencyKey struct {
	UserID string
	Key    string
}

// IdempotencyOutcome is what the first request with a key did.
type IdempotencyOutcome string

// The outcomes of a creating request.
const (
	// OutcomeCreated: it created the resource (a replay answers as created).
	OutcomeCreated IdempotencyOutcome = "created"
	// OutcomeExisting: it found the resource already there (a client-chosen
	// id used before with the same content) and answered with it.
	OutcomeExisting IdempotencyOutcome = "existing"
)

// IdempotencyRecord is what a creating request did, kept so that the same
// request again is answered from it instead of acting twice. It holds the
// outcome and the resource's id, not a rendered answer: a replay reads the
// resource again and shows it as it is now.
type IdempotencyRecord struct {
	IdempotencyKey
	Operation   string // which request the key was used for, e.g. "POST /v1/leads"
	RequestHash string // of the canonical request body: the same key with another body is refused
	Done        bool   // false while the first request is in flight
	Outcome     IdempotencyOutcome
	ResourceID  string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// IdempotencyStore keeps idempotency records. Claiming is a single
// statement, never a locking read, so that two requests racing for one key
// cannot deadlock: the primary key decides which one wins.
type IdempotencyStore interface {
	// ClaimIdempotency creates an in-flight record. Errors: EConflict when
	// the key's record exists.
	ClaimIdempotency(ctx context.Context, r IdempotencyRecord) error
	// GetIdempotency returns the key's record. Errors: ENotFound.
	GetIdempotency(ctx context.Context, k IdempotencyKey) (IdempotencyRecord, error)
	// FinishIdempotency records the outcome of the key's in-flight request.
	// A use case calls it in the transaction of the change it made, so that
	// the record says "done" if and only if the change exists. Errors:
	// ENotFound when no in-flight record has the key.
	FinishIdempotency(ctx context.Context, k IdempotencyKey, outcome IdempotencyOutcome, resourceID string) error
	// ReleaseIdempotency deletes the key's record while it is still in
	// flight (its request failed and changed nothing, or its instance died),
	// so that the key can be used again; a finished record stays.
	ReleaseIdempotency(ctx context.Context, k IdempotencyKey) error
	// PurgeIdempotency deletes the records that expired before now.
	PurgeIdempotency(ctx context.Context, now time.Time) (int64, error)
}
