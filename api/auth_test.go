package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zhengning-court/xiezhi/internal/backendtest"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

func TestLoginRefreshLogout(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		for _, phone := range []string{"+86 138-0000-0201", "13800000201", "0086 138 0000 0201"} {
			rec := w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": phone, "password": thePassword}))
			if rec.Code != http.StatusOK {
				t.Fatalf("login as %q: %d %s", phone, rec.Code, rec.Body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("token answer may be cached")
			}
		}
		pair := w.login("officer")
		if pair["token_type"] != "Bearer" || pair["expires_in"] != float64(900) || pair["refresh_expires_in"] != float64(30*24*3600) {
			t.Errorf("pair %v", pair)
		}
		access := pair["access_token"].(string)
		rec := w.do(request(http.MethodGet, "/v1/me", access, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/v1/me: %d %s", rec.Code, rec.Body)
		}
		me := decodeBody(t, rec)
		if me["id"] != w.users["officer"].ID || me["role"] != "officer" || len(me["grids"].([]any)) != 1 {
			t.Errorf("me %v", me)
		}

		// Refresh rotates: the new refresh token works, the old one is spent.
		rec = w.do(request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": pair["refresh_token"].(string)}))
		if rec.Code != http.StatusOK {
			t.Fatalf("refresh: %d %s", rec.Code, rec.Body)
		}
		second := decodeBody(t, rec)
		if second["refresh_token"] == pair["refresh_token"] || second["session_id"] != pair["session_id"] {
			t.Errorf("refresh did not rotate within the session: %v", second)
		}
		rec = w.do(request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": second["refresh_token"].(string)}))
		if rec.Code != http.StatusOK {
			t.Fatalf("second refresh: %d %s", rec.Code, rec.Body)
		}
		third := decodeBody(t, rec)

		// Logout ends the session: its access and refresh tokens stop working.
		rec = w.do(request(http.MethodPost, "/v1/auth/logout", third["access_token"].(string), nil))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("logout: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", third["access_token"].(string), nil)), 401, "unauthorized")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": third["refresh_token"].(string)})), 401, "unauthorized")
	})
}

// TestRefreshReuse: presenting a spent refresh token ends its whole family;
// within the grace period a lost answer is replaced instead.
func TestRefreshReuse(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		refresh := func(tok string) *http.Request {
			return request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		}
		first := w.login("assistant")
		r1 := first["refresh_token"].(string)
		rec := w.do(refresh(r1))
		if rec.Code != 200 {
			t.Fatal(rec.Body)
		}
		// The phone never got that answer and retries within the grace.
		w.clock.add(3 * time.Second)
		rec = w.do(refresh(r1))
		if rec.Code != 200 {
			t.Fatalf("retry within grace: %d %s", rec.Code, rec.Body)
		}
		r3 := decodeBody(t, rec)["refresh_token"].(string)
		// Much later, the first token is presented again: stolen. The whole
		// session ends, the newest token included.
		w.clock.add(time.Minute)
		wantProblem(t, w.do(refresh(r1)), 401, "unauthorized")
		wantProblem(t, w.do(refresh(r3)), 401, "unauthorized")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", first["access_token"].(string), nil)), 401, "unauthorized")

		for name, tok := range map[string]string{"unknown": "bm90LWEtdG9rZW4", "empty": ""} {
			rec := w.do(refresh(tok))
			if rec.Code != 401 && rec.Code != 422 {
				t.Errorf("%s refresh token: %d", name, rec.Code)
			}
		}
	})
}

// craft signs claims with a key and algorithm of the test's choosing.
func craft(t *testing.T, method jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTokenAttacks: every forged, stale or misplaced token is a 401 and
// changes nothing.
func TestTokenAttacks(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		pair := w.login("officer")
		kid, priv := w.signingKey()
		pub := priv.Public().(ed25519.PublicKey)
		_, stranger, _ := ed25519.GenerateKey(rand.Reader)
		now := w.clock.now()
		valid := func() jwt.MapClaims {
			return jwt.MapClaims{
				"iss": "xiezhi", "aud": "xiezhi-api", "sub": w.users["officer"].ID, "sid": pair["session_id"],
				"jti": "j1", "role": "admin", "grids": []string{}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			}
		}
		with := func(k string, v any) jwt.MapClaims {
			c := valid()
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
			return c
		}
		// The crafted valid token proves the forgeries fail for their flaw alone.
		if rec := w.do(request(http.MethodGet, "/v1/me", craft(t, jwt.SigningMethodEdDSA, kid, priv, valid()), nil)); rec.Code != 200 {
			t.Fatalf("control token refused: %d %s", rec.Code, rec.Body)
		}
		b64 := base64.RawURLEncoding.EncodeToString
		payload, _ := json.Marshal(valid())
		parts := strings.Split(pair["access_token"].(string), ".")
		claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
		tampered := strings.Replace(string(claims), `"role":"officer"`, `"role":"admin"`, 1)
		if tampered == string(claims) {
			t.Fatal("could not tamper with the role")
		}
		attacks := map[string]string{
			"alg none":              b64([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + b64(payload) + ".",
			"HS256 with public key": craft(t, jwt.SigningMethodHS256, kid, []byte(pub), valid()),
			"unknown signing key":   craft(t, jwt.SigningMethodEdDSA, kid, stranger, valid()),
			"unknown kid":           craft(t, jwt.SigningMethodEdDSA, "20200101T000000Z-deadbeef", priv, valid()),
			"no kid":                craft(t, jwt.SigningMethodEdDSA, "", priv, valid()),
			"expired":               craft(t, jwt.SigningMethodEdDSA, kid, priv, with("exp", now.Add(-2*time.Minute).Unix())),
			"nbf in the future":     craft(t, jwt.SigningMethodEdDSA, kid, priv, with("nbf", now.Add(10*time.Minute).Unix())),
			"wrong iss":             craft(t, jwt.SigningMethodEdDSA, kid, priv, with("iss", "someone-else")),
			"wrong aud":             craft(t, jwt.SigningMethodEdDSA, kid, priv, with("aud", "another-api")),
			"no exp":                craft(t, jwt.SigningMethodEdDSA, kid, priv, with("exp", nil)),
			"unknown session":       craft(t, jwt.SigningMethodEdDSA, kid, priv, with("sid", "no-such-session")),
			"tampered payload":      parts[0] + "." + b64([]byte(tampered)) + "." + parts[2],
			"garbage":               "not.a.token",
		}
		for name, tok := range attacks {
			t.Run(name, func(t *testing.T) {
				rec := w.do(request(http.MethodGet, "/v1/users", tok, nil))
				p := wantProblem(t, rec, 401, "unauthorized")
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				_ = p
			})
		}
		t.Run("token in the query string", func(t *testing.T) {
			wantProblem(t, w.do(request(http.MethodGet, "/v1/me?access_token="+pair["access_token"].(string), "", nil)), 401, "unauthorized")
		})
		t.Run("basic auth scheme", func(t *testing.T) {
			req := request(http.MethodGet, "/v1/me", "", nil)
			req.Header.Set("Authorization", "Basic "+pair["access_token"].(string))
			wantProblem(t, w.do(req), 401, "unauthorized")
		})
		t.Run("lower-case bearer works", func(t *testing.T) {
			req := request(http.MethodGet, "/v1/me", "", nil)
			req.Header.Set("Authorization", "bearer "+pair["access_token"].(string))
			if rec := w.do(req); rec.Code != 200 {
				t.Errorf("bearer scheme is case-insensitive (RFC 7235): %d", rec.Code)
			}
		})
	})
}

// TestDisabledUser: disabling ends the user's sessions at once on this
// instance and within the cache time on another one; refresh stops too.
func TestDisabledUser(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		pair := w.login("assistant")
		access := pair["access_token"].(string)
		other := w.newAccounts() // a second instance, sharing the database
		claims, err := w.keyring.Verify(access)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Authenticate(t.Context(), claims); err != nil {
			t.Fatalf("second instance: %v", err)
		}
		rec := w.do(request(http.MethodPost, "/v1/users/"+w.users["assistant"].ID+"/disable", w.token("admin"), nil))
		if rec.Code != 200 || decodeBody(t, rec)["status"] != "disabled" {
			t.Fatalf("disable: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", access, nil)), 401, "unauthorized")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": pair["refresh_token"].(string)})), 401, "unauthorized")
		wantProblem(t, w.do(request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": w.users["assistant"].Phone, "password": thePassword})), 401, "unauthorized")
		// The other instance trusted its cache for at most AuthCacheTTL.
		w.clock.add(31 * time.Second)
		if _, err := other.Authenticate(t.Context(), claims); !domain.IsCode(err, domain.EUnauthorized) {
			t.Errorf("second instance after the cache time: %v", err)
		}
		// Re-enabled, the user signs in again (old sessions stay ended).
		if rec := w.do(request(http.MethodPost, "/v1/users/"+w.users["assistant"].ID+"/enable", w.token("admin"), nil)); rec.Code != 200 {
			t.Fatalf("enable: %d", rec.Code)
		}
		w.login("assistant")
		wantProblem(t, w.do(request(http.MethodGet, "/v1/me", access, nil)), 401, "unauthorized")
	})
}

// TestBruteForce: repeated failures are throttled with 429 and
// Retry-After; unknown phones and wrong passwords answer the same.
func TestBruteForce(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b backendtest.Backend) {
		w := newWorld(t, b)
		try := func(phone, pw string) *http.Request {
			return request(http.MethodPost, "/v1/auth/login", "", map[string]string{"phone": phone, "password": pw})
		}
		strip := func(body string) string { // the request id differs, the rest must not
			var m map[string]any
			_ = json.Unmarshal([]byte(body), &m)
			delete(m, "request_id")
			j, _ := json.Marshal(m)
			return string(j)
		}
		unknown := w.do(try("13999999999", "whatever-it-is"))
		wrong := w.do(try(w.users["officer"].Phone, "whatever-it-is"))
		if unknown.Code != 401 || wrong.Code != 401 || strip(unknown.Body.String()) != strip(wrong.Body.String()) {
			t.Errorf("unknown phone and wrong password differ:\n%s\n%s", unknown.Body, wrong.Body)
		}
		throttled := 0
		for i := range 30 {
			rec := w.do(try(w.users["officer"].Phone, "wrong-"+strconv.Itoa(i)))
			if rec.Code == http.StatusTooManyRequests {
				throttled++
				if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
				}
			} else if rec.Code != 401 {
				t.Fatalf("attempt %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		if throttled < 25 {
			t.Errorf("only %d of 30 wrong passwords were throttled", throttled)
		}
		// While locked even the right password is refused…
		wantProblem(t, w.do(try(w.users["officer"].Phone, thePassword)), 429, "too_many_requests")
		// …and another account from the same address is not locked out yet.
		if rec := w.do(try(w.users["officerB"].Phone, thePassword)); rec.Code != 200 {
			t.Errorf("another account: %d %s", rec.Code, rec.Body)
		}
		// After the lock runs out the right password works again.
		w.clock.add(16 * time.Minute)
		if rec := w.do(try(w.users["officer"].Phone, thePassword)); rec.Code != 200 {
			t.Errorf("after the lock: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestLoginBadInput(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	tests := []struct {
		name, body, contentType string
		status                  int
		code, field             string
	}{
		{"malformed phone", `{"phone":"12345","password":"x"}`, "application/json", 422, "validation_failed", "phone"},
		{"landline", `{"phone":"0931-8123456","password":"x"}`, "application/json", 422, "validation_failed", "phone"},
		{"missing password", `{"phone":"13800000201"}`, "application/json", 422, "validation_failed", "password"},
		{"not JSON", `phone=13800000201&password=x`, "application/json", 400, "invalid_request", ""},
		{"form encoded", `phone=13800000201&password=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"empty body", ``, "application/json", 400, "invalid_request", ""},
		{"wrong type", `{"phone":13800000201,"password":"x"}`, "application/json", 422, "validation_failed", "phone"},
		{"oversized", `{"phone":"13800000201","password":"` + strings.Repeat("x", 70<<10) + `"}`, "application/json", 413, "payload_too_large", ""},
		{"two JSON values", `{"phone":"13800000201","password":"x"}{}`, "application/json", 400, "invalid_request", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(http.MethodPost, "/v1/auth/login", "", tc.body)
			req.Header.Set("Content-Type", tc.contentType)
			p := wantProblem(t, w.do(req), tc.status, tc.code)
			if tc.field != "" {
				errs, _ := p["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
					t.Errorf("errors %v, want field %s", p["errors"], tc.field)
				}
			}
		})
	}
	n, _ := w.b.DB.Sessions().ListSessions(t.Context(), w.users["officer"].ID, w.clock.now())
	if len(n) != 0 {
		t.Errorf("bad logins opened %d sessions", len(n))
	}
}

func TestJWKS(t *testing.T) {
	w := newWorld(t, backendtest.Embedded(t))
	rec := w.do(request(http.MethodGet, "/.well-known/jwks.json", "", nil))
	if rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg, Use string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", rec.Body, err)
	}
	kid, priv := w.signingKey()
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	if set.Keys[0].Kid != kid || !ed25519.PublicKey(x).Equal(priv.Public()) {
		t.Errorf("jwks key %+v does not match the signing key", set.Keys[0])
	}
	// An integrator verifies a token offline with the published key.
	tok := w.token("officer")
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return ed25519.PublicKey(x), nil },
		jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer("xiezhi"), jwt.WithAudience("xiezhi-api"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(w.clock.now))
	if err != nil || !parsed.Valid {
		t.Errorf("offline verification: %v", err)
	}
}
