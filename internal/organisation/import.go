package organisation

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/zhengning-court/xiezhi/internal/contactbook"
	"github.com/zhengning-court/xiezhi/internal/domain"
)

// maxVillageRows bounds one village import (a township has tens).
const maxVillageRows = 2000

// VillageRow is one row of a village import and what it did.
type VillageRow struct {
	Line   int
	Code   string
	Name   string
	Action string // created, updated, unchanged
}

// VillageReport is the outcome of a village import.
type VillageReport struct {
	DryRun                      bool
	Created, Updated, Unchanged int
	Rows                        []VillageRow
}

// ImportVillages reads a CSV of villages (header with columns code and
// name, in English or as 村代码 and 村名; UTF-8 or GBK) into a grid: a row
// with a known code, or else a known name, updates that village, any other
// creates one. Every row is checked first; if any is bad nothing is
// applied and the error lists them all as rows[<line>].<column>. Errors:
// EForbidden, ENotFound (grid), EInvalid (not CSV), EValidation.
func (s *Service) ImportVillages(ctx context.Context, a domain.Actor, gridID string, r io.Reader, dryRun bool) (VillageReport, error) {
	if err := a.Authorize(domain.ActOrgManage); err != nil {
		return VillageReport{}, err
	}
	if _, err := s.org.GetGrid(ctx, gridID); err != nil {
		return VillageReport{}, err
	}
	rows, err := readVillages(r)
	if err != nil {
		return VillageReport{}, err
	}
	existing, err := s.org.AllVillages(ctx)
	if err != nil {
		return VillageReport{}, err
	}
	plan, err := planVillages(gridID, rows, existing)
	if err != nil {
		return VillageReport{}, err
	}
	rep := reportVillages(rows, plan, existing, dryRun)
	if dryRun {
		return rep, nil
	}
	err = s.tx.Transact(ctx, func(st domain.Stores) error {
		for i, v := range plan {
			var err error
			switch rep.Rows[i].Action {
			case "created":
				_, err = st.Org.CreateVillage(ctx, v)
			case "updated":
				_, err = st.Org.UpdateVillage(ctx, v, v.Version)
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", rep.Rows[i].Line, err)
			}
		}
		return nil
	})
	return rep, err
}

// planVillages matches each row with a village of the grid (by code, or
// else by name) or a new one and checks it; with any bad row it answers
// EValidation listing them all, and plans nothing.
func planVillages(gridID string, rows []VillageRow, existing []domain.Village) ([]domain.Village, error) {
	byCode, byName := map[string]domain.Village{}, map[string]domain.Village{}
	for _, v := range existing {
		if v.Code != "" {
			byCode[v.Code] = v
		}
		if v.GridID == gridID {
			byName[v.Name] = v
		}
	}
	var fields []domain.FieldError
	seenCode, seenName := map[string]int{}, map[string]int{}
	plan := make([]domain.Village, len(rows))
	for i, row := range rows {
		field := "rows[" + strconv.Itoa(row.Line) + "]."
		v := domain.Village{GridID: gridID}
		if old, ok := byCode[row.Code]; ok && row.Code != "" {
			v = old
		} else if old, ok := byName[row.Name]; ok {
			v = old
		}
		in := VillageInput{Name: &row.Name}
		if row.Code != "" { // an empty cell keeps a known code
			in.Code = &row.Code
		}
		f := in.apply(&v, field)
		if v.GridID != gridID {
			f = append(f, domain.FieldError{Field: field + "code", Code: "other_grid"})
		}
		if prev, dup := seenCode[v.Code]; dup && v.Code != "" {
			f = append(f, domain.FieldError{Field: field + "code", Code: "duplicate", Params: map[string]any{"first_line": prev}})
		}
		if prev, dup := seenName[v.Name]; dup {
			f = append(f, domain.FieldError{Field: field + "name", Code: "duplicate", Params: map[string]any{"first_line": prev}})
		}
		seenCode[v.Code], seenName[v.Name] = row.Line, row.Line
		fields = append(fields, f...)
		plan[i] = v
	}
	if len(fields) > 0 {
		return nil, &domain.Error{Code: domain.EValidation, Message: "bad rows in the village list", Fields: fields}
	}
	return plan, nil
}

// reportVillages says what applying plan does to each row.
func reportVillages(rows []VillageRow, plan, existing []domain.Village, dryRun bool) VillageReport {
	rep := VillageReport{DryRun: dryRun}
	for i, v := range plan {
		row := VillageRow{Line: rows[i].Line, Code: v.Code, Name: v.Name}
		switch old, known := villageByID(existing, v.ID); {
		case !known:
			row.Action = "created"
			rep.Created++
		case old.Name == v.Name && old.Code == v.Code:
			row.Action = "unchanged"
			rep.Unchanged++
		default:
			row.Action = "updated"
			rep.Updated++
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep
}

func villageByID(vs []domain.Village, id string) (domain.Village, bool) {
	for _, v := range vs {
		if id != "" && v.ID == id {
			return v, true
		}
	}
	return domain.Village{}, false
}

// readVillages parses the CSV: a header naming the code and name columns,
// then one village a line; blank lines are skipped.
func readVillages(r io.Reader) ([]VillageRow, error) {
	text, err := contactbook.DecodeText(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "village list: no CSV header: %v", err)
	}
	codeCol, nameCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "code", "village_code", "村代码", "代码", "行政区划代码":
			codeCol = i
		case "name", "village", "village_name", "村名", "村", "名称":
			nameCol = i
		}
	}
	if nameCol < 0 {
		return nil, domain.Invalid(domain.FieldError{Field: "file", Code: "missing_column", Params: map[string]any{"column": "name"}})
	}
	var rows []VillageRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, domain.Errorf(domain.EInvalid, "village list line %d: %v", line, err)
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if get(codeCol) == "" && get(nameCol) == "" {
			continue
		}
		if len(rows) == maxVillageRows {
			return nil, domain.Invalid(domain.FieldError{Field: "file", Code: "too_many_rows", Params: map[string]any{"max": maxVillageRows}})
		}
		rows = append(rows, VillageRow{Line: line, Code: get(codeCol), Name: get(nameCol)})
	}
	return rows, nil
}
