// Package miniostore implements domain.ObjectStore on MinIO, or any S3 that
// supports additional checksums, with github.com/minio/minio-go/v7.
//
// The SHA-256 of an object is kept as its S3 checksum (x-amz-checksum-sha256):
// Put sends it as a trailer computed while the body streams, the server
// checks it against the bytes it received and stores it with the object in
// the same atomic PUT, and Stat and Open read it back with checksum mode on.
// User metadata could not do this without a second request, because it must
// be sent before the body, when the digest is not known yet. A checksum is the
// digest of the whole object only for a single PUT (multipart uploads get a
// checksum of part checksums), so Put never uses multipart: it streams a body
// of known size as one PUT and spools a body of unknown size to a temporary
// file (in $TMPDIR) first. MinIO takes single PUTs of up to 5 TiB, AWS S3 of
// up to 5 GiB; photos are far smaller.
package miniostore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/zhengning-court/xiezhi/internal/ctxio"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

const (
	defaultContentType = "application/octet-stream"

	// dataRetries is how often minio-go tries a data request whose body can
	// be replayed. Ping and Open try once so that readiness answers fast.
	dataRetries = 3
)

// emptySHA256 is the digest of no bytes. S3 stores no checksum for an empty
// object (minio-go sends none), so Stat fills it in.
var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// Config says which MinIO (or S3) server and bucket to use.
type Config struct {
	Endpoint  string // host:port, no scheme
	AccessKey string
	SecretKey string
	Bucket    string // created by Open when missing
	Region    string // empty: ask the server
	UseTLS    bool
}

// Store keeps objects in one bucket. It is safe for concurrent use.
type Store struct {
	client   *minio.Client // data requests
	probe    *minio.Client // Ping and bucket setup: no retries
	bucket   string
	endpoint string
	now      func() time.Time
}

var _ domain.ObjectStore = (*Store)(nil)

// Open connects to the server in cfg and creates the bucket when it is
// missing. An unreachable server or wrong credentials give a one-line
// EUnavailable error that names the endpoint.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("object store minio: no endpoint given")
	}
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("object store minio at %s: bucket %q: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	transport, err := minio.DefaultTransport(cfg.UseTLS)
	if err != nil {
		return nil, fmt.Errorf("object store minio at %s: %w", cfg.Endpoint, err)
	}
	newClient := func(retries int) (*minio.Client, error) {
		return minio.New(cfg.Endpoint, &minio.Options{
			Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure:          cfg.UseTLS,
			Region:          cfg.Region,
			Transport:       transport,
			TrailingHeaders: true, // needed for the SHA-256 trailer of Put
			MaxRetries:      retries,
		})
	}
	s := &Store{bucket: cfg.Bucket, endpoint: cfg.Endpoint, now: time.Now}
	if s.client, err = newClient(dataRetries); err != nil {
		return nil, fmt.Errorf("object store minio at %s: %w", cfg.Endpoint, err)
	}
	if s.probe, err = newClient(1); err != nil {
		return nil, fmt.Errorf("object store minio at %s: %w", cfg.Endpoint, err)
	}

	ok, err := s.probe.BucketExists(ctx, s.bucket)
	if err != nil {
		return nil, s.unavailable(err, "")
	}
	if !ok {
		err := s.probe.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return nil, s.unavailable(err, "create bucket "+s.bucket)
		}
	}
	return s, nil
}

// Name returns "minio".
func (s *Store) Name() string { return "minio" }

// Put stores r under key in one PUT; see domain.ObjectStore and the package
// comment. A body of unknown size is spooled to a temporary file first.
//
// The SHA-256 Put returns is the checksum the server verified and stored:
// minio-go computes it for the trailer while the body streams, so a body
// of known size is not hashed a second time here.
//
// The body goes as an unsigned payload with that trailer
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER; the headers are signed), over plain
// HTTP as minio-go always does over TLS. By default minio-go signs a
// plain-HTTP body chunk by chunk, a second SHA-256 pass here and another
// in the server, which would authenticate the bytes against someone who
// can change traffic between the API and the object store; such a network
// needs TLS anyway (downloads are never signed), and corruption is caught
// by the checksum either way.
// A server that confirms no checksum does not support what this package
// needs: the object is removed and Put fails.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (domain.ObjectInfo, error) {
	if err := domain.CheckObjectKey(key); err != nil {
		return domain.ObjectInfo{}, err
	}
	if size < -1 {
		return domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "put %s: size %d", key, size)
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	if err := ctx.Err(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}

	h := sha256.New()
	var body io.Reader
	var exact *exactReader
	if size < 0 {
		f, n, err := spool(ctx, key, r, h)
		if err != nil {
			return domain.ObjectInfo{}, err
		}
		defer func() {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}()
		body, size = f, n
	} else {
		exact = &exactReader{ctx: ctx, r: r, key: key, size: size, left: size}
		if size == 0 {
			// minio-go may never read an empty body, so look for excess now.
			if err := exact.checkEnd(); err != nil {
				return domain.ObjectInfo{}, err
			}
		}
		body = exact
	}

	up, err := s.client.PutObject(ctx, s.bucket, key, body, size, minio.PutObjectOptions{
		ContentType:      contentType,
		DisableMultipart: true,
		Checksum:         minio.ChecksumSHA256,
		// One SHA-256 pass, the trailer's: see above.
		DisableContentSha256: true,
	})
	if exact != nil && exact.err != nil {
		return domain.ObjectInfo{}, exact.err
	}
	if err != nil {
		return domain.ObjectInfo{}, s.fail(ctx, "put", key, err)
	}
	sum := decodeSHA256(up.ChecksumSHA256)
	switch {
	case exact == nil: // spooled, and hashed on the way
		local := hex.EncodeToString(h.Sum(nil))
		if sum != "" && sum != local {
			return domain.ObjectInfo{}, fmt.Errorf("put %s: server stored sha256 %s, the body had %s", key, sum, local)
		}
		sum = local
	case sum == "" && size == 0:
		sum = emptySHA256
	case sum == "":
		_ = s.client.RemoveObject(context.WithoutCancel(ctx), s.bucket, key, minio.RemoveObjectOptions{})
		return domain.ObjectInfo{}, fmt.Errorf("put %s: the object store confirmed no SHA-256 checksum (it must support S3 additional checksums)", key)
	}
	// The PUT response carries no time; S3 keeps whole seconds.
	return domain.ObjectInfo{Key: key, Size: size, SHA256: sum, ContentType: contentType, ModTime: s.now().UTC().Truncate(time.Second)}, nil
}

// Open returns length bytes of the object from offset; see
// domain.ObjectStore. A whole object takes one GET; a range takes a HEAD for
// the info (S3 returns no checksum with a range) and a GET bound to the
// HEAD's ETag, so the bytes and the info come from the same object.
func (s *Store) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, domain.ObjectInfo, error) {
	if err := domain.CheckObjectKey(key); err != nil {
		return nil, domain.ObjectInfo{}, err
	}
	if offset < 0 || length < -1 {
		return nil, domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "open %s: bad range offset %d length %d", key, offset, length)
	}
	if err := ctx.Err(); err != nil {
		return nil, domain.ObjectInfo{}, fmt.Errorf("open %s: %w", key, err)
	}
	core := minio.Core{Client: s.client}
	if offset == 0 && length == -1 {
		body, oi, _, err := core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{Checksum: true})
		if err != nil {
			return nil, domain.ObjectInfo{}, s.fail(ctx, "open", key, err)
		}
		return body, info(key, oi), nil
	}

	for range 3 {
		oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{Checksum: true})
		if err != nil {
			return nil, domain.ObjectInfo{}, s.fail(ctx, "open", key, err)
		}
		inf := info(key, oi)
		if offset > inf.Size {
			return nil, domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "open %s: offset %d is past the end (%d bytes)", key, offset, inf.Size)
		}
		n := inf.Size - offset
		if length >= 0 && length < n {
			n = length
		}
		if n == 0 {
			return io.NopCloser(bytes.NewReader(nil)), inf, nil
		}
		var opts minio.GetObjectOptions
		if err := opts.SetRange(offset, offset+n-1); err != nil {
			return nil, domain.ObjectInfo{}, fmt.Errorf("open %s: %w", key, err)
		}
		if err := opts.SetMatchETag(oi.ETag); err != nil {
			return nil, domain.ObjectInfo{}, fmt.Errorf("open %s: %w", key, err)
		}
		body, _, _, err := core.GetObject(ctx, s.bucket, key, opts)
		if err == nil {
			return body, inf, nil
		}
		if minio.ToErrorResponse(err).Code != minio.PreconditionFailed {
			return nil, domain.ObjectInfo{}, s.fail(ctx, "open", key, err)
		}
		// Replaced between HEAD and GET: look again.
	}
	return nil, domain.ObjectInfo{}, domain.Wrap(domain.EConflict, nil, "open %s: the object kept changing while it was read", key)
}

// Stat returns the object's info; see domain.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (domain.ObjectInfo, error) {
	if err := domain.CheckObjectKey(key); err != nil {
		return domain.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return domain.ObjectInfo{}, s.fail(ctx, "stat", key, err)
	}
	return info(key, oi), nil
}

// Delete removes the object; see domain.ObjectStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := domain.CheckObjectKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case minio.NoSuchKey, minio.NoSuchBucket:
			return nil
		}
		return s.fail(ctx, "delete", key, err)
	}
	return nil
}

// Ping checks that the server answers and the bucket exists. It tries once,
// so a readiness probe learns of an outage at once and of the recovery at
// the next probe.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.probe.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.unavailable(err, "")
	}
	if !ok {
		return domain.Wrap(domain.EUnavailable, nil, "object store minio at %s: bucket %s does not exist", s.endpoint, s.bucket)
	}
	return nil
}

// info converts minio's object info to the domain's.
func info(key string, oi minio.ObjectInfo) domain.ObjectInfo {
	sum := decodeSHA256(oi.ChecksumSHA256)
	if sum == "" && oi.Size == 0 {
		sum = emptySHA256
	}
	return domain.ObjectInfo{Key: key, Size: oi.Size, SHA256: sum, ContentType: oi.ContentType, ModTime: oi.LastModified.UTC()}
}

// decodeSHA256 turns an S3 SHA-256 checksum (base64) into lower-case hex. It
// returns "" for none and for a checksum of part checksums ("…-3"), which an
// object uploaded in parts by another client may carry.
func decodeSHA256(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(raw)
}

// fail translates an error of a data request: a cancelled context stays
// itself, a missing key or bucket is ENotFound, a server that cannot serve
// (down, starting, wrong credentials) is EUnavailable.
func (s *Store) fail(ctx context.Context, op, key string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s %s: %w", op, key, ctxErr)
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case minio.NoSuchKey, minio.NoSuchBucket:
		return domain.Wrap(domain.ENotFound, err, "object %s in bucket %s", key, s.bucket)
	case minio.InvalidRange:
		return domain.Wrap(domain.EInvalid, err, "%s %s", op, key)
	}
	if deniedCodes[resp.Code] || resp.StatusCode >= 500 || resp.StatusCode == 0 && isNetwork(err) {
		return s.unavailable(err, op+" "+key)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

// deniedCodes are the S3 error codes of wrong credentials.
var deniedCodes = map[string]bool{
	minio.AccessDenied:             true,
	"InvalidAccessKeyId":           true,
	"SignatureDoesNotMatch":        true,
	"AuthorizationHeaderMalformed": true,
}

// unavailable returns a one-line EUnavailable error naming the endpoint and
// the short reason for err, which stays in the chain for errors.Is.
func (s *Store) unavailable(err error, op string) error {
	msg := "object store minio at " + s.endpoint
	if op != "" {
		msg = op + ": " + msg
	}
	return &domain.Error{Code: domain.EUnavailable, Message: msg, Err: &shortError{msg: reason(err), err: err}}
}

// reason says in a few words why a request to the server failed.
func reason(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch resp := minio.ToErrorResponse(err); {
	case deniedCodes[resp.Code]:
		return "access denied (check XIEZHI_S3_ACCESS_KEY/XIEZHI_S3_SECRET_KEY)"
	case resp.Code != "":
		return oneLine(resp.Code + ": " + resp.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + dnsErr.Name
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // drop the method and URL; the endpoint is named already
	}
	return oneLine(err.Error())
}

// isNetwork reports whether err comes from talking to the server rather than
// from a reply of it.
func isNetwork(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shortError shows a short text for an error and unwraps to the error.
type shortError struct {
	msg string
	err error
}

// Error returns the short text.
func (e *shortError) Error() string { return e.msg }

// Unwrap returns the full error.
func (e *shortError) Unwrap() error { return e.err }

// spool copies a body of unknown size to a temporary file, hashing it on the
// way, and returns the file rewound and the size.
func spool(ctx context.Context, key string, r io.Reader, h hash.Hash) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "xiezhi-put-*")
	if err != nil {
		return nil, 0, fmt.Errorf("put %s: spool body: %w", key, err)
	}
	fail := func(err error) (*os.File, int64, error) {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, 0, err
	}
	src := ctxio.NewReader(ctx, r)
	n, err := io.Copy(f, io.TeeReader(src, h))
	switch berr := src.PutError(key); {
	case berr != nil:
		return fail(berr)
	case err != nil:
		return fail(fmt.Errorf("put %s: spool body: %w", key, err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("put %s: spool body: %w", key, err))
	}
	return f, n, nil
}

// exactReader passes on exactly size bytes of r, and fails
// instead of delivering the last of them when r turns out shorter or longer
// than size, fails, or ctx ends. The request then breaks off before the
// server has a whole body, so nothing is stored. err keeps the first failure
// in the form Put returns it.
type exactReader struct {
	ctx       context.Context
	r         io.Reader
	key       string
	size      int64
	left      int64
	delivered bool // all size bytes went out and r ended there
	err       error
}

// Read implements io.Reader.
func (e *exactReader) Read(p []byte) (int, error) {
	switch {
	case e.err != nil:
		return 0, e.err
	case e.delivered:
		return 0, io.EOF
	case e.ctx.Err() != nil:
		return 0, e.fail(fmt.Errorf("put %s: %w", e.key, e.ctx.Err()))
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return 0, e.fail(domain.Wrap(domain.EInvalid, nil, "put %s: body has %d bytes, declared %d", e.key, e.size-e.left, e.size))
	case err != nil && err != io.EOF:
		return 0, e.fail(fmt.Errorf("put %s: read body: %w", e.key, err))
	}
	if e.left == 0 {
		if err := e.checkEnd(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// checkEnd makes sure r has nothing after the declared size.
func (e *exactReader) checkEnd() error {
	var b [1]byte
	for range 100 {
		n, err := e.r.Read(b[:])
		switch {
		case n > 0:
			return e.fail(domain.Wrap(domain.EInvalid, nil, "put %s: body is longer than the declared %d bytes", e.key, e.size))
		case err == io.EOF:
			e.delivered = true
			return nil
		case err != nil:
			return e.fail(fmt.Errorf("put %s: read body: %w", e.key, err))
		}
	}
	return e.fail(fmt.Errorf("put %s: read body: %w", e.key, io.ErrNoProgress))
}

// fail records err as the reader's failure and returns it.
func (e *exactReader) fail(err error) error {
	if e.err == nil {
		e.err = err
	}
	return e.err
}
