package domain

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	SHA256      string // lower-case hex digest of the whole object
	ContentType string
	ModTime     time.Time
}

// ObjectStore keeps immutable blobs (photo originals, thumbnails) under keys
// the server chooses. Two adapters implement it: a local directory and MinIO
// (any S3). Keys are slash-separated paths of [a-z0-9._-] segments.
type ObjectStore interface {
	// Put stores the bytes of r under key, replacing any object there. size is
	// the exact number of bytes r yields, or -1 when unknown. The SHA-256 is
	// computed while streaming. Put is atomic: when r fails or yields a
	// different number of bytes than size, nothing is stored and any earlier
	// object under key is left unchanged. Concurrent Puts to one key leave one
	// of them whole. Errors: EInvalid for a bad key or a size mismatch; the
	// reader's own error (wrapped) when it fails.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (ObjectInfo, error)

	// Open returns a reader of length bytes from offset (length -1: to the
	// end) and the object's info. Errors: ENotFound; EInvalid for an offset
	// past the end.
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, ObjectInfo, error)

	// Stat returns the object's info. Errors: ENotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)

	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error

	// Ping checks that the store is reachable and usable. Errors: EUnavailable.
	Ping(ctx context.Context) error

	// Name names the backend for logs and readiness ("localdir", "minio").
	Name() string
}

// Object key limits, shared by every ObjectStore: keys must be valid file
// paths on any filesystem and S3 object names alike.
const (
	MaxObjectKeyLen     = 512
	MaxObjectSegmentLen = 200 // leaves room for suffixes under the usual 255-byte name limit
)

// CheckObjectKey returns EInvalid unless key is slash-separated segments of
// [a-z0-9._-], none empty, "." or containing "..", at most MaxObjectKeyLen
// bytes in all and MaxObjectSegmentLen a segment.
func CheckObjectKey(key string) error {
	bad := func(why string) error {
		return Wrap(EInvalid, nil, "object key %q: %s", key, why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > MaxObjectKeyLen:
		return bad(fmt.Sprintf("longer than %d bytes", MaxObjectKeyLen))
	case strings.Contains(key, ".."):
		return bad(`contains ".."`)
	}
	for _, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return bad("empty path segment")
		case seg == ".":
			return bad(`"." segment`)
		case len(seg) > MaxObjectSegmentLen:
			return bad(fmt.Sprintf("segment longer than %d bytes", MaxObjectSegmentLen))
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return bad("only a-z, 0-9, '.', '_', '-' and '/' are allowed")
			}
		}
	}
	return nil
}
