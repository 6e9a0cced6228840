package intake

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/imaging"
)

// PhotoUpload is one photo as it arrives: the body streams from the client.
type PhotoUpload struct {
	LeadID, PhotoID string
	Body            io.Reader
	ContentLength   int64  // -1 when unknown (chunked)
	Digest          []byte // SHA-256 the client claims (Content-Digest/Repr-Digest), or nil
}

// errTooLarge is returned by capReader past the cap.
var errTooLarge = errors.New("photo over the size cap")

// capReader fails once more than max bytes are read, so that an oversized
// body is refused while it streams, never held. It remembers the body's
// own read error, to tell a client that went away from a failing store.
type capReader struct {
	r       io.Reader
	n       int64
	max     int64
	readErr error
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.readErr = errTooLarge
		return n, errTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.readErr = err
	}
	return n, err
}

// AddPhoto stores a photo of the caller's own lead. The type is decided
// from the bytes; the body streams to the object store in one pass while
// its SHA-256, its structure and its header are checked: the header gives
// the pixel size (more than MaxPixels is refused before the rest is read),
// the EXIF time and the GPS position. Nothing is decoded here: the photo
// is stored with Processing pending and, in the same transaction, a
// photo.process job that decodes it and makes the thumbnail later
// (ProcessPhoto). HEIC, which Go cannot decode, is stored unsupported at
// once, without a job (LeadStore.RecordPhoto writes it all in one
// transaction: a photo never exists without its job). A photo id already
// used with the same bytes answers that photo (created false) and keeps
// nothing more; with other bytes it is EConflict. A failure at any step leaves no record, no job and no
// object behind. Errors: ENotFound, EForbidden, EConflict (other bytes;
// the lead has MaxPhotos or takes no more photos), ETooLarge,
// EUnsupportedMedia, EValidation (empty, corrupt, digest mismatch, too
// many pixels), EInvalid (the body does not match its Content-Length).
func (s *Service) AddPhoto(ctx context.Context, a domain.Actor, up PhotoUpload) (domain.Photo, bool, error) {
	if err := a.Authorize(domain.ActLeadSubmit); err != nil {
		return domain.Photo{}, false, err
	}
	l, err := s.own(ctx, a, up.LeadID)
	if err != nil {
		return domain.Photo{}, false, err
	}
	if !isUUID(up.PhotoID) {
		return domain.Photo{}, false, domain.Invalid(domain.FieldError{Field: "photo_id", Code: "invalid"})
	}
	if up.ContentLength > s.cfg.MaxPhotoBytes {
		return domain.Photo{}, false, domain.Errorf(domain.ETooLarge, "photo of %d bytes, cap %d", up.ContentLength, s.cfg.MaxPhotoBytes)
	}
	// A retried upload is told from a new one by its photo id when the
	// record is written (the id is taken: RecordPhoto fails with
	// EConflict), not by a look-up first: that saves new photos, nearly all
	// of them, a round trip to the database. Only when the lead takes no
	// more photos is the id looked up here, because the photo may be the
	// one that filled it.
	if err := s.photoAllowed(l); err != nil {
		if prev, gerr := s.leads.GetPhoto(ctx, l.ID, up.PhotoID); gerr == nil {
			return s.samePhoto(prev, up)
		}
		return domain.Photo{}, false, err
	}

	p, cleanup, err := s.storePhoto(ctx, l, up)
	if err != nil {
		return domain.Photo{}, false, err
	}
	return s.recordPhoto(ctx, a, p, cleanup)
}

// storePhoto streams the upload to the object store in one pass while its
// type, structure and header are checked, and returns the photo to record
// and how to delete its object again. Nothing is left stored on an error.
func (s *Service) storePhoto(ctx context.Context, l domain.Lead, up PhotoUpload) (domain.Photo, func(), error) {
	src := &capReader{r: up.Body, max: s.cfg.MaxPhotoBytes}
	body := bufio.NewReaderSize(src, 4096)
	head, _ := body.Peek(512) // a short body is fine; a failing one shows in src.readErr
	if len(head) == 0 {
		if src.readErr != nil {
			return domain.Photo{}, nil, uploadError(src.readErr, s.cfg.MaxPhotoBytes)
		}
		return domain.Photo{}, nil, domain.Invalid(domain.FieldError{Field: "body", Code: "required"})
	}
	contentType, ok := imaging.Sniff(head)
	if !ok {
		return domain.Photo{}, nil, domain.Errorf(domain.EUnsupportedMedia, "photo is not JPEG, PNG, WebP or HEIC by its bytes")
	}
	// The object store computes the SHA-256 as the bytes stream past
	// (domain.ObjectStore.Put); hashing them here too would be a second pass.
	check := imaging.NewHeaderChecker(contentType, s.cfg.MaxPixels)
	key := fmt.Sprintf("leads/%s/%s/%s", l.ID, up.PhotoID, s.newID())
	info, err := s.objects.Put(ctx, key, io.TeeReader(body, check), up.ContentLength, contentType)
	if err != nil {
		switch {
		case src.readErr != nil: // the client's body failed, not the store
			return domain.Photo{}, nil, uploadError(src.readErr, s.cfg.MaxPhotoBytes)
		case errors.Is(err, imaging.ErrTooManyPixels), errors.Is(err, imaging.ErrCorrupt): // the checker stopped the stream
			return domain.Photo{}, nil, s.imageError(err)
		}
		return domain.Photo{}, nil, uploadError(err, s.cfg.MaxPhotoBytes)
	}
	cleanup := func() { _ = s.objects.Delete(context.WithoutCancel(ctx), key) }
	sum := info.SHA256
	if err := check.Finish(); err != nil {
		cleanup()
		return domain.Photo{}, nil, s.imageError(err)
	}
	if up.Digest != nil && hex.EncodeToString(up.Digest) != sum {
		cleanup()
		return domain.Photo{}, nil, domain.Invalid(domain.FieldError{Field: "Content-Digest", Code: "mismatch"})
	}
	hdr := check.Header()
	p := domain.Photo{ID: up.PhotoID, LeadID: l.ID, ObjectKey: key, SHA256: sum, ContentType: contentType, Size: info.Size,
		Width: hdr.Width, Height: hdr.Height, TakenAt: hdr.TakenAt, Processing: domain.PhotoPending, CreatedAt: s.now().UTC()}
	if hdr.HasGPS {
		p.GPS = &domain.Location{Lat: hdr.Lat, Lng: hdr.Lng, CRS: domain.WGS84}
	}
	if contentType == imaging.HEIC {
		// The header gave all a HEIC file will give: Go cannot decode it.
		p.Processing = domain.PhotoUnsupported
	}
	return p, cleanup, nil
}

// recordPhoto records a stored photo with its event and job; on failure
// it deletes the object (cleanup) again. The same photo id recorded by a
// racing request answers like a retry.
func (s *Service) recordPhoto(ctx context.Context, a domain.Actor, p domain.Photo, cleanup func()) (domain.Photo, bool, error) {
	// The photo is whole and stored: record it even if the client goes
	// away now, so that its retry finds it (200) instead of storing it again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	rec := domain.PhotoRecord{Photo: p, MaxPhotos: s.cfg.MaxPhotos, Statuses: domain.PhotoStatuses(), At: p.CreatedAt,
		Event: domain.LeadEvent{ID: s.newID(), LeadID: p.LeadID, ActorID: a.UserID, ActorRole: a.Role, Type: "photo_added", Public: true, At: p.CreatedAt}}
	if p.Processing == domain.PhotoPending {
		rec.Job = &domain.Job{ID: s.newID(), Kind: domain.JobPhotoProcess, Ref: PhotoJobRef(p.LeadID, p.ID), RunAfter: p.CreatedAt, CreatedAt: p.CreatedAt}
	}
	err := s.leads.RecordPhoto(rctx, rec)
	if err != nil {
		cleanup()
		if domain.IsCode(err, domain.EConflict) { // the same photo id won a race: answer like a retry
			if prev, gerr := s.leads.GetPhoto(ctx, p.LeadID, p.ID); gerr == nil {
				return s.samePhotoHash(prev, p.SHA256)
			}
		}
		return domain.Photo{}, false, err
	}
	return p, true, nil
}

// recordTimeout bounds recording a stored photo in the database.
const recordTimeout = 30 * time.Second

// photoAllowed refuses a photo when the lead takes no more, before the
// body is read (RecordPhoto checks again when it counts the photo).
func (s *Service) photoAllowed(l domain.Lead) error {
	if !l.Status.TakesPhotos() {
		return domain.Errorf(domain.EConflict, "lead %s is %s and takes no more photos", l.ID, l.Status)
	}
	if l.PhotosReceived >= s.cfg.MaxPhotos {
		return domain.Errorf(domain.EConflict, "lead %s already has %d photos", l.ID, l.PhotosReceived)
	}
	return nil
}

// samePhoto answers a repeated upload of a stored photo id: the body is
// hashed (and thrown away) to tell a retry from a different photo.
func (s *Service) samePhoto(prev domain.Photo, up PhotoUpload) (domain.Photo, bool, error) {
	hash := sha256.New()
	src := &capReader{r: up.Body, max: s.cfg.MaxPhotoBytes}
	if _, err := io.Copy(hash, src); err != nil {
		return domain.Photo{}, false, uploadError(src.readErr, s.cfg.MaxPhotoBytes)
	}
	return s.samePhotoHash(prev, hex.EncodeToString(hash.Sum(nil)))
}

func (s *Service) samePhotoHash(prev domain.Photo, sum string) (domain.Photo, bool, error) {
	if prev.SHA256 != sum {
		return domain.Photo{}, false, domain.Errorf(domain.EConflict, "photo %s was uploaded with other bytes", prev.ID)
	}
	return prev, false, nil
}

// imageError is the problem of an upload the header checker refused.
func (s *Service) imageError(err error) error {
	if errors.Is(err, imaging.ErrTooManyPixels) {
		return domain.Invalid(domain.FieldError{Field: "body", Code: "too_many_pixels", Params: map[string]any{"max": s.cfg.MaxPixels}})
	}
	return domain.Invalid(domain.FieldError{Field: "body", Code: "corrupt_image"})
}

// uploadError maps a failed upload to a problem: over the cap, a body that
// does not match its Content-Length, or one the client stopped sending are
// the client's; anything else (the store) stays as it is.
func uploadError(err error, max int64) error {
	var de *domain.Error
	switch {
	case errors.Is(err, errTooLarge):
		return domain.Errorf(domain.ETooLarge, "photo over %d bytes", max)
	case errors.As(err, &de) && de.Code == domain.EInvalid:
		return domain.Wrap(domain.EInvalid, err, "the body does not match its Content-Length")
	case errors.As(err, &de):
		return err
	}
	return domain.Wrap(domain.EInvalid, err, "the upload was cut short")
}

// Photos lists a lead's photos. Errors: ENotFound.
func (s *Service) Photos(ctx context.Context, a domain.Actor, leadID string) ([]domain.Photo, error) {
	if _, err := s.visible(ctx, a, leadID); err != nil {
		return nil, err
	}
	return s.leads.Photos(ctx, leadID)
}

// OpenPhoto returns a photo's original (or thumbnail) for streaming, only
// to those who may see its lead. Errors: ENotFound (also for a photo
// without thumbnail: failed or unsupported), EPhotoProcessing (the
// thumbnail of a photo still pending; retry in a second).
func (s *Service) OpenPhoto(ctx context.Context, a domain.Actor, leadID, photoID string, thumbnail bool) (domain.Photo, io.ReadCloser, domain.ObjectInfo, error) {
	if _, err := s.visible(ctx, a, leadID); err != nil {
		return domain.Photo{}, nil, domain.ObjectInfo{}, err
	}
	p, err := s.leads.GetPhoto(ctx, leadID, photoID)
	if err != nil {
		return domain.Photo{}, nil, domain.ObjectInfo{}, err
	}
	key := p.ObjectKey
	if thumbnail {
		if p.Processing == domain.PhotoPending {
			e := domain.Errorf(domain.EPhotoProcessing, "photo %s is still being processed", photoID)
			e.RetryAfter = time.Second
			return domain.Photo{}, nil, domain.ObjectInfo{}, e
		}
		if p.ThumbKey == "" {
			return domain.Photo{}, nil, domain.ObjectInfo{}, domain.Errorf(domain.ENotFound, "photo %s has no thumbnail", photoID)
		}
		key = p.ThumbKey
	}
	rc, info, err := s.objects.Open(ctx, key, 0, -1)
	return p, rc, info, err
}
