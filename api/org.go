package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/organisation"
)

type gridJSON struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Pinyin    string    `json:"pinyin"`
	Kind      string    `json:"kind"`
	TeamID    *string   `json:"team_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toGridJSON(g organisation.GridView) gridJSON {
	return gridJSON{ID: g.Grid.ID, Code: g.Grid.Code, Name: g.Grid.Name, Pinyin: g.Grid.Pinyin, Kind: g.Grid.Kind,
		TeamID: optional(g.TeamID), CreatedAt: g.Grid.CreatedAt.UTC(), UpdatedAt: g.Grid.UpdatedAt.UTC()}
}

type villageJSON struct {
	ID        string    `json:"id"`
	GridID    string    `json:"grid_id"`
	Code      *string   `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toVillageJSON(v domain.Village) villageJSON {
	return villageJSON{ID: v.ID, GridID: v.GridID, Code: optional(v.Code), Name: v.Name, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
}

type teamJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	GridIDs     []string  `json:"grid_ids"`
	CountyQueue bool      `json:"county_queue"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toTeamJSON(t domain.Team) teamJSON {
	g := t.GridIDs
	if g == nil {
		g = []string{}
	}
	return teamJSON{ID: t.ID, Name: t.Name, GridIDs: g, CountyQueue: t.CountyQueue, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

// listGrids handles GET /v1/grids.
func (h *handlers) listGrids(c *gin.Context) (response, error) {
	grids, err := h.o.Org.Grids(c.Request.Context(), actor(c))
	return cachedOK(gin.H{"grids": listOf(grids, toGridJSON)}), err
}

type gridInputJSON struct {
	Code   *string `json:"code"`
	Name   *string `json:"name"`
	Pinyin *string `json:"pinyin"`
	Kind   *string `json:"kind"`
}

// createGrid handles POST /v1/grids.
func (h *handlers) createGrid(c *gin.Context, in gridInputJSON) (response, error) {
	if in.Code == nil {
		in.Code = new(string) // reported as invalid with the other fields
	}
	g, err := h.o.Org.CreateGrid(c.Request.Context(), actor(c), organisation.GridInput{Code: in.Code, Name: in.Name, Pinyin: in.Pinyin, Kind: in.Kind})
	return created("/v1/grids/"+g.Grid.ID, g.Grid.Version, toGridJSON(g)), err
}

// getGrid handles GET /v1/grids/{grid_id}.
func (h *handlers) getGrid(c *gin.Context) (response, error) {
	g, err := h.o.Org.Grid(c.Request.Context(), actor(c), c.Param("grid_id"))
	return versioned(http.StatusOK, g.Grid.Version, toGridJSON(g)), err
}

// updateGrid handles PATCH /v1/grids/{grid_id}.
func (h *handlers) updateGrid(c *gin.Context, in gridInputJSON, version int) (response, error) {
	g, err := h.o.Org.UpdateGrid(c.Request.Context(), actor(c), c.Param("grid_id"), organisation.GridInput{Name: in.Name, Pinyin: in.Pinyin, Kind: in.Kind}, version)
	return versioned(http.StatusOK, g.Grid.Version, toGridJSON(g)), err
}

// listVillages handles GET /v1/grids/{grid_id}/villages.
func (h *handlers) listVillages(c *gin.Context) (response, error) {
	vs, err := h.o.Org.Villages(c.Request.Context(), actor(c), c.Param("grid_id"))
	return cachedOK(gin.H{"villages": listOf(vs, toVillageJSON)}), err
}

// villageInputJSON is the body of village creation and update. Code is
// raw so that null (clear the code) differs from leaving it out.
type villageInputJSON struct {
	Code json.RawMessage `json:"code"`
	Name *string         `json:"name"`
}

// input converts the body; a code that is neither a string nor null is a
// validation error.
func (in villageInputJSON) input() (organisation.VillageInput, error) {
	out := organisation.VillageInput{Name: in.Name}
	switch {
	case in.Code == nil:
	case string(in.Code) == "null":
		out.Code = new(string)
	default:
		var code string
		if err := json.Unmarshal(in.Code, &code); err != nil {
			return out, domain.Invalid(domain.FieldError{Field: "code", Code: "invalid"})
		}
		out.Code = &code
	}
	return out, nil
}

// createVillage handles POST /v1/grids/{grid_id}/villages.
func (h *handlers) createVillage(c *gin.Context, in villageInputJSON) (response, error) {
	vin, err := in.input()
	if err != nil {
		return response{}, err
	}
	v, err := h.o.Org.CreateVillage(c.Request.Context(), actor(c), c.Param("grid_id"), vin)
	return created("/v1/villages/"+v.ID, v.Version, toVillageJSON(v)), err
}

// updateVillage handles PATCH /v1/villages/{village_id}.
func (h *handlers) updateVillage(c *gin.Context, in villageInputJSON, version int) (response, error) {
	vin, err := in.input()
	if err != nil {
		return response{}, err
	}
	v, err := h.o.Org.UpdateVillage(c.Request.Context(), actor(c), c.Param("village_id"), vin, version)
	return versioned(http.StatusOK, v.Version, toVillageJSON(v)), err
}

// listTeams handles GET /v1/teams.
func (h *handlers) listTeams(c *gin.Context) (response, error) {
	ts, err := h.o.Org.Teams(c.Request.Context(), actor(c))
	return ok(gin.H{"teams": listOf(ts, toTeamJSON)}), err
}

type teamInputJSON struct {
	Name        *string   `json:"name"`
	GridIDs     *[]string `json:"grid_ids"`
	CountyQueue *bool     `json:"county_queue"`
}

func (in teamInputJSON) input() organisation.TeamInput {
	return organisation.TeamInput{Name: in.Name, GridIDs: in.GridIDs, CountyQueue: in.CountyQueue}
}

// createTeam handles POST /v1/teams.
func (h *handlers) createTeam(c *gin.Context, in teamInputJSON) (response, error) {
	t, err := h.o.Org.CreateTeam(c.Request.Context(), actor(c), in.input())
	return created("/v1/teams/"+t.ID, t.Version, toTeamJSON(t)), err
}

// getTeam handles GET /v1/teams/{team_id}.
func (h *handlers) getTeam(c *gin.Context) (response, error) {
	t, err := h.o.Org.Team(c.Request.Context(), actor(c), c.Param("team_id"))
	return versioned(http.StatusOK, t.Version, toTeamJSON(t)), err
}

// updateTeam handles PATCH /v1/teams/{team_id}.
func (h *handlers) updateTeam(c *gin.Context, in teamInputJSON, version int) (response, error) {
	t, err := h.o.Org.UpdateTeam(c.Request.Context(), actor(c), c.Param("team_id"), in.input(), version)
	return versioned(http.StatusOK, t.Version, toTeamJSON(t)), err
}
