package domain

import (
	"strings"
)

// NormalizePhone turns a mainland China mobile number as people write it
// ("+86 138-0013-8000", "0086 13800138000", "138 0013 8000") into its 11
// digits, the form Xiezhi stores and logs in with. It reports false for
// anything that is not a mainland mobile number (1, then 3-9, then 9 digits).
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	plus := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits from Chinese input methods
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '\u3000' || r == '.':
		case (r == '+' || r == '＋') && b.Len() == 0 && !plus:
			plus = true
		default:
			return "", false
		}
	}
	d := b.String()
	if plus && !strings.HasPrefix(d, "86") { // another country's number
		return "", false
	}
	switch {
	case strings.HasPrefix(d, "0086") && len(d) == 15:
		d = d[4:]
	case strings.HasPrefix(d, "86") && len(d) == 13:
		d = d[2:]
	}
	if len(d) != 11 || d[0] != '1' || d[1] < '3' {
		return "", false
	}
	return d, true
}

// MaskPhone shows the first three and last four digits: 138****8000.
func MaskPhone(p string) string {
	if len(p) != 11 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + "****" + p[7:]
}
