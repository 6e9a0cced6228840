// Package sealer encrypts identity numbers at rest and makes the keyed blind
// index that finds them again (docs/architecture.md, "Who sees what").
//
// One 32-byte master key, read from the data key file, gives two keys by
// HKDF-SHA256 with different labels: an AES-256-GCM key that seals ID numbers
// and an HMAC-SHA256 key for the blind index. The index of a normalised ID
// number is the same every time (so a unique index finds duplicates and
// exact look-ups work) but cannot be computed, or reversed by trying every
// birth date, without the key.
//
// A sealed value is
//
//	key id (1 byte) | nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// The key id names the master key that sealed it, so that a later release
// can rotate keys: load the old key under its id, seal with the new one, and
// re-seal rows at leisure.
package sealer

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

// CurrentKeyID is the id of the configured master key in sealed values.
const CurrentKeyID byte = 1

// HKDF labels of the derived keys. Changing one makes every stored value
// unreadable: they are part of the format.
const (
	infoSeal  = "xiezhi id-number seal v1"
	infoIndex = "xiezhi id-number blind index v1"
)

// nonceSize is the GCM standard nonce size.
const nonceSize = 12

// ErrOpen is returned for a sealed value that does not open: tampered,
// truncated, sealed for another record or with a key that is not loaded.
var ErrOpen = errors.New("sealed value does not open")

// Sealer seals and opens ID numbers and computes their blind index.
type Sealer struct {
	id       byte
	aeads    map[byte]cipher.AEAD
	indexKey []byte
	rand     io.Reader
}

// New returns a sealer for a 32-byte master key, sealing under CurrentKeyID.
func New(master []byte) (*Sealer, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("data key: %d bytes, want %d", len(master), KeySize)
	}
	sealKey, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("data key: derive seal key: %w", err)
	}
	indexKey, err := hkdf.Key(sha256.New, master, nil, infoIndex, 32)
	if err != nil {
		return nil, fmt.Errorf("data key: derive index key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return &Sealer{id: CurrentKeyID, aeads: map[byte]cipher.AEAD{CurrentKeyID: aead}, indexKey: indexKey, rand: rand.Reader}, nil
}

// Seal encrypts plaintext with a fresh random nonce. aad binds the value to
// its record (for example "debtor:<id>"): it opens only with the same aad, so
// a sealed value copied onto another row does not open there.
func (s *Sealer) Seal(plaintext, aad string) ([]byte, error) {
	aead := s.aeads[s.id]
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = s.id
	if _, err := io.ReadFull(s.rand, out[1:1+nonceSize]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceSize], []byte(plaintext), []byte(aad)), nil
}

// Open decrypts a value made by Seal with the same aad. Errors: ErrOpen.
func (s *Sealer) Open(sealed []byte, aad string) (string, error) {
	if len(sealed) < 1+nonceSize {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	aead, ok := s.aeads[sealed[0]]
	if !ok {
		return "", fmt.Errorf("%w: sealed with key %d, which is not loaded", ErrOpen, sealed[0])
	}
	plain, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrOpen, err)
	}
	return string(plain), nil
}

// Index returns the blind index of a normalised ID number: the hex
// HMAC-SHA256 under the index key, 64 characters.
func (s *Sealer) Index(normalised string) string {
	m := hmac.New(sha256.New, s.indexKey)
	m.Write([]byte(normalised))
	return hex.EncodeToString(m.Sum(nil))
}

// HowToCreate tells an operator how to make a key file.
const HowToCreate = "head -c 32 /dev/urandom | base64 > data.key"

// LoadKey reads a master key file: the base64 of 32 random bytes, white space
// around it ignored.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the configured key file
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("data key file %s: want the base64 of %d random bytes (%s)", path, KeySize, HowToCreate)
	}
	return key, nil
}

// CreateKeyFile writes a new random key to path (mode 0600), refusing to
// overwrite one: losing a key loses every ID number sealed with it.
func CreateKeyFile(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("data key file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // the configured key file
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("data key file %s exists already", path)
		}
		return fmt.Errorf("data key file %s: %w", path, err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("data key file %s: %w", path, err)
	}
	return f.Close()
}
