package gormstore

import (
	"cmp"
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// lead_counts (migrations/*/0009_baseline.sql) holds the number of leads per grid, team
// ('' for none), assignee ('' for none), kind, status and slot, for the
// queue's status counts (queue.go). The store keeps it exact in the
// transaction of every change of a lead's keys, CreateLead and UpdateLead;
// no trigger does it, so that the SQL stays portable to MySQL-compatible
// databases without triggers (docs/architecture.md, "Scale";
// docs/decisions/0005-lead-counts-kept-by-the-store.md). Each count is split over 16 slots, from the last
// character of the lead id, so that concurrent submissions of one kind to
// one grid rarely wait for one row lock.

// countKey is the row of lead_counts a lead counts in.
type countKey struct {
	grid, team, assignee, kind, status string
	slot                               int
}

// leadCountKey is the key of a lead row (its id, grid, team, assignee, kind
// and status must be set). The slot is the ASCII code of the id's last
// character modulo 16, the same for upper- and lower-case hex digits.
func leadCountKey(r leadRow) countKey {
	k := countKey{grid: r.GridID, team: deref(r.TeamID), assignee: deref(r.AssigneeID), kind: r.Kind, status: r.Status}
	if r.ID != "" {
		k.slot = int(r.ID[len(r.ID)-1]) % 16
	}
	return k
}

func (k countKey) compare(o countKey) int {
	return cmp.Or(cmp.Compare(k.grid, o.grid), cmp.Compare(k.team, o.team), cmp.Compare(k.assignee, o.assignee),
		cmp.Compare(k.kind, o.kind), cmp.Compare(k.status, o.status), cmp.Compare(k.slot, o.slot))
}

type leadCountRow struct {
	GridID     string `gorm:"primaryKey"`
	TeamID     string `gorm:"primaryKey"`
	AssigneeID string `gorm:"primaryKey"`
	Kind       string `gorm:"primaryKey"`
	Status     string `gorm:"primaryKey"`
	Slot       int    `gorm:"primaryKey"`
	N          int64
}

func (leadCountRow) TableName() string { return "lead_counts" }

// addCount adds d to the count of k, creating its row.
func (s *LeadStore) addCount(ctx context.Context, k countKey, d int) error {
	row := leadCountRow{GridID: k.grid, TeamID: k.team, AssigneeID: k.assignee, Kind: k.kind, Status: k.status, Slot: k.slot, N: int64(d)}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "grid_id"}, {Name: "team_id"}, {Name: "assignee_id"}, {Name: "kind"}, {Name: "status"}, {Name: "slot"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("lead_counts.n + ?", d)}),
	}).Create(&row).Error
	return translate(err, "lead counts")
}

// moveCount counts a lead under to instead of from. The two rows are
// changed in key order, so that two transactions moving leads between the
// same keys in opposite directions (submitted to needs_info and back) wait
// for each other instead of deadlocking.
func (s *LeadStore) moveCount(ctx context.Context, from, to countKey) error {
	if from == to {
		return nil
	}
	first, second := from, to
	d1, d2 := -1, 1
	if to.compare(from) < 0 {
		first, second, d1, d2 = to, from, 1, -1
	}
	if err := s.addCount(ctx, first, d1); err != nil {
		return err
	}
	return s.addCount(ctx, second, d2)
}

// inTx runs fn with a store inside a transaction: s itself when it already
// is in one (the caller's transaction decides, without a savepoint), else
// a new transaction.
func (s *LeadStore) inTx(ctx context.Context, fn func(*LeadStore) error) error {
	if _, ok := s.db.Statement.ConnPool.(gorm.TxCommitter); ok {
		return fn(s)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&LeadStore{db: tx, dialect: s.dialect})
	})
}
