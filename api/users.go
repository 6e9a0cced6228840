package api

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// userJSON is a user as the API shows it; the password hash never leaves.
type userJSON struct {
	ID                 string    `json:"id"`
	Phone              string    `json:"phone"`
	Name               string    `json:"name"`
	Role               string    `json:"role"`
	Status             string    `json:"status"`
	VillageID          *string   `json:"village_id"`
	TeamID             *string   `json:"team_id"`
	GridIDs            []string  `json:"grid_ids"`
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handlers) userJSON(c *gin.Context, u domain.User) (userJSON, error) {
	grids, err := h.o.Accounts.GridsOf(c.Request.Context(), u)
	if err != nil {
		return userJSON{}, err
	}
	return userJSON{
		ID: u.ID, Phone: u.Phone, Name: u.Name, Role: string(u.Role), Status: string(u.Status),
		VillageID: optional(u.VillageID), TeamID: optional(u.TeamID), GridIDs: grids,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}, nil
}

// userResponse answers one user with its ETag, or the error of the call
// that returned it.
func (h *handlers) userResponse(c *gin.Context, status int, u domain.User, err error) (response, error) {
	if err != nil {
		return response{}, err
	}
	j, err := h.userJSON(c, u)
	return versioned(status, u.Version, j), err
}

// userInputJSON is the body of user creation and update.
type userInputJSON struct {
	Phone     *string      `json:"phone"`
	Name      *string      `json:"name"`
	Role      *domain.Role `json:"role"`
	VillageID *string      `json:"village_id"`
	TeamID    *string      `json:"team_id"`
}

func (in userInputJSON) input() accounts.UserInput {
	return accounts.UserInput{Phone: in.Phone, Name: in.Name, Role: in.Role, VillageID: in.VillageID, TeamID: in.TeamID}
}

// listUsers handles GET /v1/users.
func (h *handlers) listUsers(c *gin.Context) (response, error) {
	f, err := userFilter(c)
	if err != nil {
		return response{}, err
	}
	for _, r := range c.QueryArray("role") {
		f.Roles = append(f.Roles, domain.Role(r))
	}
	if g := c.Query("grid_id"); g != "" {
		f.GridIDs = []string{g}
	}
	users, next, err := h.o.Accounts.ListUsers(c.Request.Context(), actor(c), f)
	if err != nil {
		return response{}, err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		if out[i], err = h.userJSON(c, u); err != nil {
			return response{}, err
		}
	}
	return ok(page("users", out, next)), nil
}

// userFilter reads the list parameters shared by users and assistants.
func userFilter(c *gin.Context) (domain.UserFilter, error) {
	f := domain.UserFilter{Query: c.Query("q"), Cursor: c.Query("cursor"), Status: domain.UserStatus(c.Query("status"))}
	var fields []domain.FieldError
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			fields = append(fields, domain.FieldError{Field: "limit", Code: "out_of_range"})
		}
		f.Limit = n
	}
	if f.Status != "" && f.Status != domain.UserActive && f.Status != domain.UserDisabled {
		fields = append(fields, domain.FieldError{Field: "status", Code: "invalid"})
	}
	for _, r := range c.QueryArray("role") {
		if !domain.Role(r).Valid() {
			fields = append(fields, domain.FieldError{Field: "role", Code: "invalid"})
		}
	}
	if utf8.RuneCountInString(f.Query) > 64 {
		fields = append(fields, domain.FieldError{Field: "q", Code: "too_long", Params: map[string]any{"max": 64}})
	}
	if len(fields) > 0 {
		return f, domain.Invalid(fields...)
	}
	return f, nil
}

// createUser handles POST /v1/users.
func (h *handlers) createUser(c *gin.Context, in userInputJSON) (response, error) {
	u, otp, err := h.o.Accounts.CreateUser(c.Request.Context(), actor(c), in.input())
	if err != nil {
		return response{}, err
	}
	r, err := h.otpResponse(c, u, otp)
	r.status, r.location = http.StatusCreated, "/v1/users/"+u.ID
	return r, err
}

// otpResponse answers with a one-time password and the user it belongs to.
func (h *handlers) otpResponse(c *gin.Context, u domain.User, otp string) (response, error) {
	j, err := h.userJSON(c, u)
	return versioned(http.StatusOK, u.Version, gin.H{"one_time_password": otp, "user": j}).noStore(), err
}

// getUser handles GET /v1/users/{user_id}.
func (h *handlers) getUser(c *gin.Context) (response, error) {
	u, err := h.o.Accounts.GetUser(c.Request.Context(), actor(c), c.Param("user_id"))
	return h.userResponse(c, http.StatusOK, u, err)
}

// updateUser handles PATCH /v1/users/{user_id}.
func (h *handlers) updateUser(c *gin.Context, in userInputJSON, version int) (response, error) {
	u, err := h.o.Accounts.UpdateUser(c.Request.Context(), actor(c), c.Param("user_id"), in.input(), version)
	return h.userResponse(c, http.StatusOK, u, err)
}

// setUserStatus handles POST /v1/users/{user_id}/disable and /enable.
func (h *handlers) setUserStatus(status domain.UserStatus) handlerFunc {
	return func(c *gin.Context) (response, error) {
		u, err := h.o.Accounts.SetStatus(c.Request.Context(), actor(c), c.Param("user_id"), status)
		return h.userResponse(c, http.StatusOK, u, err)
	}
}

// resetPassword handles POST /v1/users/{user_id}/password-reset.
func (h *handlers) resetPassword(c *gin.Context) (response, error) {
	u, otp, err := h.o.Accounts.ResetPassword(c.Request.Context(), actor(c), c.Param("user_id"))
	if err != nil {
		return response{}, err
	}
	return h.otpResponse(c, u, otp)
}

// assistantJSON is an assistant as officers see them.
type assistantJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Status      string `json:"status"`
	VillageID   string `json:"village_id"`
	VillageName string `json:"village_name"`
	GridID      string `json:"grid_id"`
	GridName    string `json:"grid_name"`
}

// listAssistants handles GET /v1/assistants.
func (h *handlers) listAssistants(c *gin.Context) (response, error) {
	f, err := userFilter(c)
	if err != nil {
		return response{}, err
	}
	as, next, err := h.o.Accounts.ListAssistants(c.Request.Context(), actor(c), accounts.AssistantFilter{
		GridID: c.Query("grid_id"), VillageID: c.Query("village_id"), Query: f.Query, Status: f.Status, Limit: f.Limit, Cursor: f.Cursor,
	})
	return ok(page("assistants", listOf(as, toAssistantJSON), next)), err
}

func toAssistantJSON(a accounts.Assistant) assistantJSON {
	return assistantJSON{ID: a.User.ID, Name: a.User.Name, Phone: a.User.Phone, Status: string(a.User.Status),
		VillageID: a.User.VillageID, VillageName: a.VillageName, GridID: a.GridID, GridName: a.GridName}
}
