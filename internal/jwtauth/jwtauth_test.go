package jwtauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/jwtauth"
)

const (
	issuer   = "xiezhi"
	audience = "xiezhi-api"
)

// t0 is the fake clock's start; keys are created relative to it.
var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// clock is a fake time source safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func createKey(t *testing.T, dir string, at time.Time) string {
	t.Helper()
	kid, err := jwtauth.CreateKey(dir, at)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return kid
}

func newKeyring(t *testing.T, dir string, clk *clock) *jwtauth.Keyring {
	t.Helper()
	k, err := jwtauth.NewKeyring(dir, issuer, audience, clk.Now)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

// privateKey reads a key file the way any PKCS #8 tool would.
func privateKey(t *testing.T, dir, kid string) ed25519.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, kid+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s.pem: no PRIVATE KEY block", kid)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		t.Fatalf("%s.pem holds a %T", kid, key)
	}
	return priv
}

func b64(v any) string {
	if s, ok := v.(string); ok {
		return base64.RawURLEncoding.EncodeToString([]byte(s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signed builds a token by hand, so that tests control every header field:
// header and claims, signed with Ed25519 by priv (nil: empty signature).
func signed(header, claims map[string]any, priv ed25519.PrivateKey) string {
	input := b64(header) + "." + b64(claims)
	if priv == nil {
		return input + "."
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(input)))
}

// validClaims are the claims Issue would write at now.
func validClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": issuer, "aud": audience, "sub": "u1", "sid": "s1", "jti": "t1", "role": "assistant",
		"grids": []string{"g1"},
		"iat":   now.Unix(), "nbf": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func accessClaims(now time.Time) domain.AccessClaims {
	return domain.AccessClaims{
		TokenID:   "019571a2-0000-7000-8000-000000000001",
		UserID:    "u-42",
		SessionID: "s-7",
		Role:      domain.RoleOfficer,
		GridIDs:   []string{"g-1", "g-2"},
		IssuedAt:  now,
		ExpiresAt: now.Add(15 * time.Minute),
	}
}

func issue(t *testing.T, k *jwtauth.Keyring, c domain.AccessClaims) string {
	t.Helper()
	token, err := k.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return token
}

// header decodes a token's header.
func header(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	kid := createKey(t, dir, t0)
	clk := newClock(t0.Add(time.Hour))
	k := newKeyring(t, dir, clk)
	now := clk.Now()

	tests := []struct {
		name string
		in   domain.AccessClaims
		want domain.AccessClaims
	}{
		{"full", accessClaims(now), accessClaims(now)},
		{"no grids", with2(accessClaims(now), func(c *domain.AccessClaims) { c.GridIDs = nil }),
			with2(accessClaims(now), func(c *domain.AccessClaims) { c.GridIDs = []string{} })},
		{"sub-second times are truncated", with2(accessClaims(now), func(c *domain.AccessClaims) {
			c.IssuedAt = now.Add(700 * time.Millisecond)
			c.ExpiresAt = now.Add(15*time.Minute + 300*time.Millisecond)
		}), accessClaims(now)},
		{"local time zone", with2(accessClaims(now), func(c *domain.AccessClaims) {
			c.IssuedAt = now.In(time.FixedZone("CST", 8*3600))
		}), accessClaims(now)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := issue(t, k, tc.in)
			got, err := k.Verify(token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": kid}, header(t, token)); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

func with2(c domain.AccessClaims, f func(*domain.AccessClaims)) domain.AccessClaims {
	f(&c)
	return c
}

// TestPayload pins the claims as other services see them.
func TestPayload(t *testing.T) {
	dir := t.TempDir()
	createKey(t, dir, t0)
	clk := newClock(t0.Add(time.Hour))
	k := newKeyring(t, dir, clk)
	token := issue(t, k, accessClaims(clk.Now()))
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	iat := float64(clk.Now().Unix())
	want := map[string]any{
		"iss": issuer, "aud": audience, "sub": "u-42", "sid": "s-7", "role": "officer",
		"jti": "019571a2-0000-7000-8000-000000000001", "grids": []any{"g-1", "g-2"},
		"iat": iat, "nbf": iat, "exp": iat + 900,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
}

// TestVerifyRejects: every forged, stale or malformed token fails with
// EUnauthorized, for the expected reason, without echoing the token.
func TestVerifyRejects(t *testing.T) {
	dir := t.TempDir()
	kid := createKey(t, dir, t0)
	priv := privateKey(t, dir, kid)
	pub := priv.Public().(ed25519.PublicKey)
	clk := newClock(t0.Add(time.Hour))
	k := newKeyring(t, dir, clk)
	now := clk.Now()

	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": kid}
	good := signed(hdr, validClaims(now), priv)
	if _, err := k.Verify(good); err != nil {
		t.Fatalf("the baseline token does not verify: %v", err)
	}
	parts := strings.Split(good, ".")

	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(validClaims(now))).SignedString([]byte(pub))
	if err != nil {
		t.Fatal(err)
	}
	hs256Kid := func() string { // the same, with the kid of the real key
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(validClaims(now)))
		tok.Header["kid"] = kid
		s, err := tok.SignedString([]byte(pub))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	tamperedClaims := with(validClaims(now), "role", "admin")

	tests := []struct {
		name   string
		token  string
		reason string // in the error message
	}{
		{"alg none", signed(map[string]any{"alg": "none"}, validClaims(now), nil), "signing method none is invalid"},
		{"alg none with kid", signed(map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, validClaims(now), nil), "signing method none is invalid"},
		{"HS256 with the public key as secret", hs256, "signing method HS256 is invalid"},
		{"HS256 with the public key as secret and kid", hs256Kid, "signing method HS256 is invalid"},
		{"RS256 header over an EdDSA signature", signed(with(hdr, "alg", "RS256"), validClaims(now), priv), "signing method RS256 is invalid"},
		{"ES256 header over an EdDSA signature", signed(with(hdr, "alg", "ES256"), validClaims(now), priv), "signing method ES256 is invalid"},
		{"Ed25519 alg name", signed(with(hdr, "alg", "Ed25519"), validClaims(now), priv), "signing method (alg) is unavailable"},
		{"unknown key with a known kid", signed(hdr, validClaims(now), stranger), "signature is invalid"},
		{"unknown kid", signed(with(hdr, "kid", "20250301T080000Z-00000000"), validClaims(now), priv), "unknown kid"},
		{"missing kid", signed(with(hdr, "kid", nil), validClaims(now), priv), "no kid"},
		{"kid not a string", signed(with(hdr, "kid", 7), validClaims(now), priv), "no kid"},
		{"expired beyond leeway", signed(hdr, with(validClaims(now), "exp", now.Add(-31*time.Second).Unix()), priv), "token is expired"},
		{"nbf in the future", signed(hdr, with(validClaims(now), "nbf", now.Add(time.Minute).Unix()), priv), "token is not valid yet"},
		{"iat in the future", signed(hdr, with(validClaims(now), "iat", now.Add(time.Minute).Unix(), "nbf", nil), priv), "token used before issued"},
		{"wrong iss", signed(hdr, with(validClaims(now), "iss", "someone-else"), priv), "token has invalid issuer"},
		{"no iss", signed(hdr, with(validClaims(now), "iss", nil), priv), "iss claim is required"},
		{"wrong aud", signed(hdr, with(validClaims(now), "aud", "other-api"), priv), "token has invalid audience"},
		{"wrong aud list", signed(hdr, with(validClaims(now), "aud", []string{"a", "b"}), priv), "token has invalid audience"},
		{"no aud", signed(hdr, with(validClaims(now), "aud", nil), priv), "aud claim is required"},
		{"no exp", signed(hdr, with(validClaims(now), "exp", nil), priv), "exp claim is required"},
		{"exp not a number", signed(hdr, with(validClaims(now), "exp", "tomorrow"), priv), "could not JSON decode claim"},
		{"exp a number in a string", signed(hdr, with(validClaims(now), "exp", fmt.Sprint(now.Add(time.Hour).Unix())), priv), "exp is not a number"},
		{"iat a number in a string", signed(hdr, with(validClaims(now), "iat", fmt.Sprint(now.Unix())), priv), "iat is not a number"},
		{"nbf a number in a string", signed(hdr, with(validClaims(now), "nbf", fmt.Sprint(now.Unix())), priv), "nbf is not a number"},
		{"exp an object", signed(hdr, with(validClaims(now), "exp", map[string]any{"n": 1}), priv), "exp is not a number"},
		{"no sub", signed(hdr, with(validClaims(now), "sub", nil), priv), "no sub"},
		{"no sid", signed(hdr, with(validClaims(now), "sid", ""), priv), "no sid"},
		{"no jti", signed(hdr, with(validClaims(now), "jti", nil), priv), "no jti"},
		{"no iat", signed(hdr, with(validClaims(now), "iat", nil), priv), "no iat"},
		{"no role", signed(hdr, with(validClaims(now), "role", nil), priv), "unknown role"},
		{"unknown role", signed(hdr, with(validClaims(now), "role", "root"), priv), "unknown role"},
		{"tampered payload (role admin, old signature)", parts[0] + "." + b64(tamperedClaims) + "." + parts[2], "signature is invalid"},
		{"tampered header", b64(with(hdr, "typ", "JOSE")) + "." + parts[1] + "." + parts[2], "signature is invalid"},
		{"signature cut short", good[:len(good)-10], "signature is invalid"},
		{"signature dropped", parts[0] + "." + parts[1], "token contains an invalid number of segments"},
		{"signature empty", parts[0] + "." + parts[1] + ".", "signature is invalid"},
		{"payload cut", good[:len(parts[0])+20], "token contains an invalid number of segments"},
		{"empty string", "", "token contains an invalid number of segments"},
		{"garbage", "not a token at all", "token contains an invalid number of segments"},
		{"garbage in three parts", "a.b.c", "could not base64 decode header"},
		{"header not JSON", "YQ.YQ.YQ", "could not JSON decode header"},
		{"header without alg", "e30.e30.e30", "signing method (alg) is unspecified"},
		{"Bearer prefix left on", "Bearer " + good, "could not base64 decode header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Verify(tc.token)
			if !domain.IsCode(err, domain.EUnauthorized) {
				t.Fatalf("Verify = %+v, %v; want %s", got, err, domain.EUnauthorized)
			}
			if diff := cmp.Diff(domain.AccessClaims{}, got); diff != "" {
				t.Errorf("claims returned with the error:\n%s", diff)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.reason) {
				t.Errorf("error %q does not say %q", msg, tc.reason)
			}
			if len(tc.token) > 10 && strings.Contains(msg, tc.token) {
				t.Errorf("error %q contains the token", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q has more than one line", msg)
			}
		})
	}
}

// TestLeeway: clock skew up to Leeway is accepted.
func TestLeeway(t *testing.T) {
	dir := t.TempDir()
	kid := createKey(t, dir, t0)
	priv := privateKey(t, dir, kid)
	clk := newClock(t0.Add(time.Hour))
	k := newKeyring(t, dir, clk)
	now := clk.Now()
	hdr := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": kid}
	tests := map[string]map[string]any{
		"expired 29s ago":     with(validClaims(now), "exp", now.Add(-29*time.Second).Unix()),
		"nbf 29s ahead":       with(validClaims(now), "nbf", now.Add(29*time.Second).Unix()),
		"iat 29s ahead":       with(validClaims(now), "iat", now.Add(29*time.Second).Unix(), "nbf", nil),
		"aud as a list":       with(validClaims(now), "aud", []string{audience}),
		"no nbf":              with(validClaims(now), "nbf", nil),
		"no grids":            with(validClaims(now), "grids", nil),
		"unknown extra claim": with(validClaims(now), "foo", "bar"),
	}
	for name, claims := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Verify(signed(hdr, claims, priv)); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestIssueRefusesIncompleteClaims(t *testing.T) {
	dir := t.TempDir()
	createKey(t, dir, t0)
	clk := newClock(t0.Add(time.Hour))
	k := newKeyring(t, dir, clk)
	now := clk.Now()
	tests := map[string]func(*domain.AccessClaims){
		"no token ID":         func(c *domain.AccessClaims) { c.TokenID = "" },
		"no user":             func(c *domain.AccessClaims) { c.UserID = "" },
		"no session":          func(c *domain.AccessClaims) { c.SessionID = "" },
		"no role":             func(c *domain.AccessClaims) { c.Role = "" },
		"unknown role":        func(c *domain.AccessClaims) { c.Role = "root" },
		"no issue time":       func(c *domain.AccessClaims) { c.IssuedAt = time.Time{} },
		"no expiry":           func(c *domain.AccessClaims) { c.ExpiresAt = time.Time{} },
		"expiry before issue": func(c *domain.AccessClaims) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			token, err := k.Issue(with2(accessClaims(now), f))
			if !domain.IsCode(err, domain.EInternal) {
				t.Errorf("Issue = %q, %v; want %s", token, err, domain.EInternal)
			}
		})
	}
}

func TestCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	at := time.Date(2025, 3, 1, 16, 4, 5, 999, time.FixedZone("CST", 8*3600))
	kid := createKey(t, dir, at)
	if !regexp.MustCompile(`^20250301T080405Z-[0-9a-f]{8}$`).MatchString(kid) {
		t.Errorf("kid %q, want 20250301T080405Z-<8 hex>", kid)
	}
	if other := createKey(t, dir, at); other <= kid {
		t.Errorf("a key created in the same second as %s sorts before it: %s", kid, other)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pem") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover file %s", e.Name())
		}
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", e.Name(), err, fi.Mode().Perm())
		}
	}
	if len(entries) != 2 {
		t.Errorf("%d files, want 2", len(entries))
	}
	privateKey(t, dir, kid) // a standard PKCS #8 Ed25519 key

	set, err := jwtauth.LoadKeys(dir, at)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 3, 1, 8, 4, 5, 0, time.UTC)
	for _, key := range set.Keys() {
		if !key.Created.Equal(created) || key.Created.Location() != time.UTC {
			t.Errorf("key %s created %v, want %v", key.ID, key.Created, created)
		}
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := jwtauth.CreateKey(filepath.Join(file, "keys"), at); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("CreateKey below a file: %v, want an error naming it", err)
	}
}

// TestCreateKeyOrder: keys created within one second still sort by
// creation, so the newest really is the newest.
func TestCreateKeyOrder(t *testing.T) {
	dir := t.TempDir()
	var kids []string
	for range 20 {
		kids = append(kids, createKey(t, dir, t0))
	}
	kids = append(kids, createKey(t, dir, t0.Add(time.Second)), createKey(t, dir, t0.Add(time.Second)))
	set, err := jwtauth.LoadKeys(dir, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range set.Keys() {
		got = append(got, k.ID)
	}
	slices.Reverse(kids)
	if diff := cmp.Diff(kids, got); diff != "" {
		t.Errorf("keys, newest first (-creation order +loaded):\n%s", diff)
	}
	if oldest := kids[len(kids)-1]; set.Signing().ID != oldest {
		t.Errorf("Signing = %s, want the oldest %s (none is Activation old)", set.Signing().ID, oldest)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func pemFile(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestLoadKeysErrors(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(ed)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	const kid = "20250301T080000Z-0123abcd"
	tests := []struct {
		name, file string
		data       []byte
		reason     string
	}{
		{"not PEM", kid + ".pem", []byte("hello\n"), `not a PEM "PRIVATE KEY" block`},
		{"empty", kid + ".pem", nil, `not a PEM "PRIVATE KEY" block`},
		{"public key", kid + ".pem", pemFile("PUBLIC KEY", pubDER), `not a PEM "PRIVATE KEY" block`},
		{"PKCS #8 ECDSA key", kid + ".pem", pemFile("PRIVATE KEY", ecDER), "want an Ed25519 key"},
		{"not PKCS #8", kid + ".pem", pemFile("PRIVATE KEY", []byte("garbage")), "not a PKCS #8 private key"},
		{"name not a kid", "signing.pem", pemFile("PRIVATE KEY", edDER), "name is not a key ID"},
		{"kid with a bad date", "20251301T080000Z-0123abcd.pem", pemFile("PRIVATE KEY", edDER), "name is not a key ID"},
		{"directory named like a key", kid + ".pem", nil, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			createKey(t, dir, t0) // a good key does not hide a bad one
			path := filepath.Join(dir, tc.file)
			if tc.reason == "is a directory" {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else {
				writeFile(t, path, tc.data)
			}
			set, err := jwtauth.LoadKeys(dir, t0)
			if err == nil {
				t.Fatalf("LoadKeys = %d keys, want an error", len(set.Keys()))
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tc.reason) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and saying %q", msg, path, tc.reason)
			}
		})
	}

	t.Run("missing dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "keys")
		if _, err := jwtauth.LoadKeys(dir, t0); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("LoadKeys: %v, want an error naming %s", err, dir)
		}
	})
}

func TestLoadKeysIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	kid := createKey(t, dir, t0)
	for _, name := range []string{"README", "notes.txt", kid + ".pem.bak", "." + kid + ".pem.123.tmp", "pem"} {
		writeFile(t, filepath.Join(dir, name), []byte("not a key"))
	}
	if err := os.Mkdir(filepath.Join(dir, "old"), 0o700); err != nil {
		t.Fatal(err)
	}
	set, err := jwtauth.LoadKeys(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	if keys := set.Keys(); len(keys) != 1 || keys[0].ID != kid {
		t.Errorf("keys %v, want only %s", keys, kid)
	}
}

func TestLoadKeysEmptyDir(t *testing.T) {
	dir := t.TempDir()
	set, err := jwtauth.LoadKeys(dir, t0)
	if err != nil || len(set.Keys()) != 0 || set.Signing().ID != "" {
		t.Errorf("LoadKeys(empty) = %v, %v; want an empty set", set, err)
	}
	if _, err := jwtauth.NewKeyring(dir, issuer, audience, time.Now); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("NewKeyring(empty): %v, want an error naming %s", err, dir)
	}
	if _, err := jwtauth.NewKeyring(filepath.Join(dir, "missing"), issuer, audience, time.Now); err == nil {
		t.Error("NewKeyring(missing dir) succeeded")
	}
}

// TestSigningRule: the newest key at least Activation old signs, else the
// oldest key.
func TestSigningRule(t *testing.T) {
	tests := []struct {
		name string
		ages []time.Duration // of the keys, by creation order
		want int             // index into ages
	}{
		{"one new key", []time.Duration{0}, 0},
		{"one old key", []time.Duration{time.Hour}, 0},
		{"new key pending", []time.Duration{time.Hour, time.Minute}, 0},
		{"new key just short of activation", []time.Duration{time.Hour, jwtauth.Activation - time.Second}, 0},
		{"new key exactly active", []time.Duration{time.Hour, jwtauth.Activation}, 1},
		{"two active, one pending", []time.Duration{time.Hour, 10 * time.Minute, 30 * time.Second}, 1},
		{"none old enough", []time.Duration{90 * time.Second, 30 * time.Second}, 0},
		{"key from the future", []time.Duration{time.Hour, -10 * time.Minute}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			now := t0.Add(24 * time.Hour)
			var kids []string
			for _, age := range tc.ages {
				kids = append(kids, createKey(t, dir, now.Add(-age)))
			}
			set, err := jwtauth.LoadKeys(dir, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := set.Signing().ID; got != kids[tc.want] {
				t.Errorf("Signing = %s, want %s (keys %v)", got, kids[tc.want], kids)
			}
			clk := newClock(now)
			if got := newKeyring(t, dir, clk).Signing(); got != kids[tc.want] {
				t.Errorf("Keyring.Signing = %s, want %s", got, kids[tc.want])
			}
		})
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	old := createKey(t, dir, t0)
	start := t0.Add(time.Hour)
	clk := newClock(start)
	k := newKeyring(t, dir, clk)
	byOld := issue(t, k, accessClaims(start))

	next := createKey(t, dir, start)
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at      time.Duration // since next was created
		signing string
	}{
		{0, old},
		{time.Minute, old},
		{jwtauth.Activation - time.Second, old},
		{jwtauth.Activation, next}, // exactly Activation old, with no reload needed
		{time.Hour, next},
	}
	var byNext string
	for _, s := range steps {
		clk.Set(start.Add(s.at))
		if got := k.Signing(); got != s.signing {
			t.Errorf("at +%v: Signing = %s, want %s", s.at, got, s.signing)
		}
		token := issue(t, k, accessClaims(clk.Now()))
		if got := header(t, token)["kid"]; got != s.signing {
			t.Errorf("at +%v: token kid %v, want %s", s.at, got, s.signing)
		}
		if s.signing == next && byNext == "" {
			byNext = token
		}
	}

	// While both keys are loaded, tokens by either verify.
	clk.Set(start.Add(3 * time.Minute))
	for name, token := range map[string]string{"old": byOld, "next": byNext} {
		if _, err := k.Verify(token); err != nil {
			t.Errorf("token by the %s key: %v", name, err)
		}
	}

	// Removing the old key's file and reloading withdraws it.
	if err := os.Remove(filepath.Join(dir, old+".pem")); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(byOld); err != nil {
		t.Errorf("before the reload the old key still verifies: %v", err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(byOld); !domain.IsCode(err, domain.EUnauthorized) || !strings.Contains(err.Error(), "unknown kid") {
		t.Errorf("token by the removed key: %v, want unknown kid", err)
	}
	if _, err := k.Verify(byNext); err != nil {
		t.Errorf("token by the remaining key: %v", err)
	}
	if got := k.Signing(); got != next {
		t.Errorf("Signing = %s, want %s", got, next)
	}
}

func TestReloadKeepsKeysOnError(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0.Add(time.Hour))
	kid := createKey(t, dir, t0)
	k := newKeyring(t, dir, clk)
	token := issue(t, k, accessClaims(clk.Now()))
	jwks := k.JWKS()

	tests := []struct {
		name    string
		breakIt func(t *testing.T) (path string, undo func())
	}{
		{"corrupt key file", func(t *testing.T) (string, func()) {
			path := filepath.Join(dir, "20250301T090000Z-deadbeef.pem")
			writeFile(t, path, []byte("-----BEGIN PRIVATE KEY-----\ncut off"))
			return path, func() { _ = os.Remove(path) }
		}},
		{"all keys gone", func(t *testing.T) (string, func()) {
			path := filepath.Join(dir, kid+".pem")
			if err := os.Rename(path, path+".off"); err != nil {
				t.Fatal(err)
			}
			return dir, func() { _ = os.Rename(path+".off", path) }
		}},
		{"directory gone", func(t *testing.T) (string, func()) {
			if err := os.Rename(dir, dir+".off"); err != nil {
				t.Fatal(err)
			}
			return dir, func() { _ = os.Rename(dir+".off", dir) }
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, undo := tc.breakIt(t)
			defer undo()
			err := k.Reload()
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Reload: %v, want an error naming %s", err, path)
			}
			if _, err := k.Verify(token); err != nil {
				t.Errorf("Verify after a failed reload: %v", err)
			}
			if got := k.Signing(); got != kid {
				t.Errorf("Signing = %s, want %s", got, kid)
			}
			if got := issue(t, k, accessClaims(clk.Now())); header(t, got)["kid"] != kid {
				t.Errorf("Issue after a failed reload signed with %v", header(t, got)["kid"])
			}
			if !bytes.Equal(k.JWKS(), jwks) {
				t.Errorf("JWKS changed:\n%s\nwant\n%s", k.JWKS(), jwks)
			}
		})
	}
	if err := k.Reload(); err != nil {
		t.Errorf("Reload once repaired: %v", err)
	}
}

func TestJWKS(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0.Add(time.Hour))
	old := createKey(t, dir, t0)
	next := createKey(t, dir, t0.Add(time.Minute))
	k := newKeyring(t, dir, clk)

	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(k.JWKS(), &set); err != nil {
		t.Fatalf("JWKS is not JSON: %v\n%s", err, k.JWKS())
	}
	var kids []string
	for _, key := range set.Keys {
		kids = append(kids, key["kid"])
		x := key["x"]
		want := map[string]string{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key["kid"], "x": x}
		if diff := cmp.Diff(want, key); diff != "" {
			t.Errorf("key (-want +got):\n%s", diff)
		}
		pub := privateKey(t, dir, key["kid"]).Public().(ed25519.PublicKey)
		if x != base64.RawURLEncoding.EncodeToString(pub) {
			t.Errorf("key %s: x %q is not its public key", key["kid"], x)
		}
	}
	if diff := cmp.Diff([]string{next, old}, kids); diff != "" {
		t.Errorf("kids, newest first (-want +got):\n%s", diff)
	}

	// A third party verifies a token with nothing but the JWKS.
	token := issue(t, k, accessClaims(clk.Now()))
	parsed, err := jwt.Parse(token, func(tok *jwt.Token) (any, error) {
		for _, key := range set.Keys {
			if key["kid"] == tok.Header["kid"] {
				x, err := base64.RawURLEncoding.DecodeString(key["x"])
				return ed25519.PublicKey(x), err
			}
		}
		return nil, fmt.Errorf("kid %v not in the JWKS", tok.Header["kid"])
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(clk.Now), jwt.WithAudience(audience), jwt.WithIssuer(issuer))
	if err != nil || !parsed.Valid {
		t.Errorf("verify with the JWKS: %v", err)
	}

	// A removed key leaves the JWKS at the next reload.
	if err := os.Remove(filepath.Join(dir, old+".pem")); err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(k.JWKS()), old) || !strings.Contains(string(k.JWKS()), next) {
		t.Errorf("JWKS after removing %s: %s", old, k.JWKS())
	}
	// The caller may not change the keyring's copy.
	b := k.JWKS()
	b[0] = 'X'
	if k.JWKS()[0] != '{' {
		t.Error("JWKS returned the keyring's own buffer")
	}
}

// syncBuffer is a log destination safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0.Add(time.Hour))
	first := createKey(t, dir, t0)
	k := newKeyring(t, dir, clk)
	var logs syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		k.Run(ctx, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
		close(done)
	}()

	second := createKey(t, dir, clk.Now())
	waitFor(t, "the new key in the JWKS", func() bool { return strings.Contains(string(k.JWKS()), second) })
	waitFor(t, "the reload log", func() bool { return strings.Contains(logs.String(), "signing keys reloaded") })
	if got := k.Signing(); got != first {
		t.Errorf("Signing = %s right after the reload, want %s", got, first)
	}
	clk.Add(jwtauth.Activation)
	waitFor(t, "the signing key change log", func() bool {
		return strings.Contains(logs.String(), `msg="signing key changed" kid=`+second+" previous="+first)
	})

	bad := filepath.Join(dir, "20250301T100000Z-00000000.pem")
	writeFile(t, bad, []byte("junk"))
	waitFor(t, "the failed reload log", func() bool { return strings.Contains(logs.String(), bad) })
	if !strings.Contains(string(k.JWKS()), first) {
		t.Error("a failed reload dropped the keys")
	}

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
}

// TestConcurrentUse runs Issue, Verify, JWKS and Reload together (for the
// race detector).
func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0.Add(time.Hour))
	createKey(t, dir, t0)
	k := newKeyring(t, dir, clk)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				switch (i + j) % 4 {
				case 0:
					if err := k.Reload(); err != nil {
						t.Error(err)
					}
				case 1:
					if _, err := jwtauth.CreateKey(dir, clk.Now()); err != nil {
						t.Error(err)
					}
				default:
					c := accessClaims(clk.Now())
					token, err := k.Issue(c)
					if err != nil {
						t.Error(err)
						continue
					}
					if _, err := k.Verify(token); err != nil {
						t.Error(err)
					}
					_ = k.JWKS()
				}
			}
		})
	}
	wg.Wait()
}
