package domain

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestLeadKinds(t *testing.T) {
	want := []LeadKind{
		"real_estate", "vehicle", "farm_machinery", "livestock", "crop_proceeds",
		"business", "deposit", "wages", "receivable", "equity", "movables",
		"whereabouts", "evasion", "consumption_breach", "other",
	}
	all := AllLeadKinds()
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("AllLeadKinds() = %v, want %v", all, want)
	}
	all[0] = "changed"
	if AllLeadKinds()[0] != KindRealEstate {
		t.Error("AllLeadKinds shares its slice with the caller")
	}

	urgent := map[LeadKind]bool{KindVehicle: true, KindLivestock: true, KindWhereabouts: true}
	seenZh := map[string]bool{}
	for _, k := range want {
		if !k.Valid() {
			t.Errorf("%s: not Valid", k)
		}
		if k.Urgent() != urgent[k] {
			t.Errorf("%s: Urgent() = %v", k, k.Urgent())
		}
		zh, en := k.Label()
		if zh == "" || en == "" || seenZh[zh] {
			t.Errorf("%s: Label() = %q, %q", k, zh, en)
		}
		seenZh[zh] = true
		if _, ok := leadDetailFields[k]; !ok {
			t.Errorf("%s: no detail fields defined", k)
		}
	}
	if zh, en := KindVehicle.Label(); zh != "机动车" || en != "Motor vehicle" {
		t.Errorf("vehicle Label() = %q, %q", zh, en)
	}
	for _, k := range []LeadKind{"", "Vehicle", "car", "other "} {
		if k.Valid() || k.Urgent() {
			t.Errorf("%q: Valid or Urgent", k)
		}
		if zh, en := k.Label(); zh != "" || en != "" {
			t.Errorf("%q: Label() = %q, %q", k, zh, en)
		}
	}
	if len(leadDetailFields) != len(want) {
		t.Errorf("detail fields for %d kinds, want %d", len(leadDetailFields), len(want))
	}
}

// detailErr builds a FieldError for the tables below.
func detailErr(field, code string, params map[string]any) FieldError {
	return FieldError{Field: field, Code: code, Params: params}
}

func TestValidateLeadDetails(t *testing.T) {
	long := strings.Repeat("长", 201)
	atMax := strings.Repeat("长", 200)
	tags := make([]any, 51)
	for i := range tags {
		tags[i] = "T"
	}
	tests := []struct {
		name string
		kind LeadKind
		in   map[string]any
		want map[string]any
		errs []FieldError
	}{
		// real_estate
		{"real_estate full", KindRealEstate,
			map[string]any{"address": " 榆林子镇东街12号 ", "occupant": "租户王某", "rented": true},
			map[string]any{"address": "榆林子镇东街12号", "occupant": "租户王某", "rented": true}, nil},
		{"real_estate 200 characters", KindRealEstate, map[string]any{"address": atMax},
			map[string]any{"address": atMax}, nil},
		{"real_estate missing address", KindRealEstate, map[string]any{"occupant": "x"}, nil,
			[]FieldError{detailErr("details.address", "required", nil)}},
		{"real_estate blank address", KindRealEstate, map[string]any{"address": "   "}, nil,
			[]FieldError{detailErr("details.address", "required", nil)}},
		{"real_estate null address", KindRealEstate, map[string]any{"address": nil}, nil,
			[]FieldError{detailErr("details.address", "required", nil)}},
		{"real_estate too long, bad type", KindRealEstate, map[string]any{"address": long, "rented": "yes"}, nil,
			[]FieldError{detailErr("details.address", "too_long", map[string]any{"max": 200}), detailErr("details.rented", "invalid_type", nil)}},
		{"real_estate empty optional dropped", KindRealEstate, map[string]any{"address": "a", "occupant": " ", "rented": nil},
			map[string]any{"address": "a"}, nil},

		// vehicle
		{"vehicle", KindVehicle, map[string]any{"plate": "甘M·12345", "colour": "白色", "seen_at": "山河镇集市"},
			map[string]any{"plate": "甘M12345", "colour": "白色", "seen_at": "山河镇集市"}, nil},
		{"vehicle new energy", KindVehicle, map[string]any{"plate": "甘md12345"},
			map[string]any{"plate": "甘MD12345"}, nil},
		{"vehicle no plate", KindVehicle, map[string]any{"colour": "白色"}, nil,
			[]FieldError{detailErr("details.plate", "required", nil)}},
		{"vehicle bad plate", KindVehicle, map[string]any{"plate": "甘M1234"}, nil,
			[]FieldError{detailErr("details.plate", "invalid_plate", nil)}},
		{"vehicle plate number", KindVehicle, map[string]any{"plate": 12345.0}, nil,
			[]FieldError{detailErr("details.plate", "invalid_type", nil)}},
		{"vehicle typo", KindVehicle, map[string]any{"plate": "甘M12345", "color": "白色"}, nil,
			[]FieldError{detailErr("details.color", "unknown_field", nil)}},

		// farm_machinery
		{"farm_machinery", KindFarmMachinery, map[string]any{"type": "拖拉机", "plate": "甘10-12345 (农机)"},
			map[string]any{"type": "拖拉机", "plate": "甘10-12345 (农机)"}, nil},
		{"farm_machinery long plate", KindFarmMachinery, map[string]any{"type": "收割机", "plate": strings.Repeat("1", 21)}, nil,
			[]FieldError{detailErr("details.plate", "too_long", map[string]any{"max": 20})}},
		{"farm_machinery no type", KindFarmMachinery, map[string]any{}, nil,
			[]FieldError{detailErr("details.type", "required", nil)}},

		// livestock
		{"livestock", KindLivestock, map[string]any{"species": "牛", "head_count": 12.0, "ear_tags": []any{"A001", " ", "A002 "}},
			map[string]any{"species": "牛", "head_count": int64(12), "ear_tags": []string{"A001", "A002"}}, nil},
		{"livestock json.Number", KindLivestock, map[string]any{"species": "羊", "head_count": json.Number("100000")},
			map[string]any{"species": "羊", "head_count": int64(100000)}, nil},
		{"livestock exponent", KindLivestock, map[string]any{"species": "羊", "head_count": json.Number("1.5e2")},
			map[string]any{"species": "羊", "head_count": int64(150)}, nil},
		{"livestock Go int, []string", KindLivestock, map[string]any{"species": "猪", "head_count": 3, "ear_tags": []string{"P1"}},
			map[string]any{"species": "猪", "head_count": int64(3), "ear_tags": []string{"P1"}}, nil},
		{"livestock fraction", KindLivestock, map[string]any{"species": "牛", "head_count": 2.5}, nil,
			[]FieldError{detailErr("details.head_count", "not_integer", nil)}},
		{"livestock json fraction", KindLivestock, map[string]any{"species": "牛", "head_count": json.Number("2.5")}, nil,
			[]FieldError{detailErr("details.head_count", "not_integer", nil)}},
		{"livestock zero", KindLivestock, map[string]any{"species": "牛", "head_count": 0.0}, nil,
			[]FieldError{detailErr("details.head_count", "out_of_range", map[string]any{"min": int64(1), "max": int64(100000)})}},
		{"livestock too many head", KindLivestock, map[string]any{"species": "牛", "head_count": 100001}, nil,
			[]FieldError{detailErr("details.head_count", "out_of_range", map[string]any{"min": int64(1), "max": int64(100000)})}},
		{"livestock huge", KindLivestock, map[string]any{"species": "牛", "head_count": 1e300}, nil,
			[]FieldError{detailErr("details.head_count", "out_of_range", map[string]any{"min": int64(1), "max": int64(100000)})}},
		{"livestock count as string", KindLivestock, map[string]any{"species": "牛", "head_count": "12"}, nil,
			[]FieldError{detailErr("details.head_count", "invalid_type", nil)}},
		{"livestock nothing", KindLivestock, nil, nil,
			[]FieldError{detailErr("details.species", "required", nil), detailErr("details.head_count", "required", nil)}},
		{"livestock bad tags", KindLivestock, map[string]any{"species": "牛", "head_count": 1.0, "ear_tags": []any{"A", 7.0, strings.Repeat("x", 51)}}, nil,
			[]FieldError{detailErr("details.ear_tags[1]", "invalid_type", nil), detailErr("details.ear_tags[2]", "too_long", map[string]any{"max": 50})}},
		{"livestock too many tags", KindLivestock, map[string]any{"species": "牛", "head_count": 1.0, "ear_tags": tags}, nil,
			[]FieldError{detailErr("details.ear_tags", "too_many", map[string]any{"max": 50})}},
		{"livestock tags not a list", KindLivestock, map[string]any{"species": "牛", "head_count": 1.0, "ear_tags": "A001"}, nil,
			[]FieldError{detailErr("details.ear_tags", "invalid_type", nil)}},

		// crop_proceeds
		{"crop_proceeds", KindCropProceeds, map[string]any{"crop": "烤烟", "buyer": "正宁县烟草站", "expected_sale_date": "2026-09-30"},
			map[string]any{"crop": "烤烟", "buyer": "正宁县烟草站", "expected_sale_date": "2026-09-30"}, nil},
		{"crop_proceeds bad date", KindCropProceeds, map[string]any{"crop": "苹果", "expected_sale_date": "2026-02-30"}, nil,
			[]FieldError{detailErr("details.expected_sale_date", "invalid_date", map[string]any{"format": "YYYY-MM-DD"})}},
		{"crop_proceeds month only", KindCropProceeds, map[string]any{"crop": "苹果", "expected_sale_date": "2026-09"}, nil,
			[]FieldError{detailErr("details.expected_sale_date", "invalid_date", map[string]any{"format": "YYYY-MM-DD"})}},

		// business
		{"business", KindBusiness, map[string]any{"shop_name": "永和超市", "licence": "92621025MA7XXXXXX", "payment_qr": true},
			map[string]any{"shop_name": "永和超市", "licence": "92621025MA7XXXXXX", "payment_qr": true}, nil},
		{"business qr as string", KindBusiness, map[string]any{"shop_name": "永和超市", "payment_qr": "true"}, nil,
			[]FieldError{detailErr("details.payment_qr", "invalid_type", nil)}},

		// deposit
		{"deposit", KindDeposit, map[string]any{"bank": "甘肃省农村信用社", "branch": "山河信用社"},
			map[string]any{"bank": "甘肃省农村信用社", "branch": "山河信用社"}, nil},
		{"deposit no bank", KindDeposit, map[string]any{"branch": "山河信用社"}, nil,
			[]FieldError{detailErr("details.bank", "required", nil)}},

		// wages
		{"wages month", KindWages, map[string]any{"employer": "庆阳某建筑公司", "since": "2025-03"},
			map[string]any{"employer": "庆阳某建筑公司", "since": "2025-03"}, nil},
		{"wages day", KindWages, map[string]any{"employer": "庆阳某建筑公司", "since": "2025-03-01"},
			map[string]any{"employer": "庆阳某建筑公司", "since": "2025-03-01"}, nil},
		{"wages bad since", KindWages, map[string]any{"employer": "x", "since": "2025-13"}, nil,
			[]FieldError{detailErr("details.since", "invalid_date", map[string]any{"format": "YYYY-MM or YYYY-MM-DD"})}},
		{"wages no employer", KindWages, map[string]any{"since": "2025-03"}, nil,
			[]FieldError{detailErr("details.employer", "required", nil)}},

		// receivable
		{"receivable", KindReceivable, map[string]any{"debtor_of_debtor": "李某", "amount_fen": 5000000.0, "basis": "借条"},
			map[string]any{"debtor_of_debtor": "李某", "amount_fen": int64(5000000), "basis": "借条"}, nil},
		{"receivable zero", KindReceivable, map[string]any{"debtor_of_debtor": "李某", "amount_fen": 0.0},
			map[string]any{"debtor_of_debtor": "李某", "amount_fen": int64(0)}, nil},
		{"receivable negative", KindReceivable, map[string]any{"debtor_of_debtor": "李某", "amount_fen": -1.0}, nil,
			[]FieldError{detailErr("details.amount_fen", "out_of_range", map[string]any{"min": int64(0), "max": int64(1<<53 - 1)})}},
		{"receivable yuan with fen", KindReceivable, map[string]any{"debtor_of_debtor": "李某", "amount_fen": 12.5}, nil,
			[]FieldError{detailErr("details.amount_fen", "not_integer", nil)}},
		{"receivable uint64 overflow", KindReceivable, map[string]any{"debtor_of_debtor": "李某", "amount_fen": uint64(1 << 63)}, nil,
			[]FieldError{detailErr("details.amount_fen", "out_of_range", map[string]any{"min": int64(0), "max": int64(1<<53 - 1)})}},

		// equity, movables
		{"equity", KindEquity, map[string]any{"company": "正宁县某养殖专业合作社"},
			map[string]any{"company": "正宁县某养殖专业合作社"}, nil},
		{"equity number", KindEquity, map[string]any{"company": 1.0}, nil,
			[]FieldError{detailErr("details.company", "invalid_type", nil)}},
		{"movables", KindMovables, map[string]any{"what": "钢材", "quantity": "约3吨"},
			map[string]any{"what": "钢材", "quantity": "约3吨"}, nil},
		{"movables quantity number", KindMovables, map[string]any{"what": "钢材", "quantity": 3.0}, nil,
			[]FieldError{detailErr("details.quantity", "invalid_type", nil)}},

		// whereabouts
		{"whereabouts timestamp", KindWhereabouts, map[string]any{"where": "西坡村老宅", "when": "2026-02-10T19:30:00+08:00"},
			map[string]any{"where": "西坡村老宅", "when": "2026-02-10T11:30:00Z"}, nil},
		{"whereabouts date", KindWhereabouts, map[string]any{"where": "西坡村老宅", "when": "2026-02-10"},
			map[string]any{"where": "西坡村老宅", "when": "2026-02-10"}, nil},
		{"whereabouts bad when", KindWhereabouts, map[string]any{"where": "x", "when": "昨天晚上"}, nil,
			[]FieldError{detailErr("details.when", "invalid_date", map[string]any{"format": "RFC 3339 timestamp or YYYY-MM-DD"})}},
		{"whereabouts no timezone", KindWhereabouts, map[string]any{"where": "x", "when": "2026-02-10T19:30:00"}, nil,
			[]FieldError{detailErr("details.when", "invalid_date", map[string]any{"format": "RFC 3339 timestamp or YYYY-MM-DD"})}},

		// evasion, consumption_breach
		{"evasion", KindEvasion, map[string]any{"counterparty": "其弟张某", "date": "2025-12-01"},
			map[string]any{"counterparty": "其弟张某", "date": "2025-12-01"}, nil},
		{"evasion bad date", KindEvasion, map[string]any{"counterparty": "张某", "date": "2025/12/01"}, nil,
			[]FieldError{detailErr("details.date", "invalid_date", map[string]any{"format": "YYYY-MM-DD"})}},
		{"consumption_breach", KindConsumptionBreach, map[string]any{"what": "乘坐飞机", "where": "庆阳机场", "when": "2026-01-05"},
			map[string]any{"what": "乘坐飞机", "where": "庆阳机场", "when": "2026-01-05"}, nil},
		{"consumption_breach nothing", KindConsumptionBreach, map[string]any{}, nil,
			[]FieldError{detailErr("details.what", "required", nil)}},

		// other
		{"other empty", KindOther, nil, map[string]any{}, nil},
		{"other note", KindOther, map[string]any{"note": "见描述"}, map[string]any{"note": "见描述"}, nil},
		{"other unknown keys sorted", KindOther, map[string]any{"zeta": 1.0, "alpha": "x", "note": "ok"}, nil,
			[]FieldError{detailErr("details.alpha", "unknown_field", nil), detailErr("details.zeta", "unknown_field", nil)}},

		// every problem at once
		{"all problems", KindLivestock, map[string]any{"head_count": 1.5, "ear_tags": 3.0, "breed": "西门塔尔"}, nil,
			[]FieldError{
				detailErr("details.species", "required", nil),
				detailErr("details.head_count", "not_integer", nil),
				detailErr("details.ear_tags", "invalid_type", nil),
				detailErr("details.breed", "unknown_field", nil),
			}},

		// unknown kind
		{"unknown kind", LeadKind("car"), map[string]any{"plate": "甘M12345"}, nil,
			[]FieldError{detailErr("kind", "invalid", nil)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := ValidateLeadDetails(tc.kind, tc.in)
			if !reflect.DeepEqual(errs, tc.errs) {
				t.Errorf("errors = %+v\nwant     %+v", errs, tc.errs)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("details = %#v\nwant      %#v", got, tc.want)
			}
		})
	}
}

// TestValidateLeadDetailsFromJSON runs a request body through encoding/json,
// as the HTTP layer will, and checks the result survives a round trip.
func TestValidateLeadDetailsFromJSON(t *testing.T) {
	var body struct {
		Details map[string]any `json:"details"`
	}
	raw := `{"details": {"species": "牛 ", "head_count": 4, "ear_tags": ["621025-0001", "621025-0002"]}}`
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatal(err)
	}
	got, errs := ValidateLeadDetails(KindLivestock, body.Details)
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ear_tags":["621025-0001","621025-0002"],"head_count":4,"species":"牛"}`
	if string(out) != want {
		t.Errorf("round trip = %s, want %s", out, want)
	}
}
