// Package password hashes and checks passwords with argon2id and makes
// random one-time passwords.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters. The defaults follow RFC 9106's
// second recommended option scaled to a small server: 64 MiB, 3 passes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// Default is what new hashes use.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2, KeyLen: 32, SaltLen: 16}

// Hash returns the PHC-format argon2id hash of pw:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>.
func (p Params) Hash(pw string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Locked is stored instead of a hash for an account that has no password
// yet (created by a contact book import): no password matches it.
const Locked = "!locked"

// ErrMalformed is returned for a stored hash that is not argon2id PHC text.
var ErrMalformed = errors.New("password: malformed hash")

// Check reports whether pw matches the stored hash, in constant time with
// respect to the key. The hash carries its own parameters, so hashes made
// with older parameters keep working.
func Check(hash, pw string) (bool, error) {
	if hash == Locked {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformed
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrMalformed
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want))) //nolint:gosec // len of a decoded key fits
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// alphabet avoids characters that are easily confused when read aloud or
// copied from a screen (0/O, 1/l/I).
const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Random returns a random password of n characters from an unambiguous
// alphabet.
func Random(n int) (string, error) {
	b := make([]byte, n)
	out := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	for i := range b {
		// 256 is not a multiple of len(alphabet); rejection sampling keeps it uniform.
		for int(b[i]) >= 256-256%len(alphabet) {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				return "", fmt.Errorf("random password: %w", err)
			}
			b[i] = one[0]
		}
		out[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(out), nil
}

// Check reports whether pw matches hash; it makes Params a hasher for the
// accounts use case. The hash's own parameters are used, not p's.
func (p Params) Check(hash, pw string) (bool, error) { return Check(hash, pw) }
