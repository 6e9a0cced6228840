// Package contactbook reads and writes the assistants' contact book
// (协执员联络薄): the spreadsheet of names, phones, villages and roles that an
// admin imports in bulk and exports again, as CSV or XLSX.
//
// It only parses and writes; it knows no database. Parse turns a file into
// rows plus every per-row problem at once, so that an admin can fix the whole
// sheet in one go; package roster (the contact book use case) decides what to do with them.
//
// The files are the ones people really have: headers in Chinese or English
// in any order, a title row above the header, CSV saved by Excel on Chinese
// Windows (GBK/GB18030, or UTF-16 "Unicode text"), phones that Excel turned
// into numbers. The files this package writes open correctly in Excel and
// WPS and parse back to the same rows.
package contactbook

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Format is the file format of a contact book.
type Format string

// The formats Parse reads and the writers write.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Valid reports whether f is a known format.
func (f Format) Valid() bool { return f == CSV || f == XLSX }

// ContentType returns the media type of a file in format f, or "" for an
// unknown format.
func ContentType(f Format) string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return ""
}

// FileExtension returns the file name extension of format f with its dot
// (".csv", ".xlsx"), or "" for an unknown format.
func FileExtension(f Format) string {
	if f.Valid() {
		return "." + string(f)
	}
	return ""
}

// Row is one assistant (or other user) read from a contact book.
type Row struct {
	Line        int    // 1-based line (CSV) or row (XLSX) number in the file; the header is usually line 1
	Name        string // 姓名
	Phone       string // normalised with domain.NormalizePhone: 11 digits
	VillageCode string // 12-digit village code, "" when the file names the village only
	VillageName string // village name as written, "" when only the code was given
	Township    string // township (grid) name as written; disambiguates VillageName
	Role        string // a domain.Role; "assistant" when the file leaves it empty
}

// RowError is one problem with one cell of a contact book. Parse reports
// every problem of every row; a row with any problem is left out of the rows
// it returns.
type RowError struct {
	Line      int    // line or row number in the file, as in Row.Line
	Field     string // one of the Field constants
	Code      string // one of the Code constants; stable, for clients to switch on
	Value     string // the offending cell as read (cut to 64 characters); "" for CodeRequired
	FirstLine int    // for CodeDuplicatePhone: the line where the phone first appeared
}

// The fields a RowError names. FieldVillage stands for "a village code or
// name" when neither is given.
const (
	FieldName        = "name"
	FieldPhone       = "phone"
	FieldVillageCode = "village_code"
	FieldVillage     = "village"
	FieldTownship    = "township"
	FieldRole        = "role"
)

// The stable codes of RowError.
const (
	CodeRequired           = "required"             // the cell is empty
	CodeInvalidPhone       = "invalid_phone"        // not a mainland mobile number
	CodeInvalidRole        = "invalid_role"         // not one of the roles
	CodeDuplicatePhone     = "duplicate_phone"      // the phone appeared on an earlier line (FirstLine)
	CodeTooLong            = "too_long"             // longer than MaxTextLen characters
	CodeInvalidVillageCode = "invalid_village_code" // not 12 digits
)

// The FieldError codes of the error Parse returns for a file it cannot use:
// both come with domain.EValidation and Field "file".
const (
	CodeMissingColumn = "missing_column" // no header row has this column; Params["column"] names it
	CodeTooManyRows   = "too_many_rows"  // more data rows than allowed; Params["max"] is the limit
)

// MaxTextLen is the longest name, village name or township Parse accepts, in
// characters (the width of the database columns).
const MaxTextLen = 64

// headerSearchRows is how many non-empty rows Parse looks through for the
// header: Chinese sheets often carry a title row or two above it.
const headerSearchRows = 10

// field is a column Parse understands.
type field int

const (
	colName field = iota
	colPhone
	colVillageCode
	colVillage
	colTownship
	colRole
	numFields
)

// fieldNames are the names of the fields in RowError and missing-column
// errors.
var fieldNames = [numFields]string{FieldName, FieldPhone, FieldVillageCode, FieldVillage, FieldTownship, FieldRole}

// headerAliases maps a normalised header (see headerKey) to its field.
var headerAliases = map[string]field{
	"name": colName, "full_name": colName, "姓名": colName, "协执员姓名": colName, "协执员": colName,

	"phone": colPhone, "mobile": colPhone, "phone_number": colPhone, "mobile_phone": colPhone,
	"手机": colPhone, "手机号": colPhone, "手机号码": colPhone, "联系电话": colPhone, "电话": colPhone,
	"电话号码": colPhone, "联系方式": colPhone,

	"village_code": colVillageCode, "村代码": colVillageCode, "村编码": colVillageCode,
	"行政区划代码": colVillageCode, "区划代码": colVillageCode, "村区划代码": colVillageCode,

	"village": colVillage, "village_name": colVillage, "村": colVillage, "村名": colVillage,
	"行政村": colVillage, "村(社区)": colVillage, "村/社区": colVillage, "行政村(社区)": colVillage,
	"所在村": colVillage, "村社区": colVillage, "社区": colVillage,

	"township": colTownship, "township_name": colTownship, "town": colTownship, "乡镇": colTownship, "镇": colTownship,
	"乡": colTownship, "乡(镇)": colTownship, "所在乡镇": colTownship, "乡镇名称": colTownship,

	"role": colRole, "角色": colRole,
}

// roleAliases maps a normalised role cell to its role.
var roleAliases = map[string]domain.Role{
	"assistant": domain.RoleAssistant, "协执员": domain.RoleAssistant, "网格协执员": domain.RoleAssistant,
	"officer": domain.RoleOfficer, "执行干警": domain.RoleOfficer, "干警": domain.RoleOfficer,
	"grid_lead": domain.RoleGridLead, "网格长": domain.RoleGridLead,
	"admin": domain.RoleAdmin, "管理员": domain.RoleAdmin,
	"auditor": domain.RoleAuditor, "审计": domain.RoleAuditor, "审计员": domain.RoleAuditor,
}

// roleLabels are the Chinese names the writers use for the roles; each one
// is in roleAliases, so exports parse back.
var roleLabels = map[string]string{
	string(domain.RoleAssistant): "协执员",
	string(domain.RoleOfficer):   "执行干警",
	string(domain.RoleGridLead):  "网格长",
	string(domain.RoleAdmin):     "管理员",
	string(domain.RoleAuditor):   "审计",
}

// statusLabels are the Chinese names the writers use for user statuses.
var statusLabels = map[string]string{
	string(domain.UserActive):   "正常",
	string(domain.UserDisabled): "停用",
}

// isSpace reports whether r is blank for a cell: Unicode spaces (including
// the full-width U+3000 and NBSP) and the invisible BOM and zero-width space
// that copy and paste from web pages leave behind.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b'
}

// clean trims a cell.
func clean(s string) string { return strings.TrimFunc(s, isSpace) }

// headerReplacer makes full-width parentheses and slashes ASCII and
// hyphens underscores.
var headerReplacer = strings.NewReplacer("（", "(", "）", ")", "／", "/", "-", "_")

// headerKey normalises a header cell: trimmed, lower case, the asterisk of
// "*姓名" (required-column marker in templates) dropped, full-width
// parentheses and slashes made ASCII, runs of spaces and hyphens made one
// underscore ("Village code" -> "village_code").
func headerKey(s string) string {
	s = headerReplacer.Replace(strings.ToLower(strings.Trim(clean(s), "*＊")))
	return strings.Join(strings.FieldsFunc(s, isSpace), "_")
}

// headerField recognises a header cell: the whole cell, else its Chinese
// and its other parts on their own, so that bilingual headers such as
// "姓名 Name", "手机号/Phone" or "村代码（village code）" work while
// "township_code" is not mistaken for the township.
func headerField(cell string) (field, bool) {
	key := headerKey(cell)
	if f, ok := headerAliases[key]; ok {
		return f, true
	}
	for _, part := range scriptRuns(key) {
		if f, ok := headerAliases[strings.Trim(part, "_/()*:：")]; ok {
			return f, true
		}
	}
	return 0, false
}

// scriptRuns splits s where it changes between Han and other characters.
func scriptRuns(s string) []string {
	var parts []string
	start, prevHan := 0, false
	for i, r := range s {
		han := unicode.Is(unicode.Han, r)
		if i > 0 && han != prevHan {
			parts = append(parts, s[start:i])
			start = i
		}
		prevHan = han
	}
	return append(parts, s[start:])
}

// columns maps each field to its column index, -1 when absent.
type columns [numFields]int

// readHeader maps a header row; the first column of a field wins.
func readHeader(cells []string) columns {
	var c columns
	for i := range c {
		c[i] = -1
	}
	for i, cell := range cells {
		if f, ok := headerField(cell); ok && c[f] < 0 {
			c[f] = i
		}
	}
	return c
}

// missing lists the required columns the header lacks.
func (c columns) missing() []string {
	var m []string
	for _, f := range []field{colName, colPhone} {
		if c[f] < 0 {
			m = append(m, fieldNames[f])
		}
	}
	if c[colVillageCode] < 0 && c[colVillage] < 0 {
		m = append(m, FieldVillage)
	}
	return m
}

// found counts the recognised columns.
func (c columns) found() int {
	n := 0
	for _, i := range c {
		if i >= 0 {
			n++
		}
	}
	return n
}

// record is the cleaned cells of one data row, by field.
type record [numFields]string

// extract picks the fields out of a data row.
func (c columns) extract(cells []string, unquote bool) record {
	var r record
	for f, i := range c {
		if i >= 0 && i < len(cells) {
			v := clean(cells[i])
			if unquote {
				v = unescapeFormula(v)
			}
			r[f] = v
		}
	}
	return r
}

// empty reports whether a row has none of the fields: blank lines, and the
// pre-numbered blank rows of templates (only a 序号 column filled).
func (r record) empty() bool { return r == record{} }

// source yields the rows of a file with their 1-based line numbers; it
// returns io.EOF after the last.
type source interface {
	next() (line int, cells []string, err error)
}

// parser turns records into rows and row errors.
type parser struct {
	numeric bool           // cells may be spreadsheet numbers (XLSX)
	seen    map[string]int // phone -> first line
	rows    []Row
	errs    []RowError
}

// add checks one record; a valid one becomes a Row, an invalid one adds
// all its errors.
func (p *parser) add(line int, rec record) {
	nerr := len(p.errs)
	fail := func(f field, code, value string) {
		p.errs = append(p.errs, RowError{Line: line, Field: fieldNames[f], Code: code, Value: cut(value)})
	}
	row := Row{Line: line}

	row.Name = rec[colName]
	switch {
	case row.Name == "":
		fail(colName, CodeRequired, "")
	case utf8.RuneCountInString(row.Name) > MaxTextLen:
		fail(colName, CodeTooLong, row.Name)
	}

	phone := rec[colPhone]
	if p.numeric {
		phone = numberText(phone)
	}
	if phone == "" {
		fail(colPhone, CodeRequired, "")
	} else if norm, ok := domain.NormalizePhone(phone); !ok {
		fail(colPhone, CodeInvalidPhone, phone)
	} else if first, dup := p.seen[norm]; dup {
		p.errs = append(p.errs, RowError{Line: line, Field: FieldPhone, Code: CodeDuplicatePhone, Value: norm, FirstLine: first})
	} else {
		p.seen[norm] = line
		row.Phone = norm
	}

	code := rec[colVillageCode]
	if p.numeric {
		code = numberText(code)
	}
	if code != "" {
		if c, ok := villageCode(code); ok {
			row.VillageCode = c
		} else {
			fail(colVillageCode, CodeInvalidVillageCode, code)
		}
	}
	village := rec[colVillage]
	if p.numeric {
		village = numberText(village)
	}
	if c, ok := villageCode(village); ok { // a code in the village column
		switch {
		case row.VillageCode == "" && code == "":
			row.VillageCode = c
		case row.VillageCode != "" && row.VillageCode != c:
			fail(colVillage, CodeInvalidVillageCode, village)
		}
	} else if utf8.RuneCountInString(village) > MaxTextLen {
		fail(colVillage, CodeTooLong, village)
	} else {
		row.VillageName = village
	}
	if code == "" && village == "" {
		fail(colVillage, CodeRequired, "")
	}

	row.Township = rec[colTownship]
	if utf8.RuneCountInString(row.Township) > MaxTextLen {
		fail(colTownship, CodeTooLong, row.Township)
	}

	if rec[colRole] == "" {
		row.Role = string(domain.RoleAssistant)
	} else if r, ok := roleAliases[strings.ToLower(rec[colRole])]; ok {
		row.Role = string(r)
	} else {
		fail(colRole, CodeInvalidRole, rec[colRole])
	}

	if len(p.errs) == nerr {
		p.rows = append(p.rows, row)
	}
}

// villageCode returns s as a 12-digit code (full-width digits made ASCII).
func villageCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == 12
}

// numberText undoes what spreadsheets do to long digit strings stored as
// numbers: a cell holding 13800138000 may be written "1.3800138E10" or
// "13800138000.0". A whole number below 10^15 (exact in a float64) comes back
// as its digits; anything else is returned unchanged. Only for XLSX, whose
// stored numbers are exact: a CSV "1.38001E+10" has already lost digits and
// must be reported, not guessed at.
func numberText(s string) string {
	if !strings.ContainsAny(s, ".eE") || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == 'e' || r == 'E' || r == '+' || r == '-')
	}) {
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v >= 1e15 || v != float64(int64(v)) {
		return s
	}
	return strconv.FormatInt(int64(v), 10)
}

// cut shortens a value quoted in a RowError.
func cut(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

// formulaStart reports whether a spreadsheet would read a cell starting with
// c as a formula (CSV injection, OWASP).
func formulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// escapeFormula makes a CSV cell inert for spreadsheets by a leading
// apostrophe when it would start a formula; unescapeFormula undoes it.
func escapeFormula(s string) string {
	if s != "" && formulaStart(s[0]) {
		return "'" + s
	}
	return s
}

func unescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaStart(s[1]) {
		return clean(s[1:])
	}
	return s
}

// parse reads the header and the data rows from src.
func parse(src source, numeric, unquote bool, maxRows int) ([]Row, []RowError, error) {
	var (
		cols, best columns
		scanned    int
	)
	best = readHeader(nil)
	for {
		_, cells, err := src.next()
		if err != nil {
			if isEOF(err) {
				return nil, nil, headerError(best, scanned)
			}
			return nil, nil, err
		}
		if blank(cells) {
			continue
		}
		scanned++
		c := readHeader(cells)
		if len(c.missing()) == 0 {
			cols = c
			break
		}
		if c.found() > best.found() {
			best = c
		}
		if scanned >= headerSearchRows {
			return nil, nil, headerError(best, scanned)
		}
	}

	p := parser{numeric: numeric, seen: map[string]int{}}
	n := 0
	for {
		line, cells, err := src.next()
		if err != nil {
			if isEOF(err) {
				return p.rows, p.errs, nil
			}
			return nil, nil, err
		}
		rec := cols.extract(cells, unquote)
		if rec.empty() {
			continue
		}
		n++
		if maxRows > 0 && n > maxRows {
			e := domain.Errorf(domain.EValidation, "contact book has more than %d rows", maxRows)
			e.Fields = []domain.FieldError{{Field: "file", Code: CodeTooManyRows, Params: map[string]any{"max": maxRows}}}
			return nil, nil, e
		}
		p.add(line, rec)
	}
}

// headerError explains a file without a usable header, naming the columns
// missing from the row that came closest.
func headerError(best columns, scanned int) error {
	missing := best.missing()
	var e *domain.Error
	if scanned == 0 {
		e = domain.Errorf(domain.EValidation, "contact book is empty: no header row")
	} else {
		e = domain.Errorf(domain.EValidation,
			"contact book has no header row with the columns 姓名/name, 手机号/phone and 村/village or 村代码/village_code in its first %d rows (missing: %s)",
			headerSearchRows, strings.Join(missing, ", "))
	}
	for _, m := range missing {
		e.Fields = append(e.Fields, domain.FieldError{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": m}})
	}
	return e
}

// blank reports whether every cell is blank.
func blank(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

// Parse reads a contact book in the given format. The file has a header row
// (within its first ten non-empty rows, after any title rows) naming at least
// the name, phone and village (code or name) columns; other columns are
// ignored. It returns the valid rows in file order and every problem of every
// row; a row with problems is not among the rows. Blank rows are skipped.
// maxRows > 0 caps the data rows; the caller caps the file size.
//
// Errors (a file that cannot be used at all, never a row's problem):
// EInvalid for an unknown format or a file that is not CSV text or an XLSX
// workbook (an old .xls, a password-protected workbook, a picture);
// EValidation when there is no header row (Fields: CodeMissingColumn) or
// there are more than maxRows data rows (Fields: CodeTooManyRows).
func Parse(r io.Reader, format Format, maxRows int) ([]Row, []RowError, error) {
	switch format {
	case CSV:
		return parseCSV(r, maxRows)
	case XLSX:
		return parseXLSX(r, maxRows)
	}
	return nil, nil, domain.Errorf(domain.EInvalid, "unknown contact book format %q: want csv or xlsx", format)
}

// Entry is one user as the writers export it.
type Entry struct {
	Name        string
	Phone       string // 11 digits, unmasked: exports are for admins
	Township    string
	VillageCode string
	VillageName string
	Role        string // a domain.Role; written in Chinese (协执员)
	Status      string // a domain.UserStatus; written in Chinese (正常, 停用)
}

// exportHeader is the header row of exports. Parse reads it back; 状态
// (status) is for people and ignored on import.
var exportHeader = []string{"姓名", "手机号", "乡镇", "村代码", "村", "角色", "状态"}

// cells returns the exported cells of e in exportHeader order.
func (e Entry) cells() [7]string {
	role, status := e.Role, e.Status
	if l, ok := roleLabels[role]; ok {
		role = l
	}
	if l, ok := statusLabels[status]; ok {
		status = l
	}
	return [7]string{e.Name, e.Phone, e.Township, e.VillageCode, e.VillageName, role, status}
}

// isEOF reports the end of a source.
func isEOF(err error) bool { return errors.Is(err, io.EOF) }
