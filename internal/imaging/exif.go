package imaging

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// chinaTime is the zone given to EXIF times that carry no offset: China
// Standard Time, UTC+8 all year (Asia/Shanghai has had no daylight saving
// time since 1991). A fixed zone avoids depending on the tz database.
var chinaTime = time.FixedZone("CST", 8*60*60)

// exifData is what Process takes from an EXIF block.
type exifData struct {
	orientation int // 0 when absent or invalid
	taken       time.Time
	hasGPS      bool
	lat, lng    float64
}

// TIFF tags used here (EXIF 2.32, CIPA DC-008).
const (
	tagOrientation        = 0x0112
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagDateTimeOriginal   = 0x9003
	tagDateTimeDigitized  = 0x9004
	tagOffsetTimeOriginal = 0x9011
	tagOffsetTimeDigit    = 0x9012
	tagSubSecOriginal     = 0x9291
	tagSubSecDigitized    = 0x9292
	tagGPSLatitudeRef     = 0x0001
	tagGPSLatitude        = 0x0002
	tagGPSLongitudeRef    = 0x0003
	tagGPSLongitude       = 0x0004
)

// TIFF field types and their sizes in bytes.
const (
	typeASCII    = 2
	typeShort    = 3
	typeLong     = 4
	typeRational = 5
)

var typeSize = [13]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

func isTIFF(b []byte) bool {
	return len(b) >= 8 && (bytes.HasPrefix(b, []byte("MM\x00*")) || bytes.HasPrefix(b, []byte("II*\x00")))
}

// tiff is a TIFF block (the EXIF payload). Every offset in it is checked
// against its length; nothing is allocated from sizes it declares.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

// field is one IFD entry; val is its value bytes, inside the TIFF block.
type field struct {
	typ   uint16
	count uint32
	val   []byte
}

// ifd returns the entries of the IFD at off that have one of the wanted
// tags. It does not follow the next-IFD link, so loops are impossible.
func (t tiff) ifd(off uint32, want ...uint16) map[uint16]field {
	out := map[uint16]field{}
	b := t.b
	if uint64(off)+2 > uint64(len(b)) {
		return out
	}
	n := int(t.bo.Uint16(b[off:]))
	p := int(off) + 2
	for i := 0; i < n && p+12 <= len(b); i, p = i+1, p+12 {
		e := b[p : p+12]
		tag, typ, count := t.bo.Uint16(e[0:2]), t.bo.Uint16(e[2:4]), t.bo.Uint32(e[4:8])
		wanted := false
		for _, w := range want {
			wanted = wanted || w == tag
		}
		if !wanted || typ == 0 || int(typ) >= len(typeSize) {
			continue
		}
		size := typeSize[typ] * uint64(count)
		var val []byte
		if size <= 4 {
			val = e[8 : 8+size]
		} else {
			vo := uint64(t.bo.Uint32(e[8:12]))
			if vo+size > uint64(len(b)) {
				continue
			}
			val = b[vo : vo+size]
		}
		if _, dup := out[tag]; !dup {
			out[tag] = field{typ: typ, count: count, val: val}
		}
	}
	return out
}

func (t tiff) uint(f field) (uint32, bool) {
	switch {
	case f.typ == typeShort && len(f.val) >= 2:
		return uint32(t.bo.Uint16(f.val)), true
	case f.typ == typeLong && len(f.val) >= 4:
		return t.bo.Uint32(f.val), true
	}
	return 0, false
}

func (t tiff) rationals(f field) []float64 {
	if f.typ != typeRational {
		return nil
	}
	var out []float64
	for v := f.val; len(v) >= 8; v = v[8:] {
		num, den := t.bo.Uint32(v[0:4]), t.bo.Uint32(v[4:8])
		switch {
		case den != 0:
			out = append(out, float64(num)/float64(den))
		case num == 0: // 0/0, written by some phones for "0"
			out = append(out, 0)
		default:
			return nil
		}
	}
	return out
}

func ascii(f field) string {
	if f.typ != typeASCII {
		return ""
	}
	s := f.val
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(string(s))
}

// parseExif reads orientation, capture time and GPS position from a TIFF
// block. Missing or malformed values are left zero; it never fails.
func parseExif(b []byte) exifData {
	var d exifData
	if !isTIFF(b) {
		return d
	}
	t := tiff{b: b, bo: binary.BigEndian}
	if b[0] == 'I' {
		t.bo = binary.LittleEndian
	}
	ifd0 := t.ifd(t.bo.Uint32(b[4:8]), tagOrientation, tagExifIFD, tagGPSIFD)
	if o, ok := t.uint(ifd0[tagOrientation]); ok && o >= 1 && o <= 8 {
		d.orientation = int(o)
	}
	if off, ok := t.uint(ifd0[tagExifIFD]); ok {
		e := t.ifd(off, tagDateTimeOriginal, tagOffsetTimeOriginal, tagSubSecOriginal,
			tagDateTimeDigitized, tagOffsetTimeDigit, tagSubSecDigitized)
		d.taken = exifTime(ascii(e[tagDateTimeOriginal]), ascii(e[tagSubSecOriginal]), ascii(e[tagOffsetTimeOriginal]))
		if d.taken.IsZero() {
			d.taken = exifTime(ascii(e[tagDateTimeDigitized]), ascii(e[tagSubSecDigitized]), ascii(e[tagOffsetTimeDigit]))
		}
	}
	if off, ok := t.uint(ifd0[tagGPSIFD]); ok {
		g := t.ifd(off, tagGPSLatitudeRef, tagGPSLatitude, tagGPSLongitudeRef, tagGPSLongitude)
		lat, okLat := gpsCoord(t.rationals(g[tagGPSLatitude]), ascii(g[tagGPSLatitudeRef]), "N", "S", 90)
		lng, okLng := gpsCoord(t.rationals(g[tagGPSLongitude]), ascii(g[tagGPSLongitudeRef]), "E", "W", 180)
		if okLat && okLng && (lat != 0 || lng != 0) {
			d.hasGPS, d.lat, d.lng = true, lat, lng
		}
	}
	return d
}

// exifTime parses "2006:01:02 15:04:05" with optional sub-seconds ("123")
// and offset ("+08:00"). Without an offset the time is China Standard Time.
// Blank or all-zero dates, which cameras write when the clock is unset,
// give the zero time.
func exifTime(s, subsec, offset string) time.Time {
	if len(s) < 19 {
		return time.Time{}
	}
	loc := chinaTime
	if o, ok := parseOffset(offset); ok {
		loc = o
	}
	// Some writers use '-' in the date; the layout wants ':'.
	b := []byte(s[:19])
	if b[4] == '-' && b[7] == '-' {
		b[4], b[7] = ':', ':'
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", string(b), loc)
	if err != nil || t.Year() < 1900 {
		return time.Time{}
	}
	if subsec != "" && len(subsec) <= 9 {
		if n, err := strconv.Atoi(subsec); err == nil && n >= 0 {
			for i := len(subsec); i < 9; i++ {
				n *= 10
			}
			t = t.Add(time.Duration(n))
		}
	}
	return t
}

// parseOffset parses an EXIF offset such as "+08:00" or "-05:30".
func parseOffset(s string) (*time.Location, bool) {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return nil, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[4:6])
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return nil, false
	}
	secs := (h*60 + m) * 60
	if s[0] == '-' {
		secs = -secs
	}
	return time.FixedZone(s, secs), true
}

// gpsCoord turns degrees, minutes, seconds and a reference letter into
// signed decimal degrees. A missing reference counts as positive (north,
// east); an unknown one makes the coordinate invalid.
func gpsCoord(dms []float64, ref, pos, neg string, limit float64) (float64, bool) {
	if len(dms) == 0 {
		return 0, false
	}
	v := dms[0]
	if len(dms) >= 2 {
		v += dms[1] / 60
	}
	if len(dms) >= 3 {
		v += dms[2] / 3600
	}
	switch strings.ToUpper(ref) {
	case pos, "":
	case neg:
		v = -v
	default:
		return 0, false
	}
	if math.IsNaN(v) || math.Abs(v) > limit {
		return 0, false
	}
	return v, true
}
