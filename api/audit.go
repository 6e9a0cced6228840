package api

import (
	"encoding/json"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type auditEntryJSON struct {
	Seq         int64           `json:"seq"`
	ID          string          `json:"id"`
	At          time.Time       `json:"at"`
	ActorID     string          `json:"actor_id"`
	ActorRole   string          `json:"actor_role"`
	Action      string          `json:"action"`
	SubjectType string          `json:"subject_type"`
	SubjectID   string          `json:"subject_id"`
	Detail      json.RawMessage `json:"detail"`
	PrevHash    string          `json:"prev_hash"`
	Hash        string          `json:"hash"`
}

func toAuditEntryJSON(e domain.AuditEntry) auditEntryJSON {
	detail := json.RawMessage(e.Detail)
	if !json.Valid(detail) {
		detail = json.RawMessage("{}")
	}
	return auditEntryJSON{Seq: e.Seq, ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorRole: string(e.ActorRole), Action: e.Action,
		SubjectType: e.SubjectType, SubjectID: e.SubjectID, Detail: detail, PrevHash: e.PrevHash, Hash: e.Hash}
}

// listAudit handles GET /v1/audit.
func (h *handlers) listAudit(c *gin.Context) (response, error) {
	limit, cursor, err := pageQuery(c)
	if err != nil {
		return response{}, err
	}
	list, next, err := h.o.Cases.Audit(c.Request.Context(), actor(c), domain.AuditFilter{Action: c.Query("action"),
		SubjectID: c.Query("subject_id"), Limit: limit, Cursor: cursor})
	return ok(page("entries", listOf(list, toAuditEntryJSON), next)).noStore(), err
}
