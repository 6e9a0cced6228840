package contactbook

import (
	"bufio"
	"bytes"
	"io"
	"iter"

	"github.com/xuri/excelize/v2"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// maxUnzipped caps what an XLSX may unpack to, against zip bombs. A contact
// book of ten thousand rows unpacks to a few megabytes.
const maxUnzipped = 128 << 20

// sheetName is the name of the exported worksheet.
const sheetName = "协执员"

// columnWidths are the exported column widths, in characters, in
// exportHeader order.
var columnWidths = [7]float64{12, 15, 12, 16, 16, 10, 8}

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

// WriteXLSX writes entries as an XLSX workbook with one worksheet, 协执员,
// that Parse reads back: a bold header row (姓名, 手机号, 乡镇, 村代码, 村,
// 角色, 状态) frozen at the top, set column widths, and phones and village
// codes as text cells in text-formatted columns, so that Excel never turns
// them into numbers, not even when someone adds a row. Rows are streamed
// (excelize's StreamWriter spills to a temporary file past a few megabytes):
// nothing holds them all.
func WriteXLSX(w io.Writer, entries iter.Seq[Entry]) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), sheetName); err != nil {
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
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return err
	}
	for i, width := range columnWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	for _, col := range []int{2, 4} { // 手机号, 村代码
		if err := sw.SetColStyle(col, col, text); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}

	values := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		values[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", values); err != nil {
		return err
	}
	row := 1
	for e := range entries {
		row++
		for i, v := range e.cells() {
			switch {
			case v == "":
				values[i] = nil
			case i == 1 || i == 3:
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
	if _, err := f.WriteTo(w); err != nil {
		return err
	}
	return nil
}
