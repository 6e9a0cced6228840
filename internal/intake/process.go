package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/imaging"
)

// PhotoJobRef is the Ref of the photo.process job of a photo.
func PhotoJobRef(leadID, photoID string) string { return leadID + "/" + photoID }

// parsePhotoJobRef splits a photo.process job's Ref.
func parsePhotoJobRef(ref string) (leadID, photoID string, err error) {
	leadID, photoID, ok := strings.Cut(ref, "/")
	if !ok || leadID == "" || photoID == "" {
		return "", "", fmt.Errorf("photo job ref %q is not <lead id>/<photo id>", ref)
	}
	return leadID, photoID, nil
}

// RunPhotoJob runs a photo.process job (see ProcessPhoto).
func (s *Service) RunPhotoJob(ctx context.Context, j domain.Job) error {
	leadID, photoID, err := parsePhotoJobRef(j.Ref)
	if err != nil {
		return err
	}
	return s.ProcessPhoto(ctx, leadID, photoID)
}

// GiveUpPhotoJob records on the photo that its job failed for good, so
// that clients stop waiting for a thumbnail: the photo ends failed with
// the reason job_failed (the original stays). An operator who requeues
// the job after fixing the cause gets it processed as usual.
func (s *Service) GiveUpPhotoJob(ctx context.Context, j domain.Job, _ error) error {
	leadID, photoID, err := parsePhotoJobRef(j.Ref)
	if err != nil {
		return err
	}
	p, err := s.leads.GetPhoto(ctx, leadID, photoID)
	if domain.IsCode(err, domain.ENotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Processing != domain.PhotoPending {
		return nil
	}
	p.Processing, p.ProcessingError = domain.PhotoFailed, domain.PhotoJobFailed
	return s.leads.UpdatePhotoProcessing(ctx, p)
}

// ProcessPhoto decodes a stored photo once, under the bound of Decoders
// images at a time, to prove it is an image, stores its thumbnail and
// records the outcome on the photo: done (with the thumbnail, and the size,
// EXIF time and GPS as the decoder read them); failed with a reason when
// the pixel data does not decode or has more than MaxPixels pixels; or
// unsupported when the image uses a feature Go's decoders lack. The
// original is kept in every case, as evidence. A photo that is no longer
// pending (the job ran before) is left alone, and the thumbnail's key is
// fixed by the original's, so running it twice does no harm. Errors are
// those of the stores (reading the original, writing the thumbnail or the
// record): the job retries them.
func (s *Service) ProcessPhoto(ctx context.Context, leadID, photoID string) error {
	p, err := s.leads.GetPhoto(ctx, leadID, photoID)
	if domain.IsCode(err, domain.ENotFound) {
		return nil // nothing to process; a photo is never deleted, so this is a stray job
	}
	if err != nil {
		return err
	}
	if p.Processing != domain.PhotoPending {
		return nil
	}
	info, thumb, err := s.decodePhoto(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case errors.Is(info.err, imaging.ErrTooManyPixels):
		p.Processing, p.ProcessingError = domain.PhotoFailed, domain.PhotoTooManyPixels
	case errors.Is(info.err, imaging.ErrCorrupt):
		p.Processing, p.ProcessingError = domain.PhotoFailed, domain.PhotoCorrupt
	case info.err != nil || thumb == nil: // ErrUnsupported, or HEIC
		p.Processing = domain.PhotoUnsupported
	default:
		p.ThumbKey = p.ObjectKey + ".thumb.jpg"
		if _, err := s.objects.Put(ctx, p.ThumbKey, bytes.NewReader(thumb), int64(len(thumb)), "image/jpeg"); err != nil {
			return fmt.Errorf("store the thumbnail of photo %s: %w", p.ID, err)
		}
		p.Processing = domain.PhotoDone
		p.TakenAt = info.TakenAt
		p.GPS = nil
		if info.HasGPS {
			p.GPS = &domain.Location{Lat: info.Lat, Lng: info.Lng, CRS: domain.WGS84}
		}
	}
	if info.Width > 0 && info.Height > 0 {
		p.Width, p.Height = info.Width, info.Height
	}
	return s.leads.UpdatePhotoProcessing(ctx, p)
}

// decoded is imaging.Process's answer about the image: err is its verdict
// on the file (ErrCorrupt, ErrTooManyPixels, ErrUnsupported or nil).
type decoded struct {
	imaging.Info
	err error
}

// decodePhoto reads the original back and runs imaging.Process on it,
// under the decode semaphore. The returned error is the store's, when the
// original could not be read: the job should be retried.
func (s *Service) decodePhoto(ctx context.Context, p domain.Photo) (decoded, []byte, error) {
	select {
	case s.decode <- struct{}{}:
	case <-ctx.Done():
		return decoded{}, nil, ctx.Err()
	}
	defer func() { <-s.decode }()
	rc, _, err := s.objects.Open(ctx, p.ObjectKey, 0, -1)
	if err != nil {
		return decoded{}, nil, fmt.Errorf("open photo %s: %w", p.ID, err)
	}
	defer rc.Close()
	info, thumb, err := imaging.Process(rc, p.ContentType, s.cfg.MaxPixels)
	switch {
	case errors.Is(err, imaging.ErrTooManyPixels), errors.Is(err, imaging.ErrCorrupt), errors.Is(err, imaging.ErrUnsupported):
		return decoded{Info: info, err: err}, nil, nil
	case err != nil:
		return decoded{}, nil, fmt.Errorf("read photo %s: %w", p.ID, err)
	}
	return decoded{Info: info}, thumb, nil
}
