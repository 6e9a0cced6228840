package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/triage"
)

// transitionLead handles POST /v1/leads/{lead_id}/transitions.
func (h *handlers) transitionLead(c *gin.Context) {
	var in struct {
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
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	l, err := h.o.Triage.Move(c.Request.Context(), actor(c), c.Param("lead_id"), triage.Transition{
		To: domain.LeadStatus(in.To), AssigneeID: in.AssigneeID, Note: in.Note, PublicNote: in.PublicNote, ReasonCode: domain.RejectReason(in.ReasonCode),
		DuplicateOf: in.DuplicateOf, Measure: domain.Measure(in.Measure), MeasureDate: in.MeasureDate, Outcome: in.Outcome, AmountRecoveredFen: in.AmountRecoveredFen,
	}, version)
	var illegal *triage.IllegalError
	if errors.As(err, &illegal) {
		p := newProblem(c, err)
		next := make([]string, len(illegal.Allowed))
		for i, s := range illegal.Allowed {
			next[i] = string(s)
		}
		p.AllowedNext = &next
		writeProblem(c, p)
		return
	}
	h.renderLead(c, l, err)
}

// commentLead handles POST /v1/leads/{lead_id}/comments.
func (h *handlers) commentLead(c *gin.Context) {
	var in struct {
		Text   string `json:"text"`
		Public bool   `json:"public"`
	}
	if err := bindJSON(c, &in); err != nil {
		renderProblem(c, err)
		return
	}
	e, err := h.o.Triage.Comment(c.Request.Context(), actor(c), c.Param("lead_id"), in.Text, in.Public)
	if err != nil {
		renderProblem(c, err)
		return
	}
	c.JSON(http.StatusCreated, eventJSON{ID: e.ID, Type: e.Type, Note: optional(e.Note), Public: e.Public, ActorRole: string(e.ActorRole), At: e.At.UTC()})
}

// assignLead handles POST /v1/leads/{lead_id}/assign.
func (h *handlers) assignLead(c *gin.Context) {
	var in struct {
		AssigneeID string `json:"assignee_id"`
	}
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	l, err := h.o.Triage.Assign(c.Request.Context(), actor(c), c.Param("lead_id"), in.AssigneeID, version)
	h.renderLead(c, l, err)
}

// assignLeads handles POST /v1/leads/assign: many leads in one transaction,
// with a result per lead.
func (h *handlers) assignLeads(c *gin.Context) {
	var in struct {
		LeadIDs    []string `json:"lead_ids"`
		AssigneeID string   `json:"assignee_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		renderProblem(c, err)
		return
	}
	results, err := h.o.Triage.AssignMany(c.Request.Context(), actor(c), in.LeadIDs, in.AssigneeID)
	if err != nil {
		renderProblem(c, err)
		return
	}
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
	c.JSON(http.StatusOK, gin.H{"results": out})
}

// rerouteLead handles POST /v1/leads/{lead_id}/reroute.
func (h *handlers) rerouteLead(c *gin.Context) {
	var in struct {
		GridID string `json:"grid_id"`
		Note   string `json:"note"`
	}
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	l, err := h.o.Triage.Reroute(c.Request.Context(), actor(c), c.Param("lead_id"), in.GridID, in.Note, version)
	h.renderLead(c, l, err)
}

// linkLead handles POST /v1/leads/{lead_id}/link.
func (h *handlers) linkLead(c *gin.Context) {
	var in struct {
		CaseNumber string `json:"case_number"`
		DebtorID   string `json:"debtor_id"`
	}
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	l, err := h.o.Triage.Link(c.Request.Context(), actor(c), c.Param("lead_id"), in.CaseNumber, in.DebtorID, version)
	h.renderLead(c, l, err)
}
