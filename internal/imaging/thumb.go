package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// Thumbnail makes a JPEG (quality ThumbnailQuality) of img whose longest side
// is ThumbnailSize pixels, keeping the aspect ratio; smaller images keep
// their size, they are never enlarged. img is not changed. It
// applies the EXIF orientation (1-8; anything else counts as 1) so the
// thumbnail is upright: phones store the sensor's pixels and a tag saying
// how to turn them. Transparency is flattened onto white.
//
// Large images are first averaged down by an integer factor (a box filter,
// which is fast and does not alias), then resampled to the exact size with
// Catmull-Rom. Extra memory is about 4 bytes per pixel at twice the
// thumbnail size plus Catmull-Rom's buffer, under 10 MiB in all.
func Thumbnail(img image.Image, orientation int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, errors.New("imaging: thumbnail of an empty image")
	}
	dw, dh := fit(w, h, ThumbnailSize)

	src, sr := img, b
	var shrunk *image.RGBA // ours to change, unlike img
	if k := min(w/dw, h/dh); k >= 2 {
		shrunk = shrink(img, k)
		src, sr = shrunk, shrunk.Bounds()
	}
	var small *image.RGBA
	switch {
	case shrunk != nil && sr.Dx() == dw && sr.Dy() == dh:
		small = shrunk
	case sr.Dx() == dw && sr.Dy() == dh:
		small = image.NewRGBA(image.Rect(0, 0, dw, dh))
		draw.Draw(small, small.Bounds(), src, sr.Min, draw.Src)
	default:
		small = image.NewRGBA(image.Rect(0, 0, dw, dh))
		draw.CatmullRom.Scale(small, small.Bounds(), src, sr, draw.Src, nil)
	}
	flatten(small)
	out := orient(small, orientation)

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: ThumbnailQuality}); err != nil {
		return nil, fmt.Errorf("imaging: encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// fit returns the size of a w x h image scaled so its longest side is at
// most size.
func fit(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}

// shrink averages k x k blocks of img into one pixel of a premultiplied RGBA
// image; blocks at the right and bottom edges may be partial.
func shrink(img image.Image, k int) *image.RGBA {
	if m, ok := img.(*image.YCbCr); ok && m.Rect.Min.X >= 0 && m.Rect.Min.Y >= 0 {
		return shrinkYCbCr(m, k)
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, (b.Dx()+k-1)/k, (b.Dy()+k-1)/k))
	at, fast := img.(image.RGBA64Image)
	for oy := range dst.Rect.Dy() {
		y0 := b.Min.Y + oy*k
		y1 := min(y0+k, b.Max.Y)
		for ox := range dst.Rect.Dx() {
			x0 := b.Min.X + ox*k
			x1 := min(x0+k, b.Max.X)
			var sr, sg, sb, sa uint64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					var r, g, b, a uint32
					if fast {
						c := at.RGBA64At(x, y)
						r, g, b, a = uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
					} else {
						r, g, b, a = img.At(x, y).RGBA()
					}
					sr, sg, sb, sa = sr+uint64(r), sg+uint64(g), sb+uint64(b), sa+uint64(a)
				}
			}
			n := uint64((x1 - x0) * (y1 - y0))
			i := dst.PixOffset(ox, oy)
			dst.Pix[i+0] = uint8(sr / n >> 8)
			dst.Pix[i+1] = uint8(sg / n >> 8)
			dst.Pix[i+2] = uint8(sb / n >> 8)
			dst.Pix[i+3] = uint8(sa / n >> 8)
		}
	}
	return dst
}

// shrinkYCbCr is shrink for decoded JPEG and lossy WebP images: it averages
// Y, Cb and Cr over each block and converts once per output pixel. It wants
// a non-negative origin, so that chroma indices are shifts (as decoders
// return).
func shrinkYCbCr(m *image.YCbCr, k int) *image.RGBA {
	b := m.Rect
	w := b.Dx()
	mw, mh := (w+k-1)/k, (b.Dy()+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, mw, mh))
	var hsh, vsh uint // chroma subsampling as shifts
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hsh = 1
	case image.YCbCrSubsampleRatio420:
		hsh, vsh = 1, 1
	case image.YCbCrSubsampleRatio440:
		vsh = 1
	case image.YCbCrSubsampleRatio411:
		hsh = 2
	case image.YCbCrSubsampleRatio410:
		hsh, vsh = 2, 1
	}
	sy := make([]uint32, mw)
	scb := make([]uint32, mw)
	scr := make([]uint32, mw)
	x0c := b.Min.X >> hsh // chroma column of the image's left edge
	for oy := range mh {
		clear(sy)
		clear(scb)
		clear(scr)
		y0 := b.Min.Y + oy*k
		y1 := min(y0+k, b.Max.Y)
		for y := y0; y < y1; y++ {
			yi := (y - b.Min.Y) * m.YStride
			yrow := m.Y[yi : yi+w]
			for ox := range mw {
				var t uint32
				for _, v := range yrow[ox*k : min(ox*k+k, w)] {
					t += uint32(v)
				}
				sy[ox] += t
			}
		}
		// Chroma is averaged at its own resolution over the samples the
		// block touches; at odd k a sample on the edge counts for both
		// neighbours, which no one can see in a thumbnail.
		cy0, cy1 := y0>>vsh, (y1-1)>>vsh
		for cy := cy0; cy <= cy1; cy++ {
			ci := (cy - b.Min.Y>>vsh) * m.CStride
			cb, cr := m.Cb[ci:], m.Cr[ci:]
			for ox := range mw {
				x0 := b.Min.X + ox*k
				x1 := min(x0+k, b.Max.X)
				var tb, tr uint32
				for c := x0>>hsh - x0c; c <= (x1-1)>>hsh-x0c; c++ {
					tb += uint32(cb[c])
					tr += uint32(cr[c])
				}
				scb[ox] += tb
				scr[ox] += tr
			}
		}
		rows := uint32(y1 - y0)
		crows := uint32(cy1 - cy0 + 1)
		for ox := range mw {
			x0 := b.Min.X + ox*k
			x1 := min(x0+k, b.Max.X)
			n := uint32(x1-x0) * rows
			nc := uint32((x1-1)>>hsh-x0>>hsh+1) * crows
			r, g, bl := color.YCbCrToRGB(
				uint8((sy[ox]+n/2)/n), uint8((scb[ox]+nc/2)/nc), uint8((scr[ox]+nc/2)/nc))
			i := dst.PixOffset(ox, oy)
			dst.Pix[i+0], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = r, g, bl, 0xFF
		}
	}
	return dst
}

// flatten composites a premultiplied RGBA image onto white, in place.
func flatten(m *image.RGBA) {
	p := m.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := p[i+3]
		if a == 0xFF {
			continue
		}
		add := 0xFF - a
		for j := range 3 {
			p[i+j] = uint8(min(int(p[i+j])+int(add), 0xFF))
		}
		p[i+3] = 0xFF
	}
}

// orient turns m upright according to an EXIF orientation:
//
//	1 as stored            5 transposed (mirrored and turned)
//	2 mirrored left-right  6 turned 90° clockwise
//	3 turned 180°          7 transversed
//	4 mirrored top-bottom  8 turned 90° counter-clockwise
//
// For each pixel (x, y) of the result it picks the stored pixel (sx, sy).
func orient(m *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		for x := range ow {
			var sx, sy int
			switch orientation {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			si := m.PixOffset(m.Rect.Min.X+sx, m.Rect.Min.Y+sy)
			copy(out.Pix[out.PixOffset(x, y):][:4], m.Pix[si:si+4])
		}
	}
	return out
}
