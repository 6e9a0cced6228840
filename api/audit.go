package api

import (
	"encoding/json"
	"net/http"
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
func (h *handlers) listAudit(c *gin.Context) {
	var fields []domain.FieldError
	limit, cursor := pageQuery(c, &fields)
	if len(fields) > 0 {
		renderProblem(c, domain.Invalid(fields...))
		return
	}
	list, next, err := h.o.Cases.Audit(c.Request.Context(), actor(c), domain.AuditFilter{Action: c.Query("action"),
		SubjectID: c.Query("subject_id"), Limit: limit, Cursor: cursor})
	if err != nil {
		renderProblem(c, err)
		return
	}
	out := struct {
		Entries    []auditEntryJSON `json:"entries"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{Entries: make([]auditEntryJSON, len(list)), NextCursor: next}
	for i, e := range list {
		out.Entries[i] = toAuditEntryJSON(e)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
