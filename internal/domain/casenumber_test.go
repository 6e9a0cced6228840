package domain

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseCaseNumber(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in        string
		want      CaseNumber
		canonical string
		code      string // field error code; "" for valid
	}{
		// Valid, in the forms people type.
		{"（2022）甘1025执123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"(2022)甘1025执123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{" ( 2022 ) 甘1025 执 123 号 ", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"〔2022〕甘1025执123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"[2022]甘1025执123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"(2022）甘1025执123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"（２０２２）甘１０２５执１２３号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"(2022)甘1025执123", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"（2022）甘1025执\u3000123号", CaseNumber{2022, "甘1025", "执", 123}, "（2022）甘1025执123号", ""},
		{"（2023）甘1025执恢45号", CaseNumber{2023, "甘1025", "执恢", 45}, "（2023）甘1025执恢45号", ""},
		{"（2024）甘1025执保7号", CaseNumber{2024, "甘1025", "执保", 7}, "（2024）甘1025执保7号", ""},
		{"（2024）甘1025执异3号", CaseNumber{2024, "甘1025", "执异", 3}, "（2024）甘1025执异3号", ""},
		{"（2024）甘10执复12号", CaseNumber{2024, "甘10", "执复", 12}, "（2024）甘10执复12号", ""},
		{"（2024）甘执监1号", CaseNumber{2024, "甘", "执监", 1}, "（2024）甘执监1号", ""},
		{"（2024）甘1025执配2号", CaseNumber{2024, "甘1025", "执配", 2}, "（2024）甘1025执配2号", ""},
		{"（2021）甘1025民初1024号", CaseNumber{2021, "甘1025", "民初", 1024}, "（2021）甘1025民初1024号", ""},
		{"（2021）甘10民终88号", CaseNumber{2021, "甘10", "民终", 88}, "（2021）甘10民终88号", ""},
		{"（2020）甘1025刑初5号", CaseNumber{2020, "甘1025", "刑初", 5}, "（2020）甘1025刑初5号", ""},
		{"（2020）甘1025行初1号", CaseNumber{2020, "甘1025", "行初", 1}, "（2020）甘1025行初1号", ""},
		{"（2021）甘1025财保9号", CaseNumber{2021, "甘1025", "财保", 9}, "（2021）甘1025财保9号", ""},
		{"（2019）最高法民终123号", CaseNumber{2019, "最高法", "民终", 123}, "（2019）最高法民终123号", ""},
		{"（2018）京0491民初1号", CaseNumber{2018, "京0491", "民初", 1}, "（2018）京0491民初1号", ""},
		{"（2018）黔01民终4767号", CaseNumber{2018, "黔01", "民终", 4767}, "（2018）黔01民终4767号", ""},
		{"（2016）甘1025执1号", CaseNumber{2016, "甘1025", "执", 1}, "（2016）甘1025执1号", ""},
		{"（2027）甘1025执1号", CaseNumber{2027, "甘1025", "执", 1}, "（2027）甘1025执1号", ""}, // next year: filed on 31 Dec, entered on 1 Jan
		{"（2020）甘1025刑核12345678号", CaseNumber{2020, "甘1025", "刑核", 12345678}, "（2020）甘1025刑核12345678号", ""},

		// Invalid.
		{"(2015)正执字第00123号", CaseNumber{}, "", CaseNumberOldFormat},
		{"（2017）甘1025执字第123号", CaseNumber{}, "", CaseNumberOldFormat},
		{"（2022）甘1025执第123号", CaseNumber{}, "", CaseNumberOldFormat},
		{"（2022）甘1025执00123号", CaseNumber{}, "", CaseNumberLeadingZero},
		{"（2022）甘1025执0123号", CaseNumber{}, "", CaseNumberLeadingZero},
		{"（2022）甘1025执0号", CaseNumber{}, "", CaseNumberInvalid},
		{"（2015）甘1025执123号", CaseNumber{}, "", CaseNumberYearRange},
		{"（2028）甘1025执123号", CaseNumber{}, "", CaseNumberYearRange},
		{"（2022）甘1025执行123号", CaseNumber{}, "", CaseNumberUnknownType},
		{"（2022）甘1025民123号", CaseNumber{}, "", CaseNumberUnknownType},
		{"（2022）甘1025XY123号", CaseNumber{}, "", CaseNumberInvalid},
		{"（2022）甘102执123号", CaseNumber{}, "", CaseNumberInvalidCourt},
		{"（2022）甘102555执123号", CaseNumber{}, "", CaseNumberInvalidCourt},
		{"（2022）正执123号", CaseNumber{}, "", CaseNumberInvalidCourt},
		{"（2022）1025执123号", CaseNumber{}, "", CaseNumberInvalidCourt},
		{"（2022）甘1025执123号之一", CaseNumber{}, "", CaseNumberInvalid},
		{"（2022）甘1025执号", CaseNumber{}, "", CaseNumberInvalid},
		{"（2022）123号", CaseNumber{}, "", CaseNumberInvalid},
		{"2022甘1025执123号", CaseNumber{}, "", CaseNumberInvalid},
		{"（22）甘1025执123号", CaseNumber{}, "", CaseNumberInvalid},
		{"（二〇二二）甘1025执123号", CaseNumber{}, "", CaseNumberInvalid},
		{"（2022）甘1025执1234567890号", CaseNumber{}, "", CaseNumberInvalid},
		{"（2022）甘1025执-1号", CaseNumber{}, "", CaseNumberInvalid},
		{"", CaseNumber{}, "", CaseNumberInvalid},
		{"hello", CaseNumber{}, "", CaseNumberInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCaseNumber(tc.in, now)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("ParseCaseNumber(%q) error %v", tc.in, err)
				}
				if got != tc.want {
					t.Errorf("ParseCaseNumber(%q) = %+v, want %+v", tc.in, got, tc.want)
				}
				if c := got.Canonical(); c != tc.canonical {
					t.Errorf("Canonical() = %q, want %q", c, tc.canonical)
				}
				// The canonical form parses to itself.
				again, err := ParseCaseNumber(got.Canonical(), now)
				if err != nil || again != got {
					t.Errorf("re-parse of %q = %+v, %v", got.Canonical(), again, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseCaseNumber(%q) = %+v, want error %s", tc.in, got, tc.code)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EValidation {
				t.Fatalf("error %v is not an EValidation *Error", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "case_number" || e.Fields[0].Code != tc.code {
				t.Errorf("ParseCaseNumber(%q) fields = %+v, want case_number/%s", tc.in, e.Fields, tc.code)
			}
			if got != (CaseNumber{}) {
				t.Errorf("ParseCaseNumber(%q) returned %+v with an error", tc.in, got)
			}
		})
	}
}

func TestParseCaseNumberParams(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := ParseCaseNumber("（2030）甘1025执1号", now)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]any{"min": 2016, "max": 2027}
	if !reflect.DeepEqual(e.Fields[0].Params, want) {
		t.Errorf("params = %v, want %v", e.Fields[0].Params, want)
	}
	_, err = ParseCaseNumber("（2022）甘1025执行1号", now)
	if !errors.As(err, &e) || e.Fields[0].Params["type"] != "执行" {
		t.Errorf("unknown type error = %+v", err)
	}
}

func TestCaseNumberEnforcement(t *testing.T) {
	for typ, want := range map[string]bool{"执": true, "执恢": true, "执异": true, "民初": false, "财保": false} {
		if got := (CaseNumber{Type: typ}).Enforcement(); got != want {
			t.Errorf("Enforcement(%s) = %v, want %v", typ, got, want)
		}
	}
}
