// Package localdir implements domain.ObjectStore on a local directory, for a
// single server without MinIO and for development.
//
// Each object is one file: a fixed 4 KiB header that holds its size, SHA-256,
// content type and time of writing, followed by the bytes. Keeping data and
// metadata in one file makes a Put a single atomic rename: readers, concurrent
// writers and a crash can never pair the bytes of one Put with the metadata of
// another, and no lock is needed. The key "photos/ab/orig.jpg" lives at
// <dir>/photos/ab/orig.jpg~obj; a name with "~" can never be a key segment,
// so an object file cannot collide with the directory of a longer key, and
// temporary files ("orig.jpg~tmp…") never look like objects.
package localdir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zhengning-court/xiezhi/internal/ctxio"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

const (
	headerSize         = 4096 // bytes before the object's data in every file
	headerMagic        = "xiezhi-object v1\n"
	objSuffix          = "~obj"
	tmpInfix           = "~tmp"
	maxContentTypeLen  = 1024
	defaultContentType = "application/octet-stream"
)

// Store keeps objects as files under one directory. It is safe for
// concurrent use.
type Store struct {
	dir string
	now func() time.Time
}

var _ domain.ObjectStore = (*Store)(nil)

// Open returns a Store over dir, creating the directory when it is missing.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("object store localdir: no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("object store localdir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("object store localdir: %w", err)
	}
	return &Store{dir: abs, now: time.Now}, nil
}

// Name returns "localdir".
func (s *Store) Name() string { return "localdir" }

// header is the metadata at the start of every object file.
type header struct {
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	ModTime     time.Time `json:"mod_time"`
}

// Put stores r under key; see domain.ObjectStore. The bytes go to a temporary
// file next to the final one, which is synced and renamed into place only
// when r ended after exactly size bytes.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (domain.ObjectInfo, error) {
	contentType, err := checkPut(ctx, key, size, contentType)
	if err != nil {
		return domain.ObjectInfo{}, err
	}
	final := s.path(key)
	tmp, err := s.createTemp(key)
	if err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
			s.prune(filepath.Dir(final))
		}
	}()

	if _, err := tmp.Seek(headerSize, io.SeekStart); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	src := ctxio.NewReader(ctx, r)
	var body io.Reader = src
	if size >= 0 {
		body = io.LimitReader(src, size+1) // one byte more reveals a longer body
	}
	h := sha256.New()
	n, err := io.Copy(tmp, io.TeeReader(body, h))
	switch berr := src.PutError(key); {
	case berr != nil:
		return domain.ObjectInfo{}, berr
	case err != nil:
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	case size >= 0 && n > size:
		return domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "put %s: body is longer than the declared %d bytes", key, size)
	case size >= 0 && n < size:
		return domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "put %s: body has %d bytes, declared %d", key, n, size)
	}

	hdr := header{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType, ModTime: s.now().UTC()}
	raw, err := encodeHeader(hdr)
	if err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if _, err := tmp.WriteAt(raw, 0); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	// A cancelled request must not store anything, so the last check comes
	// right before the rename that makes the object visible.
	if err := ctx.Err(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	committed = true
	if err := syncDir(filepath.Dir(final)); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	return hdr.info(key), nil
}

// checkPut checks the arguments of Put and returns the content type to
// store (the default for none).
func checkPut(ctx context.Context, key string, size int64, contentType string) (string, error) {
	if err := domain.CheckObjectKey(key); err != nil {
		return "", err
	}
	if size < -1 {
		return "", domain.Wrap(domain.EInvalid, nil, "put %s: size %d", key, size)
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	if err := checkContentType(contentType); err != nil {
		return "", domain.Wrap(domain.EInvalid, nil, "put %s: %s", key, err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("put %s: %w", key, err)
	}
	return contentType, nil
}

// Open returns length bytes of the object from offset; see
// domain.ObjectStore.
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
	f, hdr, err := s.openFile(key)
	if err != nil {
		return nil, domain.ObjectInfo{}, err
	}
	if offset > hdr.Size {
		_ = f.Close()
		return nil, domain.ObjectInfo{}, domain.Wrap(domain.EInvalid, nil, "open %s: offset %d is past the end (%d bytes)", key, offset, hdr.Size)
	}
	n := hdr.Size - offset
	if length >= 0 && length < n {
		n = length
	}
	rc := &fileReader{
		Reader: ctxio.NewReader(ctx, io.NewSectionReader(f, headerSize+offset, n)),
		f:      f,
	}
	return rc, hdr.info(key), nil
}

// Stat returns the object's info; see domain.ObjectStore.
func (s *Store) Stat(ctx context.Context, key string) (domain.ObjectInfo, error) {
	if err := domain.CheckObjectKey(key); err != nil {
		return domain.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	f, hdr, err := s.openFile(key)
	if err != nil {
		return domain.ObjectInfo{}, err
	}
	_ = f.Close()
	return hdr.info(key), nil
}

// Delete removes the object and then its directories as far as they are
// empty; see domain.ObjectStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := domain.CheckObjectKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	p := s.path(key)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	s.prune(filepath.Dir(p))
	return nil
}

// prune removes dir and its parents below s.dir as long as they are empty.
// Empty directories would otherwise pile up under keys like
// photos/<id>/orig.jpg. Removing them races with a Put creating its
// temporary file there; createTemp retries when its directory vanishes.
func (s *Store) prune(dir string) {
	for d := dir; d != s.dir && strings.HasPrefix(d, s.dir+string(filepath.Separator)); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			return // not empty, or gone already
		}
	}
}

// Ping checks that the directory exists and a file can be created in it.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "object store localdir at %s", s.dir)
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "object store localdir at %s", s.dir)
	}
	if !fi.IsDir() {
		return domain.Wrap(domain.EUnavailable, nil, "object store localdir at %s: not a directory", s.dir)
	}
	f, err := os.CreateTemp(s.dir, ".ping"+tmpInfix+"*")
	if err != nil {
		return domain.Wrap(domain.EUnavailable, err, "object store localdir at %s: not writable", s.dir)
	}
	_ = f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "object store localdir at %s", s.dir)
	}
	return nil
}

// path returns the file of key, which must be valid.
func (s *Store) path(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key)) + objSuffix
}

// createTemp creates the temporary file of a Put to key next to its final
// place, creating (and syncing) missing directories on the way.
func (s *Store) createTemp(key string) (*os.File, error) {
	dir := filepath.Dir(s.path(key))
	for attempt := 0; ; attempt++ {
		err := s.mkdirs(dir)
		if err == nil {
			var f *os.File
			if f, err = os.CreateTemp(dir, filepath.Base(key)+tmpInfix+"*"); err == nil {
				return f, nil
			}
		}
		// A concurrent Delete may remove an empty directory between its
		// creation and its use; try again a few times.
		if !errors.Is(err, fs.ErrNotExist) || attempt == 3 {
			return nil, err
		}
	}
}

// mkdirs creates dir and its missing parents below s.dir and syncs the
// parent of each directory it creates, so a new object survives a crash.
func (s *Store) mkdirs(dir string) error {
	if dir == s.dir {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := s.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// openFile opens the file of key and reads its header.
func (s *Store) openFile(key string) (*os.File, header, error) {
	f, err := os.Open(s.path(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, header{}, domain.Wrap(domain.ENotFound, err, "object %s", key)
		}
		return nil, header{}, fmt.Errorf("object %s: %w", key, err)
	}
	hdr, err := readHeader(f)
	if err != nil {
		_ = f.Close()
		return nil, header{}, fmt.Errorf("object %s: %w", key, err)
	}
	return f, hdr, nil
}

// readHeader reads and checks the header of an object file.
func readHeader(f *os.File) (header, error) {
	raw := make([]byte, headerSize)
	if _, err := io.ReadFull(f, raw); err != nil {
		return header{}, fmt.Errorf("read header of %s: %w", f.Name(), err)
	}
	if !bytes.HasPrefix(raw, []byte(headerMagic)) {
		return header{}, fmt.Errorf("%s is not an object file", f.Name())
	}
	var hdr header
	if err := json.NewDecoder(bytes.NewReader(raw[len(headerMagic):])).Decode(&hdr); err != nil {
		return header{}, fmt.Errorf("header of %s: %w", f.Name(), err)
	}
	fi, err := f.Stat()
	if err != nil {
		return header{}, err
	}
	if fi.Size() != headerSize+hdr.Size {
		return header{}, fmt.Errorf("%s has %d bytes of data, its header says %d", f.Name(), fi.Size()-headerSize, hdr.Size)
	}
	return hdr, nil
}

// encodeHeader returns the headerSize bytes that start an object file.
func encodeHeader(hdr header) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(headerMagic)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(hdr); err != nil { // Encode ends the value with '\n'
		return nil, err
	}
	if b.Len() > headerSize {
		return nil, fmt.Errorf("object header of %d bytes does not fit in %d", b.Len(), headerSize)
	}
	b.Write(bytes.Repeat([]byte{' '}, headerSize-b.Len()))
	return b.Bytes(), nil
}

// info converts a header to the domain's ObjectInfo.
func (h header) info(key string) domain.ObjectInfo {
	return domain.ObjectInfo{Key: key, Size: h.Size, SHA256: h.SHA256, ContentType: h.ContentType, ModTime: h.ModTime}
}

// syncDir fsyncs a directory so that a rename or a new entry in it is
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// checkContentType limits a content type to what fits in the header.
func checkContentType(ct string) error {
	if len(ct) > maxContentTypeLen {
		return fmt.Errorf("content type longer than %d bytes", maxContentTypeLen)
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] > 0x7e {
			return fmt.Errorf("content type %q has a character that is not printable ASCII", ct)
		}
	}
	return nil
}

// fileReader reads a section of an object file and closes the file.
type fileReader struct {
	*ctxio.Reader
	f *os.File
}

// Close closes the file.
func (r *fileReader) Close() error { return r.f.Close() }
