package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/zhengning-court/xiezhi/internal/accounts"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Browser mode of sign-in (docs/authentication.md): a web page sends
// X-Xiezhi-CSRF: 1 to login and refresh, and the refresh token travels in an
// HttpOnly cookie scoped to /v1/auth instead of the body, out of reach of the
// page's scripts. The header doubles as the CSRF guard: another site can make
// the browser send the cookie (SameSite=Strict aside) but not a custom header,
// which would need a CORS preflight this server never grants.
const (
	// CSRFHeader is the header that selects browser mode and guards the cookie.
	CSRFHeader = "X-Xiezhi-CSRF"
	// RefreshCookie is the name of the browser-mode refresh cookie.
	RefreshCookie = "xiezhi_refresh"
	// RefreshCookiePath scopes the cookie to login, refresh and logout.
	RefreshCookiePath = "/v1/auth"
)

// browserMode reports whether the request comes from a page in browser mode.
func browserMode(c *gin.Context) bool { return c.GetHeader(CSRFHeader) == "1" }

// refreshCookie returns the refresh cookie's value, or "".
func refreshCookie(c *gin.Context) string {
	ck, err := c.Request.Cookie(RefreshCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// browserSessionJSON is the body of a browser-mode login or refresh: the
// token pair without its refresh token.
type browserSessionJSON struct {
	AccessToken        string `json:"access_token"`
	TokenType          string `json:"token_type"`
	ExpiresIn          int    `json:"expires_in"`
	RefreshExpiresIn   int    `json:"refresh_expires_in"`
	SessionID          string `json:"session_id"`
	MustChangePassword bool   `json:"must_change_password"`
}

// setRefreshCookie puts the refresh token into the cookie for as long as the
// session lives; maxAge 0 clears it.
func setRefreshCookie(c *gin.Context, token string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name: RefreshCookie, Value: token, Path: RefreshCookiePath,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	} else {
		ck.Value, ck.MaxAge = "", -1 // written as Max-Age=0
	}
	http.SetCookie(c.Writer, ck)
}

// clearRefreshCookie tells the browser to drop the cookie.
func clearRefreshCookie(c *gin.Context) { setRefreshCookie(c, "", 0) }

// answerBrowser answers a browser-mode login or refresh: the refresh token
// into the cookie, the rest into the body.
func answerBrowser(c *gin.Context, p accounts.TokenPair) response {
	setRefreshCookie(c, p.RefreshToken, p.RefreshExpiresIn)
	return ok(browserSessionJSON{
		AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn / time.Second),
		RefreshExpiresIn: int(p.RefreshExpiresIn / time.Second),
		SessionID:        p.SessionID, MustChangePassword: p.MustChangePassword,
	}).noStore()
}

// browserRefresh handles POST /v1/auth/refresh for the requests that are
// about the cookie, and reports whether it answered them: in browser mode it
// trades the cookie (401 and a cleared cookie when there is none or it does
// not work); a request with the cookie but without the guard header is
// refused (403) before anything is spent. Other requests are left to the
// body flow.
func (h *handlers) browserRefresh(c *gin.Context) (r response, answered bool, err error) {
	tok := refreshCookie(c)
	if !browserMode(c) {
		if tok == "" {
			return response{}, false, nil
		}
		return response{}, true, domain.Errorf(domain.EForbidden, "refresh cookie without the %s header", CSRFHeader)
	}
	if tok == "" {
		clearRefreshCookie(c)
		return response{}, true, domain.Errorf(domain.EUnauthorized, "browser-mode refresh without the refresh cookie")
	}
	p, err := h.o.Accounts.Refresh(c.Request.Context(), tok)
	if err != nil {
		if domain.ErrorCode(err) == domain.EUnauthorized {
			clearRefreshCookie(c)
		}
		return response{}, true, err
	}
	return answerBrowser(c, p), true, nil
}

// browserLogout clears the cookie of a browser-mode session on logout.
func browserLogout(c *gin.Context) {
	if browserMode(c) || refreshCookie(c) != "" {
		clearRefreshCookie(c)
	}
}
