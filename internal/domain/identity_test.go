package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// refResidentCheck computes a GB 11643 check character the way ISO 7064
// describes MOD 11-2, independently of identity.go: weights 2^(17-i) mod 11
// computed here, check value (12 - sum mod 11) mod 11.
func refResidentCheck(first17 string) string {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for j := 0; j < 17-i; j++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return "X"
	}
	return fmt.Sprint(v)
}

// refCreditCheck computes a GB 32100 check character: weights 3^i mod 31,
// check value 31 - sum mod 31, 31 written as 0.
func refCreditCheck(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(alphabet, first17[i]) * w
		w = w * 3 % 31
	}
	return string(alphabet[(31-sum%31)%31])
}

func TestReferenceChecks(t *testing.T) {
	// Hand-verified published examples, so that the references are right.
	if c := refResidentCheck("11010519491231002"); c != "X" {
		t.Errorf("reference resident check of the GB 11643 sample = %s, want X", c)
	}
	if c := refCreditCheck("91350100M000100Y4"); c != "3" {
		t.Errorf("reference credit check of 91350100M000100Y43 = %s, want 3", c)
	}
}

func TestValidResidentID(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC) // 20:00 in Beijing
	tests := []struct {
		in, want, code string
	}{
		{"11010519491231002X", "11010519491231002X", ""}, // the GB 11643 sample
		{"11010519491231002x", "11010519491231002X", ""},
		{" 11010519491231002X\t", "11010519491231002X", ""},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", ""},
		{"621025196001180017", "621025196001180017", ""}, // Zhengning, sequence 001
		{"621025198503120419", "621025198503120419", ""},
		{"621025200002290022", "621025200002290022", ""}, // 29 February of a leap year
		{"621022197811053613", "621022197811053613", ""},
		{"621001199001011232", "621001199001011232", ""},
		{"440304201010100019", "440304201010100019", ""},

		{"", "", IDInvalidLength},
		{"11010519491231002", "", IDInvalidLength},
		{"11010519491231002XX", "", IDInvalidLength},
		{"110105491231002", "", IDInvalidLength}, // first-generation 15-digit ID
		{"1101051949123100AX", "", IDInvalidCharacter},
		{"11010519491231002Y", "", IDInvalidCharacter},
		{"1101051949123100２Ｙ", "", IDInvalidCharacter},
		{"1101051949123100甲X", "", IDInvalidCharacter},
		{"X10105194912310021", "", IDInvalidCharacter},
		{"001025196001180017", "", IDInvalidArea},
		{"991025196001180017", "", IDInvalidArea},
		{"621025" + "19490230" + "001" + refResidentCheck("62102519490230001"), "", IDInvalidBirthDate}, // 30 February
		{"621025" + "19491301" + "001" + refResidentCheck("62102519491301001"), "", IDInvalidBirthDate},
		{"621025" + "18991231" + "001" + refResidentCheck("62102518991231001"), "", IDInvalidBirthDate},
		{"621025" + "20260316" + "001" + refResidentCheck("62102520260316001"), "", IDInvalidBirthDate}, // tomorrow
		{"621025" + "20250229" + "001" + refResidentCheck("62102520250229001"), "", IDInvalidBirthDate}, // not a leap year
		{"11010519491231002" + "1", "", IDBadCheckDigit},
		{"621025196001180018", "", IDBadCheckDigit},
		{"621025196001180071", "", IDBadCheckDigit}, // two digits swapped
	}
	for _, tc := range tests {
		got, code := ValidResidentID(tc.in, now)
		if got != tc.want || code != tc.code {
			t.Errorf("ValidResidentID(%q) = %q, %q; want %q, %q", tc.in, got, code, tc.want, tc.code)
		}
	}

	// Born today (in Beijing) is fine. At 16:30 UTC on the 15th it is already
	// the 16th in Beijing, so someone born on the 16th is fine too.
	today := "621025" + "20260315" + "001" + refResidentCheck("62102520260315001")
	if _, code := ValidResidentID(today, now); code != "" {
		t.Errorf("born today: %s", code)
	}
	late := time.Date(2026, 3, 15, 16, 30, 0, 0, time.UTC)
	tomorrow := "621025" + "20260316" + "001" + refResidentCheck("62102520260316001")
	if _, code := ValidResidentID(tomorrow, late); code != "" {
		t.Errorf("born on 16 March, checked at 00:30 16 March Beijing time: %s", code)
	}
}

// TestValidResidentIDSweep checks every sequence of one birth date against
// the reference: exactly one check character of eleven is accepted.
func TestValidResidentIDSweep(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for seq := 0; seq < 1000; seq += 7 {
		first := fmt.Sprintf("62102519750601%03d", seq)
		want := refResidentCheck(first)
		for _, c := range "0123456789X" {
			_, code := ValidResidentID(first+string(c), now)
			if ok := string(c) == want; ok != (code == "") {
				t.Fatalf("ValidResidentID(%s%c) = %q, reference check %s", first, c, code, want)
			}
		}
	}
}

func TestValidCreditCode(t *testing.T) {
	tests := []struct {
		in, want, code string
	}{
		{"91350100M000100Y43", "91350100M000100Y43", ""}, // the example in GB 32100 guides
		{"91350100m000100y43", "91350100M000100Y43", ""},
		{" 91350100M000100Y43 ", "91350100M000100Y43", ""},
		{"９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", ""},
		{"91621025MA71XY0129", "91621025MA71XY0129", ""},
		{"93621025MA72B3C4DG", "93621025MA72B3C4DG", ""}, // farmers' co-operative
		{"12621025438730185Q", "12621025438730185Q", ""}, // public institution
		{"52621025MA7N1P2Q3B", "52621025MA7N1P2Q3B", ""},

		{"", "", IDInvalidLength},
		{"91350100M000100Y4", "", IDInvalidLength},
		{"91350100M000100Y433", "", IDInvalidLength},
		{"91350100M000100I43", "", IDInvalidCharacter}, // I is not in the alphabet
		{"91350100M000100O43", "", IDInvalidCharacter},
		{"91350100M000100Z43", "", IDInvalidCharacter},
		{"91350100M000100S43", "", IDInvalidCharacter},
		{"91350100M000100V43", "", IDInvalidCharacter},
		{"91350100M000100Y4-", "", IDInvalidCharacter},
		{"91350100M000100Y4甲", "", IDInvalidCharacter},
		{"91350100M000100Y44", "", IDBadCheckDigit},
		{"91350100M000010Y43", "", IDBadCheckDigit}, // two characters swapped
	}
	for _, tc := range tests {
		got, code := ValidCreditCode(tc.in)
		if got != tc.want || code != tc.code {
			t.Errorf("ValidCreditCode(%q) = %q, %q; want %q, %q", tc.in, got, code, tc.want, tc.code)
		}
	}
}

// TestValidCreditCodeSweep checks generated codes against the reference:
// exactly one of the 31 possible last characters is accepted.
func TestValidCreditCodeSweep(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for i := 0; i < 200; i++ {
		b := []byte("91621025MA7000000")
		for j := 10; j < 17; j++ {
			b[j] = alphabet[(i*7+j*13+i*j)%31]
		}
		first := string(b)
		want := refCreditCheck(first)
		for _, c := range alphabet {
			_, code := ValidCreditCode(first + string(c))
			if ok := string(c) == want; ok != (code == "") {
				t.Fatalf("ValidCreditCode(%s%c) = %q, reference check %s", first, c, code, want)
			}
		}
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"621025196001180017", "621025********0017"},
		{"11010519491231002X", "110105********002X"},
		{"91350100M000100Y43", "913501********0Y43"},
		{"110105491231002", "110105*****1002"}, // 15-digit first-generation ID
		{"12345678901", "123456*8901"},
		{"1234567890", "12******90"},
		{"1234567", "12***67"},
		{"123456", "******"},
		{"", ""},
		{"甲乙丙丁戊己庚", "甲乙***己庚"},
	}
	for _, tc := range tests {
		if got := MaskID(tc.in); got != tc.want {
			t.Errorf("MaskID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
