package photo

import (
	"encoding/binary"
	"strings"
)

// The EXIF block of a synthesised photo: a little-endian TIFF with IFD0
// (camera, orientation, pointers to the EXIF and GPS IFDs), the EXIF IFD
// (DateTimeOriginal, ImageUniqueID) and the GPS IFD.

// tiffEntry is one IFD entry; data holds the value in little-endian.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte
}

func ascii(tag uint16, s string) tiffEntry {
	return tiffEntry{tag: tag, typ: 2, count: uint32(len(s) + 1), data: append([]byte(s), 0)}
}

func short(tag, v uint16) tiffEntry {
	return tiffEntry{tag: tag, typ: 3, count: 1, data: binary.LittleEndian.AppendUint16(nil, v)}
}

func long(tag uint16, v uint32) tiffEntry {
	return tiffEntry{tag: tag, typ: 4, count: 1, data: binary.LittleEndian.AppendUint32(nil, v)}
}

func rationals(tag uint16, vs ...uint32) tiffEntry {
	var d []byte
	for i := 0; i+1 < len(vs); i += 2 {
		d = binary.LittleEndian.AppendUint32(d, vs[i])
		d = binary.LittleEndian.AppendUint32(d, vs[i+1])
	}
	return tiffEntry{tag: tag, typ: 5, count: uint32(len(vs) / 2), data: d}
}

func ifdSize(es []tiffEntry) int {
	n := 2 + 12*len(es) + 4
	for _, e := range es {
		if len(e.data) > 4 {
			n += len(e.data) + len(e.data)%2
		}
	}
	return n
}

// putIFD writes an IFD at off, its long values right after it, and returns
// where each entry's value is.
func putIFD(t []byte, off int, es []tiffEntry) []int {
	le := binary.LittleEndian
	le.PutUint16(t[off:], uint16(len(es)))
	data := off + 2 + 12*len(es) + 4
	at := make([]int, len(es))
	for i, e := range es {
		p := off + 2 + 12*i
		le.PutUint16(t[p:], e.tag)
		le.PutUint16(t[p+2:], e.typ)
		le.PutUint32(t[p+4:], e.count)
		if len(e.data) <= 4 {
			copy(t[p+8:], e.data)
			at[i] = p + 8
			continue
		}
		le.PutUint32(t[p+8:], uint32(data))
		copy(t[data:], e.data)
		at[i] = data
		data += len(e.data) + len(e.data)%2
	}
	return at
}

// exifTIFF is the EXIF of a phone photo taken in Zhengning: camera,
// orientation, capture time, GPS and an ImageUniqueID whose offset in the
// TIFF it returns.
func exifTIFF() ([]byte, int) {
	ifd0 := []tiffEntry{ascii(0x010F, "Xiaomi"), ascii(0x0110, "Redmi Note 9"), short(0x0112, 1), long(0x8769, 0), long(0x8825, 0)}
	exif := []tiffEntry{ascii(0x9003, "2026:11:20 08:30:00"), ascii(0xA420, strings.Repeat("0", 32))}
	gps := []tiffEntry{ascii(0x0001, "N"), rationals(0x0002, 35, 1, 29, 1, 2400, 100), ascii(0x0003, "E"), rationals(0x0004, 108, 1, 21, 1, 3600, 100)}
	exifOff := 8 + ifdSize(ifd0)
	gpsOff := exifOff + ifdSize(exif)
	ifd0[3] = long(0x8769, uint32(exifOff))
	ifd0[4] = long(0x8825, uint32(gpsOff))
	t := make([]byte, gpsOff+ifdSize(gps))
	copy(t, "II*\x00")
	binary.LittleEndian.PutUint32(t[4:], 8)
	putIFD(t, 8, ifd0)
	at := putIFD(t, exifOff, exif)
	putIFD(t, gpsOff, gps)
	return t, at[1]
}
