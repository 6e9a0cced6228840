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

// Received implements domain.StatsStore in one pass over the leads
// received in the range, read from ix_leads_stats (grid_id, received_at,
// status, kind, accepted_at, closed_at) without touching the rows: the
// counts by status and kind and the durations for the medians come from
// the same index entries, streamed and added up here. A grid's year at a
// million leads is 50,000 entries (docs/benchmarks.md); counting them in
// SQL as well would make the database group them in a temporary table.
// MySQL subtracts the times itself (the driver then parses no times).
func (s *StatsStore) Received(ctx context.Context, f domain.StatsFilter) (domain.ReceivedLeads, error) {
	out := domain.ReceivedLeads{ToAccept: map[string][]int64{}, ToClose: map[string][]int64{}}
	cols := "grid_id, status, kind, received_at, accepted_at, closed_at"
	if s.dialect == MySQL {
		cols = "grid_id, status, kind, TIMESTAMPDIFF(MICROSECOND, received_at, accepted_at), TIMESTAMPDIFF(MICROSECOND, received_at, closed_at)"
	}
	q := s.db.WithContext(ctx).Table("leads").Select(cols).Where("received_at >= ? AND received_at < ?", f.From.UTC(), f.To.UTC())
	rows, err := inGrids(q, "grid_id", f).Rows()
	if err != nil {
		return out, translate(err, "leads received")
	}
	defer rows.Close()
	type key struct {
		grid   string
		status domain.LeadStatus
		kind   domain.LeadKind
	}
	counts := map[key]int64{}
	var k key
	var toAccept, toClose *int64
	var received time.Time
	var accepted, closed *time.Time
	for rows.Next() {
		if s.dialect == MySQL {
			err = rows.Scan(&k.grid, &k.status, &k.kind, &toAccept, &toClose)
		} else {
			err = rows.Scan(&k.grid, &k.status, &k.kind, &received, &accepted, &closed)
			toAccept, toClose = since(received, accepted), since(received, closed)
		}
		if err != nil {
			return out, translate(err, "leads received")
		}
		counts[k]++
		if toAccept != nil {
			out.ToAccept[k.grid] = append(out.ToAccept[k.grid], *toAccept/1e6)
		}
		if toClose != nil && k.status == domain.LeadClosed {
			out.ToClose[k.grid] = append(out.ToClose[k.grid], *toClose/1e6)
		}
	}
	if err := rows.Err(); err != nil {
		return out, translate(err, "leads received")
	}
	for k, n := range counts {
		out.Counts = append(out.Counts, domain.GridLeadCount{GridID: k.grid, Status: k.status, Kind: k.kind, N: n})
	}
	return out, nil
}

// since returns the microseconds from a to b, or nil when b is nil.
func since(a time.Time, b *time.Time) *int64 {
	if b == nil {
		return nil
	}
	us := b.Sub(a).Microseconds()
	return &us
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
