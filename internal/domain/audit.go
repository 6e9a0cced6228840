package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Audit actions. An action names what was done to the subject.
const (
	AuditDebtorUnmask = "debtor.unmask" // a full ID number was shown, with a reason
	AuditDebtorCreate = "debtor.create"
	AuditDebtorUpdate = "debtor.update"
	AuditCaseCreate   = "case.create"
	AuditCaseUpdate   = "case.update"
	AuditCaseLink     = "case.link_debtor"
	AuditLeadMove     = "lead.transition" // a lifecycle step
	AuditLeadAssign   = "lead.assign"
	AuditLeadReroute  = "lead.reroute"
	AuditLeadComment  = "lead.comment"
	AuditLeadLink     = "lead.link" // tied to a case and a debtor
)

// GenesisHash is the previous hash of the first audit entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one entry of the append-only, tamper-evident audit log. Each
// entry's Hash covers the previous entry's hash and the entry itself, so
// changing or removing an entry breaks the chain from there on.
type AuditEntry struct {
	Seq         int64 // 1, 2, 3…: gap-free
	ID          string
	At          time.Time // UTC, microseconds (what both databases keep)
	ActorID     string
	ActorRole   Role
	Action      string
	SubjectType string // debtor, case
	SubjectID   string
	Detail      string // a JSON object as text; never a full ID number
	PrevHash    string
	Hash        string
}

// AuditHash returns the hex SHA-256 of prev and the canonical encoding of
// e: a JSON array of the entry's fields in a fixed order (JSON escapes
// every string unambiguously, so no two entries encode alike).
func AuditHash(prev string, e AuditEntry) string {
	canonical, _ := json.Marshal([]string{ //nolint:errchkjson // strings only
		strconv.FormatInt(e.Seq, 10), e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, string(e.ActorRole),
		e.Action, e.SubjectType, e.SubjectID, e.Detail,
	})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(canonical)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditDetail encodes the detail of an entry as a JSON object with sorted
// keys.
func AuditDetail(kv map[string]any) string {
	if len(kv) == 0 {
		return "{}"
	}
	b, err := json.Marshal(kv)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// AuditFilter selects audit entries for a list, newest first.
type AuditFilter struct {
	Action    string
	SubjectID string
	Limit     int
	Cursor    string
}

// AuditHead is the stored end of the chain: the last sequence number and
// hash appended.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AppendAudit adds an entry at the end of the chain, setting its Seq,
	// PrevHash and Hash (and ID and At when empty). Call it in the
	// transaction of the change it records: appends are serialised, so
	// concurrent transactions extend one chain.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// ListAudit returns a page of entries, newest first, and the cursor
	// of the next page ("" on the last). Errors: EValidation (cursor).
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error)
}

// AuditChecker verifies an audit chain entry by entry, in Seq order: feed
// every entry to Next, then call End with the stored head.
type AuditChecker struct {
	n    int64
	last AuditEntry
}

// BrokenChain says where and why an audit chain is broken.
type BrokenChain struct {
	Seq    int64
	Reason string
}

// Error implements error.
func (b *BrokenChain) Error() string {
	return fmt.Sprintf("audit log broken at seq %d: %s", b.Seq, b.Reason)
}

// Next checks one entry against the one before. Errors: *BrokenChain.
func (c *AuditChecker) Next(e AuditEntry) error {
	wantSeq, wantPrev := c.last.Seq+1, c.last.Hash
	if c.n == 0 {
		wantSeq, wantPrev = 1, GenesisHash
	}
	switch {
	case e.Seq != wantSeq:
		return &BrokenChain{Seq: wantSeq, Reason: fmt.Sprintf("entry missing (the next entry is seq %d)", e.Seq)}
	case e.PrevHash != wantPrev:
		return &BrokenChain{Seq: e.Seq, Reason: "prev_hash does not match the hash of the entry before"}
	case AuditHash(e.PrevHash, e) != e.Hash:
		return &BrokenChain{Seq: e.Seq, Reason: "hash does not match the entry's contents (entry changed)"}
	}
	c.n++
	c.last = e
	return nil
}

// End checks the end of the chain against the stored head and returns how
// many entries were checked. Errors: *BrokenChain.
func (c *AuditChecker) End(head AuditHead) (int64, error) {
	switch {
	case head.Seq > c.last.Seq:
		return c.n, &BrokenChain{Seq: c.last.Seq + 1, Reason: fmt.Sprintf("entry missing (the log should end at seq %d)", head.Seq)}
	case head.Seq < c.last.Seq:
		return c.n, &BrokenChain{Seq: head.Seq + 1, Reason: fmt.Sprintf("entry appended outside the server (the head is at seq %d)", head.Seq)}
	case c.n > 0 && !strings.EqualFold(head.Hash, c.last.Hash):
		return c.n, &BrokenChain{Seq: c.last.Seq, Reason: "hash differs from the stored head"}
	}
	return c.n, nil
}

// AuditedStores are the stores a change that is audited works with, in one
// transaction with the audit log.
type AuditedStores struct {
	Org   OrgStore
	Cases CaseStore
	Audit AuditStore
}

// AuditTransactor runs fn in one database transaction with the audit log:
// the change and its audit entry commit together or not at all.
type AuditTransactor interface {
	TransactAudited(ctx context.Context, fn func(AuditedStores) error) error
}
