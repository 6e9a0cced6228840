package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

const actorKey ctxKey = 100

// actor returns the authenticated caller of c's request.
func actor(c *gin.Context) domain.Actor {
	a, _ := c.Request.Context().Value(actorKey).(domain.Actor)
	return a
}

// passwordChangeRoutes are all a user with a reset password may call.
var passwordChangeRoutes = map[string]bool{
	"GET /v1/me":                         true,
	"POST /v1/me/password":               true,
	"GET /v1/me/sessions":                true,
	"DELETE /v1/me/sessions/:session_id": true,
	"POST /v1/auth/logout":               true,
}

// authenticate requires a valid bearer access token of an active session
// and user, and puts the caller in the request context. Tokens are read
// from the Authorization header only, never from the query string (which
// ends up in logs and browser history).
func (h *handlers) authenticate(c *gin.Context) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		renderProblem(c, domain.Errorf(domain.EUnauthorized, "no bearer token"))
		return
	}
	claims, err := h.o.Tokens.Verify(strings.TrimSpace(token))
	if err != nil {
		renderProblem(c, err)
		return
	}
	a, err := h.o.Accounts.Authenticate(c.Request.Context(), claims)
	if err != nil {
		renderProblem(c, err)
		return
	}
	if a.MustChangePassword && !passwordChangeRoutes[c.Request.Method+" "+c.FullPath()] {
		renderProblem(c, domain.Errorf(domain.EPasswordChange, "user %s must set a new password", a.UserID))
		return
	}
	ctx := c.Request.Context()
	c.Request = c.Request.WithContext(contextWithActor(ctx, a))
	c.Next()
}

// tokenPairJSON is the answer of login and refresh.
type tokenPairJSON struct {
	AccessToken        string `json:"access_token"`
	TokenType          string `json:"token_type"`
	ExpiresIn          int    `json:"expires_in"`
	RefreshToken       string `json:"refresh_token"`
	RefreshExpiresIn   int    `json:"refresh_expires_in"`
	SessionID          string `json:"session_id"`
	MustChangePassword bool   `json:"must_change_password"`
}

func pairJSON(p accounts.TokenPair) tokenPairJSON {
	return tokenPairJSON{
		AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn / time.Second),
		RefreshToken: p.RefreshToken, RefreshExpiresIn: int(p.RefreshExpiresIn / time.Second),
		SessionID: p.SessionID, MustChangePassword: p.MustChangePassword,
	}
}

// loginInputJSON is the body of POST /v1/auth/login.
type loginInputJSON struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
	Device   string `json:"device"`
}

// login handles POST /v1/auth/login.
func (h *handlers) login(c *gin.Context, in loginInputJSON) (response, error) {
	p, err := h.o.Accounts.Login(c.Request.Context(), accounts.LoginInput{Phone: in.Phone, Password: in.Password, Device: in.Device, Addr: c.ClientIP()})
	if err != nil {
		return response{}, err
	}
	if browserMode(c) { // api/browser.go
		return answerBrowser(c, p), nil
	}
	return ok(pairJSON(p)).noStore(), nil
}

// refreshInputJSON is the body of POST /v1/auth/refresh.
type refreshInputJSON struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh handles POST /v1/auth/refresh. A browser-mode request trades the
// refresh cookie (api/browser.go) and has no body to bind.
func (h *handlers) refresh(c *gin.Context) (response, error) {
	if r, answered, err := h.browserRefresh(c); answered {
		return r, err
	}
	var in refreshInputJSON
	if err := bindJSON(c, &in); err != nil {
		return response{}, err
	}
	p, err := h.o.Accounts.Refresh(c.Request.Context(), in.RefreshToken)
	return ok(pairJSON(p)).noStore(), err
}

// logout handles POST /v1/auth/logout.
func (h *handlers) logout(c *gin.Context) (response, error) {
	if err := h.o.Accounts.Logout(c.Request.Context(), actor(c)); err != nil {
		return response{}, err
	}
	browserLogout(c) // api/browser.go
	return noContent(), nil
}

// jwks handles GET /.well-known/jwks.json.
func (h *handlers) jwks(c *gin.Context) (response, error) {
	return response{status: http.StatusOK, raw: h.o.JWKS(), ctype: "application/json", headers: map[string]string{"Cache-Control": "public, max-age=300"}}, nil
}
