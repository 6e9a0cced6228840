package domain

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13800138000", "13800138000", true},
		{"+86 138-0013-8000", "13800138000", true},
		{"+8613800138000", "13800138000", true},
		{"0086 138 0013 8000", "13800138000", true},
		{"86 13800138000", "13800138000", true},
		{"(138) 0013-8000", "13800138000", true},
		{"１３８００１３８０００", "13800138000", true},
		{" 19912345678 ", "19912345678", true},
		{"12800138000", "", false},  // 12x is not a mobile prefix
		{"1380013800", "", false},   // 10 digits
		{"138001380001", "", false}, // 12 digits
		{"23800138000", "", false},
		{"1380013800a", "", false},
		{"138+00138000", "", false},
		{"", "", false},
		{"+1 415 555 0100", "", false},
		{"0931-8123456", "", false}, // a landline
	}
	for _, tc := range tests {
		got, ok := NormalizePhone(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if m := MaskPhone("13800138000"); m != "138****8000" {
		t.Errorf("MaskPhone = %q", m)
	}
}
