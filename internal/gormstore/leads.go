package gormstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

type leadRow struct {
	ID                 string `gorm:"primaryKey"`
	Ref                string
	ReporterID         string
	GridID             string
	VillageID          string
	TeamID             *string
	Kind               string
	Status             string
	Priority           int
	DebtorID           *string
	DebtorName         *string
	CaseNumber         *string
	Description        string
	Lat, Lng           *float64
	AccuracyM          *float64
	Crs                *string
	LocationFlag       *string
	CapturedAt         *time.Time
	ReceivedAt         time.Time
	Details            string
	Plate              *string
	PhotosExpected     int
	PhotosReceived     int
	ContentHash        string
	AssigneeID         *string
	DueAt              *time.Time
	RejectReason       *string
	DuplicateOf        *string
	Measure            *string
	MeasureDate        *string
	Outcome            *string
	AmountRecoveredFen *int64
	AcceptedAt         *time.Time
	ClosedAt           *time.Time
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (leadRow) TableName() string { return "leads" }

func leadToRow(l domain.Lead) (leadRow, error) {
	details := l.Details
	if details == nil {
		details = map[string]any{}
	}
	d, err := json.Marshal(details)
	if err != nil {
		return leadRow{}, err
	}
	r := leadRow{
		ID: l.ID, Ref: l.Ref, ReporterID: l.ReporterID, GridID: l.GridID, VillageID: l.VillageID, TeamID: nullable(l.TeamID),
		Kind: string(l.Kind), Status: string(l.Status), Priority: int(l.Priority), DebtorID: nullable(l.DebtorID),
		DebtorName: nullable(l.DebtorName), CaseNumber: nullable(l.CaseNumber), Description: l.Description,
		LocationFlag: nullable(l.LocationFlag), CapturedAt: nullableTime(l.CapturedAt), ReceivedAt: l.ReceivedAt.UTC(),
		Details: string(d), Plate: nullable(l.Plate), PhotosExpected: l.PhotosExpected, PhotosReceived: l.PhotosReceived,
		ContentHash: l.ContentHash, Version: l.Version, CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(),
		AssigneeID: nullable(l.AssigneeID), DueAt: nullableTime(l.DueAt), RejectReason: nullable(string(l.RejectReason)),
		DuplicateOf: nullable(l.DuplicateOf), Measure: nullable(string(l.Measure)), MeasureDate: nullable(l.MeasureDate),
		Outcome: nullable(l.Outcome), AmountRecoveredFen: l.AmountRecoveredFen,
		AcceptedAt: nullableTime(l.AcceptedAt), ClosedAt: nullableTime(l.ClosedAt),
	}
	if loc := l.Location; loc != nil {
		crs := string(loc.CRS)
		r.Lat, r.Lng, r.AccuracyM, r.Crs = &loc.Lat, &loc.Lng, &loc.AccuracyM, &crs
	}
	return r, nil
}

func (r leadRow) domain() (domain.Lead, error) {
	l := domain.Lead{
		ID: r.ID, Ref: r.Ref, ReporterID: r.ReporterID, GridID: r.GridID, VillageID: r.VillageID, TeamID: deref(r.TeamID),
		Kind: domain.LeadKind(r.Kind), Status: domain.LeadStatus(r.Status), Priority: domain.Priority(r.Priority), DebtorID: deref(r.DebtorID),
		DebtorName: deref(r.DebtorName), CaseNumber: deref(r.CaseNumber), Description: r.Description,
		LocationFlag: deref(r.LocationFlag), CapturedAt: derefTime(r.CapturedAt), ReceivedAt: r.ReceivedAt.UTC(),
		Plate: deref(r.Plate), PhotosExpected: r.PhotosExpected, PhotosReceived: r.PhotosReceived,
		ContentHash: r.ContentHash, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		AssigneeID: deref(r.AssigneeID), DueAt: derefTime(r.DueAt), RejectReason: domain.RejectReason(deref(r.RejectReason)),
		DuplicateOf: deref(r.DuplicateOf), Measure: domain.Measure(deref(r.Measure)), MeasureDate: deref(r.MeasureDate),
		Outcome: deref(r.Outcome), AmountRecoveredFen: r.AmountRecoveredFen,
		AcceptedAt: derefTime(r.AcceptedAt), ClosedAt: derefTime(r.ClosedAt),
	}
	if r.Lat != nil && r.Lng != nil {
		l.Location = &domain.Location{Lat: *r.Lat, Lng: *r.Lng, CRS: domain.CRS(deref(r.Crs))}
		if r.AccuracyM != nil {
			l.Location.AccuracyM = *r.AccuracyM
		}
	}
	if err := json.Unmarshal([]byte(r.Details), &l.Details); err != nil {
		return l, err
	}
	return l, nil
}

type photoRow struct {
	ID          string `gorm:"primaryKey"`
	LeadID      string
	ObjectKey   string
	ThumbKey    *string
	Sha256      string
	ContentType string
	Size        int64
	Width       int
	Height      int
	TakenAt     *time.Time
	GpsLat      *float64
	GpsLng      *float64
	CreatedAt   time.Time
	// Processing and ProcessingError: see photos.go.
	Processing      string
	ProcessingError *string
}

func (photoRow) TableName() string { return "lead_photos" }

func (r photoRow) domain() domain.Photo {
	p := domain.Photo{ID: r.ID, LeadID: r.LeadID, ObjectKey: r.ObjectKey, ThumbKey: deref(r.ThumbKey), SHA256: r.Sha256,
		ContentType: r.ContentType, Size: r.Size, Width: r.Width, Height: r.Height, TakenAt: derefTime(r.TakenAt), CreatedAt: r.CreatedAt.UTC(),
		Processing: domain.PhotoProcessing(r.Processing), ProcessingError: deref(r.ProcessingError)}
	if r.GpsLat != nil && r.GpsLng != nil {
		p.GPS = &domain.Location{Lat: *r.GpsLat, Lng: *r.GpsLng, CRS: domain.WGS84}
	}
	return p
}

type eventRow struct {
	ID         string `gorm:"primaryKey"`
	LeadID     string
	ActorID    string
	ActorRole  string
	Type       string
	FromStatus *string
	ToStatus   *string
	Note       *string
	Public     bool
	At         time.Time
}

func (eventRow) TableName() string { return "lead_events" }

type duplicateRow struct {
	LeadID  string `gorm:"primaryKey"`
	OtherID string `gorm:"primaryKey"`
	Reason  string `gorm:"primaryKey"`
}

func (duplicateRow) TableName() string { return "lead_duplicates" }

type sequenceRow struct {
	Year    int `gorm:"primaryKey"`
	LastSeq int
}

func (sequenceRow) TableName() string { return "lead_sequences" }

// LeadStore implements domain.LeadStore.
type LeadStore struct {
	db      *gorm.DB
	dialect Dialect
	batch   *sql.DB // MySQL, outside a transaction: RecordPhoto's pool (DB.batch)
}

var _ domain.LeadStore = (*LeadStore)(nil)

// Leads returns the lead store.
func (db *DB) Leads() *LeadStore {
	return &LeadStore{db: db.gorm, dialect: db.dialect, batch: db.batch}
}

// EnsureRefYear implements domain.LeadStore.
func (s *LeadStore) EnsureRefYear(ctx context.Context, year int) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&sequenceRow{Year: year, LastSeq: 0}).Error
	return translate(err, "reference counter %d", year)
}

// NextRef implements domain.LeadStore in one statement: MySQL's
// LAST_INSERT_ID(expr) hands the incremented value back to this connection,
// SQLite's RETURNING reads it; the row lock is held for that statement only.
func (s *LeadStore) NextRef(ctx context.Context, year int) (int, error) {
	var seq int64
	switch s.dialect {
	case MySQL:
		res, err := s.db.WithContext(ctx).Statement.ConnPool.ExecContext(ctx,
			"UPDATE lead_sequences SET last_seq = LAST_INSERT_ID(last_seq + 1) WHERE year = ?", year)
		if err != nil {
			return 0, translate(err, "reference counter %d", year)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return 0, fmt.Errorf("reference counter %d missing: call EnsureRefYear first", year)
		}
		if seq, err = res.LastInsertId(); err != nil {
			return 0, translate(err, "reference counter %d", year)
		}
	default:
		err := s.db.WithContext(ctx).Raw("UPDATE lead_sequences SET last_seq = last_seq + 1 WHERE year = ? RETURNING last_seq", year).Scan(&seq).Error
		if err != nil {
			return 0, translate(err, "reference counter %d", year)
		}
		if seq == 0 {
			return 0, fmt.Errorf("reference counter %d missing: call EnsureRefYear first", year)
		}
	}
	return int(seq), nil
}

// CreateLead implements domain.LeadStore.
func (s *LeadStore) CreateLead(ctx context.Context, l domain.Lead) error {
	row, err := leadToRow(l)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(st *LeadStore) error {
		if err := st.db.WithContext(ctx).Create(&row).Error; err != nil {
			return translate(err, "lead %s", l.ID)
		}
		return st.addCount(ctx, leadCountKey(row), 1)
	})
}

// GetLead implements domain.LeadStore.
func (s *LeadStore) GetLead(ctx context.Context, id string) (domain.Lead, error) {
	var row leadRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Lead{}, translate(err, "lead %s", id)
	}
	return row.domain()
}

// UpdateLead implements domain.LeadStore.
func (s *LeadStore) UpdateLead(ctx context.Context, l domain.Lead, version int) (domain.Lead, error) {
	row, err := leadToRow(l)
	if err != nil {
		return domain.Lead{}, err
	}
	var out domain.Lead
	err = s.inTx(ctx, func(st *LeadStore) error {
		var err error
		out, err = st.updateLead(ctx, l, row, version)
		return err
	})
	return out, err
}

// updateLead is UpdateLead inside a transaction: the lead's row is locked
// and its counting keys read before the UPDATE, to move its count in
// lead_counts when its grid, team, assignee or status change.
func (s *LeadStore) updateLead(ctx context.Context, l domain.Lead, row leadRow, version int) (domain.Lead, error) {
	var old leadRow
	lock := s.db.WithContext(ctx).Select("id", "grid_id", "team_id", "assignee_id", "kind", "status").Where("id = ?", l.ID)
	if s.dialect == MySQL { // SQLite's transactions take the database's write lock at BEGIN
		lock = lock.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := lock.Take(&old).Error; err != nil {
		return domain.Lead{}, translate(err, "lead %s", l.ID)
	}
	q := s.db.WithContext(ctx).Model(&leadRow{}).Where("id = ?", l.ID)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	res := q.Updates(map[string]any{
		"status": row.Status, "priority": row.Priority, "team_id": row.TeamID, "grid_id": row.GridID,
		"photos_expected": row.PhotosExpected, "photos_received": row.PhotosReceived, "details": row.Details,
		"assignee_id": row.AssigneeID, "due_at": row.DueAt, "reject_reason": row.RejectReason, "duplicate_of": row.DuplicateOf,
		"measure": row.Measure, "measure_date": row.MeasureDate, "outcome": row.Outcome, "amount_recovered_fen": row.AmountRecoveredFen,
		"accepted_at": row.AcceptedAt, "closed_at": row.ClosedAt,
		"case_number": row.CaseNumber, "debtor_id": row.DebtorID, "debtor_name": row.DebtorName,
		"version": gorm.Expr("version + 1"), "updated_at": l.UpdatedAt.UTC(),
	})
	if res.Error != nil {
		return domain.Lead{}, translate(res.Error, "update lead %s", l.ID)
	}
	if res.RowsAffected != 1 {
		if _, err := s.GetLead(ctx, l.ID); err != nil {
			return domain.Lead{}, err
		}
		return domain.Lead{}, domain.Errorf(domain.EPrecondition, "lead %s changed since version %d", l.ID, version)
	}
	moved := row
	moved.ID, moved.Kind = old.ID, old.Kind // the kind never changes here
	if err := s.moveCount(ctx, leadCountKey(old), leadCountKey(moved)); err != nil {
		return domain.Lead{}, err
	}
	return s.GetLead(ctx, l.ID)
}

// leadCursor is the keyset position of a lead list: newest first on
// (received_at, id), or in queue order on (priority, received_at, id).
type leadCursor struct {
	P  int       `json:"p,omitempty"`
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

// filtered applies a lead filter but its status and paging, the scope as
// one condition (the queue splits it: see queuePage).
func (s *LeadStore) filtered(ctx context.Context, f domain.LeadFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&leadRow{})
	switch {
	case f.GridIDs != nil && f.TeamID != "":
		q = q.Where("(grid_id IN ? OR team_id = ?)", nonEmpty(f.GridIDs), f.TeamID)
	case f.GridIDs != nil:
		q = q.Where("grid_id IN ?", nonEmpty(f.GridIDs))
	}
	return s.restricted(q, f)
}

// leadPages orders leads newest first; its cursors carry the priority
// too, for the queue's order (see queuePage).
var leadPages = keyset[leadRow, leadCursor]{
	columns: []string{"received_at", "id"},
	desc:    true,
	at:      func(r leadRow) leadCursor { return leadCursor{P: r.Priority, At: r.ReceivedAt.UTC(), ID: r.ID} },
	values:  func(c leadCursor) []any { return []any{c.At.UTC(), c.ID} },
}

// ListLeads implements domain.LeadStore with keyset pagination.
func (s *LeadStore) ListLeads(ctx context.Context, f domain.LeadFilter) ([]domain.Lead, string, error) {
	var rows []leadRow
	var next string
	var err error
	if f.Queue {
		rows, next, err = s.queueList(ctx, f)
	} else {
		q := s.filtered(ctx, f)
		if len(f.Statuses) > 0 {
			q = q.Where("status IN ?", statusStrings(f.Statuses))
		}
		rows, next, err = leadPages.list(q, f.Cursor, f.Limit, "list leads")
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.Lead, len(rows))
	for i, r := range rows {
		if out[i], err = r.domain(); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// queueList reads one page of the queue: its own query (queuePage), the
// keyset's page size and cursors.
func (s *LeadStore) queueList(ctx context.Context, f domain.LeadFilter) ([]leadRow, string, error) {
	limit := pageLimit(f.Limit)
	var c *leadCursor
	if f.Cursor != "" {
		c = new(leadCursor)
		if err := decodeCursor(f.Cursor, c); err != nil {
			return nil, "", err
		}
	}
	rows, err := s.queuePage(ctx, f, c, limit+1)
	if err != nil {
		return nil, "", err
	}
	rows, next := leadPages.cut(rows, limit)
	return rows, next, nil
}

// openStatuses are the statuses FindOpenLeads looks at.
var openStatuses = []string{string(domain.LeadSubmitted), string(domain.LeadNeedsInfo), string(domain.LeadAccepted), string(domain.LeadVerified), string(domain.LeadMeasuresTaken)}

// FindOpenLeads implements domain.LeadStore.
func (s *LeadStore) FindOpenLeads(ctx context.Context, excludeID, debtorID string, kind domain.LeadKind, plate string, since time.Time) ([]domain.Lead, error) {
	if debtorID == "" && plate == "" {
		return nil, nil
	}
	q := s.db.WithContext(ctx).Model(&leadRow{}).Where("id <> ? AND status IN ?", excludeID, openStatuses)
	switch {
	case debtorID != "" && plate != "":
		q = q.Where("((debtor_id = ? AND kind = ? AND received_at >= ?) OR plate = ?)", debtorID, string(kind), since.UTC(), plate)
	case debtorID != "":
		q = q.Where("debtor_id = ? AND kind = ? AND received_at >= ?", debtorID, string(kind), since.UTC())
	default:
		q = q.Where("plate = ?", plate)
	}
	var rows []leadRow
	if err := q.Order("received_at, id").Limit(20).Find(&rows).Error; err != nil {
		return nil, translate(err, "find open leads")
	}
	out := make([]domain.Lead, 0, len(rows))
	for _, r := range rows {
		l, err := r.domain()
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// AddDuplicates implements domain.LeadStore.
func (s *LeadStore) AddDuplicates(ctx context.Context, leadID string, ds []domain.PossibleDuplicate) error {
	for _, d := range ds {
		row := duplicateRow{LeadID: leadID, OtherID: d.LeadID, Reason: d.Reason}
		err := s.db.WithContext(ctx).Create(&row).Error
		if err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
			return translate(err, "duplicates of lead %s", leadID)
		}
	}
	return nil
}

// Duplicates implements domain.LeadStore.
func (s *LeadStore) Duplicates(ctx context.Context, leadID string) ([]domain.PossibleDuplicate, error) {
	m, err := s.DuplicatesOf(ctx, []string{leadID})
	return m[leadID], err
}

// DuplicatesOf implements domain.LeadStore in one query.
func (s *LeadStore) DuplicatesOf(ctx context.Context, leadIDs []string) (map[string][]domain.PossibleDuplicate, error) {
	out := map[string][]domain.PossibleDuplicate{}
	if len(leadIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		LeadID, OtherID, Ref, Reason string
		GridID, TeamID, ReporterID   string
	}
	err := s.db.WithContext(ctx).Table("lead_duplicates d").Select("d.lead_id, d.other_id, l.ref, d.reason, l.grid_id, l.team_id, l.reporter_id").
		Joins("JOIN leads l ON l.id = d.other_id").Where("d.lead_id IN ?", leadIDs).Order("d.lead_id, l.received_at, d.reason").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "duplicates of %d leads", len(leadIDs))
	}
	for _, r := range rows {
		out[r.LeadID] = append(out[r.LeadID], domain.PossibleDuplicate{LeadID: r.OtherID, Ref: r.Ref, Reason: r.Reason,
			GridID: r.GridID, TeamID: r.TeamID, ReporterID: r.ReporterID})
	}
	return out, nil
}

// AddEvent implements domain.LeadStore.
func (s *LeadStore) AddEvent(ctx context.Context, e domain.LeadEvent) error {
	row := newEventRow(e)
	return translate(s.db.WithContext(ctx).Create(&row).Error, "event of lead %s", e.LeadID)
}

func newEventRow(e domain.LeadEvent) eventRow {
	return eventRow{ID: e.ID, LeadID: e.LeadID, ActorID: e.ActorID, ActorRole: string(e.ActorRole), Type: e.Type,
		FromStatus: nullable(string(e.FromStatus)), ToStatus: nullable(string(e.ToStatus)), Note: nullable(e.Note), Public: e.Public, At: e.At.UTC()}
}

// Events implements domain.LeadStore.
func (s *LeadStore) Events(ctx context.Context, leadID string, publicOnly bool) ([]domain.LeadEvent, error) {
	q := s.db.WithContext(ctx).Where("lead_id = ?", leadID)
	if publicOnly {
		q = q.Where("public = ?", true)
	}
	var rows []eventRow
	if err := q.Order("at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "events of lead %s", leadID)
	}
	out := make([]domain.LeadEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.LeadEvent{ID: r.ID, LeadID: r.LeadID, ActorID: r.ActorID, ActorRole: domain.Role(r.ActorRole), Type: r.Type,
			FromStatus: domain.LeadStatus(deref(r.FromStatus)), ToStatus: domain.LeadStatus(deref(r.ToStatus)), Note: deref(r.Note), Public: r.Public, At: r.At.UTC()}
	}
	return out, nil
}

func newPhotoRow(p domain.Photo) photoRow {
	row := photoRow{ID: p.ID, LeadID: p.LeadID, ObjectKey: p.ObjectKey, ThumbKey: nullable(p.ThumbKey), Sha256: p.SHA256,
		ContentType: p.ContentType, Size: p.Size, Width: p.Width, Height: p.Height, TakenAt: nullableTime(p.TakenAt), CreatedAt: p.CreatedAt.UTC(),
		Processing: string(p.Processing), ProcessingError: nullable(p.ProcessingError)}
	if p.GPS != nil {
		row.GpsLat, row.GpsLng = &p.GPS.Lat, &p.GPS.Lng
	}
	return row
}

// GetPhoto implements domain.LeadStore.
func (s *LeadStore) GetPhoto(ctx context.Context, leadID, photoID string) (domain.Photo, error) {
	var row photoRow
	if err := s.db.WithContext(ctx).Where("id = ? AND lead_id = ?", photoID, leadID).Take(&row).Error; err != nil {
		return domain.Photo{}, translate(err, "photo %s of lead %s", photoID, leadID)
	}
	return row.domain(), nil
}

// Photos implements domain.LeadStore.
func (s *LeadStore) Photos(ctx context.Context, leadID string) ([]domain.Photo, error) {
	var rows []photoRow
	if err := s.db.WithContext(ctx).Where("lead_id = ?", leadID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "photos of lead %s", leadID)
	}
	out := make([]domain.Photo, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
