package contactbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// row builds an expected Row.
func row(line int, name, phone, code, village, township, role string) Row {
	return Row{Line: line, Name: name, Phone: phone, VillageCode: code, VillageName: village, Township: township, Role: role}
}

// lines joins CSV lines with CRLF, as Excel writes them.
func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\r\n") + "\r\n") }

// gbk encodes s the way Excel on Chinese Windows saves CSV.
func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode GBK: %v", err)
	}
	if bytes.Equal(b, []byte(s)) {
		t.Fatal("GBK sample is plain ASCII: the test would prove nothing")
	}
	return b
}

// utf16le encodes s as UTF-16LE with a BOM, Excel's "Unicode text".
func utf16le(t *testing.T, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode UTF-16: %v", err)
	}
	return b
}

// workbook builds an XLSX in memory; build fills it.
func workbook(t *testing.T, build func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	const sheet = "名单"
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		t.Fatal(err)
	}
	build(f, sheet)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sampleXLSX has a first sheet with numbers where people put them: a phone
// typed as a number, one stored in scientific notation and shown as
// 1.38E+10, a village code as a number; a text phone with +86; a gap row; and
// a second sheet that must be ignored.
func sampleXLSX(t *testing.T) []byte {
	return workbook(t, func(f *excelize.File, sheet string) {
		must(t, f.SetCellValue(sheet, "A1", "正宁县网格协执员联络薄")) // a title row above the header
		must(t, f.SetSheetRow(sheet, "A2", &[]any{"序号", "姓名", "手机号", "村代码", "村", "乡镇", "角色"}))
		must(t, f.SetSheetRow(sheet, "A3", &[]any{1, "张三", 13800138000, 621025101200, "小寺头村", "榆林子镇", "协执员"}))
		must(t, f.SetSheetRow(sheet, "A4", &[]any{2, "李四", nil, nil, "冢巷村", "榆林子镇", "网格长"}))
		must(t, f.SetCellDefault(sheet, "C4", "1.39001390E10")) // a number as some exporters store it
		sci, err := f.NewStyle(&excelize.Style{NumFmt: 11})     // 0.00E+00: shown as 1.39E+10
		must(t, err)
		must(t, f.SetCellStyle(sheet, "C4", "C4", sci))
		must(t, f.SetSheetRow(sheet, "A6", &[]any{3, "王五", "+86 137-0013-7000", "6.21025101201E11", "", "", ""}))
		must(t, f.SetSheetRow(sheet, "A7", &[]any{4, "赵六", 12345, "", "", "", "boss"}))
		_, err = f.NewSheet("说明")
		must(t, err)
		must(t, f.SetSheetRow("说明", "A1", &[]any{"姓名", "手机号", "村"}))
		must(t, f.SetSheetRow("说明", "A2", &[]any{"示例", "13900000000", "示例村"}))
	})
}

func TestParse(t *testing.T) {
	long := strings.Repeat("长", MaxTextLen+1)
	tests := []struct {
		name    string
		format  Format
		in      []byte
		maxRows int
		want    []Row
		errs    []RowError
	}{
		{
			name:   "english headers",
			format: CSV,
			in: lines("name,phone,village_code,village,township,role",
				"张三,13800138000,621025101200,小寺头村,榆林子镇,assistant",
				"李四,13900139000,,冢巷村,榆林子镇,officer"),
			want: []Row{
				row(2, "张三", "13800138000", "621025101200", "小寺头村", "榆林子镇", "assistant"),
				row(3, "李四", "13900139000", "", "冢巷村", "榆林子镇", "officer"),
			},
		},
		{
			name:   "chinese headers and role names",
			format: CSV,
			in: lines("姓名,手机号码,行政区划代码,村（社区）,乡镇,角色",
				"张三,13800138000,621025101200,小寺头村,榆林子镇,网格协执员",
				"李四,13900139000,,中街社区,榆林子镇,干警",
				"王五,13700137000,,中街社区,榆林子镇,网格长",
				"赵六,13600136000,,中街社区,榆林子镇,管理员",
				"孙七,13500135000,,中街社区,榆林子镇,审计"),
			want: []Row{
				row(2, "张三", "13800138000", "621025101200", "小寺头村", "榆林子镇", "assistant"),
				row(3, "李四", "13900139000", "", "中街社区", "榆林子镇", "officer"),
				row(4, "王五", "13700137000", "", "中街社区", "榆林子镇", "grid_lead"),
				row(5, "赵六", "13600136000", "", "中街社区", "榆林子镇", "admin"),
				row(6, "孙七", "13500135000", "", "中街社区", "榆林子镇", "auditor"),
			},
		},
		{
			name:   "reordered and unknown columns, no role column",
			format: CSV,
			in: lines("备注,村,手机,乡,序号,Name",
				"新聘,小寺头村,13800138000,榆林子镇,1,张三"),
			want: []Row{row(2, "张三", "13800138000", "", "小寺头村", "榆林子镇", "assistant")},
		},
		{
			name:   "bilingual and starred template headers",
			format: CSV,
			in: lines("*姓名 Name,*手机号/Phone,村代码 Village code,Village-Name",
				"张三,13800138000,621025101200,小寺头村"),
			want: []Row{row(2, "张三", "13800138000", "621025101200", "小寺头村", "", "assistant")},
		},
		{
			name:   "codes next to names in the reference-data style",
			format: CSV,
			in: lines("township_code,township_name,village_code,village_name,name,phone,status",
				"621025101,榆林子镇,621025101200,小寺头村,张三,13800138000,active"),
			want: []Row{row(2, "张三", "13800138000", "621025101200", "小寺头村", "榆林子镇", "assistant")},
		},
		{
			name:   "headers with notes in parentheses",
			format: CSV,
			in: lines("姓名（必填）,手机号码(必填),所在村（社区）,Role (角色)",
				"张三,13800138000,小寺头村,网格长"),
			want: []Row{row(2, "张三", "13800138000", "", "小寺头村", "", "grid_lead")},
		},
		{
			name:   "UTF-8 BOM before a quoted header",
			format: CSV,
			in:     append([]byte("\ufeff"), lines(`"姓名","手机号","村"`, "张三,13800138000,小寺头村")...),
			want:   []Row{row(2, "张三", "13800138000", "", "小寺头村", "", "assistant")},
		},
		{
			name:   "GBK from Excel on Chinese Windows",
			format: CSV,
			in:     gbk(t, string(lines("姓名,手机号,村,乡镇,角色", "张三,13800138000,小寺头村,榆林子镇,执行干警"))),
			want:   []Row{row(2, "张三", "13800138000", "", "小寺头村", "榆林子镇", "officer")},
		},
		{
			name:   "GBK after an ASCII header",
			format: CSV,
			in:     append([]byte("name,phone,village\r\n"), gbk(t, "张三,13800138000,冢巷村\r\n")...),
			want:   []Row{row(2, "张三", "13800138000", "", "冢巷村", "", "assistant")},
		},
		{
			name:   "UTF-16 tab-separated (Excel Unicode text)",
			format: CSV,
			in:     utf16le(t, "姓名\t手机号\t村\r\n张三\t13800138000\t小寺头村\r\n"),
			want:   []Row{row(2, "张三", "13800138000", "", "小寺头村", "", "assistant")},
		},
		{
			name:   "phones as people write them, cells with full-width spaces",
			format: CSV,
			in: lines("姓名,手机号,村",
				"\u3000张三\u3000,+86 138-0013-8000,\u3000小寺头村",
				"李四,００８６ １３９００１３９０００,冢巷村",
				"王五,\t13700137000,冢巷村"),
			want: []Row{
				row(2, "张三", "13800138000", "", "小寺头村", "", "assistant"),
				row(3, "李四", "13900139000", "", "冢巷村", "", "assistant"),
				row(4, "王五", "13700137000", "", "冢巷村", "", "assistant"),
			},
		},
		{
			name:   "title rows, blank lines, template rows and a quoted newline",
			format: CSV,
			in: lines("正宁县网格协执员联络薄,,,",
				"",
				"序号,姓名,手机号,村",
				"1,\"张\n三\",13800138000,小寺头村",
				",,,",
				"",
				"2,,,",
				"3,李四,13900139000,冢巷村"),
			want: []Row{
				row(4, "张\n三", "13800138000", "", "小寺头村", "", "assistant"),
				row(9, "李四", "13900139000", "", "冢巷村", "", "assistant"),
			},
		},
		{
			name:   "village code in the village column",
			format: CSV,
			in: lines("姓名,手机号,村,村代码",
				"张三,13800138000,621025101200,",
				"李四,13900139000,621025101201,621025101201",
				"王五,13700137000,６２１０２５１０１２０２,"),
			want: []Row{
				row(2, "张三", "13800138000", "621025101200", "", "", "assistant"),
				row(3, "李四", "13900139000", "621025101201", "", "", "assistant"),
				row(4, "王五", "13700137000", "621025101202", "", "", "assistant"),
			},
		},
		{
			name:   "formula escape undone",
			format: CSV,
			in:     lines("姓名,手机号,村", "'=张三,13800138000,'-小寺头村", "'李四,13900139000,冢巷村"),
			want: []Row{
				row(2, "=张三", "13800138000", "", "-小寺头村", "", "assistant"),
				row(3, "'李四", "13900139000", "", "冢巷村", "", "assistant"),
			},
		},
		{
			name:   "every row error code, all collected",
			format: CSV,
			in: lines("姓名,手机号,村代码,村,乡镇,角色",
				",13800138000,,小寺头村,榆林子镇,",                   // 2 required name
				"张三,,,小寺头村,榆林子镇,",                            // 3 required phone
				"李四,12345678901,,小寺头村,榆林子镇,",                 // 4 invalid_phone
				"王五,+1 415 555 0100,,小寺头村,榆林子镇,",             // 5 invalid_phone (not mainland)
				"赵六,13900139000,,小寺头村,榆林子镇,boss",             // 6 invalid_role
				"孙七,138-0013-8000,,冢巷村,榆林子镇,",                // 7 duplicate_phone of line 2
				long+",13700137000,,小寺头村,榆林子镇,",              // 8 too_long name
				"周八,13600136000,62102510120,,,",              // 9 invalid_village_code
				"吴九,13500135000,,,榆林子镇,",                     // 10 required village
				"郑十,13400134000,,小寺头村,"+long+",",             // 11 too_long township
				"冯一,1.38001E+10,,小寺头村,,",                     // 12 Excel mangled it: invalid, not guessed
				",,,,,管理员",                                   // 13 several at once
				"陈二,13300133000,621025101200,621025101201,,", // 14 two codes disagree
				"褚三,13200132000,,小寺头村,榆林子镇,协执员"),             // 15 fine
			want: []Row{
				row(15, "褚三", "13200132000", "", "小寺头村", "榆林子镇", "assistant"),
			},
			errs: []RowError{
				{Line: 2, Field: "name", Code: "required"},
				{Line: 3, Field: "phone", Code: "required"},
				{Line: 4, Field: "phone", Code: "invalid_phone", Value: "12345678901"},
				{Line: 5, Field: "phone", Code: "invalid_phone", Value: "+1 415 555 0100"},
				{Line: 6, Field: "role", Code: "invalid_role", Value: "boss"},
				{Line: 7, Field: "phone", Code: "duplicate_phone", Value: "13800138000", FirstLine: 2},
				{Line: 8, Field: "name", Code: "too_long", Value: strings.Repeat("长", 64) + "…"},
				{Line: 9, Field: "village_code", Code: "invalid_village_code", Value: "62102510120"},
				{Line: 10, Field: "village", Code: "required"},
				{Line: 11, Field: "township", Code: "too_long", Value: strings.Repeat("长", 64) + "…"},
				{Line: 12, Field: "phone", Code: "invalid_phone", Value: "1.38001E+10"},
				{Line: 13, Field: "name", Code: "required"},
				{Line: 13, Field: "phone", Code: "required"},
				{Line: 13, Field: "village", Code: "required"},
				{Line: 14, Field: "village", Code: "invalid_village_code", Value: "621025101201"},
			},
		},
		{
			name:   "duplicates in several forms",
			format: CSV,
			in: lines("姓名,手机号,村",
				"张三,13800138000,小寺头村",
				"李四,+8613800138000,冢巷村",
				"王五,13900139000,冢巷村",
				"赵六,0086 138 0013 8000,冢巷村",
				"孙七,139-0013-9000,冢巷村"),
			want: []Row{
				row(2, "张三", "13800138000", "", "小寺头村", "", "assistant"),
				row(4, "王五", "13900139000", "", "冢巷村", "", "assistant"),
			},
			errs: []RowError{
				{Line: 3, Field: "phone", Code: "duplicate_phone", Value: "13800138000", FirstLine: 2},
				{Line: 5, Field: "phone", Code: "duplicate_phone", Value: "13800138000", FirstLine: 2},
				{Line: 6, Field: "phone", Code: "duplicate_phone", Value: "13900139000", FirstLine: 4},
			},
		},
		{
			name:    "exactly maxRows",
			format:  CSV,
			in:      lines("姓名,手机号,村", "张三,13800138000,小寺头村", "", "李四,13900139000,冢巷村"),
			maxRows: 2,
			want: []Row{
				row(2, "张三", "13800138000", "", "小寺头村", "", "assistant"),
				row(4, "李四", "13900139000", "", "冢巷村", "", "assistant"),
			},
		},
		{
			name:   "XLSX with numbers, a title row, a gap and a second sheet",
			format: XLSX,
			in:     sampleXLSX(t),
			want: []Row{
				row(3, "张三", "13800138000", "621025101200", "小寺头村", "榆林子镇", "assistant"),
				row(4, "李四", "13900139000", "", "冢巷村", "榆林子镇", "grid_lead"),
				row(6, "王五", "13700137000", "621025101201", "", "", "assistant"),
			},
			errs: []RowError{
				{Line: 7, Field: "phone", Code: "invalid_phone", Value: "12345"},
				{Line: 7, Field: "village", Code: "required"},
				{Line: 7, Field: "role", Code: "invalid_role", Value: "boss"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs, err := Parse(bytes.NewReader(tt.in), tt.format, tt.maxRows)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, rows, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("row errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRowErrorCodesCovered(t *testing.T) {
	// Every published code is produced by TestParse's "every row error
	// code" case; this keeps the list and the test in step.
	in := lines("姓名,手机号,村代码,村,乡镇,角色",
		",1,x,,"+strings.Repeat("长", MaxTextLen+1)+",boss",
		"张三,13800138000,,小寺头村,,",
		"李四,13800138000,,小寺头村,,")
	_, errs, err := Parse(bytes.NewReader(in), CSV, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Code] = true
	}
	for _, code := range []string{CodeRequired, CodeInvalidPhone, CodeInvalidRole, CodeDuplicatePhone, CodeTooLong, CodeInvalidVillageCode} {
		if !got[code] {
			t.Errorf("no row error with code %q in %+v", code, errs)
		}
	}
}

// manyRowsCSV is a CSV contact book of n valid rows.
func manyRowsCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("姓名,手机号,村\n")
	for i := range n {
		fmt.Fprintf(&b, "张三,1380013%04d,小寺头村\n", i)
	}
	return b.Bytes()
}

// errBoom is the caller's reader failing, as http.MaxBytesReader does.
var errBoom = errors.New("boom: body too large")

// failingReader returns data, then errBoom.
type failingReader struct{ data []byte }

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errBoom
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseFileErrors(t *testing.T) {
	xlsx := sampleXLSX(t)
	headerOnly := workbook(t, func(f *excelize.File, sheet string) {
		must(t, f.SetSheetRow(sheet, "A1", &[]any{"张三", 13800138000, "小寺头村"}))
	})
	tests := []struct {
		name    string
		format  Format
		in      io.Reader
		maxRows int
		code    domain.Code
		fields  []domain.FieldError
		is      error
	}{
		{name: "unknown format", format: "xls", in: strings.NewReader("a,b"), code: domain.EInvalid},
		{name: "empty CSV", format: CSV, in: strings.NewReader(""), code: domain.EValidation, fields: []domain.FieldError{
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "name"}},
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "phone"}},
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "village"}},
		}},
		{name: "CSV without a header", format: CSV, in: bytes.NewReader(lines("张三,13800138000,小寺头村", "李四,13900139000,冢巷村")), code: domain.EValidation, fields: []domain.FieldError{
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "name"}},
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "phone"}},
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "village"}},
		}},
		{name: "header without a phone column", format: CSV, in: bytes.NewReader(lines("姓名,村,乡镇", "张三,小寺头村,榆林子镇")), code: domain.EValidation, fields: []domain.FieldError{
			{Field: "file", Code: CodeMissingColumn, Params: map[string]any{"column": "phone"}},
		}},
		{name: "header below the first ten rows", format: CSV, in: bytes.NewReader(append(bytes.Repeat([]byte("说明\n"), 10), lines("姓名,手机号,村", "张三,13800138000,小寺头村")...)), code: domain.EValidation},
		{name: "too many CSV rows", format: CSV, in: bytes.NewReader(manyRowsCSV(3)), maxRows: 2, code: domain.EValidation, fields: []domain.FieldError{
			{Field: "file", Code: CodeTooManyRows, Params: map[string]any{"max": 2}},
		}},
		{name: "too many XLSX rows", format: XLSX, in: bytes.NewReader(xlsx), maxRows: 3, code: domain.EValidation, fields: []domain.FieldError{
			{Field: "file", Code: CodeTooManyRows, Params: map[string]any{"max": 3}},
		}},
		{name: "a picture as CSV", format: CSV, in: strings.NewReader("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), code: domain.EInvalid},
		{name: "XLSX uploaded as CSV", format: CSV, in: bytes.NewReader(xlsx), code: domain.EInvalid},
		{name: "old .xls as CSV", format: CSV, in: strings.NewReader("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), code: domain.EInvalid},
		{name: "old .xls as XLSX", format: XLSX, in: strings.NewReader("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), code: domain.EInvalid},
		{name: "CSV uploaded as XLSX", format: XLSX, in: bytes.NewReader(lines("姓名,手机号,村", "张三,13800138000,小寺头村")), code: domain.EInvalid},
		{name: "empty XLSX", format: XLSX, in: strings.NewReader(""), code: domain.EInvalid},
		{name: "broken zip", format: XLSX, in: strings.NewReader("PK\x03\x04 not really a zip"), code: domain.EInvalid},
		{name: "XLSX without a header", format: XLSX, in: bytes.NewReader(headerOnly), code: domain.EValidation},
		{name: "CSV reader fails", format: CSV, in: &failingReader{data: lines("姓名,手机号,村", "张三,13800138000,小寺头村")}, is: errBoom},
		{name: "XLSX reader fails", format: XLSX, in: &failingReader{data: xlsx[:100]}, is: errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs, err := Parse(tt.in, tt.format, tt.maxRows)
			if err == nil {
				t.Fatalf("Parse = %d rows, %d errors, nil error; want an error", len(rows), len(errs))
			}
			if rows != nil || errs != nil {
				t.Errorf("Parse returned rows %v and errors %v with its error", rows, errs)
			}
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Errorf("error %v, want %v", err, tt.is)
				}
				if c := domain.ErrorCode(err); c != domain.EInternal {
					t.Errorf("the caller's read error got code %s; it must pass through untouched", c)
				}
				return
			}
			if got := domain.ErrorCode(err); got != tt.code {
				t.Errorf("code %s, want %s (%v)", got, tt.code, err)
			}
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *domain.Error", err)
			}
			if de.Message == "" {
				t.Error("error has no message")
			}
			if tt.fields != nil {
				if diff := cmp.Diff(tt.fields, de.Fields); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestParseGBKAfterLongASCIIPrefix(t *testing.T) {
	// The encoding is decided at the first non-ASCII byte, which here comes
	// long after the read buffer has been refilled several times.
	var b bytes.Buffer
	b.WriteString("name,phone,village\n")
	const n = 5000
	for i := range n {
		fmt.Fprintf(&b, "Zhang San,1380013%04d,Xiaositou\n", i)
	}
	b.Write(gbk(t, "李四,13900139000,冢巷村\n"))
	if b.Len() < 2*bufferSize {
		t.Fatalf("sample of %d bytes is too short to cross the buffer", b.Len())
	}
	rows, errs, err := Parse(&b, CSV, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 0 {
		t.Fatalf("row errors: %+v", errs)
	}
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want %d", len(rows), n+1)
	}
	want := row(n+2, "李四", "13900139000", "", "冢巷村", "", "assistant")
	if diff := cmp.Diff(want, rows[n]); diff != "" {
		t.Errorf("last row (-want +got):\n%s", diff)
	}
}

func TestParseUTF8CutAtSniffWindow(t *testing.T) {
	// The bytes that decide the encoding end somewhere inside a rune for one
	// of these three shifts; UTF-8 must still be recognised as UTF-8.
	for shift := range 3 {
		var b bytes.Buffer
		b.WriteString("name,phone,village\n")
		first := "张" + strings.Repeat("a", shift) + "三"
		fmt.Fprintf(&b, "%s,13800138000,小寺头村\n", first)
		name := strings.Repeat("张", 20)
		const n = 200
		for i := range n {
			fmt.Fprintf(&b, "%s,1390013%04d,冢巷村\n", name, i)
		}
		rows, errs, err := Parse(&b, CSV, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != 0 || len(rows) != n+1 {
			t.Fatalf("shift %d: %d rows, errors %+v", shift, len(rows), errs)
		}
		if rows[0].Name != first || rows[n].Name != name || rows[n].VillageName != "冢巷村" {
			t.Errorf("shift %d: rows decoded as %q, %q, %q", shift, rows[0].Name, rows[n].Name, rows[n].VillageName)
		}
	}
}

// sampleEntries covers every role, both statuses, missing codes and names,
// and names a spreadsheet would run as formulas.
var sampleEntries = []Entry{
	{Name: "张三", Phone: "13800138000", Township: "榆林子镇", VillageCode: "621025101200", VillageName: "小寺头村", Role: "assistant", Status: "active"},
	{Name: "李四", Phone: "13900139000", Township: "榆林子镇", VillageName: "冢巷村", Role: "officer", Status: "disabled"},
	{Name: "王五", Phone: "13700137000", VillageCode: "621025101201", Role: "grid_lead", Status: "active"},
	{Name: "=HYPERLINK(\"http://x\")", Phone: "13600136000", Township: "山河镇", VillageName: "-东街,\"新\"村", Role: "admin", Status: "active"},
	{Name: "@赵六", Phone: "13500135000", Township: "山河镇", VillageName: "+西村", Role: "auditor", Status: "active"},
}

// sampleRows is what Parse makes of sampleEntries.
var sampleRows = []Row{
	row(2, "张三", "13800138000", "621025101200", "小寺头村", "榆林子镇", "assistant"),
	row(3, "李四", "13900139000", "", "冢巷村", "榆林子镇", "officer"),
	row(4, "王五", "13700137000", "621025101201", "", "", "grid_lead"),
	row(5, "=HYPERLINK(\"http://x\")", "13600136000", "", "-东街,\"新\"村", "山河镇", "admin"),
	row(6, "@赵六", "13500135000", "", "+西村", "山河镇", "auditor"),
}

func TestRoundTrip(t *testing.T) {
	writers := []struct {
		format Format
		write  func(io.Writer, iter.Seq[Entry]) error
	}{
		{CSV, WriteCSV},
		{XLSX, WriteXLSX},
	}
	for _, w := range writers {
		t.Run(string(w.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := w.write(&buf, slices.Values(sampleEntries)); err != nil {
				t.Fatalf("write: %v", err)
			}
			rows, errs, err := Parse(&buf, w.format, len(sampleEntries))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(sampleRows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if len(errs) != 0 {
				t.Errorf("row errors: %+v", errs)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, slices.Values(sampleEntries[:4])); err != nil {
		t.Fatal(err)
	}
	want := "\ufeff姓名,手机号,乡镇,村代码,村,角色,状态\r\n" +
		"张三,\"\t13800138000\",榆林子镇,\"\t621025101200\",小寺头村,协执员,正常\r\n" +
		"李四,\"\t13900139000\",榆林子镇,,冢巷村,执行干警,停用\r\n" +
		"王五,\"\t13700137000\",,\"\t621025101201\",,网格长,正常\r\n" +
		"\"'=HYPERLINK(\"\"http://x\"\")\",\"\t13600136000\",山河镇,,\"'-东街,\"\"新\"\"村\",管理员,正常\r\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}

func TestWriteCSVEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, slices.Values([]Entry(nil))); err != nil {
		t.Fatal(err)
	}
	rows, errs, err := Parse(&buf, CSV, 0)
	if err != nil || len(rows) != 0 || len(errs) != 0 {
		t.Errorf("Parse(empty export) = %v, %v, %v; want no rows, no errors", rows, errs, err)
	}
}

// failingWriter fails once more than limit bytes were written.
type failingWriter struct{ limit int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		return 0, errBoom
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestWriteCSVStopsOnError(t *testing.T) {
	yielded := 0
	entries := func(yield func(Entry) bool) {
		for range 1_000_000 {
			yielded++
			if !yield(sampleEntries[0]) {
				return
			}
		}
	}
	err := WriteCSV(&failingWriter{limit: 100_000}, entries)
	if !errors.Is(err, errBoom) {
		t.Fatalf("WriteCSV = %v, want %v", err, errBoom)
	}
	if yielded > 10_000 {
		t.Errorf("WriteCSV drained %d entries after the writer failed", yielded)
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, slices.Values(sampleEntries)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()

	if diff := cmp.Diff([]string{"协执员"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	got, err := f.GetRows("协执员")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"姓名", "手机号", "乡镇", "村代码", "村", "角色", "状态"},
		{"张三", "13800138000", "榆林子镇", "621025101200", "小寺头村", "协执员", "正常"},
		{"李四", "13900139000", "榆林子镇", "", "冢巷村", "执行干警", "停用"},
		{"王五", "13700137000", "", "621025101201", "", "网格长", "正常"},
		{"=HYPERLINK(\"http://x\")", "13600136000", "山河镇", "", "-东街,\"新\"村", "管理员", "正常"},
		{"@赵六", "13500135000", "山河镇", "", "+西村", "审计", "正常"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}

	// Phones and codes are text, names too (never formulas).
	for _, cell := range []string{"B2", "D2", "A5"} {
		typ, err := f.GetCellType("协执员", cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("cell %s has type %v, want a string", cell, typ)
		}
		if formula, _ := f.GetCellFormula("协执员", cell); formula != "" {
			t.Errorf("cell %s has formula %q", cell, formula)
		}
	}
	for cell, wantFmt := range map[string]int{"B2": 49, "D2": 49, "B7": 49, "A2": 0} {
		id, err := f.GetCellStyle("协执员", cell)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if style.NumFmt != wantFmt {
			t.Errorf("cell %s number format %d, want %d", cell, style.NumFmt, wantFmt)
		}
	}
	for _, cell := range []string{"A1", "G1"} {
		id, err := f.GetCellStyle("协执员", cell)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if style.Font == nil || !style.Font.Bold {
			t.Errorf("header cell %s is not bold", cell)
		}
	}
	for col, want := range map[string]float64{"A": 12, "B": 15, "D": 16} {
		w, err := f.GetColWidth("协执员", col)
		if err != nil {
			t.Fatal(err)
		}
		if w != want {
			t.Errorf("column %s width %v, want %v", col, w, want)
		}
	}
	panes, err := f.GetPanes("协执员")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, want the header row frozen", panes)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		f           Format
		valid       bool
		contentType string
		ext         string
	}{
		{CSV, true, "text/csv; charset=utf-8", ".csv"},
		{XLSX, true, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
		{"xls", false, "", ""},
		{"", false, "", ""},
	}
	for _, tt := range tests {
		if got := tt.f.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v, want %v", tt.f, got, tt.valid)
		}
		if got := ContentType(tt.f); got != tt.contentType {
			t.Errorf("ContentType(%q) = %q, want %q", tt.f, got, tt.contentType)
		}
		if got := FileExtension(tt.f); got != tt.ext {
			t.Errorf("FileExtension(%q) = %q, want %q", tt.f, got, tt.ext)
		}
	}
}

func TestNumberText(t *testing.T) {
	tests := map[string]string{
		"13800138000":      "13800138000",
		"1.38001380E10":    "13800138000",
		"1.3800138e+10":    "13800138000",
		"13800138000.0":    "13800138000",
		"6.21025101201E11": "621025101201",
		"1.5":              "1.5",
		"1.38E+10":         "13800000000", // exact in an XLSX: that is the number stored
		"+86 138":          "+86 138",
		"0086.1":           "0086.1",
		"1e300":            "1e300",
		"小寺头村":             "小寺头村",
	}
	for in, want := range tests {
		if got := numberText(in); got != want {
			t.Errorf("numberText(%q) = %q, want %q", in, got, want)
		}
	}
}
