package contactbook

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"slices"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// Magic numbers of files people upload as "CSV" by mistake.
var (
	zipMagic = []byte("PK\x03\x04")                       // XLSX (any zip)
	oleMagic = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") // old .xls, or an encrypted .xlsx
)

const (
	headLen    = 8 << 10  // bytes looked at to tell text from binary
	sniffLen   = 4 << 10  // bytes after the first non-ASCII one that decide UTF-8 or GB18030
	bufferSize = 64 << 10 // read buffer; at least headLen and sniffLen
)

// parseCSV reads a CSV contact book.
func parseCSV(r io.Reader, maxRows int) ([]Row, []RowError, error) {
	text, err := DecodeText(r)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(text, bufferSize)
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(br)
	cr.FieldsPerRecord = -1 // Excel leaves short rows short
	cr.LazyQuotes = true    // a stray " in a village name is no reason to refuse the file
	cr.ReuseRecord = true
	return parse(&csvSource{cr: cr}, false, true, maxRows)
}

// csvSource yields the records of a CSV file.
type csvSource struct{ cr *csv.Reader }

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, domain.Wrap(domain.EInvalid, err, "contact book is not valid CSV at line %d", pe.StartLine)
		}
		if isEOF(err) {
			return 0, nil, io.EOF
		}
		return 0, nil, err // the caller's reader failed, e.g. the body was over its cap
	}
	line, _ := s.cr.FieldPos(0)
	return line, rec, nil
}

// DecodeText returns r as UTF-8 text. A UTF-8 BOM is dropped; UTF-16 with a
// BOM (Excel's "Unicode text") is decoded; otherwise the bytes are UTF-8
// unless they are not, and then GB18030 (a superset of GBK, which Excel on
// Chinese Windows writes). Spreadsheets and other binary files are refused.
func DecodeText(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, bufferSize)
	head, err := br.Peek(headLen)
	if err != nil && !isEOF(err) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), nil
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		_, _ = br.Discard(3)
		return br, nil
	case bytes.HasPrefix(head, zipMagic):
		return nil, domain.Errorf(domain.EInvalid, "contact book is an XLSX workbook (a zip file), not CSV")
	case bytes.HasPrefix(head, oleMagic):
		return nil, domain.Errorf(domain.EInvalid, "contact book is an old Excel .xls workbook or a password-protected one: save it as .xlsx without a password, or as CSV")
	case bytes.IndexByte(head, 0) >= 0:
		return nil, domain.Errorf(domain.EInvalid, "contact book is not a CSV text file")
	}
	return &sniffer{br: br}, nil
}

// sniffer passes ASCII through (it reads the same in UTF-8 and GB18030) and
// at the first other byte decides the encoding from the bytes that follow:
// GB18030 when they are not valid UTF-8. It streams, so a large file is never
// held in memory just to guess its encoding.
type sniffer struct {
	br  *bufio.Reader
	out io.Reader // set once decided
}

func (s *sniffer) Read(p []byte) (int, error) {
	if s.out != nil {
		return s.out.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := s.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := s.br.Peek(s.br.Buffered())
	i := 0
	for i < len(buf) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 { // an ASCII run: pass it on
		n := copy(p, buf[:i])
		_, _ = s.br.Discard(n)
		return n, nil
	}
	window, err := s.br.Peek(sniffLen)
	if err != nil && !isEOF(err) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	if validUTF8(window, err != nil) {
		s.out = s.br
	} else {
		s.out = transform.NewReader(s.br, simplifiedchinese.GB18030.NewDecoder())
	}
	return s.out.Read(p)
}

// validUTF8 reports whether b is valid UTF-8, allowing a rune cut off at the
// end of the window unless b is the end of the file.
func validUTF8(b []byte, atEOF bool) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return !atEOF && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// sniffComma picks the delimiter: a tab when the first line holding a comma
// or a tab holds more tabs (Excel's "Unicode text" and copies out of WPS),
// else a comma.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(sniffLen)
	for line := range bytes.Lines(head) {
		commas, tabs := bytes.Count(line, []byte{','}), bytes.Count(line, []byte{'\t'})
		if commas+tabs > 0 {
			if tabs > commas {
				return '\t'
			}
			return ','
		}
	}
	return ','
}

// WriteCSV writes entries as a CSV contact book that Excel and WPS open
// right and Parse reads back: the Chinese header 姓名,手机号,乡镇,村代码,村,角色,状态,
// then one row per entry, written as they come (see Table.WriteCSV).
func WriteCSV(w io.Writer, entries iter.Seq[Entry]) error {
	return contactTable.WriteCSV(w, entryRows(entries))
}

// WriteCSV writes the table as CSV that Excel and WPS open right: UTF-8
// with a BOM (without it Excel on Chinese Windows reads GBK and shows
// mojibake), CRLF line ends, the header, then the rows as they come.
//
// Text columns that hold only digits (phones, codes) start with a tab so
// that Excel keeps them as text instead of showing 1.38E+10 and losing
// digits when the file is saved again; cells that a spreadsheet would run as
// a formula (starting with = + - @) get a leading apostrophe. Parse undoes
// both.
func (t Table) WriteCSV(w io.Writer, rows iter.Seq[[]string]) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for r := range rows {
		c := slices.Clone(r)
		for i := range c {
			c[i] = escapeFormula(c[i])
			if slices.Contains(t.TextCols, i) {
				c[i] = keepText(c[i])
			}
		}
		if err := cw.Write(c); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// keepText prefixes a string of digits with a tab, which makes Excel read
// it as text.
func keepText(s string) string {
	if s == "" {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s
		}
	}
	return "\t" + s
}
