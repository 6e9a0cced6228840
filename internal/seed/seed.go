// Package seed loads the reference data every deployment starts with (the
// ten township grids of Zhengning and their known villages) and, for the
// embedded default, demo teams and accounts to try the API with.
package seed

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// zhengningCSV is ../shared/data/zhengning-grids.csv, copied into the
// project: township_code, township_name, township_pinyin, kind,
// village_code, village_name, source_confidence. A township with no known
// village has one row with both village columns empty.
//
//go:embed zhengning-grids.csv
var zhengningCSV []byte

// GridData is one township with its villages as read from the CSV.
type GridData struct {
	Grid     domain.Grid
	Villages []domain.Village // GridID empty; filled when stored
}

var (
	townshipCode = regexp.MustCompile(`^\d{9}$`)
	villageCode  = regexp.MustCompile(`^\d{12}$`)
)

// ParseGrids reads grids and villages from CSV in the shared reference
// format, checking codes and that a village code starts with its township's.
func ParseGrids(r io.Reader) ([]GridData, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 7
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("grids csv header: %w", err)
	}
	if header[0] != "township_code" || header[5] != "village_name" {
		return nil, fmt.Errorf("grids csv: unexpected header %v", header)
	}
	var out []GridData
	index := map[string]int{}
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("grids csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		code, name, pinyin, kind := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2]), strings.TrimSpace(rec[3])
		vcode, vname := strings.TrimSpace(rec[4]), strings.TrimSpace(rec[5])
		if !townshipCode.MatchString(code) || name == "" {
			errs = append(errs, fmt.Errorf("line %d: township code %q / name %q", line, code, name))
			continue
		}
		i, ok := index[code]
		if !ok {
			i = len(out)
			index[code] = i
			out = append(out, GridData{Grid: domain.Grid{Code: code, Name: name, Pinyin: pinyin, Kind: kind}})
		}
		if vname == "" {
			if vcode != "" {
				errs = append(errs, fmt.Errorf("line %d: village code %q without a name", line, vcode))
			}
			continue
		}
		if vcode != "" && (!villageCode.MatchString(vcode) || !strings.HasPrefix(vcode, code)) {
			errs = append(errs, fmt.Errorf("line %d: village code %q is not 12 digits under township %s", line, vcode, code))
			continue
		}
		out[i].Villages = append(out[i].Villages, domain.Village{Code: vcode, Name: vname})
	}
	return out, errors.Join(errs...)
}

// Zhengning returns the embedded reference grids.
func Zhengning() ([]GridData, error) { return ParseGrids(bytes.NewReader(zhengningCSV)) }

// Grids stores grids and villages, updating those already there, so that it
// is safe to run at every start.
func Grids(ctx context.Context, org domain.OrgStore, data []GridData) error {
	for _, d := range data {
		g, err := org.UpsertGrid(ctx, d.Grid)
		if err != nil {
			return fmt.Errorf("seed grid %s: %w", d.Grid.Code, err)
		}
		for _, v := range d.Villages {
			v.GridID = g.ID
			if _, err := org.UpsertVillage(ctx, v); err != nil {
				return fmt.Errorf("seed village %s of %s: %w", v.Name, g.Name, err)
			}
		}
	}
	return nil
}
