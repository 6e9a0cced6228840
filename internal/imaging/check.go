package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Checker checks the container structure of a file while it streams, so that
// a truncated or malformed upload is caught without holding the body in
// memory. Feed it every byte in order, through io.TeeReader or
// io.MultiWriter, then call Finish. It keeps a few bytes of state whatever
// the file size.
//
// What it checks, per content type:
//   - JPEG: starts with SOI; marker segments are walked by their lengths up
//     to start-of-scan; the entropy-coded data must be followed by an EOI
//     marker (FFD9). Bytes after that EOI are allowed, because phones append
//     data there (MPF second images, Samsung trailers). No EOI after the
//     scan means truncated.
//   - PNG: signature, IHDR first, at least one IDAT, every chunk's CRC, and
//     IEND as the last chunk with nothing after it.
//   - WebP: the RIFF size equals the byte count minus 8, and the chunks
//     inside tile it exactly, the first being VP8, VP8L or VP8X.
//   - HEIC: the top-level ISO BMFF boxes tile the file exactly (32-bit
//     sizes, size 1 with a 64-bit largesize, size 0 meaning "to the end"),
//     ftyp comes first and a meta box is present.
//
// It does not decode pixels; Process does. A Checker is not safe for
// concurrent use.
type Checker struct {
	s           structure
	n           int64
	err         error
	contentType string
	maxPixels   int  // > 0: refuse a header declaring more pixels (NewHeaderChecker)
	sized       bool // the size was known and checked against maxPixels
}

// structure is the state machine of one container format. write gets
// non-empty slices in stream order.
type structure interface {
	write(p []byte) error
	finish() error
	// size returns the pixel size the header declares, once it has
	// streamed past.
	size() (w, h int, ok bool)
}

// NewChecker returns a Checker for contentType, one of JPEG, PNG, WebP and
// HEIC as returned by Sniff. For any other type every Write and Finish
// fails with ErrUnsupported.
func NewChecker(contentType string) *Checker {
	return newChecker(contentType, false)
}

// NewHeaderChecker is NewChecker that also keeps what the image header
// says as it streams past, for Header: the pixel size (JPEG frame header,
// PNG IHDR, WebP VP8X canvas or VP8/VP8L frame, HEIC ispe) and the EXIF
// block (at most 64 KiB in JPEG, 1 MiB elsewhere; for HEIC the meta box,
// at most 4 MiB, is kept too). As soon as the header declares more than
// maxPixels pixels (DefaultMaxPixels when maxPixels <= 0), Write fails with
// an error wrapping ErrTooManyPixels, so a decompression bomb is refused
// before the rest of it is read. Nothing is decoded.
func NewHeaderChecker(contentType string, maxPixels int) *Checker {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	c := newChecker(contentType, true)
	c.maxPixels = maxPixels
	return c
}

// Header returns what the file's header said as it streamed through the
// Checker: ContentType, Width and Height (0 when the header did not
// declare them, as a HEIC file without ispe), and for a Checker of
// NewHeaderChecker the EXIF TakenAt, GPS position and Orientation (HEIC:
// the irot property), as Process would report them. Decoded is false:
// nothing proves the pixel data decodes. Call it after Finish returned nil.
func (c *Checker) Header() Info {
	info := Info{ContentType: c.contentType, Orientation: 1}
	if c.s == nil {
		return info
	}
	if w, h, ok := c.s.size(); ok {
		info.Width, info.Height = w, h
	}
	applyExif(&info, c.exif())
	s := c.s
	if d, ok := s.(done); ok {
		s = d.structure
	}
	if h, ok := s.(*heicCheck); ok {
		// HEIF readers turn the image by irot and ignore the EXIF orientation.
		info.Orientation = max(h.info.orientation, 1)
	}
	return info
}

// checkSize refuses a declared size over maxPixels, once.
func (c *Checker) checkSize() error {
	if c.maxPixels <= 0 || c.sized {
		return nil
	}
	w, h, ok := c.s.size()
	if !ok {
		return nil
	}
	c.sized = true
	if int64(w)*int64(h) > int64(c.maxPixels) {
		return fmt.Errorf("%w: %dx%d is more than %d pixels", ErrTooManyPixels, w, h, c.maxPixels)
	}
	return nil
}

// newChecker with capture also keeps the metadata Process needs: the EXIF
// block (at most 1 MiB) and, for HEIC, the meta box (at most 4 MiB).
func newChecker(contentType string, capture bool) *Checker {
	c := &Checker{contentType: contentType}
	switch contentType {
	case JPEG:
		c.s = &jpegCheck{capture: capture}
	case PNG:
		c.s = &pngCheck{capture: capture}
	case WebP:
		c.s = &webpCheck{capture: capture}
	case HEIC:
		c.s = &heicCheck{capture: capture}
	default:
		c.err = fmt.Errorf("%w: content type %q", ErrUnsupported, contentType)
	}
	return c
}

// Write feeds the next bytes of the file. It returns an error wrapping
// ErrCorrupt as soon as the structure is known to be broken (a wrong
// signature, a bad chunk CRC, data after the end), so that an io.Copy
// through the Checker stops early; after an error every call returns it.
func (c *Checker) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := c.s.write(p); err != nil {
		c.err = err
		return 0, err
	}
	if err := c.checkSize(); err != nil {
		c.err = err
		return 0, err
	}
	c.n += int64(len(p))
	return len(p), nil
}

// Finish reports whether the bytes written form a complete, well-formed
// file: nil, or an error wrapping ErrCorrupt (truncated or malformed) or
// ErrUnsupported (content type). It may be called more than once.
func (c *Checker) Finish() error {
	if c.err == nil {
		if c.n == 0 {
			c.err = corruptf("empty file")
		} else {
			c.err = c.s.finish()
		}
		if c.err == nil {
			c.err = c.checkSize()
		}
		if c.err == nil {
			c.s = done{c.s}
		}
	}
	return c.err
}

// done wraps a finished structure so that later writes fail.
type done struct{ structure }

func (done) write([]byte) error { return corruptf("write after Finish") }
func (done) finish() error      { return nil }

// exif returns the captured EXIF TIFF block, if any.
func (c *Checker) exif() []byte {
	s := c.s
	if d, ok := s.(done); ok {
		s = d.structure
	}
	switch s := s.(type) {
	case *jpegCheck:
		return s.exif
	case *pngCheck:
		return s.exif
	case *webpCheck:
		return s.exif
	case *heicCheck:
		return s.exifData()
	}
	return nil
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// maxCapture bounds a captured EXIF block. EXIF in JPEG is limited to one
// 64 KiB segment; other containers get some more room.
const maxCapture = 1 << 20

var exifHeader = []byte("Exif\x00\x00")

// trimExifHeader drops the "Exif\0\0" prefix that some writers put before
// the TIFF header in PNG eXIf and WebP EXIF chunks, where it does not belong.
func trimExifHeader(b []byte) []byte {
	return bytes.TrimPrefix(b, exifHeader)
}

// ---- JPEG ----

const (
	jSOI0 = iota
	jSOI1
	jMarker    // between segments: expecting 0xFF
	jCode      // after 0xFF between segments
	jLen       // reading a segment length
	jPayload   // skipping a segment payload
	jEntropy   // in entropy-coded data after SOS
	jEntropyFF // after 0xFF in entropy-coded data
	jDone      // after EOI
)

type jpegCheck struct {
	state   int
	marker  byte
	lenBuf  [2]byte
	lenN    int
	remain  int
	seenSOS bool

	// The frame header (SOFn) gives the image size: precision, height,
	// width in its first 5 payload bytes.
	sof     [5]byte
	sofN    int // bytes of sof still wanted, counted down from 5
	frameW  int
	frameH  int
	seenSOF bool

	capture bool
	seg     []byte // APP1 payload being captured
	exif    []byte
}

// write advances the JPEG state machine over p. It is one function,
// over 80 lines on purpose: it is the inner loop of every photo upload, run per
// byte of the stream, and its states share the loop's index and the
// captured segment. Split into a function per state, the loop would make a
// call per byte, and a reader would jump between functions that each need
// the whole machine; one switch over the states reads in one place.
func (j *jpegCheck) write(p []byte) error {
	for len(p) > 0 {
		switch j.state {
		case jSOI0, jSOI1:
			want := byte(0xFF)
			if j.state == jSOI1 {
				want = 0xD8
			}
			if p[0] != want {
				return corruptf("jpeg: no SOI marker at the start")
			}
			j.state++
			p = p[1:]
		case jEntropy:
			// A scan's bytes: skip to the next 0xFF. A stuffed zero or a
			// TEM or RSTn marker after it keeps the scan going, here,
			// without a round of the state machine: nearly every 0xFF of a
			// scan is one of these (code decides the same for them).
			for {
				i := bytes.IndexByte(p, 0xFF)
				if i < 0 {
					return nil
				}
				if i+1 < len(p) {
					if c := p[i+1]; c == 0x00 || c == 0x01 || (c >= 0xD0 && c <= 0xD7) {
						p = p[i+2:]
						continue
					}
				}
				p = p[i+1:]
				j.state = jEntropyFF
				break
			}
		case jMarker:
			// Between segments, bytes other than 0xFF are extraneous:
			// libjpeg warns and Go's decoder skips them, so we do too.
			i := bytes.IndexByte(p, 0xFF)
			if i < 0 {
				return nil
			}
			p = p[i+1:]
			j.state = jCode
		case jCode, jEntropyFF:
			if err := j.code(p[0]); err != nil {
				return err
			}
			p = p[1:]
		case jLen:
			j.lenBuf[j.lenN] = p[0]
			j.lenN++
			p = p[1:]
			if j.lenN < 2 {
				continue
			}
			j.lenN = 0
			n := int(binary.BigEndian.Uint16(j.lenBuf[:]))
			if n < 2 {
				return corruptf("jpeg: segment %#02x has length %d", j.marker, n)
			}
			j.remain = n - 2
			if j.capture && j.marker == 0xE1 && j.exif == nil && j.remain > len(exifHeader) {
				j.seg = make([]byte, 0, j.remain)
			}
			if isSOF(j.marker) && !j.seenSOF && j.remain >= len(j.sof) {
				j.sofN = len(j.sof)
			}
			j.state = jPayload
			if j.remain == 0 {
				j.endSegment()
			}
		case jPayload:
			k := min(j.remain, len(p))
			if j.seg != nil {
				j.seg = append(j.seg, p[:k]...)
			}
			if j.sofN > 0 {
				c := copy(j.sof[len(j.sof)-j.sofN:], p[:k])
				if j.sofN -= c; j.sofN == 0 {
					j.seenSOF = true
					j.frameH = int(binary.BigEndian.Uint16(j.sof[1:3]))
					j.frameW = int(binary.BigEndian.Uint16(j.sof[3:5]))
				}
			}
			j.remain -= k
			p = p[k:]
			if j.remain == 0 {
				j.endSegment()
			}
		case jDone:
			return nil
		}
	}
	return nil
}

func (j *jpegCheck) size() (int, int, bool) {
	return j.frameW, j.frameH, j.seenSOF && j.frameW > 0 && j.frameH > 0
}

// isSOF reports whether marker starts a frame: SOF0-SOF15 less DHT (C4),
// JPG (C8) and DAC (CC).
func isSOF(marker byte) bool {
	return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
}

// code handles the byte after an 0xFF.
func (j *jpegCheck) code(c byte) error {
	inScan := j.state == jEntropyFF
	next := jMarker
	if inScan {
		next = jEntropy
	}
	switch {
	case c == 0xFF:
		// Fill byte; the marker code follows.
	case c == 0x00:
		// In a scan: a stuffed zero byte. Elsewhere: extraneous, skipped.
		j.state = next
	case c == 0x01 || (c >= 0xD0 && c <= 0xD7):
		// TEM and RSTn stand alone, without a length.
		j.state = next
	case c == 0xD8:
		return corruptf("jpeg: SOI marker inside the image")
	case c == 0xD9:
		if !j.seenSOS {
			return corruptf("jpeg: EOI marker before any scan")
		}
		j.state = jDone
	default:
		j.marker = c
		j.state = jLen
	}
	return nil
}

func (j *jpegCheck) endSegment() {
	if j.seg != nil {
		if bytes.HasPrefix(j.seg, exifHeader) {
			j.exif = j.seg[len(exifHeader):]
		}
		j.seg = nil
	}
	if j.marker == 0xDA { // SOS: entropy-coded data follows
		j.seenSOS = true
		j.state = jEntropy
	} else {
		j.state = jMarker
	}
}

func (j *jpegCheck) finish() error {
	switch {
	case j.state == jDone:
		return nil
	case j.state <= jSOI1:
		return corruptf("jpeg: no SOI marker at the start")
	case !j.seenSOS:
		return corruptf("jpeg: truncated before the image data")
	default:
		return corruptf("jpeg: no EOI marker after the image data (truncated)")
	}
}

// ---- PNG ----

const (
	pSig = iota
	pHeader
	pData
	pCRC
	pDone
)

type pngCheck struct {
	state    int
	buf      [8]byte
	bufN     int
	typ      [4]byte
	remain   uint32
	crc      uint32
	chunks   int
	seenIDAT bool

	// The IHDR data starts with the width and height (4 bytes each).
	ihdr  [8]byte
	ihdrN int

	capture bool
	seg     []byte
	exif    []byte
}

func (c *pngCheck) size() (int, int, bool) {
	if c.ihdrN < len(c.ihdr) {
		return 0, 0, false
	}
	w, h := binary.BigEndian.Uint32(c.ihdr[0:4]), binary.BigEndian.Uint32(c.ihdr[4:8])
	// The PNG specification caps both at 2^31-1; larger is malformed, and
	// any size counts for the pixel limit.
	return int(min(w, 1<<31-1)), int(min(h, 1<<31-1)), w > 0 && h > 0
}

func (c *pngCheck) write(p []byte) error {
	for len(p) > 0 {
		switch c.state {
		case pSig:
			if p[0] != pngSignature[c.bufN] {
				return corruptf("png: bad signature")
			}
			c.bufN++
			p = p[1:]
			if c.bufN == len(pngSignature) {
				c.bufN = 0
				c.state = pHeader
			}
		case pHeader:
			k := copy(c.buf[c.bufN:8], p)
			c.bufN += k
			p = p[k:]
			if c.bufN < 8 {
				continue
			}
			c.bufN = 0
			if err := c.header(); err != nil {
				return err
			}
		case pData:
			k := int(min(uint32(len(p)), c.remain))
			if c.chunks == 0 && c.ihdrN < len(c.ihdr) {
				c.ihdrN += copy(c.ihdr[c.ihdrN:], p[:k])
			}
			c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:k])
			if c.seg != nil {
				c.seg = append(c.seg, p[:k]...)
			}
			c.remain -= uint32(k)
			p = p[k:]
			if c.remain == 0 {
				c.state = pCRC
			}
		case pCRC:
			k := copy(c.buf[c.bufN:4], p)
			c.bufN += k
			p = p[k:]
			if c.bufN < 4 {
				continue
			}
			c.bufN = 0
			if binary.BigEndian.Uint32(c.buf[:4]) != c.crc {
				return corruptf("png: %s chunk CRC mismatch", c.typ[:])
			}
			if c.seg != nil {
				c.exif = trimExifHeader(c.seg)
				c.seg = nil
			}
			c.chunks++
			if string(c.typ[:]) == "IEND" {
				c.state = pDone
			} else {
				c.state = pHeader
			}
		case pDone:
			return corruptf("png: data after the IEND chunk")
		}
	}
	return nil
}

func (c *pngCheck) header() error {
	n := binary.BigEndian.Uint32(c.buf[:4])
	copy(c.typ[:], c.buf[4:8])
	typ := string(c.typ[:])
	for _, b := range c.typ {
		if (b < 'A' || b > 'Z') && (b < 'a' || b > 'z') {
			return corruptf("png: invalid chunk type %q", typ)
		}
	}
	switch {
	case n > 1<<31-1:
		return corruptf("png: %s chunk length %d", typ, n)
	case c.chunks == 0 && (typ != "IHDR" || n != 13):
		return corruptf("png: first chunk is not IHDR")
	case typ == "IEND" && (n != 0 || !c.seenIDAT):
		return corruptf("png: IEND without image data")
	case typ == "IDAT":
		c.seenIDAT = true
	case typ == "eXIf" && c.capture && c.exif == nil && n <= maxCapture:
		c.seg = make([]byte, 0, n)
	}
	c.remain = n
	c.crc = crc32.Update(0, crc32.IEEETable, c.typ[:])
	c.state = pData
	if n == 0 {
		c.state = pCRC
	}
	return nil
}

func (c *pngCheck) finish() error {
	switch c.state {
	case pDone:
		return nil
	case pSig:
		return corruptf("png: bad signature")
	default:
		return corruptf("png: no IEND chunk (truncated)")
	}
}

// ---- WebP ----

const (
	wHeader = iota
	wChunk
	wData
	wPad
)

type webpCheck struct {
	state  int
	buf    [12]byte
	bufN   int
	pos    int64 // bytes consumed
	end    int64 // 8 + RIFF size
	fourcc string
	remain int64
	pad    bool
	chunks int
	flags  bool // the next data byte is the VP8X flags byte

	// The first chunk (VP8X, VP8 or VP8L) declares the size in its first
	// ten bytes.
	firstCC string
	first   [10]byte
	firstN  int

	animated bool

	capture bool
	seg     []byte
	exif    []byte
}

func (w *webpCheck) write(p []byte) error {
	for len(p) > 0 {
		switch w.state {
		case wHeader:
			k := copy(w.buf[w.bufN:12], p)
			w.bufN += k
			w.pos += int64(k)
			p = p[k:]
			if w.bufN < 12 {
				continue
			}
			w.bufN = 0
			if string(w.buf[0:4]) != "RIFF" || string(w.buf[8:12]) != "WEBP" {
				return corruptf("webp: no RIFF WEBP header")
			}
			w.end = 8 + int64(binary.LittleEndian.Uint32(w.buf[4:8]))
			if w.end < 12+8 {
				return corruptf("webp: RIFF size %d too small", w.end-8)
			}
			w.state = wChunk
		case wChunk:
			if w.bufN == 0 && w.pos == w.end {
				return corruptf("webp: data after the %d bytes the RIFF header declares", w.end)
			}
			k := copy(w.buf[w.bufN:8], p)
			w.bufN += k
			w.pos += int64(k)
			p = p[k:]
			if w.bufN < 8 {
				continue
			}
			w.bufN = 0
			if err := w.header(); err != nil {
				return err
			}
		case wData:
			k := int(min(int64(len(p)), w.remain))
			if w.chunks == 1 && w.firstN < len(w.first) {
				w.firstN += copy(w.first[w.firstN:], p[:k])
			}
			if w.flags {
				w.animated = p[0]&0x02 != 0
				w.flags = false
			}
			if w.seg != nil {
				w.seg = append(w.seg, p[:k]...)
			}
			w.remain -= int64(k)
			w.pos += int64(k)
			p = p[k:]
			if w.remain == 0 {
				w.endData()
			}
		case wPad:
			w.pos++
			p = p[1:]
			w.state = wChunk
		}
	}
	return nil
}

func (w *webpCheck) header() error {
	w.fourcc = string(w.buf[0:4])
	n := int64(binary.LittleEndian.Uint32(w.buf[4:8]))
	w.pad = n%2 == 1
	if w.pos+n+n%2 > w.end {
		return corruptf("webp: %q chunk overruns the RIFF size", w.fourcc)
	}
	if w.chunks == 0 {
		w.firstCC = w.fourcc
		switch w.fourcc {
		case "VP8 ", "VP8L":
		case "VP8X":
			w.flags = n > 0
		default:
			return corruptf("webp: first chunk %q is not VP8, VP8L or VP8X", w.fourcc)
		}
	}
	w.chunks++
	if w.capture && w.fourcc == "EXIF" && w.exif == nil && n <= maxCapture {
		w.seg = make([]byte, 0, n)
	}
	w.remain = n
	w.state = wData
	if n == 0 {
		w.endData()
	}
	return nil
}

func (w *webpCheck) size() (int, int, bool) {
	b := w.first[:w.firstN]
	le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	switch {
	case w.firstCC == "VP8X" && len(b) >= 10:
		// flags, 3 reserved bytes, canvas width - 1 and height - 1 (24 bits each)
		return 1 + le24(b[4:7]), 1 + le24(b[7:10]), true
	case w.firstCC == "VP8 " && len(b) >= 10 && b[3] == 0x9d && b[4] == 0x01 && b[5] == 0x2a:
		// frame tag (3 bytes), start code, then 14-bit width and height
		wd, ht := int(binary.LittleEndian.Uint16(b[6:8])&0x3fff), int(binary.LittleEndian.Uint16(b[8:10])&0x3fff)
		return wd, ht, wd > 0 && ht > 0
	case w.firstCC == "VP8L" && len(b) >= 5 && b[0] == 0x2f:
		// signature, then width - 1 and height - 1 in 14 bits each
		bits := binary.LittleEndian.Uint32(b[1:5])
		return 1 + int(bits&0x3fff), 1 + int(bits>>14&0x3fff), true
	}
	return 0, 0, false
}

func (w *webpCheck) endData() {
	if w.seg != nil {
		w.exif = trimExifHeader(w.seg)
		w.seg = nil
	}
	w.state = wChunk
	if w.pad {
		w.state = wPad
	}
}

func (w *webpCheck) finish() error {
	if w.state == wChunk && w.bufN == 0 && w.pos == w.end {
		return nil
	}
	if w.state == wHeader {
		return corruptf("webp: no RIFF WEBP header")
	}
	return corruptf("webp: truncated: the RIFF header declares %d bytes, got %d", w.end, w.pos)
}

// ---- HEIC (ISO BMFF) ----

const (
	hHeader = iota
	hPayload
	hToEnd // inside a size-0 box, which runs to the end of the file
)

// maxMeta bounds the HEIC meta box kept for parsing; phone files have a few
// KiB (a 48-tile grid with its hvcC and iloc entries).
const maxMeta = 4 << 20

type heicCheck struct {
	state    int
	buf      [16]byte
	bufN     int
	pos      int64
	typ      string
	remain   int64
	boxes    int
	seenMeta bool

	capture bool
	meta    []byte   // meta box payload being captured
	info    heifMeta // parsed from the meta box
	exifBuf []byte
}

func (h *heicCheck) write(p []byte) error {
	for len(p) > 0 {
		switch h.state {
		case hHeader:
			need := 8
			if h.bufN >= 8 && binary.BigEndian.Uint32(h.buf[0:4]) == 1 {
				need = 16
			}
			k := copy(h.buf[h.bufN:need], p)
			h.bufN += k
			h.pos += int64(k)
			p = p[k:]
			if h.bufN < need {
				continue
			}
			if need == 8 && binary.BigEndian.Uint32(h.buf[0:4]) == 1 {
				continue // read the 64-bit largesize too
			}
			if err := h.header(); err != nil {
				return err
			}
		case hPayload, hToEnd:
			k := len(p)
			if h.state == hPayload {
				k = int(min(int64(k), h.remain))
			}
			h.collect(p[:k])
			h.remain -= int64(k)
			h.pos += int64(k)
			p = p[k:]
			if h.state == hPayload && h.remain == 0 {
				h.endBox()
			}
		}
	}
	return nil
}

func (h *heicCheck) header() error {
	hdr := int64(h.bufN)
	h.bufN = 0
	size := int64(binary.BigEndian.Uint32(h.buf[0:4]))
	h.typ = string(h.buf[4:8])
	for _, b := range h.buf[4:8] {
		if b < 0x20 || b > 0x7E {
			return corruptf("heic: invalid box type %q at offset %d", h.typ, h.pos-hdr)
		}
	}
	if h.boxes == 0 && h.typ != "ftyp" {
		return corruptf("heic: first box is %q, not ftyp", h.typ)
	}
	h.boxes++
	if h.typ == "meta" {
		h.seenMeta = true
	}
	switch size {
	case 0:
		h.state = hToEnd
		return nil
	case 1:
		u := binary.BigEndian.Uint64(h.buf[8:16])
		if u > 1<<62 {
			return corruptf("heic: box %q size %d", h.typ, u)
		}
		size = int64(u)
	}
	if size < hdr {
		return corruptf("heic: box %q size %d is smaller than its header", h.typ, size)
	}
	h.remain = size - hdr
	if h.capture && h.typ == "meta" && h.meta == nil && h.remain <= maxMeta {
		h.meta = make([]byte, 0, h.remain)
	}
	h.state = hPayload
	if h.remain == 0 {
		h.endBox()
	}
	return nil
}

// collect keeps the meta box and, once it is parsed, the bytes of the
// Exif item's extents as they stream past.
func (h *heicCheck) collect(p []byte) {
	if h.meta != nil {
		h.meta = append(h.meta, p...)
	}
	start, end := h.pos, h.pos+int64(len(p))
	for _, e := range h.info.exif {
		lo, hi := max(start, e.off), min(end, e.off+e.n)
		if lo < hi {
			h.exifBuf = append(h.exifBuf, p[lo-start:hi-start]...)
		}
	}
}

func (h *heicCheck) endBox() {
	if h.meta != nil && h.typ == "meta" {
		h.info = parseHEIFMeta(h.meta, h.pos)
		h.meta = nil
		if len(h.info.exifIdat) > 0 {
			h.exifBuf = h.info.exifIdat
		}
	}
	h.state = hHeader
}

func (h *heicCheck) size() (int, int, bool) {
	return h.info.width, h.info.height, h.info.width > 0 && h.info.height > 0
}

func (h *heicCheck) exifData() []byte {
	if h.info.exifLen == 0 || int64(len(h.exifBuf)) != h.info.exifLen {
		return nil
	}
	return heifExifTIFF(h.exifBuf)
}

func (h *heicCheck) finish() error {
	switch {
	case h.state == hHeader && h.bufN == 0, h.state == hToEnd:
	default:
		return corruptf("heic: truncated inside box %q at offset %d", h.typ, h.pos)
	}
	if !h.seenMeta {
		return corruptf("heic: no meta box")
	}
	return nil
}
