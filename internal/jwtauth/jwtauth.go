// Package jwtauth signs and verifies Xiezhi's access tokens: JWTs over
// golang-jwt v5, signed with Ed25519 keys kept as files in a directory. It
// implements domain.TokenIssuer and domain.TokenVerifier.
//
// # Why EdDSA
//
// Ed25519 signatures are small and fast, have no parameters to get wrong and
// need no randomness when signing. The keys are asymmetric, so the public
// half can be published (Keyring.JWKS, served at /.well-known/jwks.json) for
// anyone who wants to check a token without being able to mint one. Verify
// accepts "EdDSA" and nothing else: the algorithm named in a token's header
// is never trusted, which rules out "alg: none" and the classic confusion
// of an HMAC signed with a public key as the secret. A token must also
// name, in its "kid" header, a key that is loaded here, and carry the
// configured iss and aud, an exp, and sub, sid, jti, role and iat.
//
// # Keys and rotation
//
// A keys directory holds one PKCS #8 PEM file per key, named
// "<kid>.pem", where kid is the UTC creation time and 8 random hex digits,
// "20250301T080000Z-9f86d081", so that keys sort by age. Every key in the
// directory verifies; one of them signs:
//
//	the signing key is the newest key that is at least Activation (2
//	minutes) old, or the oldest key if none is that old.
//
// Instances that share a keys directory reread it every ReloadEvery (1
// minute, Keyring.Run). A new key therefore reaches every instance, which
// then accepts its tokens, before any instance signs with it: no instance
// ever rejects a token because another one rotated first. All instances
// apply the same rule to the same files, so they agree on the signing key
// without talking to each other. When no key is old enough (the first
// start, or two rotations less than Activation apart) the oldest signs: the
// one every instance has had longest, which is the only one on a fresh
// install.
//
// Rotating is therefore: add a key ("xiezhi keys rotate"); two minutes later
// it signs everywhere; once the tokens of the old key have expired (access
// tokens live 15 minutes), remove the old file ("xiezhi keys remove").
// Removing a key stops its tokens at each instance's next reload, which is
// also how a leaked key is withdrawn (with --force when it signs).
//
// A reload that fails (a half-copied or foreign file, an emptied directory)
// keeps the keys loaded before and reports the error, so a mistake in the
// directory never takes the service down.
package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Leeway is the clock skew allowed between the instance that issued a token
// and the one that checks it, for exp, nbf and iat.
const Leeway = 30 * time.Second

// Keyring signs and verifies access tokens with the keys of one directory,
// reloaded while it runs. It is safe for concurrent use.
type Keyring struct {
	dir      string
	issuer   string
	audience string
	now      func() time.Time
	parser   *jwt.Parser

	reload sync.Mutex // serializes Reload, so an older read never replaces a newer one
	set    atomic.Pointer[KeySet]
}

var (
	_ domain.TokenIssuer   = (*Keyring)(nil)
	_ domain.TokenVerifier = (*Keyring)(nil)
)

// NewKeyring loads the keys of dir and returns a Keyring that issues tokens
// for issuer and audience, reading the time from now. It fails when dir
// cannot be read, holds a bad key file, or holds no key at all.
func NewKeyring(dir string, issuer, audience string, now func() time.Time) (*Keyring, error) {
	if issuer == "" || audience == "" {
		return nil, errors.New("signing keys: issuer and audience must not be empty")
	}
	k := &Keyring{
		dir:      dir,
		issuer:   issuer,
		audience: audience,
		now:      now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithTimeFunc(now),
		),
	}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload rereads the keys directory. On error it keeps the keys it had and
// returns the error; a directory with no key is an error.
func (k *Keyring) Reload() error {
	k.reload.Lock()
	defer k.reload.Unlock()
	set, err := LoadKeys(k.dir, k.now())
	if err != nil {
		return err
	}
	if len(set.keys) == 0 {
		return fmt.Errorf("signing keys %s: no key (*.pem) in the directory", k.dir)
	}
	k.set.Store(set)
	return nil
}

// Run reloads the keys every interval (ReloadEvery when every is not
// positive) until ctx ends, logging failed reloads, changes to the set of
// keys and changes of the signing key.
func (k *Keyring) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = ReloadEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	loaded, signing := kids(k.set.Load()), k.Signing()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := k.Reload(); err != nil {
			log.Error("signing keys not reloaded, keeping the loaded ones", "dir", k.dir, "err", err)
		} else if now := kids(k.set.Load()); !slices.Equal(now, loaded) {
			log.Info("signing keys reloaded", "dir", k.dir, "kids", now)
			loaded = now
		}
		if now := k.Signing(); now != signing {
			log.Info("signing key changed", "kid", now, "previous", signing)
			signing = now
		}
	}
}

// kids lists the key IDs of a set, newest first.
func kids(s *KeySet) []string {
	ids := make([]string, len(s.keys))
	for i, key := range s.keys {
		ids[i] = key.ID
	}
	return ids
}

// Signing returns the ID of the key that signs now.
func (k *Keyring) Signing() (kid string) {
	return k.set.Load().signingAt(k.now()).ID
}

// JWKS returns the JSON Web Key Set of every key that verifies, newest
// first, for /.well-known/jwks.json.
func (k *Keyring) JWKS() []byte {
	return bytes.Clone(k.set.Load().jwks)
}

// Issue signs c with the current signing key. The caller fills TokenID,
// IssuedAt and ExpiresAt; a token without them, a user, a session or a
// known role would never verify, so Issue refuses it (EInternal: a bug).
func (k *Keyring) Issue(c domain.AccessClaims) (string, error) {
	switch {
	case c.TokenID == "" || c.UserID == "" || c.SessionID == "":
		return "", domain.Errorf(domain.EInternal, "issue access token: token, user and session IDs are required")
	case !c.Role.Valid():
		return "", domain.Errorf(domain.EInternal, "issue access token: unknown role %q", c.Role)
	case c.IssuedAt.IsZero() || !c.ExpiresAt.After(c.IssuedAt):
		return "", domain.Errorf(domain.EInternal, "issue access token: expiry must follow the issue time")
	}
	grids := c.GridIDs
	if grids == nil {
		grids = []string{}
	}
	iat := jwt.NewNumericDate(c.IssuedAt)
	// MapClaims rather than jwt.RegisteredClaims, which writes aud as an
	// array unless a package-wide switch is flipped.
	token := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss":   k.issuer,
		"aud":   k.audience,
		"sub":   c.UserID,
		"exp":   jwt.NewNumericDate(c.ExpiresAt),
		"iat":   iat,
		"nbf":   iat,
		"jti":   c.TokenID,
		"sid":   c.SessionID,
		"role":  string(c.Role),
		"grids": grids,
	})
	key := k.set.Load().signingAt(k.now())
	token.Header["kid"] = key.ID
	signed, err := token.SignedString(key.private)
	if err != nil {
		return "", domain.Wrap(domain.EInternal, err, "issue access token with key %s", key.ID)
	}
	return signed, nil
}

// claims is the payload of an access token as Verify reads it.
type claims struct {
	jwt.RegisteredClaims
	SessionID string      `json:"sid"`
	Role      domain.Role `json:"role"`
	Grids     []string    `json:"grids"`
}

// UnmarshalJSON reads the claims, refusing exp, nbf and iat unless they
// are JSON numbers (RFC 7519 NumericDate): golang-jwt would also take a
// number written as a string ("exp":"1767225600"), which no issuer of ours
// writes and a forger's token should not get past.
func (c *claims) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if v, ok := raw[name]; ok && (len(v) == 0 || !strings.ContainsRune("-0123456789", rune(v[0]))) {
			return fmt.Errorf("%s is not a number", name)
		}
	}
	type plain claims // without this method
	return json.Unmarshal(b, (*plain)(c))
}

// Validate requires Xiezhi's own claims; the parser calls it after the
// registered ones.
func (c claims) Validate() error {
	switch {
	case c.Subject == "":
		return errors.New("no sub")
	case c.SessionID == "":
		return errors.New("no sid")
	case c.ID == "":
		return errors.New("no jti")
	case c.IssuedAt == nil:
		return errors.New("no iat")
	case !c.Role.Valid():
		return fmt.Errorf("unknown role %.32q", c.Role)
	}
	return nil
}

// Verify checks a token's algorithm (EdDSA only), its signature by the
// loaded key its kid names, its issuer, audience, expiry, not-before and
// issue times (with Leeway) and the presence of sub, sid, jti, iat and a
// known role. Errors: EUnauthorized, whose message says why (never the
// token itself).
func (k *Keyring) Verify(token string) (domain.AccessClaims, error) {
	set := k.set.Load()
	var c claims
	_, err := k.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid in the header")
		}
		key, ok := set.lookup(kid)
		if !ok {
			return nil, fmt.Errorf("unknown kid %.40q", kid)
		}
		return key.Public, nil
	})
	if err != nil {
		return domain.AccessClaims{}, domain.Wrap(domain.EUnauthorized, err, "access token rejected")
	}
	return domain.AccessClaims{
		TokenID:   c.ID,
		UserID:    c.Subject,
		SessionID: c.SessionID,
		Role:      c.Role,
		GridIDs:   c.Grids,
		IssuedAt:  c.IssuedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(),
	}, nil
}
