package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// plateProvinces are the province abbreviations that start a civilian
// motor vehicle plate (GA 36).
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// NormalizePlate turns a mainland civilian motor vehicle plate number as
// people write it ("甘M·12345", "甘 m 12345", "甘ＭＤ１２３４５") into the
// stored form: upper case, without spaces, dots, middle dots or hyphens
// (甘M12345). It reports false for anything else. Accepted shapes, after the
// province abbreviation and the issuing authority's letter (A-Z without I
// and O):
//
//   - ordinary: 5 letters or digits (甘M12345, 甘MA1234);
//   - new energy, small vehicles: D (battery electric) or F (other new
//     energy), a letter or digit, then 4 digits (甘MD12345, 甘MFA1234);
//   - new energy, large vehicles: 5 digits, then D or F (甘M12345D);
//   - trailer and learner plates: 4 letters or digits and 挂 or 学 (甘M1234挂).
//
// Farm machinery plates follow other rules and are kept as free text.
func NormalizePlate(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～': // full-width ASCII from Chinese input methods
			r = r - '！' + '!'
		}
		if unicode.IsSpace(r) {
			continue
		}
		switch r {
		case '.', '·', '・', '•', '-', '。':
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	p := b.String()

	province, size := utf8.DecodeRuneInString(p)
	if province == utf8.RuneError || !strings.ContainsRune(plateProvinces, province) {
		return "", false
	}
	rest := p[size:]
	if rest == "" || !plateLetter(rest[0]) {
		return "", false
	}
	body := rest[1:]
	var ok bool
	switch {
	case strings.HasSuffix(body, "挂") || strings.HasSuffix(body, "学"):
		core := body[:len(body)-len("挂")]
		ok = len(core) == 4 && plateAlnum(core)
	case len(body) == 6:
		ok = plateNewEnergy(body)
	case len(body) == 5:
		ok = plateAlnum(body)
	}
	if !ok {
		return "", false
	}
	return p, true
}

// plateNewEnergy reports whether a 6-character body is a new energy plate:
// D/F, a letter or digit and 4 digits (small vehicles), or 5 digits and D/F
// (large vehicles).
func plateNewEnergy(body string) bool {
	switch {
	case body[0] == 'D' || body[0] == 'F':
		if !plateLetter(body[1]) && !plateDigit(body[1]) {
			return false
		}
		return onlyDigits(body[2:])
	case body[5] == 'D' || body[5] == 'F':
		return onlyDigits(body[:5])
	}
	return false
}

// plateLetter reports whether c is a letter plates use: A-Z without I and O,
// which read like 1 and 0.
func plateLetter(c byte) bool {
	return c >= 'A' && c <= 'Z' && c != 'I' && c != 'O'
}

func plateDigit(c byte) bool { return c >= '0' && c <= '9' }

// plateAlnum reports whether s is all plate letters and digits.
func plateAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plateLetter(s[i]) && !plateDigit(s[i]) {
			return false
		}
	}
	return true
}
