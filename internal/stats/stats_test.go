package stats_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zhengning-court/xiezhi/internal/domain"
	"github.com/zhengning-court/xiezhi/internal/stats"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []int64
		want *int64
	}{
		{nil, nil},
		{[]int64{7}, ptr(7)},
		{[]int64{30, 10, 20}, ptr(20)},
		{[]int64{40, 10, 30, 20}, ptr(25)},
		{[]int64{1, 2}, ptr(1)}, // 1.5 rounded down
		{[]int64{3600, 3600, 86400}, ptr(3600)},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, stats.Median(append([]int64(nil), tc.in...))); diff != "" {
			t.Errorf("Median(%v) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func ptr(n int64) *int64 { return &n }

func TestParseRange(t *testing.T) {
	// 2026-03-31 23:30 in China is still the 31st there, 15:30 UTC.
	now := time.Date(2026, 3, 31, 15, 30, 0, 0, time.UTC)
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		from, to string
		want     stats.Range
		field    string // the invalid field, "" when valid
	}{
		{"", "", stats.Range{From: "2026-03-02", To: "2026-03-31", Start: utc("2026-03-01T16:00:00Z"), End: utc("2026-03-31T16:00:00Z")}, ""},
		{"2026-03-01", "2026-03-31", stats.Range{From: "2026-03-01", To: "2026-03-31", Start: utc("2026-02-28T16:00:00Z"), End: utc("2026-03-31T16:00:00Z")}, ""},
		{"", "2024-03-30", stats.Range{From: "2024-03-01", To: "2024-03-30", Start: utc("2024-02-29T16:00:00Z"), End: utc("2024-03-30T16:00:00Z")}, ""},
		{"2026-04-01", "", stats.Range{}, "to"}, // after today: to < from
		{"2024-01-01", "2024-12-31", stats.Range{From: "2024-01-01", To: "2024-12-31", Start: utc("2023-12-31T16:00:00Z"), End: utc("2024-12-31T16:00:00Z")}, ""},
		{"2025-01-01", "2026-01-02", stats.Range{}, "from"}, // 367 days
		{"2026-02-29", "", stats.Range{}, "from"},
		{"", "31/03/2026", stats.Range{}, "to"},
	}
	for _, tc := range tests {
		got, err := stats.ParseRange(tc.from, tc.to, now)
		var de *domain.Error
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%q..%q: %v", tc.from, tc.to, err)
		case tc.field != "" && (!errors.As(err, &de) || de.Code != domain.EValidation || len(de.Fields) != 1 || de.Fields[0].Field != tc.field):
			t.Errorf("%q..%q: error %v, want a validation error of %s", tc.from, tc.to, err, tc.field)
		case tc.field == "":
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%q..%q (-want +got):\n%s", tc.from, tc.to, diff)
			}
		}
	}
}
