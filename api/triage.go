package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/triage"
)

// transitionLeadInputJSON is the body of POST /v1/leads/{lead_id}/transitions.
type transitionLeadInputJSON struct {
	To                 string `json:"to"`
	AssigneeID         string `json:"assignee_id"`
	Note               string `json:"note"`
	PublicNote         bool   `json:"public_note"`
	ReasonCode         string `json:"reason_code"`
	DuplicateOf        string `json:"duplicate_of"`
	Measure            string `json:"measure"`
	MeasureDate        string `json:"measure_date"`
	Outcome            string `json:"outcome"`
	AmountRecoveredFen *int64 `json:"amount_recovered_fen"`
}

// transitionLead handles POST /v1/leads/{lead_id}/transitions.
func (h *handlers) transitionLead(c *gin.Context, in transitionLeadInputJSON, version int) (response, error) {
	l, err := h.o.Triage.Move(c.Request.Context(), actor(c), c.Param("lead_id"), triage.Transition{
		To: domain.LeadStatus(in.To), AssigneeID: in.AssigneeID, Note: in.Note, PublicNote: in.PublicNote, ReasonCode: domain.RejectReason(in.ReasonCode),
		DuplicateOf: in.DuplicateOf, Measure: domain.Measure(in.Measure), MeasureDate: in.MeasureDate, Outcome: in.Outcome, AmountRecoveredFen: in.AmountRecoveredFen,
	}, version)
	return h.leadResponse(c, l, err)
}

// commentLeadInputJSON is the body of POST /v1/leads/{lead_id}/comments.
type commentLeadInputJSON struct {
	Text   string `json:"text"`
	Public bool   `json:"public"`
}

// commentLead handles POST /v1/leads/{lead_id}/comments.
func (h *handlers) commentLead(c *gin.Context, in commentLeadInputJSON) (response, error) {
	e, err := h.o.Triage.Comment(c.Request.Context(), actor(c), c.Param("lead_id"), in.Text, in.Public)
	return response{status: http.StatusCreated, body: eventJSON{ID: e.ID, Type: e.Type, Note: optional(e.Note), Public: e.Public,
		ActorRole: string(e.ActorRole), At: e.At.UTC()}}, err
}

// assignLeadInputJSON is the body of POST /v1/leads/{lead_id}/assign.
type assignLeadInputJSON struct {
	AssigneeID string `json:"assignee_id"`
}

// assignLead handles POST /v1/leads/{lead_id}/assign.
func (h *handlers) assignLead(c *gin.Context, in assignLeadInputJSON, version int) (response, error) {
	l, err := h.o.Triage.Assign(c.Request.Context(), actor(c), c.Param("lead_id"), in.AssigneeID, version)
	return h.leadResponse(c, l, err)
}

// assignLeadsInputJSON is the body of POST /v1/leads/assign.
type assignLeadsInputJSON struct {
	LeadIDs    []string `json:"lead_ids"`
	AssigneeID string   `json:"assignee_id"`
}

// assignLeads handles POST /v1/leads/assign: many leads in one transaction,
// with a result per lead.
func (h *handlers) assignLeads(c *gin.Context, in assignLeadsInputJSON) (response, error) {
	results, err := h.o.Triage.AssignMany(c.Request.Context(), actor(c), in.LeadIDs, in.AssigneeID)
	type resultJSON struct {
		LeadID  string  `json:"lead_id"`
		Result  string  `json:"result"`
		Version *int    `json:"version"`
		Code    *string `json:"code"`
	}
	out := make([]resultJSON, len(results))
	for i, r := range results {
		out[i] = resultJSON{LeadID: r.LeadID, Result: "assigned"}
		if r.Code != "" {
			code := string(r.Code)
			out[i].Result, out[i].Code = "refused", &code
		} else {
			v := r.Lead.Version
			out[i].Version = &v
		}
	}
	return ok(gin.H{"results": out}), err
}

// rerouteLeadInputJSON is the body of POST /v1/leads/{lead_id}/reroute.
type rerouteLeadInputJSON struct {
	GridID string `json:"grid_id"`
	Note   string `json:"note"`
}

// rerouteLead handles POST /v1/leads/{lead_id}/reroute.
func (h *handlers) rerouteLead(c *gin.Context, in rerouteLeadInputJSON, version int) (response, error) {
	l, err := h.o.Triage.Reroute(c.Request.Context(), actor(c), c.Param("lead_id"), in.GridID, in.Note, version)
	return h.leadResponse(c, l, err)
}

// linkLeadInputJSON is the body of POST /v1/leads/{lead_id}/link.
type linkLeadInputJSON struct {
	CaseNumber string `json:"case_number"`
	DebtorID   string `json:"debtor_id"`
}

// linkLead handles POST /v1/leads/{lead_id}/link.
func (h *handlers) linkLead(c *gin.Context, in linkLeadInputJSON, version int) (response, error) {
	l, err := h.o.Triage.Link(c.Request.Context(), actor(c), c.Param("lead_id"), in.CaseNumber, in.DebtorID, version)
	return h.leadResponse(c, l, err)
}
