package domain

import (
	"strings"
	"time"
)

// Error codes of ValidResidentID and ValidCreditCode.
const (
	IDInvalidLength    = "invalid_length"     // not 18 characters (15-digit first-generation IDs included)
	IDInvalidCharacter = "invalid_character"  // a character the format does not allow there
	IDInvalidArea      = "invalid_area_code"  // resident ID: the first two digits name no province
	IDInvalidBirthDate = "invalid_birth_date" // resident ID: not a real date, before 1900 or in the future
	IDBadCheckDigit    = "bad_check_digit"    // the last character does not match the others
)

// residentIDWeights are the GB 11643-1999 weights, 2^(17-i) mod 11.
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheck maps the weighted sum mod 11 to the check character
// (ISO 7064 MOD 11-2, X standing for 10).
const residentIDCheck = "10X98765432"

// residentIDProvinces are the first two digits of the province-level
// division codes (GB/T 2260), with 71 Taiwan, 81 Hong Kong, 82 Macao and
// 83, which residence permits for Taiwan residents use.
var residentIDProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// chinaTime is Beijing time, the calendar a birth date is written in. A
// fixed zone, so that validation needs no time zone database.
var chinaTime = time.FixedZone("CST", 8*60*60)

// ValidResidentID checks a mainland resident ID number (居民身份证号码,
// GB 11643-1999): 6-digit area code, 8-digit birth date, 3-digit sequence
// and a check character (ISO 7064 MOD 11-2, X for 10). Surrounding white
// space and full-width characters are accepted, and a lower-case x.
//
// It returns the normalised number (upper-case X) and "" when id is valid,
// or "" and one of the ID… codes: IDInvalidLength, IDInvalidCharacter,
// IDInvalidArea, IDInvalidBirthDate (not a real date, before 1900, or after
// now's date in Beijing) or IDBadCheckDigit.
func ValidResidentID(id string, now time.Time) (normalised, code string) {
	s := strings.ToUpper(strings.TrimSpace(fullWidthToASCII(id)))
	if len(s) != 18 {
		if n := len([]rune(s)); n != 18 {
			return "", IDInvalidLength
		}
		return "", IDInvalidCharacter // 18 characters, but not all ASCII
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", IDInvalidCharacter
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return "", IDInvalidCharacter
	}
	if !residentIDProvinces[s[:2]] {
		return "", IDInvalidArea
	}
	birth, err := time.ParseInLocation("20060102", s[6:14], chinaTime)
	if err != nil || birth.Year() < 1900 {
		return "", IDInvalidBirthDate
	}
	y, m, d := now.In(chinaTime).Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, chinaTime)) {
		return "", IDInvalidBirthDate
	}
	sum := 0
	for i, w := range residentIDWeights {
		sum += int(s[i]-'0') * w
	}
	if s[17] != residentIDCheck[sum%11] {
		return "", IDBadCheckDigit
	}
	return s, ""
}

// creditCodeAlphabet is the 31-character alphabet of GB 32100-2015: the
// digits and the capital letters without I, O, Z, S and V. A character's
// index is its value.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the GB 32100-2015 weights, 3^i mod 31.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidCreditCode checks a unified social credit code (统一社会信用代码,
// GB 32100-2015) of a company, co-operative or other organisation: 18
// characters of the alphabet 0-9 A-H J-N P-R T-U W-Y, the last a MOD 31
// check character. Surrounding white space, full-width characters and
// lower-case letters are accepted.
//
// It returns the normalised code (upper case) and "" when code is valid,
// or "" and IDInvalidLength, IDInvalidCharacter or IDBadCheckDigit.
func ValidCreditCode(code string) (normalised, errCode string) {
	s := strings.ToUpper(strings.TrimSpace(fullWidthToASCII(code)))
	if len(s) != 18 {
		if n := len([]rune(s)); n != 18 {
			return "", IDInvalidLength
		}
		return "", IDInvalidCharacter
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(creditCodeAlphabet, s[i])
		if v < 0 {
			return "", IDInvalidCharacter
		}
		if i < 17 {
			sum += v * creditCodeWeights[i]
		}
	}
	if s[17] != creditCodeAlphabet[(31-sum%31)%31] {
		return "", IDBadCheckDigit
	}
	return s, ""
}

// MaskID hides the middle of an identity number for lists and responses:
// an 18-character ID keeps its first 6 and last 4 characters
// (621025********0017), and so does anything of 11 characters or more; 7 to
// 10 characters keep the first and last 2; anything shorter is all stars.
func MaskID(id string) string {
	r := []rune(id)
	n := len(r)
	var head, tail int
	switch {
	case n >= 11:
		head, tail = 6, 4
	case n >= 7:
		head, tail = 2, 2
	default:
		return strings.Repeat("*", n)
	}
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}

// fullWidthToASCII maps full-width ASCII (U+FF01..U+FF5E), which Chinese input
// methods produce, to ASCII, and the ideographic space to a space.
func fullWidthToASCII(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}
