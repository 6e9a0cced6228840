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
	a.GET("/cases", h.listCases)
	a.POST("/cases", h.createCase)
	a.GET("/cases/:case_id", h.getCase)
	a.PATCH("/cases/:case_id", h.updateCase)
	a.POST("/cases/:case_id/debtors", h.linkDebtor)
	a.GET("/debtors", h.listDebtors)
	a.POST("/debtors", h.createDebtor)
	a.GET("/debtors/:debtor_id", h.getDebtor)
	a.PATCH("/debtors/:debtor_id", h.updateDebtor)
	a.POST("/debtors/:debtor_id/unmask", h.unmaskDebtor)
	a.GET("/audit", h.listAudit)
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

// pageQuery reads limit (1..200) and cursor, collecting a bad limit.
func pageQuery(c *gin.Context, fields *[]domain.FieldError) (int, string) {
	limit := 0
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			*fields = append(*fields, domain.FieldError{Field: "limit", Code: "out_of_range"})
		}
		limit = n
	}
	return limit, c.Query("cursor")
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
func (h *handlers) listCases(c *gin.Context) {
	var fields []domain.FieldError
	limit, cursor := pageQuery(c, &fields)
	if len(fields) > 0 {
		renderProblem(c, domain.Invalid(fields...))
		return
	}
	list, next, err := h.o.Cases.Cases(c.Request.Context(), actor(c), cases.CaseQuery{Status: domain.CaseStatus(c.Query("status")),
		Category: domain.CaseCategory(c.Query("category")), DebtorID: c.Query("debtor_id"), Limit: limit, Cursor: cursor})
	if err != nil {
		renderProblem(c, err)
		return
	}
	out := struct {
		Cases      []caseJSON `json:"cases"`
		NextCursor string     `json:"next_cursor,omitempty"`
	}{Cases: make([]caseJSON, len(list)), NextCursor: next}
	for i, x := range list {
		out.Cases[i] = toCaseJSON(x)
	}
	c.JSON(http.StatusOK, out)
}

// createCase handles POST /v1/cases.
func (h *handlers) createCase(c *gin.Context) {
	var in caseInputJSON
	if err := bindJSON(c, &in); err != nil {
		renderProblem(c, err)
		return
	}
	x, err := h.o.Cases.CreateCase(c.Request.Context(), actor(c), in.input())
	if err != nil {
		renderProblem(c, err)
		return
	}
	c.Header("Location", "/v1/cases/"+x.ID)
	renderVersioned(c, http.StatusCreated, x.Version, toCaseJSON(x))
}

// getCase handles GET /v1/cases/{case_id}.
func (h *handlers) getCase(c *gin.Context) {
	x, err := h.o.Cases.Case(c.Request.Context(), actor(c), c.Param("case_id"))
	if err != nil {
		renderProblem(c, err)
		return
	}
	renderVersioned(c, http.StatusOK, x.Version, toCaseJSON(x))
}

// updateCase handles PATCH /v1/cases/{case_id}.
func (h *handlers) updateCase(c *gin.Context) {
	var in caseInputJSON
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	in.DebtorIDs = nil // linked one by one with POST …/debtors
	x, err := h.o.Cases.UpdateCase(c.Request.Context(), actor(c), c.Param("case_id"), in.input(), version)
	if err != nil {
		renderProblem(c, err)
		return
	}
	renderVersioned(c, http.StatusOK, x.Version, toCaseJSON(x))
}

// linkDebtor handles POST /v1/cases/{case_id}/debtors.
func (h *handlers) linkDebtor(c *gin.Context) {
	var in struct {
		DebtorID string `json:"debtor_id"`
	}
	version, ok := bindChange(c, &in)
	if !ok {
		return
	}
	x, err := h.o.Cases.LinkDebtor(c.Request.Context(), actor(c), c.Param("case_id"), in.DebtorID, version)
	if err != nil {
		renderProblem(c, err)
		return
	}
	renderVersioned(c, http.StatusOK, x.Version, toCaseJSON(x))
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
func (h *handlers) listDebtors(c *gin.Context) {
	var fields []domain.FieldError
	limit, cursor := pageQuery(c, &fields)
	if len(fields) > 0 {
		renderProblem(c, domain.Invalid(fields...))
		return
	}
	list, next, err := h.o.Cases.Debtors(c.Request.Context(), actor(c), cases.DebtorQuery{IDNumber: c.Query("id_number"),
		Query: c.Query("q"), Limit: limit, Cursor: cursor})
	if err != nil {
		renderProblem(c, err)
		return
	}
	out := struct {
		Debtors    []debtorJSON `json:"debtors"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Debtors: make([]debtorJSON, len(list)), NextCursor: next}
	for i, d := range list {
		out.Debtors[i] = toDebtorJSON(d)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// createDebtor handles POST /v1/debtors.
func (h *handlers) createDebtor(c *gin.Context) {
	var in debtorInputJSON
	if err := bindJSON(c, &in); err != nil {
		renderProblem(c, err)
		return
	}
	d, err := h.o.Cases.CreateDebtor(c.Request.Context(), actor(c), in.input(false))
	if err != nil {
		renderProblem(c, err)
		return
	}
	c.Header("Location", "/v1/debtors/"+d.ID)
	renderVersioned(c, http.StatusCreated, d.Version, toDebtorJSON(d))
}

// getDebtor handles GET /v1/debtors/{debtor_id}.
func (h *handlers) getDebtor(c *gin.Context) {
	d, err := h.o.Cases.Debtor(c.Request.Context(), actor(c), c.Param("debtor_id"))
	if err != nil {
		renderProblem(c, err)
		return
	}
	renderVersioned(c, http.StatusOK, d.Version, toDebtorJSON(d))
}

// updateDebtor handles PATCH /v1/debtors/{debtor_id}.
func (h *handlers) updateDebtor(c *gin.Context) {
	raw, err := readJSONBody(c)
	if err != nil {
		renderProblem(c, err)
		return
	}
	var in debtorInputJSON
	if err := decodeJSON(raw, &in); err != nil {
		renderProblem(c, err)
		return
	}
	var fields map[string]any
	_ = decodeJSON(raw, &fields)
	v, named := fields["village_id"]
	version, err := ifMatch(c)
	if err != nil {
		renderProblem(c, err)
		return
	}
	d, err := h.o.Cases.UpdateDebtor(c.Request.Context(), actor(c), c.Param("debtor_id"), in.input(named && v == nil), version)
	if err != nil {
		renderProblem(c, err)
		return
	}
	renderVersioned(c, http.StatusOK, d.Version, toDebtorJSON(d))
}

// unmaskDebtor handles POST /v1/debtors/{debtor_id}/unmask.
func (h *handlers) unmaskDebtor(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &in); err != nil {
		renderProblem(c, err)
		return
	}
	number, err := h.o.Cases.Unmask(c.Request.Context(), actor(c), c.Param("debtor_id"), in.Reason)
	if err != nil {
		renderProblem(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"id_number": number})
}
