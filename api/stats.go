package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/stats"
)

// rangeJSON is the period a statistics answer covers.
type rangeJSON struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

func toRangeJSON(r stats.Range) rangeJSON {
	return rangeJSON{From: r.From, To: r.To, StartsAt: r.Start.UTC(), EndsAt: r.End.UTC()}
}

type gridStatsJSON struct {
	GridID                string           `json:"grid_id"`
	GridCode              string           `json:"grid_code"`
	GridName              string           `json:"grid_name"`
	Received              int64            `json:"received"`
	ByStatus              map[string]int64 `json:"by_status"`
	ByKind                map[string]int64 `json:"by_kind"`
	AcceptanceRate        *float64         `json:"acceptance_rate"`
	SubstantiationRate    *float64         `json:"substantiation_rate"`
	MedianSecondsToAccept *int64           `json:"median_seconds_to_accept"`
	MedianSecondsToClose  *int64           `json:"median_seconds_to_close"`
	OverdueNow            int64            `json:"overdue_now"`
	AmountRecoveredFen    int64            `json:"amount_recovered_fen"`
}

type assistantStatsJSON struct {
	UserID             string `json:"user_id"`
	Name               string `json:"name"`
	Status             string `json:"status"`
	VillageID          string `json:"village_id"`
	VillageName        string `json:"village_name"`
	GridID             string `json:"grid_id"`
	GridName           string `json:"grid_name"`
	LeadsSupplied      int64  `json:"leads_supplied"`
	LeadsAccepted      int64  `json:"leads_accepted"`
	Duplicates         int64  `json:"duplicates"`
	AmountRecoveredFen int64  `json:"amount_recovered_fen"`
}

// statsQuery reads the parameters both statistics routes take.
func statsQuery(c *gin.Context) stats.Query {
	return stats.Query{From: c.Query("from"), To: c.Query("to"), GridID: c.Query("grid_id")}
}

// gridStats handles GET /v1/stats/grids.
func (h *handlers) gridStats(c *gin.Context) (response, error) {
	r, grids, err := h.o.Stats.Grids(c.Request.Context(), actor(c), statsQuery(c))
	out := struct {
		rangeJSON
		Grids []gridStatsJSON `json:"grids"`
	}{toRangeJSON(r), listOf(grids, toGridStatsJSON)}
	return ok(out), err
}

// assistantStats handles GET /v1/stats/assistants.
func (h *handlers) assistantStats(c *gin.Context) (response, error) {
	r, list, err := h.o.Stats.Assistants(c.Request.Context(), actor(c), statsQuery(c))
	out := struct {
		rangeJSON
		Assistants []assistantStatsJSON `json:"assistants"`
	}{toRangeJSON(r), listOf(list, toAssistantStatsJSON)}
	return ok(out), err
}

func toGridStatsJSON(g stats.GridStats) gridStatsJSON {
	j := gridStatsJSON{GridID: g.Grid.ID, GridCode: g.Grid.Code, GridName: g.Grid.Name, Received: g.Received,
		ByStatus: make(map[string]int64, len(g.ByStatus)), ByKind: make(map[string]int64, len(g.ByKind)),
		AcceptanceRate: g.AcceptanceRate, SubstantiationRate: g.SubstantiationRate,
		MedianSecondsToAccept: g.MedianSecondsToAccept, MedianSecondsToClose: g.MedianSecondsToClose,
		OverdueNow: g.OverdueNow, AmountRecoveredFen: g.AmountRecoveredFen}
	for st, n := range g.ByStatus {
		j.ByStatus[string(st)] = n
	}
	for k, n := range g.ByKind {
		j.ByKind[string(k)] = n
	}
	return j
}

func toAssistantStatsJSON(a domain.AssistantActivity) assistantStatsJSON {
	return assistantStatsJSON{UserID: a.UserID, Name: a.Name, Status: string(a.Status), VillageID: a.VillageID, VillageName: a.VillageName,
		GridID: a.GridID, GridName: a.GridName, LeadsSupplied: a.Supplied, LeadsAccepted: a.Accepted, Duplicates: a.Duplicates,
		AmountRecoveredFen: a.AmountRecoveredFen}
}
