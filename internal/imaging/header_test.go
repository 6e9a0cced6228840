package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestHeaderMatchesProcess: what a header checker reads while the bytes
// stream past is what Process reports after decoding, less Decoded.
func TestHeaderMatchesProcess(t *testing.T) {
	f := fixtures(t)
	tests := []struct {
		name string
		ct   string
		data []byte
	}{
		{"jpeg", JPEG, f.jpeg},
		{"jpeg exif orientation 6", JPEG, f.jpegExif},
		{"jpeg little-endian exif, south-west", JPEG, withAPP1(encodeJPEG(t, gradient(1000, 700)), exifTIFF(binary.LittleEndian, 1, "-05:00", "S", "W"))},
		{"png", PNG, f.png},
		{"png exif", PNG, f.pngExif},
		{"webp lossless (VP8L)", WebP, webpLossless},
		{"webp lossy (VP8)", WebP, webpLossy},
		{"webp alpha (VP8X)", WebP, webpAlpha},
		{"webp exif", WebP, f.webpExif},
		{"heic", HEIC, f.heic},
		{"heic largesize mdat, irot 90°", HEIC, heicFile(exifTIFF(binary.BigEndian, 6, "", "N", "E"), 16, 1)},
		{"heic without irot", HEIC, heicFile(nil, 0, -1)},
	}
	opts := cmp.Options{cmpopts.EquateApprox(0, 1e-9)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _, err := Process(bytes.NewReader(tt.data), tt.ct, 0)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			want.Decoded = false
			if want.Width == 0 || want.Height == 0 {
				t.Fatalf("fixture without a size: %+v", want)
			}
			for _, mode := range []string{"one write", "byte by byte"} {
				c := NewHeaderChecker(tt.ct, 0)
				switch mode {
				case "one write":
					_, _ = c.Write(tt.data)
				default:
					for i := range tt.data {
						_, _ = c.Write(tt.data[i : i+1])
					}
				}
				if err := c.Finish(); err != nil {
					t.Fatalf("%s: Finish: %v", mode, err)
				}
				if diff := cmp.Diff(want, c.Header(), opts); diff != "" {
					t.Errorf("%s: Header differs from Process (-process +header):\n%s", mode, diff)
				}
			}
		})
	}
}

// TestHeaderCheckerRefusesBombs: a header declaring more pixels than the
// limit stops the stream right there, long before its end.
func TestHeaderCheckerRefusesBombs(t *testing.T) {
	f := fixtures(t)
	tests := []struct {
		name      string
		ct        string
		data      []byte
		maxPixels int
		want      error
	}{
		{"jpeg bomb", JPEG, jpegBomb(40000, 40000, false), 0, ErrTooManyPixels},
		{"jpeg bomb JFIF", JPEG, jpegBomb(30000, 30000, true), 0, ErrTooManyPixels},
		{"jpeg bomb at a 50 MP limit", JPEG, jpegBomb(10000, 10000, false), 50_000_000, ErrTooManyPixels},
		{"png bomb", PNG, pngBomb(100000, 100000), 0, ErrTooManyPixels},
		{"jpeg one pixel over", JPEG, f.jpeg, 640*480 - 1, ErrTooManyPixels},
		{"jpeg at the limit", JPEG, f.jpeg, 640 * 480, nil},
		{"png over", PNG, f.png, 1000, ErrTooManyPixels},
		{"webp under", WebP, webpAlpha, 0, nil},
		{"heic over", HEIC, f.heic, 12_000_000, ErrTooManyPixels},
		{"heic under", HEIC, f.heic, 13_000_000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bytes.NewReader(tt.data)
			c := NewHeaderChecker(tt.ct, tt.maxPixels)
			_, err := io.Copy(io.Discard, io.TeeReader(r, c))
			if err == nil {
				err = c.Finish()
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v; want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v; want %v", err, tt.want)
			}
			if !errors.Is(c.Finish(), tt.want) {
				t.Errorf("Finish = %v; want %v", c.Finish(), tt.want)
			}
			if len(tt.data) > 1<<14 && r.Len() < len(tt.data)/2 {
				t.Errorf("read %d of %d bytes; want a stop at the header", len(tt.data)-r.Len(), len(tt.data))
			}
		})
	}
}

// TestPlainCheckerHasNoLimit: NewChecker checks structure only, whatever
// the size the header declares (Process decides on pixels).
func TestPlainCheckerHasNoLimit(t *testing.T) {
	c := NewChecker(PNG)
	if _, err := c.Write(pngBomb(100000, 100000)[:64]); err != nil {
		t.Fatalf("Write = %v; want nil", err)
	}
	if h := c.Header(); h.Width != 100000 || h.Height != 100000 {
		t.Errorf("Header size %dx%d; want the declared 100000x100000", h.Width, h.Height)
	}
}
