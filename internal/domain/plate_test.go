package domain

import "testing"

func TestNormalizePlate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		// Ordinary plates.
		{"甘M12345", "甘M12345", true},
		{"甘M·12345", "甘M12345", true},
		{"甘M.12345", "甘M12345", true},
		{"甘M-12345", "甘M12345", true},
		{" 甘 m 1 2 3 4 5 ", "甘M12345", true},
		{"甘M\u300012345", "甘M12345", true},
		{"甘Ｍ１２３４５", "甘M12345", true},
		{"甘ma1234", "甘MA1234", true},
		{"甘MAB123", "甘MAB123", true},
		{"京A88888", "京A88888", true},
		{"蒙K12345", "蒙K12345", true},
		{"琼B0000A", "琼B0000A", true},

		// New energy plates.
		{"甘md12345", "甘MD12345", true},
		{"甘MF12345", "甘MF12345", true},
		{"甘MDA1234", "甘MDA1234", true},
		{"甘M·D12345", "甘MD12345", true},
		{"甘M12345D", "甘M12345D", true},
		{"甘M12345f", "甘M12345F", true},

		// Trailer and learner plates.
		{"甘M1234挂", "甘M1234挂", true},
		{"甘M·1234学", "甘M1234学", true},

		// Not plates.
		{"", "", false},
		{"甘", "", false},
		{"甘M", "", false},
		{"甘M1234", "", false},    // too short
		{"甘M1234567", "", false}, // too long
		{"甘I12345", "", false},   // I is not an authority letter
		{"甘O12345", "", false},   // nor O
		{"甘112345", "", false},   // digit where the letter goes
		{"M12345", "", false},    // no province
		{"黔A12345", "", false},   // plates use 贵, not 黔
		{"正M12345", "", false},   // not a province abbreviation
		{"甘M1234O", "", false},   // O in the body
		{"甘MI2345", "", false},   // I in the body
		{"甘MA12345", "", false},  // 6 characters, not new energy
		{"甘MD1234A", "", false},  // small new energy: last four are digits
		{"甘MDI1234", "", false},  // I after D
		{"甘M1234AD", "", false},  // large new energy: five digits before D
		{"甘M12345挂", "", false},  // trailer plates have 4 characters
		{"甘M123挂", "", false},
		{"甘M1234警", "", false}, // police plates are not civilian
		{"甘M12#45", "", false},
		{"甘M1234５挂", "", false},
	}
	for _, tc := range tests {
		got, ok := NormalizePlate(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePlate(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNormalizePlateIdempotent(t *testing.T) {
	for _, in := range []string{"甘M·12345", "甘md12345", "甘M12345d", "甘m 1234 挂"} {
		once, ok := NormalizePlate(in)
		if !ok {
			t.Fatalf("NormalizePlate(%q) failed", in)
		}
		if twice, ok := NormalizePlate(once); !ok || twice != once {
			t.Errorf("NormalizePlate(%q) = %q, %v; want it unchanged", once, twice, ok)
		}
	}
}
