package imaging

import (
	"bytes"
	"encoding/binary"
)

// SniffLen is the number of leading bytes Sniff needs at most.
const SniffLen = 512

// Sniff decides the content type of a file from its first bytes (at most
// SniffLen are looked at; fewer are fine when the file is shorter). It
// recognises JPEG, PNG, WebP and HEIC and reports ok=false for anything
// else, including GIF, SVG, HTML, XML, PDF, text, AVIF and empty input.
// The type a client declared plays no part: the bytes decide.
func Sniff(head []byte) (contentType string, ok bool) {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return JPEG, true
	case bytes.HasPrefix(head, pngSignature):
		return PNG, true
	case isWebP(head):
		return WebP, true
	case isHEIC(head):
		return HEIC, true
	}
	return "", false
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// isWebP wants "RIFF" size "WEBP" and a first chunk that is an image or
// extended header chunk, so that other RIFF files (WAV, AVI) are refused.
func isWebP(b []byte) bool {
	if len(b) < 16 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return false
	}
	switch string(b[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// hevcBrands are the ftyp brands of HEIF files coded with HEVC: still images
// (heic, heix 10-bit), their sequences (hevc, hevx), and the multi-layer
// variants.
var hevcBrands = map[string]bool{
	"heic": true, "heix": true, "hevc": true, "hevx": true,
	"heim": true, "heis": true, "hevm": true, "hevs": true,
}

// isHEIC reads the leading ISO BMFF ftyp box. The major brand may be an HEVC
// brand itself (iPhone: "heic"), or a generic HEIF brand (mif1, msf1, miaf)
// with an HEVC brand among the compatible brands (several Android phones:
// major "mif1", compatible "mif1 heic ..."). AVIF (mif1 + avif) is not HEIC.
func isHEIC(b []byte) bool {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return false
	}
	size := binary.BigEndian.Uint32(b[0:4])
	if size < 16 || size%4 != 0 || size > 4096 {
		return false
	}
	major := string(b[8:12])
	if hevcBrands[major] {
		return true
	}
	switch major {
	case "mif1", "msf1", "miaf":
	default:
		return false
	}
	end := min(int(size), len(b))
	for i := 16; i+4 <= end; i += 4 {
		if hevcBrands[string(b[i:i+4])] {
			return true
		}
	}
	return false
}
