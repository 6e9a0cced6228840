package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// PhotoInsertColumns are, per table, the columns RecordPhoto's
// hand-written INSERTs name and the columns of GORM's schema of the row
// type, for TestPhotoInsertColumns.
func PhotoInsertColumns() (map[string][2][]string, error) {
	out := map[string][2][]string{}
	for _, c := range []struct {
		ins insert
		row any
	}{{photoInsert, &photoRow{}}, {jobInsert, &jobRow{}}, {eventInsert, &eventRow{}}} {
		sch, err := schema.Parse(c.row, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			return nil, err
		}
		out[c.ins.table] = [2][]string{slices.Clone(c.ins.columns), slices.Clone(sch.DBNames)}
	}
	return out, nil
}

// RecordPhotoVariant records a photo the way variant names, for
// BenchmarkRecordPhoto and TestRecordPhotoVariants: "batch" (the
// hand-written statements in one round trip, RecordPhoto's way on MySQL),
// "transaction" (the same statements one by one in a transaction of their
// own, BEGIN … COMMIT) and "gorm-dry-run batch" (the path replaced in
// decision 0006: GORM's dry-run INSERTs rewritten into the batch).
func (s *LeadStore) RecordPhotoVariant(ctx context.Context, variant string, r domain.PhotoRecord) error {
	switch variant {
	case "batch":
		return s.recordPhotoBatch(ctx, r, s.photoStatements(r, batchGuard))
	case "transaction":
		return s.recordPhotoTx(ctx, r, s.photoStatements(r, ""))
	case "gorm-dry-run batch":
		stmts, err := s.dryRunPhotoStatements(r, batchGuard)
		if err != nil {
			return err
		}
		return s.recordPhotoBatch(ctx, r, stmts)
	}
	return fmt.Errorf("no variant %q", variant)
}

// dryRunPhotoStatements is photoStatements as it was before decision 0006,
// kept to measure against: the INSERTs GORM makes of the rows in a dry
// run, their text rewritten to take the guard.
func (s *LeadStore) dryRunPhotoStatements(r domain.PhotoRecord, guard string) ([]statement, error) {
	out := []statement{s.countPhoto(r)}
	rows := []any{new(newPhotoRow(r.Photo))}
	if r.Job != nil {
		rows = append(rows, new(newJobRow(*r.Job)))
	}
	rows = append(rows, new(newEventRow(r.Event)))
	dry := s.db.Session(&gorm.Session{DryRun: true, NewDB: true})
	for _, row := range rows {
		stmt := dry.Create(row).Statement
		if stmt.Error != nil {
			return nil, stmt.Error
		}
		q := stmt.SQL.String()
		if guard != "" {
			i := strings.LastIndex(q, " VALUES (")
			if i < 0 || !strings.HasSuffix(q, ")") {
				return nil, fmt.Errorf("record photo: an INSERT of unexpected form: %s", q)
			}
			q = q[:i] + " SELECT " + q[i+len(" VALUES ("):len(q)-1] + " FROM DUAL WHERE " + guard
		}
		out = append(out, statement{sql: q, args: stmt.Vars})
	}
	return append(out, s.noteDuplicates(r, guard)), nil
}

// HasBatch says whether the store records photos in one batch (MySQL).
func (s *LeadStore) HasBatch() bool { return s.batch != nil }
