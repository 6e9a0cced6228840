package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// StatsStore implements domain.StatsStore with GROUP BY queries in SQL
// that MySQL and SQLite both run: no date functions, times are compared as
// parameters and subtracted in Go.
type StatsStore struct {
	db      *gorm.DB
	dialect Dialect
}

var _ domain.StatsStore = (*StatsStore)(nil)

// Stats returns the statistics store.
func (db *DB) Stats() *StatsStore { return &StatsStore{db: db.gorm, dialect: db.dialect} }

// statusStrings converts statuses for an IN clause.
func statusStrings(s []domain.LeadStatus) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

// inGrids restricts q to the filter's grids on column col.
func inGrids(q *gorm.DB, col string, f domain.StatsFilter) *gorm.DB {
	if f.GridIDs == nil {
		return q
	}
	return q.Where(col+" IN ?", nonEmpty(f.GridIDs))
}

// received selects the leads received in the filter's range and grids;
// ix_leads_stats (grid_id, received_at, status, kind, accepted_at,
// closed_at) serves it without reading the rows.
func (s *StatsStore) received(ctx context.Context, f domain.StatsFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Table("leads").Where("leads.received_at >= ? AND leads.received_at < ?", f.From.UTC(), f.To.UTC())
	return inGrids(q, "leads.grid_id", f)
}

// LeadCounts implements domain.StatsStore. The leads are read in the order
// of ix_leads_kind (grid_id, kind, status, …, received_at, …), so that the
// database counts each (grid, kind, status) group as it streams past,
// filtering received_at in the index entry: it reads all of a grid's
// entries (a year is half of two years' leads), but it needs neither a
// temporary table nor a sort, which for the year's 50,000 leads of a grid
// cost several times more (docs/benchmarks.md).
func (s *StatsStore) LeadCounts(ctx context.Context, f domain.StatsFilter) ([]domain.GridLeadCount, error) {
	table := "leads FORCE INDEX (ix_leads_kind)"
	if s.dialect == SQLite {
		table = "leads INDEXED BY ix_leads_kind"
	}
	q := s.db.WithContext(ctx).Table(table).Where("leads.received_at >= ? AND leads.received_at < ?", f.From.UTC(), f.To.UTC())
	rows, err := inGrids(q, "leads.grid_id", f).Select("leads.grid_id, leads.kind, leads.status, COUNT(*)").
		Group("leads.grid_id, leads.kind, leads.status").Rows()
	if err != nil {
		return nil, translate(err, "count leads by grid")
	}
	defer rows.Close()
	var out []domain.GridLeadCount
	for rows.Next() {
		var c domain.GridLeadCount
		if err := rows.Scan(&c.GridID, &c.Kind, &c.Status, &c.N); err != nil {
			return nil, translate(err, "count leads by grid")
		}
		out = append(out, c)
	}
	return out, translate(rows.Err(), "count leads by grid")
}

// OverdueCounts implements domain.StatsStore; ix_leads_queue (grid_id,
// status, …) finds the accepted leads of a grid.
func (s *StatsStore) OverdueCounts(ctx context.Context, f domain.StatsFilter) (map[string]int64, error) {
	var rows []struct {
		GridID string
		N      int64
	}
	q := s.db.WithContext(ctx).Table("leads").Where("status = ? AND due_at < ?", string(domain.LeadAccepted), f.Now.UTC())
	if err := inGrids(q, "grid_id", f).Select("grid_id, COUNT(*) AS n").Group("grid_id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "count overdue leads")
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.GridID] = r.N
	}
	return out, nil
}

// Milestones implements domain.StatsStore: the leads received in the range
// that were ever accepted, with when they were first accepted and (if
// closed) last closed, kept on the lead by every transition.
func (s *StatsStore) Milestones(ctx context.Context, f domain.StatsFilter) ([]domain.LeadMilestones, error) {
	// Scanned by hand: a year of a grid is tens of thousands of rows, and
	// gorm's reflection would cost more than the query.
	rows, err := s.received(ctx, f).
		Select("leads.grid_id, leads.status, leads.received_at, leads.accepted_at, leads.closed_at").
		Where("leads.accepted_at IS NOT NULL").Rows()
	if err != nil {
		return nil, translate(err, "lead milestones")
	}
	defer rows.Close()
	var out []domain.LeadMilestones
	for rows.Next() {
		var m domain.LeadMilestones
		var closed *time.Time
		if err := rows.Scan(&m.GridID, &m.Status, &m.ReceivedAt, &m.AcceptedAt, &closed); err != nil {
			return nil, translate(err, "lead milestones")
		}
		m.ReceivedAt, m.AcceptedAt = m.ReceivedAt.UTC(), m.AcceptedAt.UTC()
		if closed != nil && m.Status == domain.LeadClosed {
			m.ClosedAt = closed.UTC()
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "lead milestones")
	}
	return out, nil
}

// closedIn restricts q (over leads) to the leads closed now whose last
// closing happened in the filter's range (a lead reopened and closed again
// counts when it was closed for good); ix_leads_closed (grid_id, status,
// closed_at, amount_recovered_fen) serves it.
func closedIn(q *gorm.DB, f domain.StatsFilter) *gorm.DB {
	return q.Where("leads.status = ? AND leads.closed_at >= ? AND leads.closed_at < ?", string(domain.LeadClosed), f.From.UTC(), f.To.UTC())
}

// RecoveredByGrid implements domain.StatsStore.
func (s *StatsStore) RecoveredByGrid(ctx context.Context, f domain.StatsFilter) (map[string]int64, error) {
	var rows []struct {
		GridID string
		Fen    int64
	}
	q := inGrids(s.db.WithContext(ctx).Table("leads"), "leads.grid_id", f)
	err := closedIn(q, f).Select("leads.grid_id AS grid_id, COALESCE(SUM(leads.amount_recovered_fen), 0) AS fen").
		Group("leads.grid_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "amount recovered by grid")
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.GridID] = r.Fen
	}
	return out, nil
}

// AssistantActivity implements domain.StatsStore: the assistants of the
// grids, each joined with the aggregates of their leads (by reporter,
// wherever the lead was routed; ix_leads_reporter serves the range).
func (s *StatsStore) AssistantActivity(ctx context.Context, f domain.StatsFilter) ([]domain.AssistantActivity, error) {
	db := s.db.WithContext(ctx)
	supplied := db.Table("leads").
		Select("reporter_id, COUNT(*) AS supplied, "+
			"SUM(CASE WHEN status IN ? THEN 1 ELSE 0 END) AS accepted, "+
			"SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS duplicates",
			statusStrings(domain.AcceptedOrBeyond), string(domain.LeadDuplicate)).
		Where("received_at >= ? AND received_at < ?", f.From.UTC(), f.To.UTC()).
		Group("reporter_id")
	recovered := closedIn(db.Table("leads"), f).
		Select("leads.reporter_id AS reporter_id, SUM(leads.amount_recovered_fen) AS fen").
		Group("leads.reporter_id")
	var rows []struct {
		UserID      string
		Name        string
		Status      string
		VillageID   string
		VillageName string
		GridID      string
		GridName    string
		Supplied    int64
		Accepted    int64
		Duplicates  int64
		Fen         int64
	}
	q := db.Table("users u").
		Select("u.id AS user_id, u.name AS name, u.status AS status, v.id AS village_id, v.name AS village_name, "+
			"g.id AS grid_id, g.name AS grid_name, COALESCE(a.supplied, 0) AS supplied, COALESCE(a.accepted, 0) AS accepted, "+
			"COALESCE(a.duplicates, 0) AS duplicates, COALESCE(r.fen, 0) AS fen").
		Joins("JOIN villages v ON v.id = u.village_id").
		Joins("JOIN grids g ON g.id = v.grid_id").
		Joins("LEFT JOIN (?) a ON a.reporter_id = u.id", supplied).
		Joins("LEFT JOIN (?) r ON r.reporter_id = u.id", recovered).
		Where("u.role = ?", string(domain.RoleAssistant))
	if err := inGrids(q, "v.grid_id", f).Scan(&rows).Error; err != nil {
		return nil, translate(err, "assistant activity")
	}
	out := make([]domain.AssistantActivity, len(rows))
	for i, r := range rows {
		out[i] = domain.AssistantActivity{UserID: r.UserID, Name: r.Name, Status: domain.UserStatus(r.Status), VillageID: r.VillageID,
			VillageName: r.VillageName, GridID: r.GridID, GridName: r.GridName, Supplied: r.Supplied, Accepted: r.Accepted,
			Duplicates: r.Duplicates, AmountRecoveredFen: r.Fen}
	}
	return out, nil
}
