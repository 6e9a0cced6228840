package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
)

// refreshCookieOf returns the xiezhi_refresh cookie a response sets, or nil.
func refreshCookieOf(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
		if c.Name == "xiezhi_refresh" {
			return c
		}
	}
	return nil
}

// browser builds a request of the console: the CSRF header, and the refresh
// cookie when given.
func browser(method, path, token, cookie string, body any) *http.Request {
	req := request(method, path, token, body)
	req.Header.Set("X-Xiezhi-CSRF", "1")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "xiezhi_refresh", Value: cookie})
	}
	return req
}

// TestBrowserSignIn: in browser mode the refresh token lives in an HttpOnly,
// Secure, SameSite=Strict cookie scoped to /v1/auth, never in the body; the
// cookie refreshes with the CSRF header only, rotates, and logout clears it.
func TestBrowserSignIn(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		login := map[string]string{"phone": w.users["officer"].Phone, "password": thePassword, "device": "console"}
		rec := w.do(browser(http.MethodPost, "/v1/auth/login", "", "", login))
		if rec.Code != http.StatusOK {
			t.Fatalf("browser login: %d %s", rec.Code, rec.Body)
		}
		body := decodeBody(t, rec)
		if _, ok := body["refresh_token"]; ok {
			t.Errorf("browser login put the refresh token in the body: %v", body)
		}
		if body["access_token"] == "" || body["token_type"] != "Bearer" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("browser login answer %v %v", body, rec.Header())
		}
		ck := refreshCookieOf(rec)
		if ck == nil {
			t.Fatalf("no refresh cookie: %v", rec.Header())
		}
		raw := rec.Header().Get("Set-Cookie")
		for _, want := range []string{"Path=/v1/auth", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=2592000"} {
			if !strings.Contains(raw, want) {
				t.Errorf("Set-Cookie %q lacks %s", raw, want)
			}
		}
		if ck.Value == "" || strings.Contains(raw, "Domain=") {
			t.Errorf("cookie %q", raw)
		}
		if rec := w.do(request(http.MethodGet, "/v1/me", body["access_token"].(string), nil)); rec.Code != http.StatusOK {
			t.Fatalf("access token of the browser session: %d", rec.Code)
		}

		// Without the guard header the cookie alone is refused, and nothing is spent.
		rec = w.do(withCookie(request(http.MethodPost, "/v1/auth/refresh", "", nil), ck.Value))
		wantProblem(t, rec, http.StatusForbidden, "forbidden")
		rec = w.do(withCookie(request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": ck.Value}), ck.Value))
		wantProblem(t, rec, http.StatusForbidden, "forbidden")
		if refreshCookieOf(rec) != nil {
			t.Errorf("a refused refresh touched the cookie: %v", rec.Header())
		}

		// With it, the cookie is traded for a new access token and a new cookie.
		rec = w.do(browser(http.MethodPost, "/v1/auth/refresh", "", ck.Value, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("browser refresh: %d %s", rec.Code, rec.Body)
		}
		second := decodeBody(t, rec)
		next := refreshCookieOf(rec)
		if _, ok := second["refresh_token"]; ok || next == nil || next.Value == ck.Value || next.MaxAge <= 0 {
			t.Fatalf("refresh did not rotate the cookie: body %v cookie %v", second, next)
		}
		if second["session_id"] != body["session_id"] {
			t.Errorf("refresh changed the session: %v then %v", body["session_id"], second["session_id"])
		}

		// A header without a cookie, or with a dead one, is a 401 that clears the cookie.
		for name, value := range map[string]string{"no cookie": "", "unknown cookie": "rt_not-a-token"} {
			rec = w.do(browser(http.MethodPost, "/v1/auth/refresh", "", value, nil))
			wantProblem(t, rec, http.StatusUnauthorized, "unauthorized")
			if c := refreshCookieOf(rec); c == nil || c.MaxAge >= 0 {
				t.Errorf("%s: the failed refresh did not clear the cookie: %v", name, rec.Header())
			}
		}

		// Phones keep the body flow: no cookie is set.
		rec = w.do(request(http.MethodPost, "/v1/auth/login", "", login))
		if rec.Code != http.StatusOK || refreshCookieOf(rec) != nil || decodeBody(t, rec)["refresh_token"] == nil {
			t.Errorf("phone login: %d %v %s", rec.Code, rec.Header(), rec.Body)
		}

		// Logout ends the session and clears the cookie; the cookie is dead after.
		rec = w.do(browser(http.MethodPost, "/v1/auth/logout", second["access_token"].(string), next.Value, nil))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("logout: %d %s", rec.Code, rec.Body)
		}
		if c := refreshCookieOf(rec); c == nil || c.MaxAge >= 0 || !strings.Contains(rec.Header().Get("Set-Cookie"), "Path=/v1/auth") {
			t.Errorf("logout did not clear the cookie: %v", rec.Header())
		}
		wantProblem(t, w.do(browser(http.MethodPost, "/v1/auth/refresh", "", next.Value, nil)), http.StatusUnauthorized, "unauthorized")
	})
}

// TestBrowserRefreshReuse: a spent cookie presented again (after the grace
// period) ends the session, as a spent body token does.
func TestBrowserRefreshReuse(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		login := map[string]string{"phone": w.users["assistant"].Phone, "password": thePassword}
		rec := w.do(browser(http.MethodPost, "/v1/auth/login", "", "", login))
		first := refreshCookieOf(rec)
		if rec.Code != http.StatusOK || first == nil {
			t.Fatalf("login: %d %v", rec.Code, rec.Header())
		}
		rec = w.do(browser(http.MethodPost, "/v1/auth/refresh", "", first.Value, nil))
		second := refreshCookieOf(rec)
		if rec.Code != http.StatusOK || second == nil {
			t.Fatalf("refresh: %d %s", rec.Code, rec.Body)
		}
		w.clock.add(time.Minute) // past the 10 s grace period
		wantProblem(t, w.do(browser(http.MethodPost, "/v1/auth/refresh", "", first.Value, nil)), http.StatusUnauthorized, "unauthorized")
		wantProblem(t, w.do(browser(http.MethodPost, "/v1/auth/refresh", "", second.Value, nil)), http.StatusUnauthorized, "unauthorized")
	})
}

func withCookie(req *http.Request, value string) *http.Request {
	req.AddCookie(&http.Cookie{Name: "xiezhi_refresh", Value: value})
	return req
}
