package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/cases"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// caseRoutes registers cases, debtors and the audit log.
func caseRoutes(a *gin.RouterGroup, h *handlers) {
	a.GET("/cases", handle(h.listCases))
	a.POST("/cases", handle(withBody(h.createCase)))
	a.GET("/cases/:case_id", handle(h.getCase))
	a.PATCH("/cases/:case_id", handle(withChange(h.updateCase)))
	a.POST("/cases/:case_id/debtors", handle(withChange(h.linkDebtor)))
	a.GET("/debtors", handle(h.listDebtors))
	a.POST("/debtors", handle(withBody(h.createDebtor)))
	a.GET("/debtors/:debtor_id", handle(h.getDebtor))
	a.PATCH("/debtors/:debtor_id", handle(h.updateDebtor))
	a.POST("/debtors/:debtor_id/unmask", handle(withBody(h.unmaskDebtor)))
	a.GET("/audit", handle(h.listAudit))
}

type caseJSON struct {
	ID                 string    `json:"id"`
	CaseNumber         string    `json:"case_number"`
	Category           string    `json:"category"`
	GreenChannel       bool      `json:"green_channel"`
	Status             string    `json:"status"`
	AmountDueFen       int64     `json:"amount_due_fen"`
	AmountRecoveredFen int64     `json:"amount_recovered_fen"`
	DebtorIDs          []string  `json:"debtor_ids"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toCaseJSON(c domain.Case) caseJSON {
	ids := c.DebtorIDs
	if ids == nil {
		ids = []string{}
	}
	return caseJSON{ID: c.ID, CaseNumber: c.Number, Category: string(c.Category), GreenChannel: c.Category.GreenChannel(),
		Status: string(c.Status), AmountDueFen: c.AmountDueFen, AmountRecoveredFen: c.AmountRecoveredFen, DebtorIDs: ids,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

type debtorJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	MaskedID  *string   `json:"masked_id"`
	VillageID *string   `json:"village_id"`
	GridID    *string   `json:"grid_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// toDebtorJSON shows the masked ID number only: the full one leaves the
// server through the audited unmask call alone.
func toDebtorJSON(d domain.Debtor) debtorJSON {
	return debtorJSON{ID: d.ID, Kind: d.Kind, Name: d.Name, MaskedID: optional(d.IDMasked), VillageID: optional(d.VillageID),
		GridID: optional(d.GridID), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// pageQuery reads limit (1..200) and cursor; a bad limit is a validation
// error on its field.
func pageQuery(c *gin.Context) (limit int, cursor string, err error) {
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return 0, "", domain.Invalid(domain.FieldError{Field: "limit", Code: "out_of_range"})
		}
		limit = n
	}
	return limit, c.Query("cursor"), nil
}

type caseInputJSON struct {
	CaseNumber         *string              `json:"case_number"`
	Category           *domain.CaseCategory `json:"category"`
	Status             *domain.CaseStatus   `json:"status"`
	AmountDueFen       *int64               `json:"amount_due_fen"`
	AmountRecoveredFen *int64               `json:"amount_recovered_fen"`
	DebtorIDs          []string             `json:"debtor_ids"`
}

func (in caseInputJSON) input() cases.CaseInput {
	return cases.CaseInput{Number: in.CaseNumber, Category: in.Category, Status: in.Status, AmountDueFen: in.AmountDueFen,
		AmountRecoveredFen: in.AmountRecoveredFen, DebtorIDs: in.DebtorIDs}
}

// listCases handles GET /v1/cases.
func (h *handlers) listCases(c *gin.Context) (response, error) {
	limit, cursor, err := pageQuery(c)
	if err != nil {
		return response{}, err
	}
	list, next, err := h.o.Cases.Cases(c.Request.Context(), actor(c), cases.CaseQuery{Status: domain.CaseStatus(c.Query("status")),
		Category: domain.CaseCategory(c.Query("category")), DebtorID: c.Query("debtor_id"), Limit: limit, Cursor: cursor})
	return ok(page("cases", listOf(list, toCaseJSON), next)), err
}

// createCase handles POST /v1/cases.
func (h *handlers) createCase(c *gin.Context, in caseInputJSON) (response, error) {
	x, err := h.o.Cases.CreateCase(c.Request.Context(), actor(c), in.input())
	return created("/v1/cases/"+x.ID, x.Version, toCaseJSON(x)), err
}

// getCase handles GET /v1/cases/{case_id}.
func (h *handlers) getCase(c *gin.Context) (response, error) {
	x, err := h.o.Cases.Case(c.Request.Context(), actor(c), c.Param("case_id"))
	return versioned(http.StatusOK, x.Version, toCaseJSON(x)), err
}

// updateCase handles PATCH /v1/cases/{case_id}.
func (h *handlers) updateCase(c *gin.Context, in caseInputJSON, version int) (response, error) {
	in.DebtorIDs = nil // linked one by one with POST …/debtors
	x, err := h.o.Cases.UpdateCase(c.Request.Context(), actor(c), c.Param("case_id"), in.input(), version)
	return versioned(http.StatusOK, x.Version, toCaseJSON(x)), err
}

// linkDebtorInputJSON is the body of POST /v1/cases/{case_id}/debtors.
type linkDebtorInputJSON struct {
	DebtorID string `json:"debtor_id"`
}

// linkDebtor handles POST /v1/cases/{case_id}/debtors.
func (h *handlers) linkDebtor(c *gin.Context, in linkDebtorInputJSON, version int) (response, error) {
	x, err := h.o.Cases.LinkDebtor(c.Request.Context(), actor(c), c.Param("case_id"), in.DebtorID, version)
	return versioned(http.StatusOK, x.Version, toCaseJSON(x)), err
}

type debtorInputJSON struct {
	Kind      *string `json:"kind"`
	Name      *string `json:"name"`
	IDNumber  *string `json:"id_number"`
	VillageID *string `json:"village_id"`
}

// input converts the body; clearVillage says the body sent "village_id":
// null, which clears the village (a missing field keeps it).
func (in *debtorInputJSON) input(clearVillage bool) cases.DebtorInput {
	out := cases.DebtorInput{Kind: in.Kind, Name: in.Name, IDNumber: in.IDNumber, VillageID: in.VillageID}
	if clearVillage && in.VillageID == nil {
		out.VillageID = new(string)
	}
	return out
}

// listDebtors handles GET /v1/debtors.
func (h *handlers) listDebtors(c *gin.Context) (response, error) {
	limit, cursor, err := pageQuery(c)
	if err != nil {
		return response{}, err
	}
	list, next, err := h.o.Cases.Debtors(c.Request.Context(), actor(c), cases.DebtorQuery{IDNumber: c.Query("id_number"),
		Query: c.Query("q"), Limit: limit, Cursor: cursor})
	return ok(page("debtors", listOf(list, toDebtorJSON), next)).noStore(), err
}

// createDebtor handles POST /v1/debtors.
func (h *handlers) createDebtor(c *gin.Context, in debtorInputJSON) (response, error) {
	d, err := h.o.Cases.CreateDebtor(c.Request.Context(), actor(c), in.input(false))
	return created("/v1/debtors/"+d.ID, d.Version, toDebtorJSON(d)), err
}

// getDebtor handles GET /v1/debtors/{debtor_id}.
func (h *handlers) getDebtor(c *gin.Context) (response, error) {
	d, err := h.o.Cases.Debtor(c.Request.Context(), actor(c), c.Param("debtor_id"))
	return versioned(http.StatusOK, d.Version, toDebtorJSON(d)), err
}

// updateDebtor handles PATCH /v1/debtors/{debtor_id}. The body is read
// twice: once into its fields, once to tell "village_id": null (clear the
// village) from a missing village_id (keep it).
func (h *handlers) updateDebtor(c *gin.Context) (response, error) {
	raw, err := readJSONBody(c)
	if err != nil {
		return response{}, err
	}
	var in debtorInputJSON
	if err := decodeJSON(raw, &in); err != nil {
		return response{}, err
	}
	var fields map[string]any
	_ = decodeJSON(raw, &fields)
	v, named := fields["village_id"]
	version, err := ifMatch(c)
	if err != nil {
		return response{}, err
	}
	d, err := h.o.Cases.UpdateDebtor(c.Request.Context(), actor(c), c.Param("debtor_id"), in.input(named && v == nil), version)
	return versioned(http.StatusOK, d.Version, toDebtorJSON(d)), err
}

// unmaskDebtorInputJSON is the body of POST /v1/debtors/{debtor_id}/unmask.
type unmaskDebtorInputJSON struct {
	Reason string `json:"reason"`
}

// unmaskDebtor handles POST /v1/debtors/{debtor_id}/unmask.
func (h *handlers) unmaskDebtor(c *gin.Context, in unmaskDebtorInputJSON) (response, error) {
	number, err := h.o.Cases.Unmask(c.Request.Context(), actor(c), c.Param("debtor_id"), in.Reason)
	return ok(gin.H{"id_number": number}).noStore(), err
}
