package jwtauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Activation is how old a key must be before it signs. It is twice
// ReloadEvery, so that every instance sharing the keys directory has loaded
// a new key, and so accepts its tokens, before any instance signs with it.
const Activation = 2 * ReloadEvery

// ReloadEvery is how often instances should reread the keys directory
// (the interval to give Keyring.Run). Activation depends on it.
const ReloadEvery = time.Minute

// kidTime is the layout of the creation time at the start of a key ID.
const kidTime = "20060102T150405Z"

// kidPattern is the whole key ID: creation time, then 8 random hex digits.
var kidPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$`)

// pemType is the PEM block type of a PKCS #8 private key.
const pemType = "PRIVATE KEY"

// Key is one Ed25519 signing key of a keys directory.
type Key struct {
	ID      string            // kid: the file name without ".pem"
	Created time.Time         // UTC creation time, read from the ID
	Public  ed25519.PublicKey // what verifies its signatures

	private ed25519.PrivateKey
}

// KeySet is the content of a keys directory at one moment: every key in it
// verifies, and one of them signs.
type KeySet struct {
	dir     string
	keys    []Key // newest first
	signing Key   // the signing key at load time; zero when keys is empty
	jwks    []byte
}

// LoadKeys reads every "<kid>.pem" file of dir (other names are ignored)
// and picks the signing key at now (see the package documentation). An
// empty directory gives an empty set; a file that is not a PKCS #8 PEM
// Ed25519 private key, or whose name is not a key ID, is an error naming it.
func LoadKeys(dir string, now time.Time) (*KeySet, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err) // *PathError names the dir
	}
	set := &KeySet{dir: dir}
	for _, e := range entries {
		kid, ok := strings.CutSuffix(e.Name(), ".pem")
		if !ok {
			continue
		}
		k, err := readKey(filepath.Join(dir, e.Name()), kid)
		if err != nil {
			return nil, err
		}
		set.keys = append(set.keys, k)
	}
	slices.SortFunc(set.keys, func(a, b Key) int { return strings.Compare(b.ID, a.ID) })
	set.signing = set.signingAt(now)
	set.jwks = jwks(set.keys)
	return set, nil
}

// readKey parses one key file.
func readKey(path, kid string) (Key, error) {
	created, err := parseKID(kid)
	if err != nil {
		return Key{}, fmt.Errorf("signing key %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return Key{}, fmt.Errorf("signing key %s: not a PEM %q block", path, pemType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("signing key %s: not a PKCS #8 private key: %w", path, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return Key{}, fmt.Errorf("signing key %s: a %T, want an Ed25519 key", path, parsed)
	}
	pub, _ := priv.Public().(ed25519.PublicKey)
	return Key{ID: kid, Created: created, Public: pub, private: priv}, nil
}

// parseKID checks a key ID and returns its creation time.
func parseKID(kid string) (time.Time, error) {
	if !kidPattern.MatchString(kid) {
		return time.Time{}, fmt.Errorf("name is not a key ID (%s-<8 hex digits>.pem)", kidTime)
	}
	t, err := time.Parse(kidTime, kid[:len(kidTime)])
	if err != nil {
		return time.Time{}, fmt.Errorf("name is not a key ID: %w", err)
	}
	return t, nil
}

// CreateKey generates a key, writes it to dir as "<kid>.pem" (mode 0600),
// creating dir (mode 0700) when it is missing, and returns its ID. The ID
// sorts after every key of dir created in the same second. The file
// appears whole or not at all: it is written under a temporary name that
// LoadKeys ignores, then renamed.
func CreateKey(dir string, now time.Time) (kid string, err error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	stamp := now.UTC().Format(kidTime)
	suffix, err := newSuffix(dir, stamp)
	if err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	kid = stamp + "-" + suffix
	tmp, err := os.CreateTemp(dir, "."+kid+".pem.*.tmp") // mode 0600
	if err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	if err := pem.Encode(tmp, &pem.Block{Type: pemType, Bytes: der}); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	path := filepath.Join(dir, kid+".pem")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("create signing key: %w", err)
	}
	syncDir(dir) // make the rename survive a crash where the platform allows
	return kid, nil
}

// newSuffix returns 8 random hex digits that sort after those of every key
// of dir created in the same second (stamp), so that key IDs sort by age
// even when two keys are created within one second.
func newSuffix(dir, stamp string) (string, error) {
	var floor uint64              // the smallest suffix allowed
	entries, _ := os.ReadDir(dir) // unreadable: no key to sort after
	for _, e := range entries {
		kid, ok := strings.CutSuffix(e.Name(), ".pem")
		if !ok || !kidPattern.MatchString(kid) || !strings.HasPrefix(kid, stamp) {
			continue
		}
		if v, err := strconv.ParseUint(kid[len(kidTime)+1:], 16, 32); err == nil {
			floor = max(floor, v+1)
		}
	}
	// A small random step above the floor: a key ID need not be secret, only
	// unique and sorted, and small steps leave room for many keys a second
	// (a step drawn from the whole remaining range would halve it each time).
	const step = 1 << 16
	if floor > math.MaxUint32-step { // no room left: fall back to any suffix
		floor = 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(step))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%08x", floor+n.Uint64()), nil
}

// syncDir flushes a directory entry; failure only weakens crash safety.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Keys returns every key of the set, newest first.
func (s *KeySet) Keys() []Key { return slices.Clone(s.keys) }

// Signing returns the key that signed at the time the set was loaded: the
// newest key at least Activation old, else the oldest key. It is the zero
// Key when the set is empty.
func (s *KeySet) Signing() Key { return s.signing }

// signingAt applies the signing-key rule at now.
func (s *KeySet) signingAt(now time.Time) Key {
	for _, k := range s.keys {
		if !now.Before(k.Created.Add(Activation)) {
			return k
		}
	}
	if len(s.keys) > 0 {
		// None is old enough: the oldest signs, as every instance has had
		// it longest (a fresh install's only key signs at once).
		return s.keys[len(s.keys)-1]
	}
	return Key{}
}

// lookup returns the key with ID kid.
func (s *KeySet) lookup(kid string) (Key, bool) {
	for _, k := range s.keys {
		if k.ID == kid {
			return k, true
		}
	}
	return Key{}, false
}

// jwk is one public key of a JSON Web Key Set (RFC 7517, RFC 8037).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// jwks renders keys as a JSON Web Key Set, in the order given.
func jwks(keys []Key) []byte {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, jwk{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   base64.RawURLEncoding.EncodeToString(k.Public),
			Kid: k.ID,
			Alg: "EdDSA",
			Use: "sig",
		})
	}
	b, err := json.Marshal(set)
	if err != nil { // strings only: cannot happen
		panic(errors.New("jwtauth: marshal JWKS: " + err.Error()))
	}
	return b
}
