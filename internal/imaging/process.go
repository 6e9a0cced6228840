package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// maxHeader bounds the bytes kept while reading an image header, which come
// before the pixel data: JPEG APPn segments (EXIF, XMP, ICC profiles) before
// the frame header, PNG chunks before IHDR/PLTE, the WebP VP8X chunk.
const maxHeader = 4 << 20

// Process reads a stored photo once, from start to end, and returns what it
// shows and a thumbnail:
//
//   - the container structure is checked as by Checker (ErrCorrupt);
//   - the image header is read first and an image of more than maxPixels
//     pixels (DefaultMaxPixels when maxPixels <= 0) is refused with
//     ErrTooManyPixels before any pixel memory is allocated, so a
//     decompression bomb costs nothing;
//   - JPEG, PNG and WebP are then decoded once (ErrCorrupt if they do not
//     decode; ErrUnsupported for features Go lacks), which proves the file
//     is an image;
//   - EXIF (JPEG APP1, PNG eXIf, WebP EXIF chunk, HEIC Exif item) gives
//     TakenAt, the GPS position and Orientation;
//   - the thumbnail is a JPEG at most ThumbnailSize pixels on its longest
//     side, turned upright by Orientation (see Thumbnail).
//
// HEIC cannot be decoded in pure Go: for it Process checks the structure,
// reads the size from the ispe property and the EXIF, and returns
// Info.Decoded false and a nil thumbnail.
//
// contentType must come from Sniff. Memory: the decoded image (1.5 bytes a
// pixel for YCbCr 4:2:0 JPEG and lossy WebP, 4 for RGBA PNG), plus for a
// progressive JPEG the decoder's coefficients (6 bytes a pixel at 4:2:0),
// plus under 10 MiB for the thumbnail and the header bytes before the
// frame header; the rest of the file streams through small buffers. A
// 12 MP baseline phone JPEG allocates about 21 MB in all.
//
// Errors other than ErrCorrupt, ErrTooManyPixels and ErrUnsupported come
// from r. The Info is filled as far as the file was read, also on error.
func Process(r io.Reader, contentType string, maxPixels int) (Info, []byte, error) {
	info, img, err := inspect(r, contentType, maxPixels)
	if err != nil || img == nil {
		return info, nil, err
	}
	thumb, err := Thumbnail(img, info.Orientation)
	return info, thumb, err
}

// Inspect is Process without the thumbnail: it checks, decodes (to prove
// the file is an image) and reads the EXIF, then drops the pixels.
func Inspect(r io.Reader, contentType string, maxPixels int) (Info, error) {
	info, _, err := inspect(r, contentType, maxPixels)
	return info, err
}

func inspect(r io.Reader, contentType string, maxPixels int) (Info, image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	info := Info{ContentType: contentType, Orientation: 1}
	chk := newChecker(contentType, true)
	if chk.err != nil {
		return info, nil, chk.err
	}
	src := &feed{r: r, chk: chk}

	if contentType == HEIC {
		if err := src.drain(); err != nil {
			return info, nil, err
		}
		h := chk.s.(done).structure.(*heicCheck)
		info.Width, info.Height = h.info.width, h.info.height
		applyExif(&info, chk.exif())
		// HEIF readers turn the image by its irot property and ignore the
		// EXIF orientation, so irot alone says how it is shown.
		info.Orientation = max(h.info.orientation, 1)
		if err := checkPixels(info, maxPixels); err != nil {
			return info, nil, err
		}
		return info, nil, nil
	}

	// Read the header through a recorder, then replay it to the decoder,
	// so the stream is read once and the pixel count is known before the
	// decoder allocates.
	rec := &recorder{r: src}
	cfg, err := decodeConfig(contentType, rec)
	if j, ok := chk.s.(*jpegCheck); ok && j.seenSOF {
		// Go's JPEG decoder reads on from the frame header to the first
		// scan (unless the file is JFIF), so a header followed by garbage
		// fails there; the size it declared is refused first all the same.
		info.Width, info.Height = j.frameW, j.frameH
		if err := checkPixels(info, maxPixels); err != nil {
			return info, nil, err
		}
	}
	if err != nil {
		return info, nil, src.fail(contentType, err)
	}
	info.Width, info.Height = cfg.Width, cfg.Height
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return info, nil, corruptf("%s: size %dx%d", contentType, cfg.Width, cfg.Height)
	}
	if err := checkPixels(info, maxPixels); err != nil {
		return info, nil, err
	}
	if w, ok := chk.s.(*webpCheck); ok && w.animated {
		return info, nil, fmt.Errorf("%w: animated WebP", ErrUnsupported)
	}
	img, err := decode(contentType, io.MultiReader(bytes.NewReader(rec.buf), src))
	if err != nil {
		return info, nil, src.fail(contentType, err)
	}
	// The decoder stops at the end of the image data; what follows (a WebP
	// EXIF chunk, a JPEG trailer) still goes through the checker.
	if err := src.drain(); err != nil {
		return info, nil, err
	}
	info.Decoded = true
	applyExif(&info, chk.exif())
	return info, img, nil
}

func checkPixels(info Info, maxPixels int) error {
	if int64(info.Width)*int64(info.Height) > int64(maxPixels) {
		return fmt.Errorf("%w: %dx%d is more than %d pixels", ErrTooManyPixels, info.Width, info.Height, maxPixels)
	}
	return nil
}

func applyExif(info *Info, tiff []byte) {
	if tiff == nil {
		return
	}
	d := parseExif(tiff)
	if d.orientation != 0 {
		info.Orientation = d.orientation
	}
	info.TakenAt = d.taken
	info.HasGPS, info.Lat, info.Lng = d.hasGPS, d.lat, d.lng
}

func decodeConfig(contentType string, r io.Reader) (image.Config, error) {
	switch contentType {
	case JPEG:
		return jpeg.DecodeConfig(r)
	case PNG:
		return png.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

func decode(contentType string, r io.Reader) (image.Image, error) {
	switch contentType {
	case JPEG:
		return jpeg.Decode(r)
	case PNG:
		return png.Decode(r)
	default:
		return webp.Decode(r)
	}
}

// feed reads from the caller's reader, passes every byte to the checker and
// remembers read errors, so that a failure can be told apart: the reader's
// fault, a broken structure, or pixel data that does not decode.
type feed struct {
	r     io.Reader
	chk   *Checker
	ioErr error
	// strict makes Read fail as soon as the checker has found a fault.
	// It is off while a decoder reads: a decoder's own error, or
	// ErrTooManyPixels from the header, should not depend on how far
	// ahead of it the checker has been fed.
	strict bool
}

func (f *feed) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		if _, cerr := f.chk.Write(p[:n]); cerr != nil && f.strict {
			return n, cerr
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		f.ioErr = err
	}
	return n, err
}

// drain reads the rest of the stream through the checker and finishes it.
func (f *feed) drain() error {
	f.strict = true
	if _, err := io.Copy(io.Discard, f); err != nil {
		if f.ioErr != nil {
			return fmt.Errorf("imaging: read: %w", f.ioErr)
		}
		return err
	}
	return f.chk.Finish()
}

// fail explains a decoder error.
func (f *feed) fail(contentType string, err error) error {
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	switch {
	case f.ioErr != nil:
		return fmt.Errorf("imaging: read: %w", f.ioErr)
	case f.chk.err != nil:
		return f.chk.err
	case errors.Is(err, ErrCorrupt):
		return err
	case errors.As(err, &ju), errors.As(err, &pu):
		return fmt.Errorf("%w: %s: %w", ErrUnsupported, contentType, err)
	}
	return corruptf("%s: %v", contentType, err)
}

// recorder keeps what a header decoder reads, at most maxHeader bytes.
type recorder struct {
	r   io.Reader
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	room := maxHeader - len(r.buf)
	if room <= 0 {
		return 0, corruptf("more than %d bytes before the image header", maxHeader)
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}
