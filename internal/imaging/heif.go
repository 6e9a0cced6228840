package imaging

import (
	"bytes"
	"encoding/binary"
)

// heifMeta is what Process reads from a HEIF meta box (ISO/IEC 23008-12):
// the primary item's size (ispe) and rotation (irot), and where the Exif
// item's bytes are.
type heifMeta struct {
	width, height int
	orientation   int // from irot; 0 when absent

	exif     []extent // file ranges of the Exif item, in order
	exifLen  int64    // total length of the Exif item
	exifIdat []byte   // the Exif item when it is stored in the idat box
}

type extent struct{ off, n int64 }

// parseHEIFMeta parses the payload of a top-level meta box that ended at file
// offset end. It is best effort: anything malformed leaves fields unset;
// the structural check is the Checker's job, not this one's.
func parseHEIFMeta(meta []byte, end int64) heifMeta {
	var m heifMeta
	if len(meta) < 4 {
		return m
	}
	children := map[string][]byte{}
	eachBox(meta[4:], func(typ string, payload []byte) {
		if _, ok := children[typ]; !ok {
			children[typ] = payload
		}
	})

	primary, hasPrimary := parsePitm(children["pitm"])
	exifID, hasExif := findExifItem(children["iinf"])

	// Properties: ipco holds them in order (1-based indices), ipma says
	// which belong to which item.
	type property struct {
		typ     string
		payload []byte
	}
	var props []property
	var ipma []byte
	eachBox(children["iprp"], func(typ string, payload []byte) {
		switch typ {
		case "ipco":
			eachBox(payload, func(t string, p []byte) { props = append(props, property{t, p}) })
		case "ipma":
			if ipma == nil {
				ipma = payload
			}
		}
	})
	applied := false
	if hasPrimary {
		for _, idx := range itemProperties(ipma, primary) {
			if idx < 1 || idx > len(props) {
				continue
			}
			p := props[idx-1].payload
			switch props[idx-1].typ {
			case "ispe":
				if w, h, ok := parseIspe(p); ok {
					m.width, m.height, applied = w, h, true
				}
			case "irot":
				if len(p) >= 1 {
					m.orientation = [4]int{1, 8, 3, 6}[p[0]&3]
				}
			}
		}
	}
	if !applied {
		// No usable association: take the largest ispe, which is the full
		// image rather than a tile or a thumbnail.
		for _, pr := range props {
			if pr.typ != "ispe" {
				continue
			}
			if w, h, ok := parseIspe(pr.payload); ok && w*h > m.width*m.height {
				m.width, m.height = w, h
			}
		}
	}

	if hasExif {
		m.locateExif(children["iloc"], children["idat"], exifID, end)
	}
	return m
}

// eachBox calls fn for every box in b, stopping at the first malformed one.
func eachBox(b []byte, fn func(typ string, payload []byte)) {
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b[0:4]))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return
			}
			size, hdr = binary.BigEndian.Uint64(b[8:16]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return
		}
		fn(typ, b[hdr:size])
		b = b[size:]
	}
}

// parsePitm reads the primary item ID from a pitm full box.
func parsePitm(b []byte) (uint32, bool) {
	switch {
	case len(b) >= 6 && b[0] == 0:
		return uint32(binary.BigEndian.Uint16(b[4:6])), true
	case len(b) >= 8 && b[0] >= 1:
		return binary.BigEndian.Uint32(b[4:8]), true
	}
	return 0, false
}

// findExifItem finds the ID of the first item of type "Exif" in an iinf box.
func findExifItem(b []byte) (uint32, bool) {
	if len(b) < 6 {
		return 0, false
	}
	entries := b[6:]
	if b[0] != 0 {
		if len(b) < 8 {
			return 0, false
		}
		entries = b[8:]
	}
	var id uint32
	found := false
	eachBox(entries, func(typ string, p []byte) {
		if found || typ != "infe" || len(p) < 4 {
			return
		}
		switch v := p[0]; {
		case v == 2 && len(p) >= 12 && string(p[8:12]) == "Exif":
			id, found = uint32(binary.BigEndian.Uint16(p[4:6])), true
		case v == 3 && len(p) >= 14 && string(p[10:14]) == "Exif":
			id, found = binary.BigEndian.Uint32(p[4:8]), true
		}
	})
	return id, found
}

// itemProperties returns the 1-based property indices ipma associates with
// item id.
func itemProperties(b []byte, id uint32) []int {
	if len(b) < 8 {
		return nil
	}
	version, flags := b[0], b[3]
	count := binary.BigEndian.Uint32(b[4:8])
	r := reader{b: b, p: 8}
	for i := uint32(0); i < count && r.ok(); i++ {
		var item uint32
		if version < 1 {
			item = uint32(r.uint(2))
		} else {
			item = uint32(r.uint(4))
		}
		n := int(r.uint(1))
		var idx []int
		for j := 0; j < n && r.ok(); j++ {
			if flags&1 != 0 {
				idx = append(idx, int(r.uint(2)&0x7FFF))
			} else {
				idx = append(idx, int(r.uint(1)&0x7F))
			}
		}
		if item == id && r.ok() {
			return idx
		}
	}
	return nil
}

func parseIspe(b []byte) (w, h int, ok bool) {
	if len(b) < 12 {
		return 0, 0, false
	}
	w, h = int(binary.BigEndian.Uint32(b[4:8])), int(binary.BigEndian.Uint32(b[8:12]))
	return w, h, w > 0 && h > 0
}

// locateExif finds the Exif item in iloc. Extents in the file must come
// after the meta box (the Checker has streamed past anything before it)
// and in increasing order; extents in idat are copied from it directly.
func (m *heifMeta) locateExif(iloc, idat []byte, id uint32, metaEnd int64) {
	if len(iloc) < 6 {
		return
	}
	version := iloc[0]
	r := reader{b: iloc, p: 4}
	sizes := r.uint(2)
	offSize, lenSize := int(sizes>>12&15), int(sizes>>8&15)
	baseSize, idxSize := int(sizes>>4&15), 0
	if version == 1 || version == 2 {
		idxSize = int(sizes & 15)
	}
	var count uint64
	if version < 2 {
		count = r.uint(2)
	} else {
		count = r.uint(4)
	}
	for i := uint64(0); i < count && r.ok(); i++ {
		var item uint64
		if version < 2 {
			item = r.uint(2)
		} else {
			item = r.uint(4)
		}
		method := uint64(0)
		if version == 1 || version == 2 {
			method = r.uint(2) & 15
		}
		dataRef := r.uint(2)
		base := r.uint(baseSize)
		n := int(r.uint(2))
		var exts []extent
		var total int64
		for j := 0; j < n && r.ok(); j++ {
			if idxSize > 0 {
				r.uint(idxSize)
			}
			off, ln := r.uint(offSize), r.uint(lenSize)
			if off > 1<<50 || base > 1<<50 || ln > maxCapture {
				return
			}
			exts = append(exts, extent{off: int64(base + off), n: int64(ln)})
			total += int64(ln)
		}
		if !r.ok() || uint32(item) != id {
			continue
		}
		if dataRef != 0 || total == 0 || total > maxCapture {
			return
		}
		switch method {
		case 0: // file offsets
			last := metaEnd
			for _, e := range exts {
				if e.n == 0 || e.off < last {
					return
				}
				last = e.off + e.n
			}
			m.exif, m.exifLen = exts, total
		case 1: // offsets into the idat box
			var buf []byte
			for _, e := range exts {
				if e.n == 0 || e.off+e.n > int64(len(idat)) {
					return
				}
				buf = append(buf, idat[e.off:e.off+e.n]...)
			}
			m.exifIdat, m.exifLen = buf, total
		}
		return
	}
}

// heifExifTIFF turns an Exif item into a TIFF block: the item starts with a
// 32-bit offset from its end to the TIFF header (usually 6, skipping
// "Exif\0\0").
func heifExifTIFF(b []byte) []byte {
	if len(b) >= 4 {
		off := uint64(binary.BigEndian.Uint32(b[0:4]))
		if off <= uint64(len(b)-4) {
			if t := b[4+off:]; isTIFF(t) {
				return t
			}
		}
	}
	// Some writers get the offset wrong; look for the header itself.
	for _, sig := range [][]byte{[]byte("MM\x00*"), []byte("II*\x00")} {
		if i := bytes.Index(b, sig); i >= 0 {
			return b[i:]
		}
	}
	return nil
}

// reader reads big-endian unsigned integers of 0-8 bytes and remembers
// running off the end.
type reader struct {
	b   []byte
	p   int
	bad bool
}

func (r *reader) ok() bool { return !r.bad }

func (r *reader) uint(n int) uint64 {
	if r.bad || n < 0 || n > 8 || r.p+n > len(r.b) {
		r.bad = true
		return 0
	}
	var v uint64
	for _, c := range r.b[r.p : r.p+n] {
		v = v<<8 | uint64(c)
	}
	r.p += n
	return v
}
