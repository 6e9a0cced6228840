package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CaseNumber is a court case number (案号) in the form used since 1 January
// 2016 (最高人民法院《关于人民法院案件案号的若干规定》, 法〔2015〕137号):
//
//	（2022）甘1025执123号
//	 year  court  type seq
//
// Court is the court code (法院代字): "最高法" for the Supreme People's Court,
// a province abbreviation alone for a high court (甘), plus two digits for an
// intermediate or specialised intermediate court (甘10 Qingyang intermediate
// court, 甘71 railway transport court, 津72 maritime court, 京73 IP court),
// plus four digits for a basic court (甘1025 Zhengning county court, 京0491
// Beijing internet court). Type is the case type code (类型代字) such as 执 or
// 民初; Seq is the sequence number within court, type and year.
type CaseNumber struct {
	Year  int
	Court string
	Type  string
	Seq   int
}

// CaseNumberField is the field name case number errors are reported under.
const CaseNumberField = "case_number"

// Field error codes of ParseCaseNumber.
const (
	CaseNumberInvalid      = "invalid"           // not a case number at all
	CaseNumberOldFormat    = "old_format"        // pre-2016 form with (字)第, e.g. (2015)正执字第00123号
	CaseNumberLeadingZero  = "leading_zero"      // sequence written with leading zeros
	CaseNumberYearRange    = "year_out_of_range" // before 2016 or after next year
	CaseNumberUnknownType  = "unknown_type"      // type code not in the list below
	CaseNumberInvalidCourt = "invalid_court"     // court code of the wrong shape
)

// caseNumberFirstYear is the first year of the 2016 numbering rules.
const caseNumberFirstYear = 2016

// caseNumberMaxSeqDigits bounds the sequence: criminal death-penalty review
// cases use 8 random digits, the longest sequence the rules produce.
const caseNumberMaxSeqDigits = 9

// Canonical returns the one stored form: full-width brackets, no spaces,
// for example （2022）甘1025执123号.
func (c CaseNumber) Canonical() string {
	return fmt.Sprintf("（%d）%s%s%d号", c.Year, c.Court, c.Type, c.Seq)
}

// String returns the canonical form.
func (c CaseNumber) String() string { return c.Canonical() }

// Enforcement reports whether the case is an enforcement case (its type code
// starts with 执): the cases Xiezhi's leads are about.
func (c CaseNumber) Enforcement() bool { return strings.HasPrefix(c.Type, "执") }

// caseTypes lists the case type codes accepted, from the Supreme People's
// Court's 《人民法院案件类型及其代字标准》 (2016, with later additions).
// Enforcement types first; the others are accepted because a lead may name
// the judgment or preservation case an enforcement case comes from.
var caseTypes = map[string]string{
	// Enforcement (执行).
	"执":  "first enforcement (首次执行)",
	"执恢": "resumed enforcement (恢复执行)",
	"执保": "enforcement of property preservation (财产保全执行)",
	"执异": "enforcement objection (执行异议)",
	"执复": "enforcement review (执行复议)",
	"执监": "enforcement supervision (执行监督)",
	"执协": "enforcement coordination (执行协调)",
	"执他": "other enforcement (其他执行)",
	"执请": "enforcement request for instructions (执行请示)",
	"执配": "distribution of enforcement proceeds (参与分配)",
	// Civil (民事).
	"民初": "civil first instance", "民终": "civil second instance", "民申": "civil retrial application",
	"民再": "civil retrial", "民监": "civil supervision", "民抗": "civil protest", "民撤": "third-party revocation",
	"民特": "civil special procedure", "民特监": "civil special procedure supervision", "民催": "public summons",
	"民督": "payment order", "民督监": "payment order supervision", "民他": "other civil",
	"民辖": "civil jurisdiction", "民辖终": "civil jurisdiction appeal", "民辖监": "civil jurisdiction supervision",
	// Criminal (刑事).
	"刑初": "criminal first instance", "刑终": "criminal second instance", "刑申": "criminal retrial application",
	"刑再": "criminal retrial", "刑监": "criminal supervision", "刑抗": "criminal protest", "刑核": "criminal review",
	"刑更": "sentence commutation and parole", "刑更监": "commutation supervision", "刑更备": "commutation filing",
	"刑没": "confiscation of illegal gains", "刑他": "other criminal", "刑辖": "criminal jurisdiction",
	// Administrative (行政).
	"行初": "administrative first instance", "行终": "administrative second instance",
	"行申": "administrative retrial application", "行再": "administrative retrial", "行监": "administrative supervision",
	"行抗": "administrative protest", "行审": "non-litigation administrative enforcement review",
	"行审复": "non-litigation administrative enforcement review appeal", "行他": "other administrative",
	"行辖": "administrative jurisdiction", "行辖终": "administrative jurisdiction appeal",
	"行赔初": "administrative compensation first instance", "行赔终": "administrative compensation second instance",
	// Preservation and sanctions (保全, 司法制裁).
	"财保": "pre-litigation property preservation", "行保": "conduct preservation",
	"行保复": "conduct preservation review", "证保": "evidence preservation",
	"司惩": "judicial sanction", "司惩复": "judicial sanction review",
	// Bankruptcy and compulsory liquidation (破产, 强制清算).
	"破申": "bankruptcy application", "破": "bankruptcy", "破终": "bankruptcy appeal", "破监": "bankruptcy supervision",
	"强清申": "compulsory liquidation application", "强清": "compulsory liquidation", "强清终": "compulsory liquidation appeal",
	// State compensation and judicial aid (国家赔偿, 司法救助).
	"法赔": "state compensation by a court", "委赔": "state compensation committee", "司救执": "judicial aid in enforcement",
	"司救民": "judicial aid in civil cases", "司救刑": "judicial aid in criminal cases",
	// Intellectual property tribunal of the Supreme People's Court (知识产权).
	"知民初": "IP civil first instance", "知民终": "IP civil second instance",
	"知行初": "IP administrative first instance", "知行终": "IP administrative second instance",
}

// courtPrefixes are the first character of a court code: the abbreviations
// of the 31 provincial-level divisions as the courts use them (贵州 is 黔,
// 云南 云, 内蒙古 内), 军 for the military courts and 兵 for the courts of the
// Xinjiang Production and Construction Corps.
const courtPrefixes = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋内陕吉闽黔粤青藏川宁琼军兵"

// supremeCourt is the court code of the Supreme People's Court.
const supremeCourt = "最高法"

// ParseCaseNumber parses a case number as people type it: half- or
// full-width brackets (（）, (), 〔〕, []), full-width digits, stray spaces,
// and a missing final 号 are all accepted. now bounds the year: it must lie
// between 2016 and now's year + 1.
//
// Errors: EValidation with one field error on "case_number" whose code is
// one of the CaseNumber… codes: CaseNumberOldFormat for the pre-2016 form
// with 字第 (or a stray 第), CaseNumberLeadingZero for a sequence like 00123,
// CaseNumberYearRange, CaseNumberUnknownType, CaseNumberInvalidCourt and
// CaseNumberInvalid for anything else.
func ParseCaseNumber(s string, now time.Time) (CaseNumber, error) {
	in := normalizeCaseNumber(s)
	// Before 2016: (2015)正执字第00123号. No part of a 2016 number has 第.
	if strings.Contains(in, "第") {
		return CaseNumber{}, caseNumberError(s, CaseNumberOldFormat, nil)
	}

	// (year)
	if !strings.HasPrefix(in, "(") {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
	}
	end := strings.IndexByte(in, ')')
	if end != 5 || !onlyDigits(in[1:5]) {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
	}
	year, _ := strconv.Atoi(in[1:5])
	rest := in[6:]

	// seq号 at the end.
	rest = strings.TrimSuffix(rest, "号")
	i := len(rest)
	for i > 0 && rest[i-1] >= '0' && rest[i-1] <= '9' {
		i--
	}
	digits := rest[i:]
	rest = rest[:i]
	if digits == "" || rest == "" {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
	}

	// court code, then type code.
	court, typ, ok := splitCourt(rest)
	if !ok {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalidCourt, nil)
	}
	if typ == "" {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
	}
	for _, r := range typ {
		if !unicode.Is(unicode.Han, r) {
			return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
		}
	}

	// The old form kept leading zeros; the 2016 rules number cases with
	// plain natural numbers, so 00123 is someone copying an old number.
	if digits[0] == '0' {
		if strings.Trim(digits, "0") == "" {
			return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
		}
		return CaseNumber{}, caseNumberError(s, CaseNumberLeadingZero, nil)
	}
	if len(digits) > caseNumberMaxSeqDigits {
		return CaseNumber{}, caseNumberError(s, CaseNumberInvalid, nil)
	}
	seq, _ := strconv.Atoi(digits)

	if maxYear := now.Year() + 1; year < caseNumberFirstYear || year > maxYear {
		return CaseNumber{}, caseNumberError(s, CaseNumberYearRange,
			map[string]any{"min": caseNumberFirstYear, "max": maxYear})
	}
	if _, known := caseTypes[typ]; !known {
		return CaseNumber{}, caseNumberError(s, CaseNumberUnknownType, map[string]any{"type": typ})
	}
	return CaseNumber{Year: year, Court: court, Type: typ, Seq: seq}, nil
}

// normalizeCaseNumber drops white space and maps full-width digits and every
// accepted bracket to ASCII ( ) and digits.
func normalizeCaseNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '（' || r == '〔' || r == '[' || r == '［':
			b.WriteByte('(')
		case r == '）' || r == '〕' || r == ']' || r == '］':
			b.WriteByte(')')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// splitCourt splits "甘1025执" into the court code and what follows. The
// court code is 最高法, or a known prefix followed by no, two or four digits.
func splitCourt(s string) (court, rest string, ok bool) {
	if strings.HasPrefix(s, supremeCourt) {
		return supremeCourt, s[len(supremeCourt):], true
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !strings.ContainsRune(courtPrefixes, r) {
		return "", "", false
	}
	n := size
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	switch n - size {
	case 0, 2, 4:
		return s[:n], s[n:], true
	}
	return "", "", false
}

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func caseNumberError(input, code string, params map[string]any) *Error {
	return &Error{
		Code:    EValidation,
		Message: fmt.Sprintf("case number %q: %s", input, code),
		Fields:  []FieldError{{Field: CaseNumberField, Code: code, Params: params}},
	}
}
