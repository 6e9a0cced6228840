package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
	"github.com/zhengning-court/xiezhi/internal/gormstore"
)

// world is what the lead rows of the queue measurement refer to.
type world struct {
	grids      []gridInfo
	home       int // index of the officer's grid
	officerID  string
	reporterID string // the demo assistant
}

type gridInfo struct {
	id, name, team string
	villages       []string
}

// loadWorld reads the demo officer, the demo assistant and the grids with
// their teams and villages.
func loadWorld(ctx context.Context, db *sql.DB, officerPhone string) (world, error) {
	var w world
	var officerTeam string
	if err := db.QueryRowContext(ctx, "SELECT id, team_id FROM users WHERE phone = ?", officerPhone).Scan(&w.officerID, &officerTeam); err != nil {
		return w, fmt.Errorf("demo officer: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT id FROM users WHERE role = 'assistant' ORDER BY phone LIMIT 1").Scan(&w.reporterID); err != nil {
		return w, fmt.Errorf("demo assistant: %w", err)
	}
	grids, err := queryRows(ctx, db, 3, "SELECT g.id, g.name, COALESCE(MIN(tg.team_id), '') FROM grids g LEFT JOIN team_grids tg ON tg.grid_id = g.id GROUP BY g.id, g.name, g.code ORDER BY g.code")
	if err != nil {
		return w, err
	}
	w.home = -1
	for i, r := range grids {
		g := gridInfo{id: r[0], name: r[1], team: r[2]}
		if g.team == "" {
			return w, fmt.Errorf("grid %s has no team (the demo data should give every grid one)", g.name)
		}
		if g.villages, err = gridVillages(ctx, db, g); err != nil {
			return w, err
		}
		if g.team == officerTeam {
			w.home = i
		}
		w.grids = append(w.grids, g)
	}
	if w.home < 0 {
		return w, errors.New("the demo officer's team serves no grid")
	}
	return w, nil
}

// gridVillages lists a grid's villages. Grids the reference data lists
// without villages get one (the township seat), so that their leads have
// somewhere to be.
func gridVillages(ctx context.Context, db *sql.DB, g gridInfo) ([]string, error) {
	vs, err := queryRows(ctx, db, 1, "SELECT id FROM villages WHERE grid_id = ? ORDER BY id", g.id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v[0])
	}
	if len(ids) > 0 {
		return ids, nil
	}
	id, now := uuid.Must(uuid.NewV7()).String(), time.Now().UTC()
	if _, err := db.ExecContext(ctx, "INSERT INTO villages (id, grid_id, code, name, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)",
		id, g.id, g.name+"驻地(压测)", now, now); err != nil {
		return nil, fmt.Errorf("village for %s: %w", g.name, err)
	}
	return []string{id}, nil
}

// weighted is a value and its weight per 1000.
type weighted struct {
	value  string
	weight int
}

// statusMix: closed and rejected leads dominate a two-year history; about
// 5 % are submitted or accepted.
var statusMix = []weighted{
	{"closed", 380}, {"rejected", 250}, {"duplicate", 90}, {"unsubstantiated", 110}, {"withdrawn", 60},
	{"measures_taken", 25}, {"verified", 25}, {"needs_info", 10}, {"submitted", 25}, {"accepted", 25},
}

var kindMix = []weighted{
	{"vehicle", 220}, {"real_estate", 140}, {"whereabouts", 120}, {"business", 90}, {"wages", 80}, {"deposit", 60},
	{"livestock", 60}, {"farm_machinery", 50}, {"crop_proceeds", 40}, {"evasion", 40}, {"receivable", 30},
	{"movables", 30}, {"consumption_breach", 20}, {"equity", 10}, {"other", 10},
}

// pick draws a value by weight.
func pick(r *mrand.Rand, xs []weighted) string {
	total := 0
	for _, x := range xs {
		total += x.weight
	}
	n := r.IntN(total)
	for _, x := range xs {
		if n -= x.weight; n < 0 {
			return x.value
		}
	}
	return xs[len(xs)-1].value
}

// uuidAt is a version-7 UUID for time t, as the server makes them: rows
// inserted in time order append to the primary key.
func uuidAt(r *mrand.Rand, t time.Time) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	binary.BigEndian.PutUint16(u[6:], uint16(r.Uint32()))
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// queueBatch is the rows of one batch of leads.
type queueBatch struct {
	leads  []gormstore.LeadRow
	events []gormstore.EventRow
	dups   []gormstore.DuplicateRow
}

// leadGen makes the synthetic history: n leads received uniformly over the
// two years before now.
type leadGen struct {
	w          world
	n          int
	start, now time.Time
}

// batch makes leads [from, to), reproducibly: batch bi draws from its own
// seed.
func (g leadGen) batch(bi, from, to int) queueBatch {
	r := mrand.New(mrand.NewPCG(uint64(bi), 42)) //nolint:gosec // synthetic data, reproducible per batch
	var qb queueBatch
	span := g.now.Sub(g.start)
	for i := from; i < to; i++ {
		at := g.start.Add(time.Duration(float64(span) * (float64(i) + r.Float64()) / float64(g.n)))
		if at.After(g.now) {
			at = g.now.Add(-time.Second)
		}
		l, events := g.lead(r, i, at)
		qb.leads = append(qb.leads, l)
		qb.events = append(qb.events, events...)
		if i > from && r.IntN(200) == 0 {
			qb.dups = append(qb.dups, gormstore.DuplicateRow{LeadID: l.ID, OtherID: qb.leads[len(qb.leads)-2].ID, Reason: "plate"})
		}
	}
	return qb
}

// lead makes lead i, received at, and its status changes: the first
// acceptance and the closing, as on the timeline.
func (g leadGen) lead(r *mrand.Rand, i int, at time.Time) (gormstore.LeadRow, []gormstore.EventRow) {
	gi := r.IntN(len(g.w.grids))
	grid := g.w.grids[gi]
	status, kind := pick(r, statusMix), pick(r, kindMix)
	prio := 1
	if r.IntN(10) < 2 || kind == "whereabouts" || kind == "evasion" {
		prio = 0
	}
	l := gormstore.LeadRow{ID: uuidAt(r, at), Ref: fmt.Sprintf("Q%02d-%07d", at.Year()%100, i), ReporterID: g.w.reporterID, GridID: grid.id,
		VillageID: grid.villages[r.IntN(len(grid.villages))], TeamID: &grid.team, Kind: kind, Status: status, Priority: prio,
		Description: fmt.Sprintf("压测线索 %d：被执行人名下财产线索，位于%s。", i, grid.name), ReceivedAt: at, Details: "{}",
		PhotosExpected: 1, PhotosReceived: 1, ContentHash: fmt.Sprintf("%064x", r.Uint64()), Version: 1, CreatedAt: at, UpdatedAt: at}
	if kind == "vehicle" {
		p := fmt.Sprintf("甘M%05d", r.IntN(100000))
		l.Plate = &p
	}
	switch status {
	case "rejected":
		reason := "insufficient"
		l.RejectReason = &reason
	case "closed":
		fen := int64(r.IntN(5_000_000))
		l.AmountRecoveredFen = &fen
	}
	if !slices.Contains([]string{"accepted", "verified", "measures_taken", "closed", "unsubstantiated"}, status) {
		return l, nil
	}
	due := at.Add(30 * 24 * time.Hour)
	l.DueAt = &due
	if gi == g.w.home && r.IntN(3) == 0 {
		l.AssigneeID = &g.w.officerID
	}
	acc := at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
	l.AcceptedAt = &acc
	events := []gormstore.EventRow{g.statusEvent(r, l.ID, "submitted", "accepted", acc)}
	if status == "closed" {
		cl := acc.Add(time.Duration(5+r.IntN(56)) * 24 * time.Hour)
		if cl.After(g.now) {
			cl = g.now.Add(-time.Minute)
		}
		l.ClosedAt = &cl
		events = append(events, g.statusEvent(r, l.ID, "measures_taken", "closed", cl))
	}
	return l, events
}

func (g leadGen) statusEvent(r *mrand.Rand, leadID, from, to string, at time.Time) gormstore.EventRow {
	return gormstore.EventRow{ID: uuidAt(r, at), LeadID: leadID, ActorID: g.w.officerID, ActorRole: "officer", Type: "status_changed",
		FromStatus: &from, ToStatus: &to, Public: true, At: at}
}

// insertLeads bulk-inserts -queue-leads leads in received order with the
// store's row types, 1000 rows a statement, by two connections, with their
// events and duplicate flags. It is a bulk load of a fresh database: the
// rows refer to existing grids, villages, teams and users by construction,
// so the connections skip the foreign key and unique checks.
func (b *bench) insertLeads(ctx context.Context, dsn string, w world, qr *report.Queue) error {
	const batch, conns = 1000, 2
	g, closeDB, err := bareGORM(dsn, conns, map[string]string{"foreign_key_checks": "0", "unique_checks": "0"})
	if err != nil {
		return err
	}
	defer closeDB()
	n := b.cfg.queueLeads
	now := time.Now().UTC()
	gen := leadGen{w: w, n: n, start: now.AddDate(-2, 0, 0), now: now}
	batches := (n + batch - 1) / batch
	var next, leads, events, dups, progress atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for c := range conns {
		wg.Go(func() {
			for bi := int(next.Add(1) - 1); bi < batches && errs[c] == nil; bi = int(next.Add(1) - 1) {
				if errs[c] = ctx.Err(); errs[c] != nil {
					return
				}
				qb := gen.batch(bi, bi*batch, min(n, (bi+1)*batch))
				if errs[c] = insertBatch(ctx, g, qb); errs[c] != nil {
					return
				}
				leads.Add(int64(len(qb.leads)))
				events.Add(int64(len(qb.events)))
				dups.Add(int64(len(qb.dups)))
				if p := leads.Load() / 100_000; p > progress.Load() && progress.CompareAndSwap(p-1, p) {
					b.logf("queue: %d leads inserted", p*100_000)
				}
			}
		})
	}
	wg.Wait()
	qr.Leads, qr.Events, qr.Dups = leads.Load(), events.Load(), dups.Load()
	return errors.Join(errs...)
}

// insertBatch inserts one batch, each table in one statement, again when
// InnoDB chose it as a deadlock victim (the statement was rolled back):
// two loading connections inserting 1000 rows each into the same
// secondary indexes can deadlock each other.
func insertBatch(ctx context.Context, g *gorm.DB, qb queueBatch) error {
	db := g.WithContext(ctx)
	if err := retryDeadlock(func() error { return db.Create(&qb.leads).Error }); err != nil {
		return fmt.Errorf("insert leads: %w", err)
	}
	if len(qb.events) > 0 {
		if err := retryDeadlock(func() error { return db.Create(&qb.events).Error }); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	if len(qb.dups) > 0 {
		if err := retryDeadlock(func() error { return db.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&qb.dups).Error }); err != nil {
			return fmt.Errorf("insert duplicates: %w", err)
		}
	}
	return nil
}

// retryDeadlock runs f again, up to ten times in all, while it fails with
// MySQL error 1213 (deadlock).
func retryDeadlock(f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		var me *mysql.MySQLError
		if err == nil || !errors.As(err, &me) || me.Number != 1213 || attempt == 9 {
			return err
		}
	}
}

// countLeads fills lead_counts. The store keeps it as it changes leads;
// rows loaded behind its back are counted once, afterwards, as the
// migration that made the table counted the leads it found.
func countLeads(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) "+
		"SELECT grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16, COUNT(*) FROM leads "+
		"GROUP BY grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16 "+
		"ON DUPLICATE KEY UPDATE n = n + VALUES(n)")
	if err != nil {
		return fmt.Errorf("count the leads: %w", err)
	}
	return nil
}

// queueShape describes the data inserted, per status and for the home grid.
func queueShape(ctx context.Context, db *sql.DB, w world, qr *report.Queue) error {
	st, err := queryRows(ctx, db, 2, "SELECT status, COUNT(*) FROM leads GROUP BY status ORDER BY COUNT(*) DESC")
	if err != nil {
		return err
	}
	statuses := ""
	for i, r := range st {
		if i > 0 {
			statuses += ", "
		}
		statuses += r[0] + " " + r[1]
	}
	home := w.grids[w.home]
	var c [6]int64 // in the grid, open, mine, overdue, accepted vehicle leads, last year
	for i, q := range []string{
		"SELECT COUNT(*) FROM leads WHERE grid_id = ?",
		"SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status IN ('submitted','accepted')",
		"SELECT COUNT(*) FROM leads WHERE assignee_id = ?",
		"SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status = 'accepted' AND due_at < UTC_TIMESTAMP(6)",
		"SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status = 'accepted' AND kind = 'vehicle'",
		"SELECT COUNT(*) FROM leads WHERE grid_id = ? AND received_at >= UTC_TIMESTAMP(6) - INTERVAL 1 YEAR",
	} {
		arg := home.id
		if i == 2 {
			arg = w.officerID
		}
		if err := db.QueryRowContext(ctx, q, arg).Scan(&c[i]); err != nil {
			return err
		}
	}
	villages := 0
	for _, g := range w.grids {
		villages += len(g.villages)
	}
	qr.Shape = append(qr.Shape, "statuses: "+statuses,
		fmt.Sprintf("%d grids, %d villages; every lead routed to its grid's team (team_id set); priority 0 on ~25 %%; received_at uniform over the last 2 years; due_at = received + 30 days on leads accepted or beyond", len(w.grids), villages),
		fmt.Sprintf("the officer's grid %s: %d leads, %d submitted or accepted, %d assigned to the officer, %d overdue (accepted, due_at past), %d accepted vehicle leads, %d received in the last year",
			home.name, c[0], c[1], c[2], c[3], c[4], c[5]),
		fmt.Sprintf("lead_events: %d status_changed rows (to accepted for every lead accepted or beyond, to closed for closed ones; no other event types); lead_duplicates: %d rows", qr.Events, qr.Dups))
	return nil
}
