// Package photo synthesises the phone photos xiezhi-bench uploads: JPEGs of
// a given pixel size and about a given byte size, with the EXIF of a phone
// photo taken in Zhengning (camera, capture time, GPS and an
// ImageUniqueID), and noisy gradients that compress like a photo. Every
// upload gets its own copy with a new ImageUniqueID, so that no two
// uploads have equal bytes (the server flags equal digests as duplicates).
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zhengning-court/xiezhi/internal/imaging"
)

// Spec describes a photo to make.
type Spec struct {
	Width, Height int
	Seed          uint64 // of the noise and of the picture's phase
	Noise         int    // sensor noise amplitude in luma (chroma gets a third)
	Quality       int    // starting JPEG quality, adjusted towards Bytes
	Bytes         int    // wanted file size
}

// Photo is a made JPEG.
type Photo struct {
	Data          []byte
	Width, Height int
	Quality       int // the JPEG quality it was encoded with
	uniqOff       int // offset of the 32 hex digits of EXIF ImageUniqueID
}

// Make encodes the photo, adjusting the quality from s.Quality by one step
// at a time until the file is within 7% of s.Bytes (at most 5 tries), and
// puts the EXIF in front.
func Make(s Spec) (*Photo, error) {
	if s.Width <= 0 || s.Height <= 0 || s.Quality < 1 || s.Quality > 100 || s.Noise < 0 {
		return nil, fmt.Errorf("photo: bad spec %+v", s)
	}
	img := picture(s.Width, s.Height, s.Seed, s.Noise)
	q := s.Quality
	var data []byte
	for try := 0; ; try++ {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		data = buf.Bytes()
		size, want := len(data), s.Bytes
		switch {
		case try == 4, size >= want*93/100 && size <= want*107/100:
		case size < want && q < 100:
			q++
			continue
		case size > want && q > 1:
			q--
			continue
		}
		break
	}
	tiff, uniq := exifTIFF()
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(2+6+len(tiff)))
	app1 = append(append(app1, "Exif\x00\x00"...), tiff...)
	file := append(append([]byte{0xFF, 0xD8}, app1...), data[2:]...)
	return &Photo{Data: file, uniqOff: 2 + 4 + 6 + uniq, Width: s.Width, Height: s.Height, Quality: q}, nil
}

// Instance copies the photo into buf with a new ImageUniqueID and returns
// the copy and its Content-Digest header value (sha-256).
func (p *Photo) Instance(buf []byte) ([]byte, string) {
	buf = append(buf[:0], p.Data...)
	id := uuid.New()
	hex.Encode(buf[p.uniqOff:p.uniqOff+32], id[:])
	sum := sha256.Sum256(buf)
	return buf, "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// ProcessTime is what the server's processing of the photo (imaging.Process:
// decode, EXIF, thumbnail) costs in one goroutine: the median of three. It
// fails when the photo does not process as a phone photo (decoded, with a
// thumbnail, GPS and a capture time).
func (p *Photo) ProcessTime() (time.Duration, error) {
	var times []time.Duration
	for range 3 {
		t := time.Now()
		info, thumb, err := imaging.Process(bytes.NewReader(p.Data), imaging.JPEG, 0)
		if err != nil || !info.Decoded || thumb == nil || !info.HasGPS || info.TakenAt.IsZero() {
			return 0, fmt.Errorf("the generated photo does not process as a phone photo: %w (decoded %v, gps %v, time %v)", err, info.Decoded, info.HasGPS, info.TakenAt)
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	return times[1], nil
}

// picture draws smooth gradients and shapes with sensor-like noise in luma
// and chroma, 4:2:0 as phones store it.
func picture(w, h int, seed uint64, noise int) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := mrand.New(mrand.NewPCG(seed, seed*7+1)) //nolint:gosec // image noise, not security
	fx, fy := 2*math.Pi/float64(w), 2*math.Pi/float64(h)
	ph := float64(seed)
	for y := range h {
		for x := range w {
			v := 60 + 110*float64(y)/float64(h) + 30*math.Sin(float64(x)*fx*3+ph)*math.Cos(float64(y)*fy*2) + 15*math.Sin(float64(x+y)*fx*40)
			m.Y[y*m.YStride+x] = clamp8(int(v) + rng.IntN(2*noise+1) - noise)
		}
	}
	cn := noise / 3
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			cb := 120 + 20*math.Sin(float64(x)*fx*4+ph)
			cr := 135 + 15*math.Cos(float64(y)*fy*5)
			m.Cb[y*m.CStride+x] = clamp8(int(cb) + rng.IntN(2*cn+1) - cn)
			m.Cr[y*m.CStride+x] = clamp8(int(cr) + rng.IntN(2*cn+1) - cn)
		}
	}
	return m
}

func clamp8(v int) uint8 { return uint8(min(255, max(0, v))) }
