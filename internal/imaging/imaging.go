// Package imaging decides what an uploaded photo is and what it shows,
// without a database or HTTP: it sniffs the type from the bytes, checks the
// container structure while the body streams to storage, and afterwards
// decodes the stored original once to read its pixel size, EXIF capture
// time, GPS position and orientation and to make an upright JPEG thumbnail.
//
// The upload path uses it in two steps:
//
//	ct, ok := imaging.Sniff(first512)          // never the client's Content-Type
//	chk := imaging.NewHeaderChecker(ct, maxPixels)
//	io.Copy(store, io.TeeReader(body, chk))    // structure and header checked on the fly
//	err := chk.Finish()                        // truncated or malformed: ErrCorrupt
//	hdr := chk.Header()                        // size, EXIF time and GPS, nothing decoded
//
// and later a background job reads the object back, decodes it once to
// prove it is an image and makes the thumbnail:
//
//	info, thumb, err := imaging.Process(obj, ct, maxPixels)
//
// Errors wrap ErrCorrupt, ErrTooManyPixels or ErrUnsupported (test with
// errors.Is); any other error is an I/O error of the reader passed in.
package imaging

import (
	"errors"
	"time"
)

// Content types this package recognises, as returned by Sniff.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	WebP = "image/webp"
	// HEIC covers HEIF files whose image codec is HEVC (brands heic, heix,
	// hevc, hevx, heim, heis, hevm, hevs, or mif1/msf1/miaf with one of
	// those as a compatible brand).
	HEIC = "image/heic"
)

// Thumbnail parameters.
const (
	// ThumbnailSize is the longest side of a thumbnail in pixels. Images
	// that are smaller are not enlarged.
	ThumbnailSize = 320
	// ThumbnailQuality is the JPEG quality of thumbnails.
	ThumbnailQuality = 80
)

// DefaultMaxPixels is the pixel limit used when Process or Inspect is given
// maxPixels <= 0: 64 megapixels, which allows 50 MP phone cameras and bounds
// a decoded image to about 100 MiB (YCbCr 4:2:0) or 256 MiB (RGBA).
const DefaultMaxPixels = 64_000_000

// Sentinel errors. Returned errors wrap one of them with a detail, so callers
// test with errors.Is and may show the message to a developer (it never
// contains file contents).
var (
	// ErrCorrupt means the bytes are not a well-formed file of the claimed
	// type: truncated, structurally broken, or not decodable. The upload
	// should be refused (HTTP 422).
	ErrCorrupt = errors.New("imaging: corrupt image")
	// ErrTooManyPixels means the image declares more pixels than allowed; it
	// is refused before the pixel data is decoded or allocated.
	ErrTooManyPixels = errors.New("imaging: image has too many pixels")
	// ErrUnsupported means the content type is not one of JPEG, PNG, WebP
	// and HEIC, or the file is well formed but uses a feature the Go
	// decoders lack (arithmetic-coded or lossless JPEG, animated WebP).
	// The Info returned alongside is filled as far as it could be read; a
	// caller may keep such a file as evidence without a thumbnail.
	ErrUnsupported = errors.New("imaging: unsupported image")
)

// Info describes a stored photo.
type Info struct {
	// ContentType is one of JPEG, PNG, WebP, HEIC.
	ContentType string
	// Width and Height are the pixel size as stored in the file, before
	// Orientation is applied (see DisplaySize). For HEIC they come from the
	// primary item's ispe property and are 0 when it cannot be found.
	Width, Height int
	// Decoded reports that the pixel data was decoded, which proves the
	// file is an image. It is false for HEIC, which Go cannot decode.
	Decoded bool
	// TakenAt is the EXIF DateTimeOriginal (DateTimeDigitized if absent),
	// with SubSecTimeOriginal when present. Its zone is OffsetTimeOriginal
	// when the file has it; otherwise China Standard Time (UTC+8, the zone
	// of Asia/Shanghai, which has no daylight saving time), because EXIF
	// times are the phone's local wall clock and Xiezhi's phones are in
	// China. The zero time means the file has no usable capture time.
	TakenAt time.Time
	// HasGPS reports that Lat and Lng hold the EXIF GPS position: WGS-84
	// decimal degrees, negative for south and west. A position of exactly
	// 0,0 (written by some phones without a fix) counts as absent.
	HasGPS   bool
	Lat, Lng float64
	// Orientation is the EXIF orientation 1-8 (1, upright, when absent or
	// invalid). For HEIC it comes from the primary item's irot property
	// instead (1 when absent), because HEIF readers rotate by irot and
	// ignore the EXIF orientation; a mirroring imir property is not
	// reported.
	Orientation int
}

// DisplaySize returns the size of the image as it is meant to be seen, with
// width and height swapped for orientations 5-8 (rotated by 90 degrees).
func (i Info) DisplaySize() (width, height int) {
	if i.Orientation >= 5 && i.Orientation <= 8 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}
