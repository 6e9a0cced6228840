package contactbook

import (
	"bufio"
	"bytes"
	"io"
	"iter"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// maxUnzipped caps what an XLSX may unpack to, against zip bombs. A contact
// book of ten thousand rows unpacks to a few megabytes.
const maxUnzipped = 128 << 20

// Table describes a spreadsheet export: its sheet name, header, column
// widths (characters) and the 0-based columns kept as text.
type Table struct {
	Sheet    string
	Header   []string
	Widths   []float64
	TextCols []int
}

// contactTable is the contact book's export layout; Parse reads it back.
var contactTable = Table{
	Sheet:    "协执员",
	Header:   exportHeader,
	Widths:   []float64{12, 15, 12, 16, 16, 10, 8},
	TextCols: []int{1, 3}, // 手机号, 村代码
}

// entryRows turns entries into rows in exportHeader order.
func entryRows(entries iter.Seq[Entry]) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		for e := range entries {
			c := e.cells()
			if !yield(c[:]) {
				return
			}
		}
	}
}

// parseXLSX reads the first worksheet of an XLSX contact book, row by row.
// Cells are read raw, so that numbers come as stored (exactly) rather than
// as displayed (1.38E+10).
func parseXLSX(r io.Reader, maxRows int) ([]Row, []RowError, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(oleMagic))
	if err != nil && !isEOF(err) {
		return nil, nil, err
	}
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return nil, nil, domain.Errorf(domain.EInvalid, "contact book is an old Excel .xls workbook or a password-protected one: save it as .xlsx without a password")
	case !bytes.HasPrefix(head, zipMagic):
		return nil, nil, domain.Errorf(domain.EInvalid, "contact book is not an XLSX workbook")
	}
	rr := &recordingReader{r: br}
	f, err := excelize.OpenReader(rr, excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if rr.err != nil { // the caller's reader failed, e.g. the body was over its cap
			return nil, nil, rr.err
		}
		return nil, nil, domain.Wrap(domain.EInvalid, err, "contact book is not a readable XLSX workbook")
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, domain.Errorf(domain.EInvalid, "contact book workbook has no worksheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, domain.Wrap(domain.EInvalid, err, "contact book worksheet %q is not readable", sheets[0])
	}
	defer func() { _ = rows.Close() }()
	return parse(&xlsxSource{rows: rows}, true, false, maxRows)
}

// recordingReader remembers the first read error other than io.EOF.
type recordingReader struct {
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && !isEOF(err) && rr.err == nil {
		rr.err = err
	}
	return n, err
}

// xlsxSource yields the rows of a worksheet. excelize's Next visits every
// row number, also those absent from the sheet, so counting calls gives the
// row number.
type xlsxSource struct {
	rows *excelize.Rows
	line int
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, domain.Wrap(domain.EInvalid, err, "contact book worksheet is not readable after row %d", s.line)
		}
		return 0, nil, io.EOF
	}
	s.line++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, domain.Wrap(domain.EInvalid, err, "contact book worksheet row %d is not readable", s.line)
	}
	return s.line, cells, nil
}

// WriteXLSX writes entries as an .xlsx contact book (one sheet, 协执员; see
// Table.WriteXLSX).
func WriteXLSX(w io.Writer, entries iter.Seq[Entry]) error {
	return contactTable.WriteXLSX(w, entryRows(entries))
}

// WriteXLSX writes the table as an .xlsx workbook with one sheet, streaming
// the rows (excelize's StreamWriter): bold, frozen header, the column
// widths, and the text columns as text cells so that Excel keeps digits.
func (t Table) WriteXLSX(w io.Writer, rows iter.Seq[[]string]) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), t.Sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.Sheet)
	if err != nil {
		return err
	}
	for i, width := range t.Widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	for _, col := range t.TextCols {
		if err := sw.SetColStyle(col+1, col+1, text); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	values := make([]any, len(t.Header))
	for i, h := range t.Header {
		values[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", values); err != nil {
		return err
	}
	row := 1
	for r := range rows {
		row++
		for i := range values {
			v := ""
			if i < len(r) {
				v = r[i]
			}
			switch {
			case v == "":
				values[i] = nil
			case slices.Contains(t.TextCols, i):
				values[i] = excelize.Cell{StyleID: text, Value: v}
			default:
				values[i] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
