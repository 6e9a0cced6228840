package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// RecordPhoto implements domain.LeadStore. On MySQL, outside a
// transaction of the caller's, it takes one round trip (recordPhotoBatch);
// elsewhere it runs the same statements one by one in a transaction, the
// caller's when there is one (inTx). An error that comes after the COMMIT
// took effect (the connection lost while its answer came back) would leave
// the photo recorded while the caller deletes its object: so on an error
// the photo is looked up, and found with this upload's object key (unique
// to the upload) it is recorded.
func (s *LeadStore) RecordPhoto(ctx context.Context, r domain.PhotoRecord) error {
	err := s.recordPhoto(ctx, r)
	if err != nil && !domain.IsCode(err, domain.EConflict) && !domain.IsCode(err, domain.ENotFound) {
		if p, gerr := s.GetPhoto(ctx, r.Photo.LeadID, r.Photo.ID); gerr == nil && p.ObjectKey == r.Photo.ObjectKey {
			return nil
		}
	}
	return err
}

func (s *LeadStore) recordPhoto(ctx context.Context, r domain.PhotoRecord) error {
	if s.batch != nil {
		return s.recordPhotoBatch(ctx, r, s.photoStatements(r, batchGuard))
	}
	return s.recordPhotoTx(ctx, r, s.photoStatements(r, ""))
}

// recordPhotoTx runs the statements one by one in a transaction, the
// caller's when there is one.
func (s *LeadStore) recordPhotoTx(ctx context.Context, r domain.PhotoRecord, stmts []statement) error {
	return s.inTx(ctx, func(st *LeadStore) error {
		for _, q := range stmts {
			res := st.db.WithContext(ctx).Exec(q.sql, q.args...)
			if res.Error != nil {
				return st.photoError(ctx, r, res.Error)
			}
			if q.counts && res.RowsAffected == 0 {
				return st.notCounted(ctx, r)
			}
		}
		return nil
	})
}

// statement is one SQL statement with its arguments.
type statement struct {
	sql    string
	args   []any
	counts bool // the statement that counts the photo: no row means the lead takes none
}

// insert is the hand-written INSERT of one row type: its table and columns,
// in the order of its arguments (photoArgs, jobArgs, eventArgs). The
// columns are those of the row types, which GORM writes elsewhere (Enqueue,
// AddEvent); a test compares them with GORM's schema of the rows, so that a
// column added to a row cannot be missed here.
type insert struct {
	table   string
	columns []string
}

// The rows RecordPhoto inserts.
var (
	photoInsert = insert{"lead_photos", []string{"id", "lead_id", "object_key", "thumb_key", "sha256", "content_type", "size",
		"width", "height", "taken_at", "gps_lat", "gps_lng", "created_at", "processing", "processing_error"}}
	jobInsert = insert{"jobs", []string{"id", "kind", "ref", "state", "attempts", "run_after", "leased_until", "leased_by",
		"last_error", "created_at", "updated_at"}}
	eventInsert = insert{"lead_events", []string{"id", "lead_id", "actor_id", "actor_role", "type", "from_status", "to_status",
		"note", "public", "at"}}
)

// sql is the INSERT of one row. With a guard (an SQL condition) it inserts
// only where the guard holds: INSERT … SELECT ?, … FROM DUAL WHERE guard.
func (i insert) sql(guard string) string {
	head := "INSERT INTO " + i.table + " (" + strings.Join(i.columns, ", ") + ") "
	marks := "?" + strings.Repeat(", ?", len(i.columns)-1)
	if guard == "" {
		return head + "VALUES (" + marks + ")"
	}
	return head + "SELECT " + marks + " FROM DUAL WHERE " + guard
}

// photoArgs, jobArgs and eventArgs are a row's values in the order of its
// insert's columns.
func photoArgs(p photoRow) []any {
	return []any{p.ID, p.LeadID, p.ObjectKey, orNull(p.ThumbKey), p.Sha256, p.ContentType, p.Size,
		p.Width, p.Height, orNull(p.TakenAt), orNull(p.GpsLat), orNull(p.GpsLng), p.CreatedAt, p.Processing, orNull(p.ProcessingError)}
}

func jobArgs(j jobRow) []any {
	return []any{j.ID, j.Kind, j.Ref, j.State, j.Attempts, j.RunAfter, orNull(j.LeasedUntil), orNull(j.LeasedBy),
		orNull(j.LastError), j.CreatedAt, j.UpdatedAt}
}

func eventArgs(e eventRow) []any {
	return []any{e.ID, e.LeadID, e.ActorID, e.ActorRole, e.Type, orNull(e.FromStatus), orNull(e.ToStatus),
		orNull(e.Note), e.Public, e.At}
}

// orNull is the value of a nullable column: NULL for nil.
func orNull[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// batchGuard is the condition under which the batch inserts: the UPDATE
// that counts the photo took it (recordPhotoBatch).
const batchGuard = "@xz_counted = 1"

// photoStatements are the statements of RecordPhoto, in order: count the
// photo on its lead (first, so that concurrent photos of one lead take
// turns on its row), insert the photo, its job and its event, and note
// the leads of other photos with the same SHA-256 as possible duplicates.
// With a guard every INSERT inserts only where the guard holds.
func (s *LeadStore) photoStatements(r domain.PhotoRecord, guard string) []statement {
	out := []statement{s.countPhoto(r), {sql: photoInsert.sql(guard), args: photoArgs(newPhotoRow(r.Photo))}}
	if r.Job != nil {
		out = append(out, statement{sql: jobInsert.sql(guard), args: jobArgs(newJobRow(*r.Job))})
	}
	out = append(out, statement{sql: eventInsert.sql(guard), args: eventArgs(newEventRow(r.Event))})
	return append(out, s.noteDuplicates(r, guard))
}

// countPhoto is the UPDATE that counts the photo on its lead, when the
// lead is in one of the statuses that take photos and has room for one.
func (s *LeadStore) countPhoto(r domain.PhotoRecord) statement {
	greatest := "GREATEST"
	if s.dialect == SQLite {
		greatest = "MAX" // SQLite's scalar max of several arguments
	}
	// photos_expected is assigned first: MySQL evaluates later assignments
	// with the new values of earlier ones, SQLite with the old ones, and
	// this order gives the same on both.
	count := statement{counts: true, sql: "UPDATE leads SET photos_expected = " + greatest + "(photos_expected, photos_received + 1), " +
		"photos_received = photos_received + 1, version = version + 1, updated_at = ? " +
		"WHERE id = ? AND photos_received < ? AND status IN (?" + strings.Repeat(", ?", max(len(r.Statuses)-1, 0)) + ")",
		args: []any{r.At.UTC(), r.Photo.LeadID, r.MaxPhotos}}
	for _, st := range r.Statuses {
		count.args = append(count.args, string(st))
	}
	return count
}

// noteDuplicates is the INSERT … SELECT that notes the leads of other
// photos with the same SHA-256 (at most 20) as possible duplicates.
func (s *LeadStore) noteDuplicates(r domain.PhotoRecord, guard string) statement {
	ignore := " ON DUPLICATE KEY UPDATE reason = reason"
	if s.dialect == SQLite {
		ignore = " ON CONFLICT DO NOTHING"
	}
	where := "p.sha256 = ? AND p.lead_id <> ?"
	if guard != "" {
		where = guard + " AND " + where
	}
	return statement{sql: "INSERT INTO lead_duplicates (lead_id, other_id, reason) " +
		"SELECT DISTINCT ?, p.lead_id, ? FROM lead_photos p WHERE " + where + " LIMIT 20" + ignore,
		args: []any{r.Photo.LeadID, domain.DupSamePhoto, r.Photo.SHA256, r.Photo.LeadID}}
}

// recordPhotoBatch is RecordPhoto on MySQL in one round trip instead of
// seven (BEGIN, five statements, COMMIT): the statements (guarded by
// batchGuard) go as one batch on a connection of the pool that allows
// several statements per query (and only ever runs this SQL, its values
// escaped by the driver). The batch notes whether the UPDATE counted the
// photo, inserts only if it did, commits, and answers whether it did; a
// statement that fails stops the batch before the COMMIT, and a ROLLBACK
// follows. Under load every round trip waits for a core (docs/decisions/
// 0006-photo-recording-sql.md has the numbers). The transaction reads
// committed, so that the search for photos with the same SHA-256
// (INSERT … SELECT) locks nothing.
func (s *LeadStore) recordPhotoBatch(ctx context.Context, r domain.PhotoRecord, stmts []statement) error {
	var q strings.Builder
	q.WriteString("SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\nSTART TRANSACTION;\n")
	var args []any
	for _, st := range stmts {
		q.WriteString(st.sql)
		q.WriteString(";\n")
		if st.counts {
			q.WriteString("SET @xz_counted = ROW_COUNT();\n")
		}
		args = append(args, st.args...)
	}
	q.WriteString("COMMIT;\nSELECT @xz_counted")

	conn, err := s.batch.Conn(ctx)
	if err != nil {
		return translate(err, "photo %s", r.Photo.ID)
	}
	defer func() { _ = conn.Close() }()
	counted, err := queryLastInt(ctx, conn, q.String(), args...)
	if err != nil {
		if _, rerr := conn.ExecContext(ctx, "ROLLBACK"); rerr != nil {
			// The connection may still hold the transaction: never reuse
			// it (closing it rolls back what was not committed).
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return s.photoError(ctx, r, err)
	}
	if counted != 1 { // nothing was inserted: the transaction committed empty
		return s.notCounted(ctx, r)
	}
	return nil
}

// queryLastInt runs a query of several statements and returns the integer
// in the first column of the last row of the last result.
func queryLastInt(ctx context.Context, conn *sql.Conn, q string, args ...any) (int64, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer func() { _ = rows.Close() }()
	var n sql.NullInt64
	for {
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				return 0, err
			}
		}
		if !rows.NextResultSet() {
			break
		}
	}
	return n.Int64, rows.Err()
}

// photoError translates an error of RecordPhoto: a photo id already taken
// is EConflict, a lead that does not exist ENotFound.
func (s *LeadStore) photoError(ctx context.Context, r domain.PhotoRecord, err error) error {
	if t, ok := s.db.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	err = translate(err, "photo %s of lead %s", r.Photo.ID, r.Photo.LeadID)
	if domain.IsCode(err, domain.EValidation) { // a foreign key: is the lead there?
		if _, gerr := s.GetLead(ctx, r.Photo.LeadID); gerr != nil {
			return gerr
		}
	}
	return err
}

// notCounted is the error of a photo its lead did not take.
func (s *LeadStore) notCounted(ctx context.Context, r domain.PhotoRecord) error {
	if _, err := s.GetLead(ctx, r.Photo.LeadID); err != nil {
		return err
	}
	return domain.Errorf(domain.EConflict, "lead %s takes no more photos (it has %d, or is no longer open for them)", r.Photo.LeadID, r.MaxPhotos)
}

// UpdatePhotoProcessing implements domain.LeadStore. It writes the fields
// processing may fill in, whatever they were: running it twice with the
// same outcome changes nothing.
func (s *LeadStore) UpdatePhotoProcessing(ctx context.Context, p domain.Photo) error {
	set := map[string]any{
		"processing":       string(p.Processing),
		"processing_error": nullable(p.ProcessingError),
		"thumb_key":        nullable(p.ThumbKey),
		"width":            p.Width,
		"height":           p.Height,
		"taken_at":         nullableTime(p.TakenAt),
		"gps_lat":          nil,
		"gps_lng":          nil,
	}
	if p.GPS != nil {
		set["gps_lat"], set["gps_lng"] = p.GPS.Lat, p.GPS.Lng
	}
	res := s.db.WithContext(ctx).Model(&photoRow{}).Where("id = ? AND lead_id = ?", p.ID, p.LeadID).Updates(set)
	if err := res.Error; err != nil {
		return translate(err, "photo %s of lead %s", p.ID, p.LeadID)
	}
	if res.RowsAffected == 0 {
		// MySQL counts changed rows only: an update that changes nothing
		// (a job run twice) affects none, so look before saying not found.
		if _, err := s.GetPhoto(ctx, p.LeadID, p.ID); err != nil {
			return err
		}
	}
	return nil
}
