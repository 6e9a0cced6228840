package domain

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// TestNewLead checks every rule of a new lead, one field at a time and
// several at once, with the exact fields, codes and order the API reports.
func TestNewLead(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	assistant := actorOf(RoleAssistant)
	officer := actorOf(RoleOfficer)
	village := &Village{ID: "v1", GridID: "g1"}
	otherVillage := &Village{ID: "v2", GridID: "g2"}
	debtor := &Debtor{ID: "d1", Name: "张三"}
	// good is a valid input; each case changes it.
	good := func() LeadInput {
		return LeadInput{Kind: string(KindRealEstate), Description: ptr(" a house "), VillageID: "v1", Village: village,
			Details: map[string]any{"address": "1 Road"}}
	}
	fe := func(field, code string) FieldError { return FieldError{Field: field, Code: code} }
	tests := []struct {
		name   string
		actor  Actor
		change func(*LeadInput)
		want   []FieldError
		check  func(*testing.T, Lead)
	}{
		{"good", assistant, func(*LeadInput) {}, nil, func(t *testing.T, l Lead) {
			want := Lead{ReporterID: "me", Status: LeadSubmitted, Kind: KindRealEstate, Description: "a house", VillageID: "v1", GridID: "g1",
				Details: map[string]any{"address": "1 Road"}, ReceivedAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}
			if !reflect.DeepEqual(l, want) {
				t.Errorf("lead = %+v\nwant %+v", l, want)
			}
		}},
		{"client id kept", assistant, func(in *LeadInput) { in.ID = "0190c3c4-1b2a-7c3d-8e4f-0123456789ab" }, nil,
			func(t *testing.T, l Lead) { expect(t, l.ID, "0190c3c4-1b2a-7c3d-8e4f-0123456789ab") }},
		{"id not a uuid", assistant, func(in *LeadInput) { in.ID = "lead-1" }, []FieldError{fe("id", "invalid")}, nil},
		{"id upper case", assistant, func(in *LeadInput) { in.ID = "0190C3C4-1B2A-7C3D-8E4F-0123456789AB" }, []FieldError{fe("id", "invalid")}, nil},
		{"kind unknown", assistant, func(in *LeadInput) { in.Kind = "gold" }, []FieldError{fe("kind", "invalid")}, nil},
		{"kind missing", assistant, func(in *LeadInput) { in.Kind = "" }, []FieldError{fe("kind", "invalid")}, nil},
		{"description missing", assistant, func(in *LeadInput) { in.Description = nil }, []FieldError{fe("description", "required")}, nil},
		{"description empty is allowed", assistant, func(in *LeadInput) { in.Description = ptr("  ") }, nil,
			func(t *testing.T, l Lead) { expect(t, l.Description, "") }},
		{"description at the limit", assistant, func(in *LeadInput) { in.Description = ptr(strings.Repeat("字", 2000)) }, nil, nil},
		{"description too long", assistant, func(in *LeadInput) { in.Description = ptr(strings.Repeat("字", 2001)) },
			[]FieldError{{Field: "description", Code: "too_long", Params: map[string]any{"max": 2000}}}, nil},
		{"debtor name too long", assistant, func(in *LeadInput) { in.DebtorName = strings.Repeat("名", 65) },
			[]FieldError{{Field: "debtor_name", Code: "too_long", Params: map[string]any{"max": 64}}}, nil},
		{"debtor unknown", assistant, func(in *LeadInput) { in.DebtorID = "d9" }, []FieldError{fe("debtor_id", "invalid")}, nil},
		{"debtor gives its name", assistant, func(in *LeadInput) { in.DebtorID, in.Debtor = "d1", debtor }, nil,
			func(t *testing.T, l Lead) { expect(t, l.DebtorID+" "+l.DebtorName, "d1 张三") }},
		{"reporter's debtor name wins", assistant, func(in *LeadInput) { in.DebtorID, in.Debtor, in.DebtorName = "d1", debtor, " 张老三 " }, nil,
			func(t *testing.T, l Lead) { expect(t, l.DebtorName, "张老三") }},
		{"case number canonical", assistant, func(in *LeadInput) { in.CaseNumber = "(2025)甘1025执88号" }, nil,
			func(t *testing.T, l Lead) { expect(t, l.CaseNumber, "（2025）甘1025执88号") }},
		{"case number garbage", assistant, func(in *LeadInput) { in.CaseNumber = "no" }, []FieldError{fe("case_number", "invalid")}, nil},
		{"case number old format", assistant, func(in *LeadInput) { in.CaseNumber = "(2015)正执字第00123号" }, []FieldError{fe("case_number", "old_format")}, nil},
		{"location good", assistant, func(in *LeadInput) {
			in.Location = &LocationInput{Lat: ptr(35.5), Lng: ptr(108.3), AccuracyM: ptr(12.5), CRS: "gcj02"}
		}, nil, func(t *testing.T, l Lead) {
			if !reflect.DeepEqual(l.Location, &Location{Lat: 35.5, Lng: 108.3, AccuracyM: 12.5, CRS: GCJ02}) {
				t.Errorf("location = %+v", l.Location)
			}
		}},
		{"location defaults to wgs84", assistant, func(in *LeadInput) { in.Location = &LocationInput{Lat: ptr(-90.0), Lng: ptr(180.0)} }, nil,
			func(t *testing.T, l Lead) { expect(t, string(l.Location.CRS), "wgs84") }},
		{"location without coordinates", assistant, func(in *LeadInput) { in.Location = &LocationInput{} },
			[]FieldError{fe("location.lat", "required"), fe("location.lng", "required")}, nil},
		{"location out of range", assistant, func(in *LeadInput) {
			in.Location = &LocationInput{Lat: ptr(90.5), Lng: ptr(-180.1), AccuracyM: ptr(-1.0), CRS: "bd09"}
		}, []FieldError{fe("location.lat", "out_of_range"), fe("location.lng", "out_of_range"), fe("location.accuracy_m", "out_of_range"),
			fe("location.crs", "invalid")}, nil},
		{"location NaN", assistant, func(in *LeadInput) {
			in.Location = &LocationInput{Lat: ptr(math.NaN()), Lng: ptr(math.NaN()), AccuracyM: ptr(math.NaN())}
		}, []FieldError{fe("location.lat", "out_of_range"), fe("location.lng", "out_of_range"), fe("location.accuracy_m", "out_of_range")}, nil},
		{"accuracy too large", assistant, func(in *LeadInput) {
			in.Location = &LocationInput{Lat: ptr(1.0), Lng: ptr(1.0), AccuracyM: ptr(1e6 + 1)}
		},
			[]FieldError{fe("location.accuracy_m", "out_of_range")}, nil},
		{"captured_at within the drift", assistant, func(in *LeadInput) {
			in.CapturedAt = now.Add(5 * time.Minute).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
		}, nil,
			func(t *testing.T, l Lead) { expect(t, l.CapturedAt.String(), now.Add(5*time.Minute).String()) }},
		{"captured_at in the future", assistant, func(in *LeadInput) { in.CapturedAt = now.Add(5*time.Minute + time.Second).Format(time.RFC3339) },
			[]FieldError{fe("captured_at", "in_future")}, nil},
		{"captured_at not a time", assistant, func(in *LeadInput) { in.CapturedAt = "yesterday" }, []FieldError{fe("captured_at", "invalid")}, nil},
		{"photos at the limit", assistant, func(in *LeadInput) { in.PhotosExpected = ptr(9) }, nil,
			func(t *testing.T, l Lead) { expect(t, l.PhotosExpected, 9) }},
		{"photos too many", assistant, func(in *LeadInput) { in.PhotosExpected = ptr(10) }, []FieldError{fe("photos_expected", "out_of_range")}, nil},
		{"photos negative", assistant, func(in *LeadInput) { in.PhotosExpected = ptr(-1) }, []FieldError{fe("photos_expected", "out_of_range")}, nil},
		{"details of the kind", assistant, func(in *LeadInput) { in.Details = map[string]any{"addr": "x"} },
			[]FieldError{fe("details.address", "required"), fe("details.addr", "unknown_field")}, nil},
		{"vehicle plate kept", assistant, func(in *LeadInput) {
			in.Kind, in.Details = string(KindVehicle), map[string]any{"plate": "甘m·12345"}
		}, nil, func(t *testing.T, l Lead) { expect(t, l.Plate, "甘M12345") }},
		{"farm machinery plate is no vehicle plate", assistant, func(in *LeadInput) {
			in.Kind, in.Details = string(KindFarmMachinery), map[string]any{"type": "tractor", "plate": "甘12345"}
		}, nil, func(t *testing.T, l Lead) { expect(t, l.Plate, "") }},
		{"village missing", assistant, func(in *LeadInput) { in.VillageID, in.Village = "", nil }, []FieldError{fe("village_id", "required")}, nil},
		{"village unknown", assistant, func(in *LeadInput) { in.VillageID, in.Village = "v9", nil }, []FieldError{fe("village_id", "invalid")}, nil},
		{"village of another grid, assistant", assistant, func(in *LeadInput) { in.VillageID, in.Village = "v2", otherVillage },
			[]FieldError{fe("village_id", "not_allowed")}, nil},
		{"village of another grid, officer", officer, func(in *LeadInput) { in.VillageID, in.Village = "v2", otherVillage }, nil,
			func(t *testing.T, l Lead) { expect(t, l.GridID, "g2") }},
		{"several bad fields, in order", assistant, func(in *LeadInput) {
			*in = LeadInput{ID: "x", Kind: "gold", DebtorName: strings.Repeat("名", 65), DebtorID: "d9", CaseNumber: "no",
				Location: &LocationInput{Lat: ptr(100.0)}, CapturedAt: "soon", PhotosExpected: ptr(99)}
		}, []FieldError{fe("id", "invalid"), fe("kind", "invalid"), fe("description", "required"),
			{Field: "debtor_name", Code: "too_long", Params: map[string]any{"max": 64}}, fe("debtor_id", "invalid"), fe("case_number", "invalid"),
			fe("location.lat", "out_of_range"), fe("location.lng", "required"), fe("captured_at", "invalid"), fe("photos_expected", "out_of_range"),
			fe("village_id", "required")}, nil},
		{"details reported after the fields", assistant, func(in *LeadInput) {
			in.Description, in.Details, in.VillageID, in.Village = nil, nil, "v9", nil
		}, []FieldError{fe("description", "required"), fe("details.address", "required"), fe("village_id", "invalid")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.change(&in)
			l, got := NewLead(tc.actor, in, LeadLimits{MaxPhotos: 9}, now)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("fields = %v\nwant     %v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, l)
			}
		})
	}
}

func expect[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
