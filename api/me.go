package api

import (
	"time"

	"github.com/gin-gonic/gin"
)

type gridRefJSON struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// me handles GET /v1/me.
func (h *handlers) me(c *gin.Context) (response, error) {
	u, grids, err := h.o.Accounts.Me(c.Request.Context(), actor(c))
	if err != nil {
		return response{}, err
	}
	j, err := h.userJSON(c, u)
	refs := make([]gridRefJSON, len(grids))
	for i, g := range grids {
		refs[i] = gridRefJSON{ID: g.ID, Code: g.Code, Name: g.Name}
	}
	return ok(struct {
		userJSON
		Grids []gridRefJSON `json:"grids"`
	}{j, refs}).noStore(), err
}

// changePasswordInputJSON is the body of POST /v1/me/password.
type changePasswordInputJSON struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword handles POST /v1/me/password.
func (h *handlers) changePassword(c *gin.Context, in changePasswordInputJSON) (response, error) {
	return noContent(), h.o.Accounts.ChangePassword(c.Request.Context(), actor(c), in.CurrentPassword, in.NewPassword, c.ClientIP())
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// sessions handles GET /v1/me/sessions.
func (h *handlers) sessions(c *gin.Context) (response, error) {
	a := actor(c)
	ss, err := h.o.Accounts.Sessions(c.Request.Context(), a)
	out := make([]sessionJSON, len(ss))
	for i, s := range ss {
		out[i] = sessionJSON{ID: s.ID, Device: s.Device, CreatedAt: s.CreatedAt.UTC(), LastUsedAt: s.LastUsedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), Current: s.ID == a.SessionID}
	}
	return ok(gin.H{"sessions": out}).noStore(), err
}

// endSession handles DELETE /v1/me/sessions/{session_id}.
func (h *handlers) endSession(c *gin.Context) (response, error) {
	return noContent(), h.o.Accounts.EndSession(c.Request.Context(), actor(c), c.Param("session_id"))
}
