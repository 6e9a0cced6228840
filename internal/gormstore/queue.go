package gormstore

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// The officers' queue at a million leads (docs/benchmarks.md, "Queue and
// results at 1,000,000 leads"). A caller's scope is "the leads of these
// grids, or in my team's queue"; an OR of the two lets no index give the
// queue order, so the database would read and sort every lead of the grid
// for a page of 50. Instead a page is a UNION ALL of small ordered index
// ranges, each cut at the page size:
//
//   - one branch per grid in scope and per status asked for (every status
//     when none is): grid_id = ? AND status = ? ORDER BY priority,
//     received_at, id LIMIT n, which ix_leads_queue (or ix_leads_kind with
//     one kind, ix_leads_assignee with an assignee) answers in order, from
//     the index alone when no other filter needs the row;
//   - one branch for the team's queue outside those grids (re-routed leads,
//     normally few): team_id = ? AND grid_id NOT IN (…), which
//     ix_leads_team (team_id, grid_id, …) narrows to exactly those;
//
// the union is ordered and cut again, and only then are the page's rows
// read, by primary key. Counts per status come from lead_counts (kept by
// the store: counts.go), when the filter is the scope with kinds and an assignee at
// most; otherwise from COUNT(*) over each half of the scope, grouped by
// status.

// maxBranches bounds how many ordered ranges one page may union; past it a
// grid's statuses (then kinds) share one range and the database sorts.
const maxBranches = 100

// queueOrder is the queue order on the columns the branches select.
const queueOrder = "priority, received_at, id"

// queueScope is the caller's scope split into its grids and the team's
// queue outside them.
type queueScope struct {
	grids []string // one ordered branch each
	team  string   // "" for no team branch
	other []string // the grids the team branch excludes
}

// scopeOf splits f's scope. Without a grid list (admin, auditor) every grid
// is in scope, and its grids are read from the grids table (ten).
func (s *LeadStore) scopeOf(ctx context.Context, f domain.LeadFilter) (queueScope, error) {
	var sc queueScope
	switch {
	case f.GridIDs != nil:
		sc.grids = nonEmpty(f.GridIDs)
		if f.TeamID != "" {
			sc.team, sc.other = f.TeamID, sc.grids
		}
	case f.GridID != "":
		sc.grids = []string{f.GridID}
	default:
		if err := s.db.WithContext(ctx).Table("grids").Order("id").Pluck("id", &sc.grids).Error; err != nil {
			return sc, translate(err, "list grids")
		}
	}
	if f.GridID != "" {
		if slices.Contains(sc.grids, f.GridID) {
			sc.grids, sc.team = []string{f.GridID}, "" // the team branch excludes this grid
		} else {
			sc.grids = nil // only re-routed leads of that grid can be in the team's queue
		}
	}
	return sc, nil
}

// restricted applies f but for its scope, status and paging.
func (s *LeadStore) restricted(q *gorm.DB, f domain.LeadFilter) *gorm.DB {
	if f.ReporterID != "" {
		q = q.Where("reporter_id = ?", f.ReporterID)
	}
	if len(f.Kinds) > 0 {
		q = q.Where("kind IN ?", kindStrings(f.Kinds))
	}
	if f.GridID != "" {
		q = q.Where("grid_id = ?", f.GridID)
	}
	if f.VillageID != "" {
		q = q.Where("village_id = ?", f.VillageID)
	}
	switch {
	case f.Unassigned:
		q = q.Where("assignee_id IS NULL")
	case f.AssigneeID != "":
		q = q.Where("assignee_id = ?", f.AssigneeID)
	}
	if !f.From.IsZero() {
		q = q.Where("received_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("received_at < ?", f.To.UTC())
	}
	if f.Overdue {
		q = q.Where("status = ? AND due_at < ?", string(domain.LeadAccepted), f.Now.UTC())
	}
	if f.Flagged {
		q = q.Where("EXISTS (SELECT 1 FROM lead_duplicates d WHERE d.lead_id = leads.id)")
	}
	if f.Text != "" {
		like := "%" + escapeLike(f.Text) + "%"
		q = q.Where("(description LIKE ? ESCAPE '!' OR debtor_name LIKE ? ESCAPE '!' OR ref LIKE ? ESCAPE '!')", like, like, like)
	}
	return q
}

// queueStatuses are the statuses a queue page looks at: those asked for,
// else all; an overdue lead is accepted.
func queueStatuses(f domain.LeadFilter) []string {
	want := f.Statuses
	if len(want) == 0 {
		want = domain.LeadStatuses
	}
	var out []string
	for _, st := range want {
		if (!f.Overdue || st == domain.LeadAccepted) && !slices.Contains(out, string(st)) {
			out = append(out, string(st))
		}
	}
	return out
}

// queuePage returns up to limit leads of f's queue after the cursor c (nil
// for the first page), in queue order.
func (s *LeadStore) queuePage(ctx context.Context, f domain.LeadFilter, c *leadCursor, limit int) ([]leadRow, error) {
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return nil, err
	}
	statuses := queueStatuses(f)
	if len(statuses) == 0 {
		return nil, nil
	}
	// One range per (grid, status[, kind]) while that stays under
	// maxBranches; the equality columns lead an index with the queue order
	// after them.
	type split struct {
		statuses bool
		kinds    bool
	}
	sp := split{statuses: len(sc.grids)*len(statuses) <= maxBranches}
	sp.kinds = sp.statuses && len(f.Kinds) > 1 && len(sc.grids)*len(statuses)*len(f.Kinds) <= maxBranches
	branch := func(index string) *gorm.DB {
		table := "leads"
		if s.dialect == MySQL {
			// The index each branch is built for: the optimizer would
			// weigh every index of leads for every branch, which costs
			// more than running them.
			table = "leads FORCE INDEX (" + index + ")"
		}
		q := s.db.WithContext(ctx).Table(table).Select("id, priority, received_at")
		q = s.restricted(q, f)
		if c != nil {
			q = q.Where("(priority > ? OR (priority = ? AND (received_at > ? OR (received_at = ? AND id > ?))))",
				c.P, c.P, c.At.UTC(), c.At.UTC(), c.ID)
		}
		return q
	}
	// A grid's branches: by assignee (or none) when one is asked for, else
	// by kind when kinds are, else by status alone.
	gridIndex := "ix_leads_queue"
	switch {
	case f.AssigneeID != "" || f.Unassigned:
		gridIndex = "ix_leads_assignee"
	case len(f.Kinds) == 1 || sp.kinds:
		gridIndex = "ix_leads_kind"
	}
	var parts []any
	for _, g := range sc.grids {
		if !sp.statuses {
			parts = append(parts, branch(gridIndex).Where("grid_id = ? AND status IN ?", g, statuses))
			continue
		}
		for _, st := range statuses {
			if !sp.kinds {
				parts = append(parts, branch(gridIndex).Where("grid_id = ? AND status = ?", g, st))
				continue
			}
			for _, k := range f.Kinds {
				parts = append(parts, branch(gridIndex).Where("grid_id = ? AND status = ? AND kind = ?", g, st, string(k)))
			}
		}
	}
	if sc.team != "" {
		parts = append(parts, branch("ix_leads_team").Where("team_id = ? AND grid_id NOT IN ? AND status IN ?", sc.team, sc.other, statuses))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return s.unionPage(ctx, parts, limit)
}

// unionPage runs the branches of a queue page (each a *gorm.DB) as one
// UNION ALL of their first limit keys, and reads the leads of the first
// limit of those in queue order.
func (s *LeadStore) unionPage(ctx context.Context, parts []any, limit int) ([]leadRow, error) {
	var sql strings.Builder
	sql.WriteString("SELECT leads.* FROM leads JOIN (")
	for i, p := range parts {
		parts[i] = p.(*gorm.DB).Order(queueOrder).Limit(limit)
		if i > 0 {
			sql.WriteString(" UNION ALL ")
		}
		sql.WriteString("SELECT id, priority, received_at FROM (?) AS b")
	}
	sql.WriteString(" ORDER BY " + queueOrder + " LIMIT ?) AS k ON k.id = leads.id ORDER BY leads.priority, leads.received_at, leads.id")
	var rows []leadRow
	if err := s.db.WithContext(ctx).Raw(sql.String(), append(parts, limit)...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "queue page")
	}
	return rows, nil
}

// countable reports whether f is a scope, kinds, an assignee (or
// "unassigned") and statuses only, whose counts lead_counts holds.
func countable(f domain.LeadFilter) bool {
	return f.ReporterID == "" && f.VillageID == "" && f.From.IsZero() && f.To.IsZero() && !f.Overdue && !f.Flagged && f.Text == ""
}

// CountLeads implements domain.LeadStore: the leads of f per status (its
// status filter aside).
func (s *LeadStore) CountLeads(ctx context.Context, f domain.LeadFilter) (map[domain.LeadStatus]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	var err error
	switch {
	case countable(f):
		// As for the leads, the scope's OR would make the database read
		// all of lead_counts; each half is a range of its own.
		kept := func() *gorm.DB {
			q := s.db.WithContext(ctx).Table("lead_counts").Select("status, SUM(n) AS n").Group("status")
			if f.GridID != "" {
				q = q.Where("grid_id = ?", f.GridID)
			}
			if len(f.Kinds) > 0 {
				q = q.Where("kind IN ?", kindStrings(f.Kinds))
			}
			switch {
			case f.Unassigned:
				q = q.Where("assignee_id = ''")
			case f.AssigneeID != "":
				q = q.Where("assignee_id = ?", f.AssigneeID)
			}
			return q
		}
		switch {
		case f.GridIDs != nil && f.TeamID != "":
			grids := nonEmpty(f.GridIDs)
			err = s.db.WithContext(ctx).Raw("SELECT status, SUM(n) AS n FROM (SELECT status, n FROM (?) AS g UNION ALL SELECT status, n FROM (?) AS t) AS c GROUP BY status",
				kept().Where("grid_id IN ?", grids), kept().Where("team_id = ? AND grid_id NOT IN ?", f.TeamID, grids)).Scan(&rows).Error
		case f.GridIDs != nil:
			err = kept().Where("grid_id IN ?", nonEmpty(f.GridIDs)).Scan(&rows).Error
		default:
			err = kept().Scan(&rows).Error
		}
	case f.GridIDs == nil:
		err = s.restricted(s.db.WithContext(ctx).Model(&leadRow{}), f).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	default:
		// The scope's two halves counted apart, each on its own index range.
		count := func() *gorm.DB {
			return s.restricted(s.db.WithContext(ctx).Model(&leadRow{}), f).Select("status, COUNT(*) AS n").Group("status")
		}
		grids := nonEmpty(f.GridIDs)
		parts := []any{count().Where("grid_id IN ?", grids)}
		sql := "SELECT status, SUM(n) AS n FROM (SELECT status, n FROM (?) AS g"
		if f.TeamID != "" {
			parts = append(parts, count().Where("team_id = ? AND grid_id NOT IN ?", f.TeamID, grids))
			sql += " UNION ALL SELECT status, n FROM (?) AS t"
		}
		err = s.db.WithContext(ctx).Raw(sql+") AS c GROUP BY status", parts...).Scan(&rows).Error
	}
	if err != nil {
		return nil, translate(err, "count leads")
	}
	out := map[domain.LeadStatus]int64{}
	for _, r := range rows {
		if r.N != 0 {
			out[domain.LeadStatus(r.Status)] = r.N
		}
	}
	return out, nil
}

// kindStrings is kinds as the strings stored in the kind columns.
func kindStrings(kinds []domain.LeadKind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}
