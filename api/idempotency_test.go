package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/api"
	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// TestIdempotencyKeyLifecycle: what the record of an Idempotency-Key does
// over a key's life, beyond the race of TestSubmitExactlyOnce: a failed
// request frees its key, a replay shows the lead as it is now, an
// abandoned request's key is taken over, and a malformed key is refused.
func TestIdempotencyKeyLifecycle(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		tok := w.token("assistant")

		// A malformed key is refused before anything is stored.
		p := wantProblem(t, w.do(postLead(tok, vehicleLead(), "has spaces")), 422, "validation_failed")
		if e := p["errors"].([]any)[0].(map[string]any); e["field"] != "Idempotency-Key" || e["code"] != "invalid" {
			t.Errorf("malformed key: %v", p["errors"])
		}

		// A request that fails leaves the key free for the corrected one.
		bad := vehicleLead()
		bad["kind"] = "treasure"
		wantProblem(t, w.do(postLead(tok, bad, "k-corrected")), 422, "validation_failed")
		rec := w.do(postLead(tok, vehicleLead(), "k-corrected"))
		if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("corrected retry: %d %s", rec.Code, rec.Body)
		}
		first := decodeBody(t, rec)
		id := first["id"].(string)

		// The replay reads the lead again: after an officer accepted it, the
		// retry sees it accepted, with its new ETag, still as created.
		if rec := w.do(move(w.token("officer"), id, map[string]any{"to": "accepted", "assignee_id": w.users["officer"].ID})); rec.Code != http.StatusOK {
			t.Fatalf("accept: %d %s", rec.Code, rec.Body)
		}
		rec = w.do(postLead(tok, vehicleLead(), "k-corrected"))
		again := decodeBody(t, rec)
		if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" || again["id"] != id ||
			again["status"] != "accepted" || rec.Header().Get("ETag") != `"2"` || rec.Header().Get("Location") != "/v1/leads/"+id {
			t.Errorf("replay after a change: %d %v %v", rec.Code, rec.Header(), again)
		}

		// A key whose request was answered with an existing lead (its client
		// id) replays that answer: 200, the same lead.
		withID := vehicleLead()
		withID["id"] = "0193a3c4-2222-7bbb-8ccc-123456789abc"
		if rec := w.do(postLead(tok, withID, "")); rec.Code != http.StatusCreated {
			t.Fatalf("client id: %d %s", rec.Code, rec.Body)
		}
		for i, replayed := range []string{"", "true"} {
			rec := w.do(postLead(tok, withID, "k-existing"))
			if rec.Code != http.StatusOK || rec.Header().Get("Idempotent-Replayed") != replayed || decodeBody(t, rec)["id"] != withID["id"] {
				t.Errorf("existing lead, request %d: %d %v %s", i+1, rec.Code, rec.Header(), rec.Body)
			}
		}

		// A record left in flight by an instance that died is taken over by
		// the retry of its request once it is older than AbandonAfter (30 s:
		// a live request is cut at RunTimeout, 20 s, so it cannot be one).
		ctx := context.Background()
		retry := map[string]any{"kind": "other", "description": "接手"}
		canonical, err := json.Marshal(retry) // sorted keys: the canonical body
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(canonical)
		key := domain.IdempotencyKey{UserID: w.users["assistant"].ID, Key: "k-abandoned"}
		old := w.clock.now().Add(-api.DefaultIdempotencyConfig().AbandonAfter - time.Second)
		if err := b.DB.Idempotency().ClaimIdempotency(ctx, domain.IdempotencyRecord{IdempotencyKey: key, Operation: "POST /v1/leads",
			RequestHash: hex.EncodeToString(sum[:]), CreatedAt: old, ExpiresAt: old.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		rec = w.do(postLead(tok, retry, "k-abandoned"))
		if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
			t.Errorf("abandoned key: %d %s", rec.Code, rec.Body)
		}
		got, err := b.DB.Idempotency().GetIdempotency(ctx, key)
		if err != nil || !got.Done || got.Outcome != domain.OutcomeCreated || got.ResourceID != decodeBody(t, rec)["id"] {
			t.Errorf("record after the takeover: %+v, %v", got, err)
		}

		// Expired records are purged; the others stay.
		if n, err := b.DB.Idempotency().PurgeIdempotency(ctx, w.clock.now().Add(8*24*time.Hour)); err != nil || n != 3 {
			t.Errorf("purge a week on: %d, %v; want the 3 records", n, err)
		}
	})
}
