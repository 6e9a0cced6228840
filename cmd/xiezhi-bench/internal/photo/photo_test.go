package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/imaging"
)

// TestMake decodes what Make made: the pixel size asked for, the EXIF of a
// phone photo in Zhengning, and a new ImageUniqueID in every instance.
func TestMake(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"small, little noise", Spec{Width: 320, Height: 240, Seed: 1, Noise: 8, Quality: 85, Bytes: 20 << 10}},
		{"odd size, more noise", Spec{Width: 301, Height: 199, Seed: 2, Noise: 20, Quality: 96, Bytes: 60 << 10}},
		{"portrait", Spec{Width: 240, Height: 320, Seed: 3, Noise: 0, Quality: 50, Bytes: 5 << 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Make(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(p.Data))
			if err != nil {
				t.Fatalf("the photo does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.spec.Width || b.Dy() != tt.spec.Height || p.Width != tt.spec.Width || p.Height != tt.spec.Height {
				t.Errorf("size %v (Photo says %dx%d), want %dx%d", b, p.Width, p.Height, tt.spec.Width, tt.spec.Height)
			}
			if p.Quality < tt.spec.Quality-5 || p.Quality > tt.spec.Quality+5 {
				t.Errorf("quality %d, want within 5 steps of %d", p.Quality, tt.spec.Quality)
			}
			info, thumb, err := imaging.Process(bytes.NewReader(p.Data), imaging.JPEG, 0)
			if err != nil || thumb == nil || !info.Decoded {
				t.Fatalf("imaging.Process: %v, thumbnail %d bytes, decoded %v", err, len(thumb), info.Decoded)
			}
			if !info.HasGPS || math.Abs(info.Lat-35.49) > 0.01 || math.Abs(info.Lng-108.36) > 0.01 {
				t.Errorf("GPS %v %v,%v, want about 35.49,108.36 (Zhengning)", info.HasGPS, info.Lat, info.Lng)
			}
			if want := time.Date(2026, 11, 20, 8, 30, 0, 0, time.FixedZone("CST", 8*3600)); !info.TakenAt.Equal(want) {
				t.Errorf("taken at %v, want %v", info.TakenAt, want)
			}
			if tt.name == "small, little noise" { // three more decodes: once is enough
				if _, err := p.ProcessTime(); err != nil {
					t.Error(err)
				}
			}
			a, da := p.Instance(nil)
			b, db := p.Instance(nil)
			if bytes.Equal(a, b) || da == db || len(a) != len(p.Data) {
				t.Errorf("two instances: equal bytes %v, equal digests %v, length %d of %d", bytes.Equal(a, b), da == db, len(a), len(p.Data))
			}
			sum := sha256.Sum256(a)
			if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; da != want {
				t.Errorf("digest %s, want %s", da, want)
			}
			if _, err := jpeg.Decode(bytes.NewReader(a)); err != nil {
				t.Errorf("an instance does not decode: %v", err)
			}
			if c, _ := p.Instance(a); &c[0] != &a[0] {
				t.Error("Instance did not reuse the buffer it was given")
			}
		})
	}
}

// TestMakeSize: a larger wanted size gives a larger file from the same
// picture, and a wanted size reachable within the tries is met within 7%.
func TestMakeSize(t *testing.T) {
	base := Spec{Width: 320, Height: 240, Seed: 1, Noise: 8, Quality: 80}
	probe, err := Make(Spec{Width: base.Width, Height: base.Height, Seed: 1, Noise: 8, Quality: 82, Bytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Bytes 1 walks the quality down 4 steps from 82: quality 78's size
	// is reachable from 80 in two steps.
	reachable := len(probe.Data)
	small, big := base, base
	small.Bytes, big.Bytes = 1, 1<<30
	ps, err := Make(small)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Make(big)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Data) >= len(pb.Data) || ps.Quality != base.Quality-4 || pb.Quality != base.Quality+4 {
		t.Errorf("small %d bytes at q%d, big %d bytes at q%d", len(ps.Data), ps.Quality, len(pb.Data), pb.Quality)
	}
	exact := base
	exact.Bytes = reachable
	pe, err := Make(exact)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(len(pe.Data)-reachable)) / float64(reachable); d > 0.07+0.02 { // the EXIF block adds a little
		t.Errorf("%d bytes, want within 7%% of %d", len(pe.Data), reachable)
	}
	if _, err := Make(Spec{Width: 0, Height: 10, Quality: 80}); err == nil {
		t.Error("a zero width: no error")
	}
}
