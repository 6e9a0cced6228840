package password

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode/utf8"
)

// MinLength and MaxLength bound a password, in characters.
const (
	MinLength = 10
	MaxLength = 256
)

// common.txt lists passwords people pick most, Chinese favourites included
// (5201314, woaini1314, qq123456…), lower-cased, one per line.
//
//go:embed common.txt
var commonText string

var common = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// Weakness returns why pw may not be used by the owner of phone, as a
// field error code ("too_short", "too_long", "too_common", "contains_phone"),
// or "" when it is acceptable.
func Weakness(pw, phone string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return "too_short"
	case n > MaxLength:
		return "too_long"
	case common[strings.ToLower(pw)] || monotonous(pw):
		return "too_common"
	case phone != "" && (strings.Contains(pw, phone) || len(phone) == 11 && strings.Contains(pw, phone[3:])):
		return "contains_phone"
	}
	return ""
}

// monotonous catches passwords made of one or two repeated characters or a
// straight run like 1234567890 or abcdefghij, whatever their length.
func monotonous(pw string) bool {
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
	}
	if len(distinct) <= 2 {
		return true
	}
	up, down := true, true
	rs := []rune(strings.ToLower(pw))
	for i := 1; i < len(rs); i++ {
		if rs[i] != rs[i-1]+1 {
			up = false
		}
		if rs[i] != rs[i-1]-1 {
			down = false
		}
	}
	return up || down
}
