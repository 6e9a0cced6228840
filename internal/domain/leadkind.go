package domain

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LeadKind says what a lead is about: which kind of property, or the
// debtor's whereabouts or conduct (docs/architecture.md, "Lead kinds"). The kind decides
// the lead's extra fields (see ValidateLeadDetails) and whether it is urgent.
type LeadKind string

// The lead kinds.
const (
	KindRealEstate        LeadKind = "real_estate"        // 不动产
	KindVehicle           LeadKind = "vehicle"            // 机动车
	KindFarmMachinery     LeadKind = "farm_machinery"     // 农机
	KindLivestock         LeadKind = "livestock"          // 牲畜养殖
	KindCropProceeds      LeadKind = "crop_proceeds"      // 农产品收益
	KindBusiness          LeadKind = "business"           // 店铺经营/收款码
	KindDeposit           LeadKind = "deposit"            // 存款账户
	KindWages             LeadKind = "wages"              // 工资收入
	KindReceivable        LeadKind = "receivable"         // 到期债权
	KindEquity            LeadKind = "equity"             // 股权投资
	KindMovables          LeadKind = "movables"           // 其他动产
	KindWhereabouts       LeadKind = "whereabouts"        // 被执行人下落
	KindEvasion           LeadKind = "evasion"            // 规避执行/转移财产
	KindConsumptionBreach LeadKind = "consumption_breach" // 违反限制消费
	KindOther             LeadKind = "other"              // 其他
)

// leadKindInfo describes one kind; leadKinds keeps them in the order of docs/architecture.md, "Lead kinds".
type leadKindInfo struct {
	kind   LeadKind
	zh, en string
	urgent bool // property that moves or a debtor who leaves: 3-day clock
}

var leadKinds = []leadKindInfo{
	{KindRealEstate, "不动产", "Real estate", false},
	{KindVehicle, "机动车", "Motor vehicle", true},
	{KindFarmMachinery, "农机", "Farm machinery", false},
	{KindLivestock, "牲畜养殖", "Livestock", true},
	{KindCropProceeds, "农产品收益", "Crop proceeds", false},
	{KindBusiness, "店铺经营/收款码", "Shop or payment QR code", false},
	{KindDeposit, "存款账户", "Bank deposit", false},
	{KindWages, "工资收入", "Wages", false},
	{KindReceivable, "到期债权", "Receivable owed to the debtor", false},
	{KindEquity, "股权投资", "Equity", false},
	{KindMovables, "其他动产", "Other movable property", false},
	{KindWhereabouts, "被执行人下落", "Debtor's whereabouts", true},
	{KindEvasion, "规避执行/转移财产", "Evasion or transfer of assets", false},
	{KindConsumptionBreach, "违反限制消费", "Breach of consumption restrictions", false},
	{KindOther, "其他", "Other", false},
}

func (k LeadKind) info() (leadKindInfo, bool) {
	for _, i := range leadKinds {
		if i.kind == k {
			return i, true
		}
	}
	return leadKindInfo{}, false
}

// AllLeadKinds returns every lead kind in the order of docs/architecture.md, "Lead kinds". The slice
// is the caller's to keep.
func AllLeadKinds() []LeadKind {
	out := make([]LeadKind, len(leadKinds))
	for i, info := range leadKinds {
		out[i] = info.kind
	}
	return out
}

// Valid reports whether k is one of the known kinds.
func (k LeadKind) Valid() bool {
	_, ok := k.info()
	return ok
}

// Urgent reports whether leads of kind k are urgent: a vehicle or livestock
// can be gone tomorrow, and so can the debtor. Urgent leads sort first and
// get 3 days for verification instead of 7.
func (k LeadKind) Urgent() bool {
	i, _ := k.info()
	return i.urgent
}

// Label returns the kind's name in Chinese and in English; both are empty
// for an unknown kind.
func (k LeadKind) Label() (zh, en string) {
	i, _ := k.info()
	return i.zh, i.en
}

// detailType is the type of one kind-specific field.
type detailType int

const (
	detailString      detailType = iota // trimmed text, max runes
	detailBool                          // true or false
	detailInt                           // integer in [min, max]
	detailDate                          // YYYY-MM-DD
	detailMonthOrDate                   // YYYY-MM or YYYY-MM-DD
	detailTimeOrDate                    // RFC 3339 timestamp (stored in UTC) or YYYY-MM-DD
	detailStringList                    // up to max strings of up to itemMax runes
	detailPlate                         // motor vehicle plate, see NormalizePlate
)

// detailField is the rule for one kind-specific field.
type detailField struct {
	key      string
	typ      detailType
	required bool
	max      int   // strings: max runes (default detailMaxLen); lists: max items
	itemMax  int   // lists: max runes of an item
	minInt   int64 // integers
	maxInt   int64
}

// detailMaxLen is the default maximum length of a text field, in characters.
const detailMaxLen = 200

// detailMaxSafeInt is the largest integer a JSON number (an IEEE double)
// holds exactly.
const detailMaxSafeInt = 1<<53 - 1

func detailText(key string, required bool) detailField {
	return detailField{key: key, typ: detailString, required: required, max: detailMaxLen}
}

func detailTyped(key string, t detailType) detailField { return detailField{key: key, typ: t} }

// leadDetailFields are the extra fields of each kind (docs/architecture.md,
// "Lead kinds"; openapi.yaml lists them per kind).
var leadDetailFields = map[LeadKind][]detailField{
	KindRealEstate: {detailText("address", true), detailText("occupant", false), detailTyped("rented", detailBool)},
	KindVehicle: {
		{key: "plate", typ: detailPlate, required: true},
		detailText("colour", false),
		detailText("seen_at", false),
	},
	KindFarmMachinery: {detailText("type", true), {key: "plate", typ: detailString, max: 20}},
	KindLivestock: {
		detailText("species", true),
		{key: "head_count", typ: detailInt, required: true, minInt: 1, maxInt: 100000},
		{key: "ear_tags", typ: detailStringList, max: 50, itemMax: 50},
	},
	KindCropProceeds: {detailText("crop", true), detailText("buyer", false), detailTyped("expected_sale_date", detailDate)},
	KindBusiness:     {detailText("shop_name", true), detailText("licence", false), detailTyped("payment_qr", detailBool)},
	KindDeposit:      {detailText("bank", true), detailText("branch", false)},
	KindWages:        {detailText("employer", true), detailTyped("since", detailMonthOrDate)},
	KindReceivable: {
		detailText("debtor_of_debtor", true),
		{key: "amount_fen", typ: detailInt, minInt: 0, maxInt: detailMaxSafeInt},
		detailText("basis", false),
	},
	KindEquity:            {detailText("company", true)},
	KindMovables:          {detailText("what", true), detailText("quantity", false)},
	KindWhereabouts:       {detailText("where", true), detailTyped("when", detailTimeOrDate)},
	KindEvasion:           {detailText("counterparty", true), detailTyped("date", detailDate)},
	KindConsumptionBreach: {detailText("what", true), detailText("where", false), detailTyped("when", detailTimeOrDate)},
	KindOther:             {detailText("note", false)},
}

// ValidateLeadDetails checks the kind-specific fields of a lead, as decoded
// from JSON (strings, bools, float64 or json.Number, []any; Go integers and
// []string are accepted too), and returns them normalised: strings trimmed,
// empty optional fields dropped, integers as int64, plates normalised,
// timestamps in UTC, lists as []string.
//
// Every problem is reported, each on Field "details.<key>" (list items
// "details.<key>[i]"), with Code: "required", "invalid_type", "too_long"
// (Params max), "too_many" (Params max), "not_integer", "out_of_range"
// (Params min, max), "invalid_date" (Params format), "invalid_plate", and
// "unknown_field" for a key kind k does not have, so that a misspelt key is
// not silently dropped. An unknown kind is one error on Field "kind", Code
// "invalid". When there is any problem the map is nil.
func ValidateLeadDetails(k LeadKind, details map[string]any) (map[string]any, []FieldError) {
	fields, ok := leadDetailFields[k]
	if !ok {
		return nil, []FieldError{{Field: "kind", Code: "invalid"}}
	}
	out := make(map[string]any, len(details))
	var errs []FieldError
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.key] = true
		v, present := details[f.key]
		if !present || v == nil {
			if f.required {
				errs = append(errs, FieldError{Field: "details." + f.key, Code: "required"})
			}
			continue
		}
		nv, ferrs := f.normalise(v)
		errs = append(errs, ferrs...)
		if len(ferrs) == 0 && nv != nil {
			out[f.key] = nv
		}
	}
	var unknown []string
	for key := range details {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	for _, key := range unknown {
		errs = append(errs, FieldError{Field: "details." + key, Code: "unknown_field"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// normalise checks one present, non-null value with the normaliser of its
// type. A nil result with no errors means the value is empty and
// optional: it is left out.
func (f detailField) normalise(v any) (any, []FieldError) {
	if n, ok := detailNormalisers[f.typ]; ok {
		return n(f, v)
	}
	return f.fail("invalid_type", nil)
}

// detailNormalisers check and normalise a value of each detail type.
var detailNormalisers = map[detailType]func(detailField, any) (any, []FieldError){
	detailString:      detailField.text,
	detailPlate:       detailField.text,
	detailBool:        detailField.boolean,
	detailInt:         detailField.integer,
	detailDate:        detailField.date,
	detailMonthOrDate: detailField.date,
	detailTimeOrDate:  detailField.date,
	detailStringList:  detailField.list,
}

// fail is the one error of the field's value.
func (f detailField) fail(code string, params map[string]any) (any, []FieldError) {
	return nil, []FieldError{{Field: "details." + f.key, Code: code, Params: params}}
}

// text trims a string (max runes), or normalises a plate.
func (f detailField) text(v any) (any, []FieldError) {
	s, ok := v.(string)
	if !ok {
		return f.fail("invalid_type", nil)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if f.required {
			return f.fail("required", nil)
		}
		return nil, nil
	}
	if f.typ == detailPlate {
		p, ok := NormalizePlate(s)
		if !ok {
			return f.fail("invalid_plate", nil)
		}
		return p, nil
	}
	if utf8.RuneCountInString(s) > f.max {
		return f.fail("too_long", map[string]any{"max": f.max})
	}
	return s, nil
}

func (f detailField) boolean(v any) (any, []FieldError) {
	b, ok := v.(bool)
	if !ok {
		return f.fail("invalid_type", nil)
	}
	return b, nil
}

// integer is an int64 within the field's range.
func (f detailField) integer(v any) (any, []FieldError) {
	n, code := detailInteger(v, f.minInt, f.maxInt)
	switch code {
	case "":
		return n, nil
	case "out_of_range":
		return f.fail(code, map[string]any{"min": f.minInt, "max": f.maxInt})
	}
	return f.fail(code, nil)
}

// dateFormats are the layouts each date type accepts, in the order tried,
// and how its error names them.
var dateFormats = map[detailType]struct {
	layouts []string
	format  string
}{
	detailDate:        {[]string{time.DateOnly}, "YYYY-MM-DD"},
	detailMonthOrDate: {[]string{time.DateOnly, "2006-01"}, "YYYY-MM or YYYY-MM-DD"},
	detailTimeOrDate:  {[]string{time.DateOnly, time.RFC3339}, "RFC 3339 timestamp or YYYY-MM-DD"},
}

// date keeps a date or month as written, and a timestamp in UTC.
func (f detailField) date(v any) (any, []FieldError) {
	s, ok := v.(string)
	if !ok {
		return f.fail("invalid_type", nil)
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	formats := dateFormats[f.typ]
	for _, layout := range formats.layouts {
		t, err := time.Parse(layout, s)
		switch {
		case err != nil:
		case layout == time.RFC3339:
			return t.UTC().Format(time.RFC3339Nano), nil
		default:
			return s, nil
		}
	}
	return f.fail("invalid_date", map[string]any{"format": formats.format})
}

// list is up to max trimmed strings of up to itemMax runes; blank entries
// are dropped, and an empty list is left out.
func (f detailField) list(v any) (any, []FieldError) {
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	case []string:
		for _, s := range l {
			items = append(items, s)
		}
	default:
		return f.fail("invalid_type", nil)
	}
	if len(items) > f.max {
		return f.fail("too_many", map[string]any{"max": f.max})
	}
	list := make([]string, 0, len(items))
	var errs []FieldError
	for i, item := range items {
		itemField := "details." + f.key + "[" + strconv.Itoa(i) + "]"
		s, ok := item.(string)
		if !ok {
			errs = append(errs, FieldError{Field: itemField, Code: "invalid_type"})
			continue
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue // a blank entry carries nothing
		}
		if utf8.RuneCountInString(s) > f.itemMax {
			errs = append(errs, FieldError{Field: itemField, Code: "too_long", Params: map[string]any{"max": f.itemMax}})
			continue
		}
		list = append(list, s)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// detailInteger converts a JSON or Go number to an int64 within [lo, hi].
// The code is "" on success, else "invalid_type" (not a number),
// "not_integer" (a fraction) or "out_of_range".
func detailInteger(v any, lo, hi int64) (int64, string) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return detailIntRange(i, lo, hi)
		}
		x, err := n.Float64()
		if err != nil {
			return 0, "invalid_type"
		}
		f = x
	case int:
		return detailIntRange(int64(n), lo, hi)
	case int8:
		return detailIntRange(int64(n), lo, hi)
	case int16:
		return detailIntRange(int64(n), lo, hi)
	case int32:
		return detailIntRange(int64(n), lo, hi)
	case int64:
		return detailIntRange(n, lo, hi)
	case uint:
		return udetailIntRange(uint64(n), lo, hi)
	case uint8:
		return detailIntRange(int64(n), lo, hi)
	case uint16:
		return detailIntRange(int64(n), lo, hi)
	case uint32:
		return detailIntRange(int64(n), lo, hi)
	case uint64:
		return udetailIntRange(n, lo, hi)
	default:
		return 0, "invalid_type"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return 0, "not_integer"
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, "out_of_range"
	}
	return detailIntRange(int64(f), lo, hi)
}

func detailIntRange(n, lo, hi int64) (int64, string) {
	if n < lo || n > hi {
		return 0, "out_of_range"
	}
	return n, ""
}

func udetailIntRange(n uint64, lo, hi int64) (int64, string) {
	if n > math.MaxInt64 {
		return 0, "out_of_range"
	}
	return detailIntRange(int64(n), lo, hi)
}
