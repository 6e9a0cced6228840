package imaging

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ---- test files, made in code ----

// Tiny WebP files (libwebp output, as used by feature-detection snippets).
var (
	webpLossless = mustB64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==") // 1x1 VP8L
	webpLossy    = mustB64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
	webpAlpha    = mustB64("UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")
)

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// gradient is a smooth test picture of size w x h.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return m
}

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants has red, green, blue and white in its top-left, top-right,
// bottom-left and bottom-right quarters.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.RGBA{{red, green}, {blue, white}}[y*2/h][x*2/w]
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// byteOrder is what binary.BigEndian and binary.LittleEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one IFD entry for buildTIFF; val is the encoded value.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	val      []byte
}

func asciiEntry(tag uint16, s string) tiffEntry {
	return tiffEntry{tag, typeASCII, uint32(len(s) + 1), append([]byte(s), 0)}
}

func shortEntry(bo byteOrder, tag, v uint16) tiffEntry {
	return tiffEntry{tag, typeShort, 1, bo.AppendUint16(nil, v)}
}

func rationalEntry(bo byteOrder, tag uint16, pairs ...uint32) tiffEntry {
	var b []byte
	for _, v := range pairs {
		b = bo.AppendUint32(b, v)
	}
	return tiffEntry{tag, typeRational, uint32(len(pairs) / 2), b}
}

// buildTIFF lays out an EXIF TIFF block: header, IFD0 (with pointers to the
// Exif and GPS IFDs added), the Exif IFD, the GPS IFD, then values that do
// not fit in an entry.
func buildTIFF(bo byteOrder, ifd0, exif, gps []tiffEntry) []byte {
	ifdLen := func(n int) int { return 2 + 12*n + 4 }
	n0 := len(ifd0) + 2
	offExif := 8 + ifdLen(n0)
	offGPS := offExif + ifdLen(len(exif))
	data := offGPS + ifdLen(len(gps))
	ifd0 = append(slices.Clone(ifd0),
		tiffEntry{tagExifIFD, typeLong, 1, bo.AppendUint32(nil, uint32(offExif))},
		tiffEntry{tagGPSIFD, typeLong, 1, bo.AppendUint32(nil, uint32(offGPS))})

	out := []byte("MM\x00*")
	if bo == binary.LittleEndian {
		out = []byte("II*\x00")
	}
	out = bo.AppendUint32(out, 8)
	var extra []byte
	for _, ifd := range [][]tiffEntry{ifd0, exif, gps} {
		ifd = slices.Clone(ifd)
		slices.SortFunc(ifd, func(a, b tiffEntry) int { return int(a.tag) - int(b.tag) })
		out = bo.AppendUint16(out, uint16(len(ifd)))
		for _, e := range ifd {
			out = bo.AppendUint16(out, e.tag)
			out = bo.AppendUint16(out, e.typ)
			out = bo.AppendUint32(out, e.count)
			if len(e.val) <= 4 {
				out = append(out, e.val...)
				out = append(out, make([]byte, 4-len(e.val))...)
				continue
			}
			out = bo.AppendUint32(out, uint32(data+len(extra)))
			extra = append(extra, e.val...)
			if len(extra)%2 == 1 {
				extra = append(extra, 0)
			}
		}
		out = bo.AppendUint32(out, 0)
	}
	return append(out, extra...)
}

// exifTIFF is the EXIF block of a phone photo: taken 2024-03-05 14:30:15.250
// (with offset when given), at 35°29'40.5" latRef, 108°21'36" lngRef.
func exifTIFF(bo byteOrder, orientation uint16, offset, latRef, lngRef string) []byte {
	ifd0 := []tiffEntry{asciiEntry(0x010F, "HUAWEI"), shortEntry(bo, tagOrientation, orientation)}
	exif := []tiffEntry{
		asciiEntry(tagDateTimeOriginal, "2024:03:05 14:30:15"),
		asciiEntry(tagSubSecOriginal, "250"),
		asciiEntry(tagDateTimeDigitized, "2020:01:01 00:00:00"),
	}
	if offset != "" {
		exif = append(exif, asciiEntry(tagOffsetTimeOriginal, offset))
	}
	gps := []tiffEntry{
		{0x0000, 1, 4, []byte{2, 2, 0, 0}},
		asciiEntry(tagGPSLatitudeRef, latRef),
		rationalEntry(bo, tagGPSLatitude, 35, 1, 29, 1, 405, 10),
		asciiEntry(tagGPSLongitudeRef, lngRef),
		rationalEntry(bo, tagGPSLongitude, 108, 1, 21, 1, 36, 1),
	}
	return buildTIFF(bo, ifd0, exif, gps)
}

const wantLat, wantLng = 35 + 29.0/60 + 40.5/3600, 108 + 21.0/60 + 36.0/3600

var wantTaken = time.Date(2024, 3, 5, 14, 30, 15, 250e6, chinaTime)

// withAPP1 splices an EXIF APP1 segment right after a JPEG's SOI.
func withAPP1(jpg, tiff []byte) []byte {
	payload := append(slices.Clone(exifHeader), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	seg = append(seg, payload...)
	return slices.Concat(jpg[:2], seg, jpg[2:])
}

func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withEXIf inserts an eXIf chunk after a PNG's IHDR.
func withEXIf(p, tiff []byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	return slices.Concat(p[:afterIHDR], pngChunk("eXIf", tiff), p[afterIHDR:])
}

func riffChunk(fourcc string, data []byte) []byte {
	c := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// webpWithEXIF is the 1x1 lossless WebP in an extended (VP8X) file with an
// EXIF chunk after the image data, where libwebp puts it.
func webpWithEXIF(tiff []byte) []byte {
	vp8x := []byte{0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0} // EXIF flag, 1x1 canvas
	vp8l := webpLossless[12:]                       // the VP8L chunk, padded
	body := slices.Concat([]byte("WEBP"), riffChunk("VP8X", vp8x), vp8l, riffChunk("EXIF", tiff))
	return slices.Concat([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body)
}

func u16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func bmffBox(typ string, payload ...[]byte) []byte {
	p := slices.Concat(payload...)
	return slices.Concat(u32(8+len(p)), []byte(typ), p)
}

func fullBox(typ string, version byte, payload ...[]byte) []byte {
	return bmffBox(typ, append([][]byte{{version, 0, 0, 0}}, payload...)...)
}

// heicFile is a structurally real HEIC: ftyp, a meta box with hdlr, pitm,
// iinf (an hvc1 image and an Exif item), iloc, iprp (a decoy 5000x5000 ispe
// not associated with the primary item, the primary's 4032x3024 ispe and,
// when irot >= 0, an irot of irot*90° anticlockwise), then mdat holding
// stand-in HEVC bytes and the Exif item. mdatHeader is 8, 16 (64-bit
// largesize) or 0 (size 0: to end).
func heicFile(tiff []byte, mdatHeader, irot int) []byte {
	ftyp := bmffBox("ftyp", []byte("heic"), u32(0), []byte("mif1heic"))
	hevc := bytes.Repeat([]byte{0x26, 0x01, 0xAF}, 40)
	exifItem := slices.Concat(u32(6), exifHeader, tiff)
	meta := func(mdatStart int) []byte {
		hvcOff := mdatStart + max(mdatHeader, 8)
		exifOff := hvcOff + len(hevc)
		infe := func(id int, typ string) []byte { return fullBox("infe", 2, u16(id), u16(0), []byte(typ), []byte{0}) }
		iloc := fullBox("iloc", 0, []byte{0x44, 0x00}, u16(2),
			u16(1), u16(0), u16(1), u32(hvcOff), u32(len(hevc)),
			u16(2), u16(0), u16(1), u32(exifOff), u32(len(exifItem)))
		props := [][]byte{
			fullBox("ispe", 0, u32(5000), u32(5000)),
			fullBox("ispe", 0, u32(4032), u32(3024)),
		}
		if irot >= 0 {
			props = append(props, bmffBox("irot", []byte{byte(irot)}))
		}
		ipco := bmffBox("ipco", props...)
		ipma := fullBox("ipma", 0, u32(1), u16(1), []byte{2, 0x82, 0x03})
		return fullBox("meta", 0,
			fullBox("hdlr", 0, u32(0), []byte("pict"), make([]byte, 12), []byte{0}),
			fullBox("pitm", 0, u16(1)),
			fullBox("iinf", 0, u16(2), infe(1, "hvc1"), infe(2, "Exif")),
			iloc,
			bmffBox("iprp", ipco, ipma))
	}
	m := meta(len(ftyp) + len(meta(0)))
	payload := slices.Concat(hevc, exifItem)
	var mdat []byte
	switch mdatHeader {
	case 16:
		mdat = slices.Concat(u32(1), []byte("mdat"), binary.BigEndian.AppendUint64(nil, uint64(16+len(payload))), payload)
	case 0:
		mdat = slices.Concat(u32(0), []byte("mdat"), payload)
	default:
		mdat = bmffBox("mdat", payload)
	}
	return slices.Concat(ftyp, m, mdat)
}

// jpegBomb is a JPEG header declaring w x h pixels followed by garbage,
// with or without a JFIF APP0 segment (Go's decoder reads headers of the
// two differently).
func jpegBomb(w, h int, jfif bool) []byte {
	b := []byte{0xFF, 0xD8}
	if jfif {
		b = append(b, 0xFF, 0xE0, 0, 16)
		b = append(b, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"...)
	}
	// SOF0: length 17, precision 8, height, width, 3 components.
	b = append(b, 0xFF, 0xC0, 0, 17, 8)
	b = append(b, u16(h)...)
	b = append(b, u16(w)...)
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	return append(b, bytes.Repeat([]byte("garbage!"), 4096)...)
}

// pngBomb is a PNG signature and IHDR declaring w x h pixels, then garbage.
func pngBomb(w, h int) []byte {
	ihdr := slices.Concat(u32(w), u32(h), []byte{8, 6, 0, 0, 0})
	return slices.Concat(pngSignature, pngChunk("IHDR", ihdr), bytes.Repeat([]byte{0x55}, 1<<16))
}

var (
	fixturesOnce sync.Once
	fx           struct {
		jpeg, jpegExif, png, pngExif, webpExif, heic []byte
	}
)

func fixtures(t testing.TB) *struct{ jpeg, jpegExif, png, pngExif, webpExif, heic []byte } {
	t.Helper()
	fixturesOnce.Do(func() {
		tiff := exifTIFF(binary.BigEndian, 6, "", "N", "E")
		fx.jpeg = encodeJPEG(t, gradient(640, 480))
		fx.jpegExif = withAPP1(fx.jpeg, tiff)
		fx.png = encodePNG(t, gradient(500, 300))
		fx.pngExif = withEXIf(fx.png, tiff)
		fx.webpExif = webpWithEXIF(tiff)
		fx.heic = heicFile(tiff, 8, 3)
	})
	return &fx
}

// ---- Sniff ----

func TestSniff(t *testing.T) {
	f := fixtures(t)
	ftyp := func(major string, compat ...string) []byte {
		p := slices.Concat([]byte(major), u32(0))
		for _, c := range compat {
			p = append(p, c...)
		}
		return append(bmffBox("ftyp", p), bmffBox("meta", []byte{0, 0, 0, 0})...)
	}
	tests := []struct {
		name string
		head []byte
		want string // "" means not an accepted image
	}{
		{"jpeg", f.jpeg, JPEG},
		{"jpeg exif", f.jpegExif, JPEG},
		{"jpeg magic only", []byte{0xFF, 0xD8, 0xFF}, JPEG},
		{"png", f.png, PNG},
		{"webp lossless", webpLossless, WebP},
		{"webp lossy", webpLossy, WebP},
		{"webp alpha vp8x", webpAlpha, WebP},
		{"webp exif", f.webpExif, WebP},
		{"heic iphone", ftyp("heic", "mif1", "heic"), HEIC},
		{"heic generated", f.heic, HEIC},
		{"heix 10-bit", ftyp("heix", "mif1", "heix"), HEIC},
		{"mif1 major heic compatible", ftyp("mif1", "mif1", "heic", "miaf"), HEIC},
		{"msf1 sequence hevc", ftyp("msf1", "msf1", "hevc", "miaf"), HEIC},
		{"hevc", ftyp("hevc", "mif1", "hevc"), HEIC},
		{"empty", nil, ""},
		{"html", []byte("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"), ""},
		{"html lower", []byte("<html><head>"), ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"xml svg", []byte(`<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg"/>`), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"), ""},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), ""},
		{"text", []byte("hello, this is not a photo"), ""},
		{"jpeg soi only", []byte{0xFF, 0xD8}, ""},
		{"png signature cut", pngSignature[:6], ""},
		{"riff wave", slices.Concat([]byte("RIFF"), u32(100), []byte("WAVEfmt "), u32(16)), ""},
		{"webp unknown first chunk", slices.Concat([]byte("RIFF"), u32(100), []byte("WEBPJUNK")), ""},
		{"avif", ftyp("avif", "mif1", "avif", "miaf"), ""},
		{"mif1 avif only", ftyp("mif1", "mif1", "avif"), ""},
		{"mp4", ftyp("isom", "isom", "iso2", "mp41"), ""},
		{"quicktime", ftyp("qt  ", "qt  "), ""},
		{"ftyp bad size", slices.Concat(u32(7), []byte("ftypheic"), u32(0)), ""},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00"), ""},
		{"zip", []byte("PK\x03\x04\x14\x00"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Sniff(tt.head)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("Sniff = %q, %v; want %q, %v", got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestSniffLooksAtMost512Bytes(t *testing.T) {
	// An ftyp box whose HEVC brand sits past byte 512 is not looked at.
	p := slices.Concat([]byte("mif1"), u32(0), bytes.Repeat([]byte("mif1"), 130), []byte("heic"))
	head := bmffBox("ftyp", p)
	if ct, ok := Sniff(head); ok {
		t.Errorf("Sniff = %q; want no match for a brand beyond byte %d", ct, SniffLen)
	}
}

// ---- Checker ----

func TestChecker(t *testing.T) {
	f := fixtures(t)
	jpg := f.jpeg
	heic := f.heic
	scanStart := bytes.Index(jpg, []byte{0xFF, 0xDA})
	if scanStart < 0 {
		t.Fatal("no SOS in test JPEG")
	}
	pngBadCRC := slices.Clone(f.png)
	pngBadCRC[bytes.Index(pngBadCRC, []byte("IDAT"))+10] ^= 0x01
	webpBig := slices.Clone(webpLossless)
	binary.LittleEndian.PutUint32(webpBig[4:], uint32(len(webpBig)-8+2))
	secondImage := encodeJPEG(t, gradient(64, 48))

	tests := []struct {
		name    string
		ct      string
		data    []byte
		wantErr error // nil, ErrCorrupt or ErrUnsupported
	}{
		{"jpeg", JPEG, jpg, nil},
		{"jpeg exif", JPEG, f.jpegExif, nil},
		{"jpeg with MPF-like second image after EOI", JPEG, slices.Concat(jpg, secondImage), nil},
		{"jpeg with trailer after EOI", JPEG, slices.Concat(jpg, []byte("SEFHtrailer\x00\x00\x00\x00")), nil},
		{"jpeg with zero padding after EOI", JPEG, slices.Concat(jpg, make([]byte, 100)), nil},
		{"jpeg fill bytes before markers", JPEG, slices.Concat(jpg[:2], []byte{0xFF, 0xFF, 0xFF}, jpg[2:]), nil},
		{"jpeg truncated in scan", JPEG, jpg[:len(jpg)*2/3], ErrCorrupt},
		{"jpeg without EOI", JPEG, jpg[:len(jpg)-2], ErrCorrupt},
		{"jpeg EOI replaced by garbage", JPEG, slices.Concat(jpg[:len(jpg)-2], []byte("garbage after the scan")), ErrCorrupt},
		{"jpeg truncated in header", JPEG, jpg[:scanStart-10], ErrCorrupt},
		{"jpeg truncated after SOS", JPEG, jpg[:scanStart+4], ErrCorrupt},
		{"jpeg EOI before scan", JPEG, []byte{0xFF, 0xD8, 0xFF, 0xD9}, ErrCorrupt},
		{"jpeg SOI only", JPEG, []byte{0xFF, 0xD8}, ErrCorrupt},
		{"jpeg bad length", JPEG, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}, ErrCorrupt},
		{"jpeg declared but png", JPEG, f.png, ErrCorrupt},
		{"jpeg declared but html", JPEG, []byte("<html></html>"), ErrCorrupt},
		{"png", PNG, f.png, nil},
		{"png exif", PNG, f.pngExif, nil},
		{"png truncated", PNG, f.png[:len(f.png)/2], ErrCorrupt},
		{"png without IEND", PNG, f.png[:len(f.png)-12], ErrCorrupt},
		{"png IEND CRC cut", PNG, f.png[:len(f.png)-1], ErrCorrupt},
		{"png bad CRC", PNG, pngBadCRC, ErrCorrupt},
		{"png data after IEND", PNG, slices.Concat(f.png, []byte("<script>")), ErrCorrupt},
		{"png bad signature", PNG, slices.Concat([]byte("\x89PNX"), f.png[4:]), ErrCorrupt},
		{"png IEND first", PNG, slices.Concat(pngSignature, pngChunk("IEND", nil)), ErrCorrupt},
		{"webp lossless", WebP, webpLossless, nil},
		{"webp lossy", WebP, webpLossy, nil},
		{"webp alpha", WebP, webpAlpha, nil},
		{"webp exif", WebP, f.webpExif, nil},
		{"webp truncated", WebP, webpLossy[:len(webpLossy)-1], ErrCorrupt},
		{"webp truncated header", WebP, webpLossy[:10], ErrCorrupt},
		{"webp RIFF size too big", WebP, webpBig, ErrCorrupt},
		{"webp data after RIFF", WebP, slices.Concat(webpLossy, []byte{0, 0}), ErrCorrupt},
		{"webp not RIFF", WebP, f.png, ErrCorrupt},
		{"heic", HEIC, heic, nil},
		{"heic largesize mdat", HEIC, heicFile(nil, 16, 3), nil},
		{"heic size 0 mdat", HEIC, heicFile(nil, 0, 3), nil},
		{"heic ftyp and meta only", HEIC, heic[:bytes.Index(heic, []byte("mdat"))-4], nil},
		{"heic truncated in mdat", HEIC, heic[:len(heic)-1], ErrCorrupt},
		{"heic truncated in box header", HEIC, heic[:bytes.Index(heic, []byte("mdat"))], ErrCorrupt},
		{"heic trailing bytes", HEIC, slices.Concat(heic, []byte{0, 0, 0}), ErrCorrupt},
		{"heic trailing box-sized garbage", HEIC, slices.Concat(heic, []byte("\x00\x00\x00\x10<svg onload=x>")), ErrCorrupt},
		{"heic meta missing", HEIC, bmffBox("ftyp", []byte("heic"), u32(0), []byte("mif1heic")), ErrCorrupt},
		{"heic first box not ftyp", HEIC, heic[bytes.Index(heic, []byte("meta"))-4:], ErrCorrupt},
		{"heic box smaller than header", HEIC, slices.Concat(heic[:24], u32(4), []byte("free")), ErrCorrupt},
		{"empty jpeg", JPEG, nil, ErrCorrupt},
		{"empty heic", HEIC, nil, ErrCorrupt},
		{"gif", "image/gif", []byte("GIF89a"), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"one write", "byte by byte", "tee"} {
				c := NewChecker(tt.ct)
				var werr error
				switch mode {
				case "one write":
					_, werr = c.Write(tt.data)
				case "byte by byte":
					for i := range tt.data {
						if _, werr = c.Write(tt.data[i : i+1]); werr != nil {
							break
						}
					}
				case "tee":
					_, werr = io.Copy(io.Discard, io.TeeReader(bytes.NewReader(tt.data), c))
				}
				err := c.Finish()
				if werr != nil && !errors.Is(err, werr) {
					t.Errorf("%s: Write error %v, then Finish %v; want the same", mode, werr, err)
				}
				if tt.wantErr == nil && err != nil {
					t.Errorf("%s: Finish = %v; want nil", mode, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("%s: Finish = %v; want %v", mode, err, tt.wantErr)
				}
			}
		})
	}
}

func TestCheckerStopsEarly(t *testing.T) {
	// A PNG signature followed by a megabyte of junk: io.Copy through the
	// checker stops at the first bad chunk instead of reading it all.
	data := slices.Concat(pngSignature, bytes.Repeat([]byte{0x01}, 1<<20))
	r := bytes.NewReader(data)
	c := NewChecker(PNG)
	_, err := io.Copy(io.Discard, io.TeeReader(r, c))
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("io.Copy = %v; want ErrCorrupt", err)
	}
	if r.Len() < len(data)/2 {
		t.Errorf("read %d of %d bytes; want an early stop", len(data)-r.Len(), len(data))
	}
	if err := c.Finish(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Finish = %v; want ErrCorrupt", err)
	}
}

// check runs data through a Checker in one write.
func check(contentType string, data []byte) error {
	c := NewChecker(contentType)
	if _, err := c.Write(data); err != nil {
		return err
	}
	return c.Finish()
}

// ---- Process ----

func TestProcess(t *testing.T) {
	f := fixtures(t)
	le := binary.LittleEndian
	tiffSouthWest := exifTIFF(le, 1, "-05:00", "S", "W")
	alpha := image.NewNRGBA(image.Rect(0, 0, 800, 800)) // transparent left half
	for y := range 800 {
		for x := 400; x < 800; x++ {
			alpha.SetNRGBA(x, y, color.NRGBA{0, 0, 200, 255})
		}
	}
	tests := []struct {
		name      string
		ct        string
		data      []byte
		want      Info
		thumbSize image.Point // zero: no thumbnail expected
	}{
		{
			name: "jpeg exif orientation 6", ct: JPEG, data: f.jpegExif,
			want: Info{ContentType: JPEG, Width: 640, Height: 480, Decoded: true, TakenAt: wantTaken,
				HasGPS: true, Lat: wantLat, Lng: wantLng, Orientation: 6},
			thumbSize: image.Pt(240, 320),
		},
		{
			name: "jpeg little-endian exif, offset, south-west", ct: JPEG,
			data: withAPP1(encodeJPEG(t, gradient(1000, 700)), tiffSouthWest),
			want: Info{ContentType: JPEG, Width: 1000, Height: 700, Decoded: true,
				TakenAt: time.Date(2024, 3, 5, 14, 30, 15, 250e6, time.FixedZone("", -5*3600)),
				HasGPS:  true, Lat: -wantLat, Lng: -wantLng, Orientation: 1},
			thumbSize: image.Pt(320, 224),
		},
		{
			name: "jpeg without exif, small, not enlarged", ct: JPEG, data: encodeJPEG(t, gradient(200, 100)),
			want:      Info{ContentType: JPEG, Width: 200, Height: 100, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(200, 100),
		},
		{
			name: "jpeg tall", ct: JPEG, data: encodeJPEG(t, gradient(300, 1200)),
			want:      Info{ContentType: JPEG, Width: 300, Height: 1200, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(80, 320),
		},
		{
			name: "jpeg grey", ct: JPEG, data: encodeJPEG(t, image.NewGray(image.Rect(0, 0, 900, 900))),
			want:      Info{ContentType: JPEG, Width: 900, Height: 900, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(320, 320),
		},
		{
			name: "png with eXIf", ct: PNG, data: f.pngExif,
			want: Info{ContentType: PNG, Width: 500, Height: 300, Decoded: true, TakenAt: wantTaken,
				HasGPS: true, Lat: wantLat, Lng: wantLng, Orientation: 6},
			thumbSize: image.Pt(192, 320),
		},
		{
			name: "png transparent", ct: PNG, data: encodePNG(t, alpha),
			want:      Info{ContentType: PNG, Width: 800, Height: 800, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(320, 320),
		},
		{
			name: "webp lossless", ct: WebP, data: webpLossless,
			want:      Info{ContentType: WebP, Width: 1, Height: 1, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(1, 1),
		},
		{
			name: "webp lossy", ct: WebP, data: webpLossy,
			want:      Info{ContentType: WebP, Width: 1, Height: 1, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(1, 1),
		},
		{
			name: "webp alpha", ct: WebP, data: webpAlpha,
			want:      Info{ContentType: WebP, Width: 1, Height: 1, Decoded: true, Orientation: 1},
			thumbSize: image.Pt(1, 1),
		},
		{
			name: "webp exif chunk after image", ct: WebP, data: f.webpExif,
			want: Info{ContentType: WebP, Width: 1, Height: 1, Decoded: true, TakenAt: wantTaken,
				HasGPS: true, Lat: wantLat, Lng: wantLng, Orientation: 6},
			thumbSize: image.Pt(1, 1),
		},
		{
			name: "heic", ct: HEIC, data: f.heic,
			// irot 270° anticlockwise on the primary item is orientation 6.
			want: Info{ContentType: HEIC, Width: 4032, Height: 3024, TakenAt: wantTaken,
				HasGPS: true, Lat: wantLat, Lng: wantLng, Orientation: 6},
		},
		{
			name: "heic largesize mdat, south-west exif, irot 90° anticlockwise", ct: HEIC,
			data: heicFile(tiffSouthWest, 16, 1),
			want: Info{ContentType: HEIC, Width: 4032, Height: 3024,
				TakenAt: time.Date(2024, 3, 5, 14, 30, 15, 250e6, time.FixedZone("", -5*3600)),
				HasGPS:  true, Lat: -wantLat, Lng: -wantLng, Orientation: 8},
		},
		{
			// EXIF says 6, but without irot a HEIF reader shows the pixels
			// as stored.
			name: "heic without irot", ct: HEIC, data: heicFile(exifTIFF(binary.BigEndian, 6, "", "N", "E"), 0, -1),
			want: Info{ContentType: HEIC, Width: 4032, Height: 3024, TakenAt: wantTaken,
				HasGPS: true, Lat: wantLat, Lng: wantLng, Orientation: 1},
		},
	}
	opts := cmp.Options{cmpopts.EquateApprox(0, 1e-9)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, thumb, err := Process(bytes.NewReader(tt.data), tt.ct, 0)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if diff := cmp.Diff(tt.want, info, opts); diff != "" {
				t.Errorf("Info mismatch (-want +got):\n%s", diff)
			}
			if !info.TakenAt.IsZero() {
				if _, off := info.TakenAt.Zone(); off != func() int { _, o := tt.want.TakenAt.Zone(); return o }() {
					t.Errorf("TakenAt zone offset %d; want that of %v", off, tt.want.TakenAt)
				}
			}
			if tt.thumbSize == (image.Point{}) {
				if thumb != nil {
					t.Errorf("thumbnail of %d bytes; want none", len(thumb))
				}
				return
			}
			m, err := jpeg.Decode(bytes.NewReader(thumb))
			if err != nil {
				t.Fatalf("thumbnail is not a JPEG: %v", err)
			}
			if got := m.Bounds().Size(); got != tt.thumbSize {
				t.Errorf("thumbnail size %v; want %v", got, tt.thumbSize)
			}
			if err := check(JPEG, thumb); err != nil {
				t.Errorf("thumbnail fails the JPEG check: %v", err)
			}
			if tt.name == "png transparent" {
				if c := m.At(80, 160); !near(c, white) {
					t.Errorf("transparent pixel became %v; want white", c)
				}
				if c := m.At(240, 160); !near(c, color.RGBA{0, 0, 200, 255}) {
					t.Errorf("opaque blue pixel became %v", c)
				}
			}
		})
	}
}

func TestThumbnailLeavesInputAlone(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 100, 50)) // transparent, small
	if _, err := Thumbnail(m, 6); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Pix, make([]byte, len(m.Pix))) {
		t.Error("Thumbnail changed its input")
	}
}

func TestInspect(t *testing.T) {
	f := fixtures(t)
	info, err := Inspect(bytes.NewReader(f.jpegExif), JPEG, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Decoded || info.Width != 640 || !info.TakenAt.Equal(wantTaken) {
		t.Errorf("Inspect = %+v", info)
	}
	if w, h := info.DisplaySize(); w != 480 || h != 640 {
		t.Errorf("DisplaySize = %d, %d; want 480, 640", w, h)
	}
}

func TestProcessRefuses(t *testing.T) {
	f := fixtures(t)
	jpg := f.jpeg
	scan := bytes.Index(jpg, []byte{0xFF, 0xDA})
	rng := rand.New(rand.NewPCG(1, 2))
	scrambled := slices.Clone(jpg)
	for i := scan + 20; i < len(scrambled)-2; i++ {
		scrambled[i] = byte(rng.UintN(256))
	}
	badSOF := slices.Clone(jpg)
	sof := bytes.Index(badSOF, []byte{0xFF, 0xC0})
	badSOF[sof+9] = 0 // zero components
	pngBadIDAT := slices.Clone(f.png)
	idat := bytes.Index(pngBadIDAT, []byte("IDAT"))
	copy(pngBadIDAT[idat+4:], bytes.Repeat([]byte{0xAB}, 64))
	// Fix the CRC so only the decoder can notice.
	n := int(binary.BigEndian.Uint32(pngBadIDAT[idat-4:]))
	binary.BigEndian.PutUint32(pngBadIDAT[idat+4+n:], crc32.ChecksumIEEE(pngBadIDAT[idat:idat+4+n]))
	animated := slices.Clone(webpAlpha)
	animated[20] |= 0x02 // VP8X animation flag

	tests := []struct {
		name      string
		ct        string
		data      []byte
		maxPixels int
		want      error
	}{
		{"jpeg truncated", JPEG, jpg[:len(jpg)/2], 0, ErrCorrupt},
		{"jpeg scan scrambled", JPEG, scrambled, 0, ErrCorrupt},
		{"jpeg bad frame header", JPEG, badSOF, 0, ErrCorrupt},
		{"jpeg declared, html given", JPEG, []byte("<html><body>hi</body></html>"), 0, ErrCorrupt},
		{"jpeg declared, png given", JPEG, f.png, 0, ErrCorrupt},
		{"png idat garbage", PNG, pngBadIDAT, 0, ErrCorrupt},
		{"png truncated", PNG, f.png[:len(f.png)-20], 0, ErrCorrupt},
		{"webp truncated", WebP, webpLossy[:30], 0, ErrCorrupt},
		{"webp animated", WebP, animated, 0, ErrUnsupported},
		{"heic truncated", HEIC, f.heic[:len(f.heic)-5], 0, ErrCorrupt},
		{"gif", "image/gif", []byte("GIF89a"), 0, ErrUnsupported},
		{"jpeg over the limit", JPEG, jpg, 640*480 - 1, ErrTooManyPixels},
		{"jpeg at the limit", JPEG, jpg, 640 * 480, nil},
		{"png over the limit", PNG, f.png, 1000, ErrTooManyPixels},
		{"heic over the limit", HEIC, f.heic, 12_000_000, ErrTooManyPixels},
		{"jpeg bomb 40000x40000", JPEG, jpegBomb(40000, 40000, false), 0, ErrTooManyPixels},
		{"jpeg bomb 30000x30000 JFIF", JPEG, jpegBomb(30000, 30000, true), 0, ErrTooManyPixels},
		{"jpeg bomb 10000x10000 at a 50 MP limit", JPEG, jpegBomb(10000, 10000, false), 50_000_000, ErrTooManyPixels},
		{"png bomb", PNG, pngBomb(100000, 100000), 0, ErrTooManyPixels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, thumb, err := Process(bytes.NewReader(tt.data), tt.ct, tt.maxPixels)
			if tt.want == nil {
				if err != nil {
					t.Errorf("Process = %v; want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Process = %v; want %v", err, tt.want)
			}
			if thumb != nil {
				t.Errorf("thumbnail returned with error %v", err)
			}
			if info.Decoded {
				t.Errorf("Decoded = true with error %v", err)
			}
		})
	}
}

// TestBombRefusedBeforeAllocating checks that a header declaring 40000 x
// 40000 pixels (4.8 GB as YCbCr) costs almost nothing: the limit is checked
// on the header, before the decoder allocates.
func TestBombRefusedBeforeAllocating(t *testing.T) {
	for _, jfif := range []bool{false, true} {
		bomb := jpegBomb(40000, 40000, jfif)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		info, _, err := Process(bytes.NewReader(bomb), JPEG, 0)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("jfif %v: Process = %v; want ErrTooManyPixels", jfif, err)
		}
		if info.Width != 40000 || info.Height != 40000 {
			t.Errorf("jfif %v: Info size %dx%d; want the declared 40000x40000", jfif, info.Width, info.Height)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("jfif %v: allocated %d bytes refusing a bomb; want under 1 MiB", jfif, got)
		}
	}
}

func TestProcessReadError(t *testing.T) {
	f := fixtures(t)
	netErr := errors.New("connection reset")
	for _, ct := range []string{JPEG, HEIC} {
		data := f.jpegExif
		if ct == HEIC {
			data = f.heic
		}
		r := io.MultiReader(bytes.NewReader(data[:len(data)/2]), &failReader{netErr})
		_, _, err := Process(r, ct, 0)
		if !errors.Is(err, netErr) || errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Process = %v; want the reader's error, not ErrCorrupt", ct, err)
		}
	}
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

// TestThumbnailOrientation encodes a picture with red, green, blue and white
// quarters, tags it with each EXIF orientation and checks the colours at the
// quarters of the thumbnail, as a viewer that honours the tag shows them.
func TestThumbnailOrientation(t *testing.T) {
	// Expected colours at top-left, top-right, bottom-left, bottom-right.
	want := map[int][4]color.RGBA{
		1: {red, green, blue, white},
		2: {green, red, white, blue}, // mirrored left-right
		3: {white, blue, green, red}, // turned 180°
		4: {blue, white, red, green}, // mirrored top-bottom
		5: {red, blue, green, white}, // transposed
		6: {blue, red, white, green}, // turned 90° clockwise
		7: {white, green, blue, red}, // transversed
		8: {green, white, red, blue}, // turned 90° anticlockwise
		0: {red, green, blue, white}, // invalid: as stored
		9: {red, green, blue, white}, // invalid: as stored
	}
	for _, size := range []image.Point{{64, 48}, {640, 480}, {1000, 700}} {
		jpg := encodeJPEG(t, quadrants(size.X, size.Y))
		for o, corners := range want {
			t.Run(size.String()+"/"+string(rune('0'+o)), func(t *testing.T) {
				data := withAPP1(jpg, exifTIFF(binary.BigEndian, uint16(o), "", "N", "E"))
				info, thumb, err := Process(bytes.NewReader(data), JPEG, 0)
				if err != nil {
					t.Fatal(err)
				}
				m, err := jpeg.Decode(bytes.NewReader(thumb))
				if err != nil {
					t.Fatal(err)
				}
				w, h := m.Bounds().Dx(), m.Bounds().Dy()
				if dw, dh := info.DisplaySize(); max(dw, dh) > ThumbnailSize && max(w, h) != ThumbnailSize ||
					(w > h) != (dw > dh) {
					t.Errorf("thumbnail %dx%d for display size %dx%d", w, h, dw, dh)
				}
				pts := []image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
				for i, p := range pts {
					if got := m.At(p.X, p.Y); !near(got, corners[i]) {
						t.Errorf("orientation %d: pixel at %v is %v; want %v", o, p, got, corners[i])
					}
				}
			})
		}
	}
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return int(a>>8)-int(b) < 48 && int(b)-int(a>>8) < 48 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// TestShrinkYCbCr compares the YCbCr fast path of shrink with the generic
// one, for each chroma subsampling, odd sizes and partial edge blocks.
func TestShrinkYCbCr(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ratio := range ratios {
		for _, k := range []int{2, 3, 4, 7} {
			m := image.NewYCbCr(image.Rect(0, 0, 333, 251), ratio)
			// Smooth content: the fast path averages chroma at chroma
			// resolution, which differs from per-pixel averaging only at
			// sharp edges.
			for y := range 251 {
				for x := range 333 {
					m.Y[m.YOffset(x, y)] = uint8(x/2 + y/3 + int(rng.UintN(5)))
					m.Cb[m.COffset(x, y)] = uint8(90 + x/4)
					m.Cr[m.COffset(x, y)] = uint8(170 - y/4)
				}
			}
			fast := shrink(m, k)
			slow := shrink(struct{ image.Image }{m}, k) // hides the type
			if fast.Rect != slow.Rect {
				t.Fatalf("%v k=%d: size %v; generic %v", ratio, k, fast.Rect, slow.Rect)
			}
			for i := range fast.Pix {
				if d := int(fast.Pix[i]) - int(slow.Pix[i]); d < -4 || d > 4 {
					t.Fatalf("%v k=%d: byte %d (pixel %d) is %d; generic %d",
						ratio, k, i, i/4, fast.Pix[i], slow.Pix[i])
				}
			}
		}
	}
}

func TestExifTime(t *testing.T) {
	tests := []struct {
		s, subsec, offset string
		want              time.Time
	}{
		{"2024:03:05 14:30:15", "", "", time.Date(2024, 3, 5, 14, 30, 15, 0, chinaTime)},
		{"2024:03:05 14:30:15\x00", "07", "+08:00", time.Date(2024, 3, 5, 6, 30, 15, 70e6, time.UTC)},
		{"2024-03-05 14:30:15", "", "+00:00", time.Date(2024, 3, 5, 14, 30, 15, 0, time.UTC)},
		{"2024:03:05 14:30:15", "", "bogus", time.Date(2024, 3, 5, 14, 30, 15, 0, chinaTime)},
		{"0000:00:00 00:00:00", "", "", time.Time{}},
		{"    :  :     :  :  ", "", "", time.Time{}},
		{"2024:13:05 14:30:15", "", "", time.Time{}},
		{"", "", "", time.Time{}},
	}
	for _, tt := range tests {
		got := exifTime(tt.s, tt.subsec, tt.offset)
		if !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
			t.Errorf("exifTime(%q, %q, %q) = %v; want %v", tt.s, tt.subsec, tt.offset, got, tt.want)
		}
	}
}

func TestParseExifRejectsBadGPS(t *testing.T) {
	be := binary.BigEndian
	tests := []struct {
		name string
		gps  []tiffEntry
	}{
		{"no fix 0,0", []tiffEntry{
			asciiEntry(tagGPSLatitudeRef, "N"), rationalEntry(be, tagGPSLatitude, 0, 1, 0, 1, 0, 1),
			asciiEntry(tagGPSLongitudeRef, "E"), rationalEntry(be, tagGPSLongitude, 0, 1, 0, 1, 0, 1)}},
		{"latitude over 90", []tiffEntry{
			asciiEntry(tagGPSLatitudeRef, "N"), rationalEntry(be, tagGPSLatitude, 95, 1, 0, 1, 0, 1),
			asciiEntry(tagGPSLongitudeRef, "E"), rationalEntry(be, tagGPSLongitude, 108, 1, 0, 1, 0, 1)}},
		{"zero denominator", []tiffEntry{
			asciiEntry(tagGPSLatitudeRef, "N"), rationalEntry(be, tagGPSLatitude, 35, 0, 0, 1, 0, 1),
			asciiEntry(tagGPSLongitudeRef, "E"), rationalEntry(be, tagGPSLongitude, 108, 1, 0, 1, 0, 1)}},
		{"bad reference", []tiffEntry{
			asciiEntry(tagGPSLatitudeRef, "X"), rationalEntry(be, tagGPSLatitude, 35, 1, 0, 1, 0, 1),
			asciiEntry(tagGPSLongitudeRef, "E"), rationalEntry(be, tagGPSLongitude, 108, 1, 0, 1, 0, 1)}},
		{"longitude missing", []tiffEntry{
			asciiEntry(tagGPSLatitudeRef, "N"), rationalEntry(be, tagGPSLatitude, 35, 1, 0, 1, 0, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseExif(buildTIFF(be, nil, nil, tt.gps))
			if d.hasGPS {
				t.Errorf("hasGPS with %v, %v", d.lat, d.lng)
			}
		})
	}
}

// ---- robustness ----

// FuzzChecker checks that the Checker never panics and that its verdict
// does not depend on how the bytes are split into writes.
func FuzzChecker(f *testing.F) {
	fx := fixtures(f)
	for i, b := range [][]byte{fx.jpegExif, fx.pngExif, fx.webpExif, fx.heic, webpAlpha, heicFile(nil, 16, 3)} {
		f.Add(uint8(i), b, uint16(len(b)/3))
	}
	types := []string{JPEG, PNG, WebP, HEIC}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte, split uint16) {
		ct := types[int(kind)%len(types)]
		werr := check(ct, data)
		k := min(int(split), len(data))
		parts := newChecker(ct, true)
		_, _ = parts.Write(data[:k]) // Finish returns the same error
		_, _ = parts.Write(data[k:])
		perr := parts.Finish()
		if (werr == nil) != (perr == nil) {
			t.Fatalf("%s: whole %v, split at %d %v", ct, werr, k, perr)
		}
		parseExif(parts.exif())
	})
}

// FuzzProcess checks that Process never panics on hostile input.
func FuzzProcess(f *testing.F) {
	fx := fixtures(f)
	for i, b := range [][]byte{fx.jpegExif, fx.pngExif, fx.webpExif, fx.heic, webpLossy} {
		f.Add(uint8(i), b)
	}
	types := []string{JPEG, PNG, WebP, HEIC}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		_, _, err := Process(bytes.NewReader(data), types[int(kind)%len(types)], 1<<20)
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooManyPixels) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Process = %v; want one of the package's errors", err)
		}
	})
}

// FuzzParseExif checks that the TIFF reader never panics.
func FuzzParseExif(f *testing.F) {
	f.Add(exifTIFF(binary.BigEndian, 6, "+08:00", "N", "E"))
	f.Add(exifTIFF(binary.LittleEndian, 3, "", "S", "W"))
	f.Fuzz(func(t *testing.T, b []byte) { parseExif(b) })
}

// ---- benchmark ----

var (
	photoOnce sync.Once
	photo     []byte
)

// phonePhoto is a 4000 x 3000 (12 MP) JPEG of about 2 MiB with EXIF: a
// gradient with noise, so it compresses like a photo.
func phonePhoto(b testing.TB) []byte {
	photoOnce.Do(func() {
		m := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
		rng := rand.New(rand.NewPCG(3, 4))
		for y := range 3000 {
			for x := range 4000 {
				m.Y[y*m.YStride+x] = uint8(x*200/4000 + y*40/3000 + int(rng.UintN(14)))
			}
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(110+i%7), uint8(140+i%5)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 88}); err != nil {
			b.Fatal(err)
		}
		photo = withAPP1(buf.Bytes(), exifTIFF(binary.BigEndian, 6, "", "N", "E"))
	})
	return photo
}

// BenchmarkProcess processes a 12 MP phone JPEG. Everything Process
// allocates is allocated inside the call, so B/op is an upper bound on the
// heap it holds at its peak.
func BenchmarkProcess(b *testing.B) {
	data := phonePhoto(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		info, thumb, err := Process(bytes.NewReader(data), JPEG, 0)
		if err != nil || len(thumb) == 0 || info.Width != 4000 {
			b.Fatalf("Process = %+v, %d bytes, %v", info, len(thumb), err)
		}
	}
	b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
}

// BenchmarkHeaderChecker checks the structure and header of a 12 MP phone
// JPEG as an upload streams it, in the 64 KiB pieces minio-go reads.
func BenchmarkHeaderChecker(b *testing.B) {
	data := phonePhoto(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewHeaderChecker(JPEG, 0)
		for p := data; len(p) > 0; {
			n := min(len(p), 64<<10)
			if _, err := c.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := c.Finish(); err != nil || c.Header().Width != 4000 {
			b.Fatalf("Finish = %v, header %+v", err, c.Header())
		}
	}
}
