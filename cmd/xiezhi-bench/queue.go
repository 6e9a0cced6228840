package main

// The queue measurement (-only queue): the officers' queue and the per-grid
// statistics at -queue-leads leads (1,000,000 by default) over the ten
// Zhengning grids. A server on a fresh database migrates it and loads the
// grids, teams and demo accounts; this program bulk-inserts the leads, their
// timeline events and some duplicate flags with multi-row INSERTs, runs
// ANALYZE TABLE, logs in as the demo officer of the home grid (榆林子镇),
// and times the requests through the HTTP API, sequentially and with
// -queue-clients clients. It then captures the SQL the server ran for each
// request from the MariaDB general log (switched on for a few seconds, then
// restored) and records EXPLAIN and ANALYZE of every statement.

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"crypto/rand"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
)

// Targets of the triage issue.
const (
	targetQueueP99 = 20 * time.Millisecond  // a queue page of 50 with its status counts
	targetStatsP99 = 200 * time.Millisecond // stats of one grid over a year
)

// queueCase is one request measured.
type queueCase struct {
	name, path string
	stats      bool // the stats target applies, else the queue one
}

// queueResult is the latency of one case in one mode.
type queueResult struct {
	c        queueCase
	clients  int
	lat      []time.Duration // sorted
	errors   int
	firstErr string
	items    int // leads in the first answer (or grids, for stats)
	cpu      cpuUse
}

// queuePlan is the SQL one request ran, with its plans.
type queuePlan struct {
	caseName string
	sql      string
	explain  string // tabular EXPLAIN
	analyze  string // tabular ANALYZE: the plan with real rows
	ms       float64
	times    int // statements of this shape the request ran
}

// literals are what differs between statements of one shape.
var literals = regexp.MustCompile(`'[^']*'|\b\d+\b`)

type queueReport struct {
	leads, events, dups int64
	insertTime          time.Duration
	analyzeTime         time.Duration
	tableMiB            string
	shape               []string
	results             []*queueResult
	plans               []queuePlan
	planErr             string
}

// demoLine matches a line of the demo accounts the server prints once.
var demoLine = regexp.MustCompile(`(?m)^\s+(\S+)\s+(\S+)\s+phone (\d{11})\s+password (\S+)\s+\((.*)\)\s*$`)

// measureQueue runs the queue measurement on its own server and database.
func (b *bench) measureQueue(ctx context.Context) error {
	name, dsn, err := b.createDB(ctx, "queue")
	if err != nil {
		return err
	}
	bucket := "xzbench-" + b.tag + "-q"
	if err := b.makeBucket(ctx, bucket, false); err != nil {
		return err
	}
	var key [32]byte
	_, _ = rand.Read(key[:])
	keyFile := filepath.Join(b.tmp, "queue-data.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key[:])+"\n"), 0o600); err != nil {
		return err
	}
	env := serverEnv(map[string]string{
		"XIEZHI_DATA_KEY_FILE": keyFile,
		"XIEZHI_DATABASE_URL":  dsn,
		"XIEZHI_S3_ENDPOINT":   b.cfg.s3Endpoint,
		"XIEZHI_S3_ACCESS_KEY": b.cfg.s3AccessKey,
		"XIEZHI_S3_SECRET_KEY": b.cfg.s3Secret,
		"XIEZHI_S3_BUCKET":     bucket,
		"XIEZHI_JWT_KEYS_DIR":  filepath.Join(b.tmp, "queue-keys"),
		"XIEZHI_DATA_DIR":      filepath.Join(b.tmp, "queue-data"),
		"XIEZHI_DEMO_DATA":     "true",
	})
	if out, err := b.xiezhiCmd(ctx, env, "", "keys", "rotate"); err != nil {
		return fmt.Errorf("xiezhi keys rotate: %w: %s", err, out)
	}
	srv, err := b.startServer(ctx, env, "queue-server")
	if err != nil {
		return err
	}
	logText, err := os.ReadFile(srv.logPath)
	if err != nil {
		return err
	}
	pw := map[string]string{} // phone -> password
	for _, m := range demoLine.FindAllStringSubmatch(string(logText), -1) {
		pw[m[3]] = m[4]
	}
	const officerPhone, adminPhone = "13800000003", "13800000001"
	if pw[officerPhone] == "" {
		return fmt.Errorf("no demo accounts in the server's output: %s", tail(srv.logPath, 2000))
	}

	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	w, err := loadWorld(ctx, db, officerPhone)
	if err != nil {
		return err
	}
	qr := &queueReport{}
	b.out.queue = qr
	t0 := time.Now()
	if err := b.insertLeads(ctx, db, w, qr); err != nil {
		return err
	}
	qr.insertTime = time.Since(t0)
	t0 = time.Now()
	for _, t := range []string{"leads", "lead_events", "lead_duplicates"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	qr.analyzeTime = time.Since(t0)
	var dataLen, indexLen int64
	_ = db.QueryRowContext(ctx, "SELECT data_length, index_length FROM information_schema.tables WHERE table_schema = ? AND table_name = 'leads'", name).Scan(&dataLen, &indexLen)
	qr.tableMiB = fmt.Sprintf("leads: data %d MiB, indexes %d MiB (InnoDB estimate)", dataLen/mib, indexLen/mib)
	b.logf("queue: %d leads, %d events, %d duplicate flags inserted in %v; ANALYZE %v; %s",
		qr.leads, qr.events, qr.dups, qr.insertTime.Round(time.Second), qr.analyzeTime.Round(time.Millisecond), qr.tableMiB)

	officer, err := b.loginOne(ctx, srv, account{phone: officerPhone, password: pw[officerPhone]})
	if err != nil {
		return err
	}
	cases, err := b.queueCases(ctx, srv, officer, w)
	if err != nil {
		return err
	}
	statsToken := officer
	if status, _, err := b.do(ctx, http.MethodGet, srv.base+cases[len(cases)-1].path, officer, nil, nil); err == nil && status == http.StatusForbidden {
		if statsToken, err = b.loginOne(ctx, srv, account{phone: adminPhone, password: pw[adminPhone]}); err != nil {
			return err
		}
	}
	for _, clients := range []int{1, b.cfg.queueClients} {
		for _, c := range cases {
			tok := officer
			if c.stats {
				tok = statsToken
			}
			r := b.timeCase(ctx, srv, tok, c, clients)
			qr.results = append(qr.results, r)
			b.logf("queue: %-28s %d client(s): n %d p50 %v p95 %v p99 %v max %v errors %d", c.name, clients, len(r.lat),
				round(percentile(r.lat, 0.5)), round(percentile(r.lat, 0.95)), round(percentile(r.lat, 0.99)), round(percentile(r.lat, 1)), r.errors)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if err := b.capturePlans(ctx, db, name, srv, officer, statsToken, cases, qr); err != nil {
		qr.planErr = err.Error()
		b.logf("queue: query plans: %v", err)
	}
	return nil
}

// world is what the lead rows refer to.
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

func loadWorld(ctx context.Context, db *sql.DB, officerPhone string) (world, error) {
	var w world
	if err := db.QueryRowContext(ctx, "SELECT id FROM users WHERE phone = ?", officerPhone).Scan(&w.officerID); err != nil {
		return w, fmt.Errorf("demo officer: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT id FROM users WHERE role = 'assistant' ORDER BY phone LIMIT 1").Scan(&w.reporterID); err != nil {
		return w, fmt.Errorf("demo assistant: %w", err)
	}
	var officerTeam string
	if err := db.QueryRowContext(ctx, "SELECT team_id FROM users WHERE id = ?", w.officerID).Scan(&officerTeam); err != nil {
		return w, err
	}
	grids, err := queryRows(ctx, db, 3, "SELECT g.id, g.name, COALESCE(MIN(tg.team_id), '') FROM grids g LEFT JOIN team_grids tg ON tg.grid_id = g.id GROUP BY g.id, g.name, g.code ORDER BY g.code")
	if err != nil {
		return w, err
	}
	for _, r := range grids {
		w.grids = append(w.grids, gridInfo{id: r[0], name: r[1], team: r[2]})
	}
	w.home = -1
	now := time.Now().UTC()
	for i := range w.grids {
		g := &w.grids[i]
		if g.team == officerTeam {
			w.home = i
		}
		vs, err := queryRows(ctx, db, 1, "SELECT id FROM villages WHERE grid_id = ? ORDER BY id", g.id)
		if err != nil {
			return w, err
		}
		for _, v := range vs {
			g.villages = append(g.villages, v[0])
		}
		if len(g.villages) == 0 {
			// Grids the reference data lists without villages get one
			// (the township seat), so that their leads have somewhere to be.
			id := uuid.Must(uuid.NewV7()).String()
			if _, err := db.ExecContext(ctx, "INSERT INTO villages (id, grid_id, code, name, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)",
				id, g.id, g.name+"驻地(压测)", now, now); err != nil {
				return w, fmt.Errorf("village for %s: %w", g.name, err)
			}
			g.villages = []string{id}
		}
		if g.team == "" {
			return w, fmt.Errorf("grid %s has no team (the demo data should give every grid one)", g.name)
		}
	}
	if w.home < 0 || len(w.grids) == 0 {
		return w, errors.New("the demo officer's team serves no grid")
	}
	return w, nil
}

// statusMix: closed and rejected leads dominate a two-year history; about
// 5 % are submitted or accepted.
var statusMix = []struct {
	status string
	weight int // per 1000
}{
	{"closed", 380}, {"rejected", 250}, {"duplicate", 90}, {"unsubstantiated", 110}, {"withdrawn", 60},
	{"measures_taken", 25}, {"verified", 25}, {"needs_info", 10}, {"submitted", 25}, {"accepted", 25},
}

var kindMix = []struct {
	kind   string
	weight int
}{
	{"vehicle", 220}, {"real_estate", 140}, {"whereabouts", 120}, {"business", 90}, {"wages", 80}, {"deposit", 60},
	{"livestock", 60}, {"farm_machinery", 50}, {"crop_proceeds", 40}, {"evasion", 40}, {"receivable", 30},
	{"movables", 30}, {"consumption_breach", 20}, {"equity", 10}, {"other", 10},
}

func pick[T any](r *mrand.Rand, xs []T, weight func(T) int) T {
	total := 0
	for _, x := range xs {
		total += weight(x)
	}
	n := r.IntN(total)
	for _, x := range xs {
		if n -= weight(x); n < 0 {
			return x
		}
	}
	return xs[len(xs)-1]
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

// insertLeads bulk-inserts the leads in received order, 1000 rows a
// statement, by two connections, with their events and duplicate flags.
func (b *bench) insertLeads(ctx context.Context, db *sql.DB, w world, qr *queueReport) error {
	const batch = 1000
	n := b.cfg.queueLeads
	now := time.Now().UTC()
	start := now.AddDate(-2, 0, 0)
	span := now.Sub(start)
	batches := (n + batch - 1) / batch
	var next, leads, events, dups atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 2)
	var progress atomic.Int64
	for worker := range 2 {
		wg.Go(func() {
			conn, err := db.Conn(ctx)
			if err != nil {
				errs[worker] = err
				return
			}
			defer conn.Close()
			// Bulk load of a fresh database: the rows refer to existing
			// grids, villages, teams and users by construction.
			if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0, unique_checks = 0"); err != nil {
				errs[worker] = err
				return
			}
			for {
				bi := int(next.Add(1) - 1)
				if bi >= batches || ctx.Err() != nil {
					errs[worker] = ctx.Err()
					return
				}
				r := mrand.New(mrand.NewPCG(uint64(bi), 42)) //nolint:gosec // synthetic data, reproducible per batch
				var ls, es, ds strings.Builder
				var la, ea, da []any
				ls.WriteString("INSERT INTO leads (id, ref, reporter_id, grid_id, village_id, team_id, kind, status, priority, description, " +
					"received_at, details, plate, photos_expected, photos_received, content_hash, version, created_at, updated_at, " +
					"assignee_id, due_at, reject_reason, amount_recovered_fen, accepted_at, closed_at) VALUES ")
				es.WriteString("INSERT INTO lead_events (id, lead_id, actor_id, actor_role, type, from_status, to_status, public, at) VALUES ")
				ds.WriteString("INSERT IGNORE INTO lead_duplicates (lead_id, other_id, reason) VALUES ")
				var prevID string
				nl, ne, nd := 0, 0, 0
				for i := bi * batch; i < min(n, (bi+1)*batch); i++ {
					at := start.Add(time.Duration(float64(span) * (float64(i) + r.Float64()) / float64(n)))
					if at.After(now) {
						at = now.Add(-time.Second)
					}
					gi := r.IntN(len(w.grids))
					g := w.grids[gi]
					st := pick(r, statusMix, func(x struct {
						status string
						weight int
					}) int {
						return x.weight
					}).status
					kind := pick(r, kindMix, func(x struct {
						kind   string
						weight int
					}) int {
						return x.weight
					}).kind
					prio := 1
					if r.IntN(10) < 2 || kind == "whereabouts" || kind == "evasion" {
						prio = 0
					}
					id := uuidAt(r, at)
					accepted := slices.Contains([]string{"accepted", "verified", "measures_taken", "closed", "unsubstantiated"}, st)
					var assignee, due, reject, fen any
					if accepted {
						due = at.Add(30 * 24 * time.Hour)
						if gi == w.home && r.IntN(3) == 0 {
							assignee = w.officerID
						}
					}
					if st == "rejected" {
						reject = "insufficient"
					}
					if st == "closed" {
						fen = int64(r.IntN(5_000_000))
					}
					// The first acceptance and the closing, as on the timeline.
					var acc, cl time.Time
					var accAt, clAt any
					if accepted {
						acc = at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
						accAt = acc
						if st == "closed" {
							cl = acc.Add(time.Duration(5+r.IntN(56)) * 24 * time.Hour)
							if cl.After(now) {
								cl = now.Add(-time.Minute)
							}
							clAt = cl
						}
					}
					var plate any
					if kind == "vehicle" {
						plate = fmt.Sprintf("甘M%05d", r.IntN(100000))
					}
					if nl > 0 {
						ls.WriteString(",")
					}
					ls.WriteString("(?,?,?,?,?,?,?,?,?,?,?,'{}',?,1,1,?,1,?,?,?,?,?,?,?,?)")
					la = append(la, id, fmt.Sprintf("Q%02d-%07d", at.Year()%100, i), w.reporterID, g.id, g.villages[r.IntN(len(g.villages))], g.team,
						kind, st, prio, fmt.Sprintf("压测线索 %d：被执行人名下财产线索，位于%s。", i, g.name), at, plate,
						fmt.Sprintf("%064x", r.Uint64()), at, at, assignee, due, reject, fen, accAt, clAt)
					nl++
					if accepted {
						if ne > 0 {
							es.WriteString(",")
						}
						es.WriteString("(?,?,?,'officer','status_changed','submitted','accepted',1,?)")
						ea = append(ea, uuidAt(r, acc), id, w.officerID, acc)
						ne++
						if st == "closed" {
							es.WriteString(",(?,?,?,'officer','status_changed','measures_taken','closed',1,?)")
							ea = append(ea, uuidAt(r, cl), id, w.officerID, cl)
							ne++
						}
					}
					if prevID != "" && r.IntN(200) == 0 {
						if nd > 0 {
							ds.WriteString(",")
						}
						ds.WriteString("(?,?,'plate')")
						da = append(da, id, prevID)
						nd++
					}
					prevID = id
				}
				if err := execRetry(ctx, conn, ls.String(), la...); err != nil {
					errs[worker] = fmt.Errorf("insert leads: %w", err)
					return
				}
				if ne > 0 {
					if _, err := conn.ExecContext(ctx, es.String(), ea...); err != nil {
						errs[worker] = fmt.Errorf("insert events: %w", err)
						return
					}
				}
				if nd > 0 {
					if _, err := conn.ExecContext(ctx, ds.String(), da...); err != nil {
						errs[worker] = fmt.Errorf("insert duplicates: %w", err)
						return
					}
				}
				leads.Add(int64(nl))
				events.Add(int64(ne))
				dups.Add(int64(nd))
				if p := leads.Load() / 100_000; p > progress.Load() && progress.CompareAndSwap(p-1, p) {
					b.logf("queue: %d leads inserted", p*100_000)
				}
			}
		})
	}
	wg.Wait()
	qr.leads, qr.events, qr.dups = leads.Load(), events.Load(), dups.Load()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// The store keeps lead_counts as it changes leads; rows loaded behind
	// its back are counted once, afterwards, as migration 0007 counted the
	// leads it found.
	b.logf("queue: counting the leads into lead_counts")
	if _, err := db.ExecContext(ctx, "INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) "+
		"SELECT grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16, COUNT(*) FROM leads "+
		"GROUP BY grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16 "+
		"ON DUPLICATE KEY UPDATE n = n + VALUES(n)"); err != nil {
		return fmt.Errorf("count the leads: %w", err)
	}
	return queueShape(ctx, db, w, qr)
}

// execRetry runs one autocommit statement, again when InnoDB chose it as
// a deadlock victim (the whole statement was rolled back): two loading
// connections inserting 1000 rows each into the same secondary indexes can
// deadlock each other.
func execRetry(ctx context.Context, conn *sql.Conn, q string, args ...any) error {
	for attempt := 0; ; attempt++ {
		_, err := conn.ExecContext(ctx, q, args...)
		var me *mysql.MySQLError
		if err == nil || !errors.As(err, &me) || me.Number != 1213 || attempt == 9 {
			return err
		}
	}
}

// queueShape describes the data inserted, per status and for the home grid.
func queueShape(ctx context.Context, db *sql.DB, w world, qr *queueReport) error {
	st, err := queryRows(ctx, db, 2, "SELECT status, COUNT(*) FROM leads GROUP BY status ORDER BY COUNT(*) DESC")
	if err != nil {
		return err
	}
	var parts []string
	for _, r := range st {
		parts = append(parts, r[0]+" "+r[1])
	}
	qr.shape = append(qr.shape, "statuses: "+strings.Join(parts, ", "))
	home := w.grids[w.home]
	var inGrid, open, mine, overdue, vehAcc, lastYear int64
	q := func(dst *int64, sqlText string, args ...any) {
		if err == nil {
			err = db.QueryRowContext(ctx, sqlText, args...).Scan(dst)
		}
	}
	q(&inGrid, "SELECT COUNT(*) FROM leads WHERE grid_id = ?", home.id)
	q(&open, "SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status IN ('submitted','accepted')", home.id)
	q(&mine, "SELECT COUNT(*) FROM leads WHERE assignee_id = ?", w.officerID)
	q(&overdue, "SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status = 'accepted' AND due_at < UTC_TIMESTAMP(6)", home.id)
	q(&vehAcc, "SELECT COUNT(*) FROM leads WHERE grid_id = ? AND status = 'accepted' AND kind = 'vehicle'", home.id)
	q(&lastYear, "SELECT COUNT(*) FROM leads WHERE grid_id = ? AND received_at >= UTC_TIMESTAMP(6) - INTERVAL 1 YEAR", home.id)
	if err != nil {
		return err
	}
	qr.shape = append(qr.shape,
		fmt.Sprintf("%d grids, %d villages; every lead routed to its grid's team (team_id set); priority 0 on ~25 %%; received_at uniform over the last 2 years; due_at = received + 30 days on leads accepted or beyond", len(w.grids), countVillages(w)),
		fmt.Sprintf("the officer's grid %s: %d leads, %d submitted or accepted, %d assigned to the officer, %d overdue (accepted, due_at past), %d accepted vehicle leads, %d received in the last year",
			home.name, inGrid, open, mine, overdue, vehAcc, lastYear),
		fmt.Sprintf("lead_events: %d status_changed rows (to accepted for every lead accepted or beyond, to closed for closed ones; no other event types); lead_duplicates: %d rows", qr.events, qr.dups))
	return nil
}

func countVillages(w world) int {
	n := 0
	for _, g := range w.grids {
		n += len(g.villages)
	}
	return n
}

// queueCases lists the requests, the cursor one from a first page.
func (b *bench) queueCases(ctx context.Context, srv *server, token string, w world) ([]queueCase, error) {
	cases := []queueCase{
		{name: "queue, no filter", path: "/v1/leads"},
		{name: "status=submitted,accepted", path: "/v1/leads?status=submitted&status=accepted"},
		{name: "assignee=mine", path: "/v1/leads?assignee=mine"},
		{name: "overdue=true", path: "/v1/leads?overdue=true"},
		{name: "kind=vehicle&status=accepted", path: "/v1/leads?kind=vehicle&status=accepted"},
	}
	status, data, err := b.do(ctx, http.MethodGet, srv.base+"/v1/leads", token, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("GET /v1/leads: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/leads: %d %s", status, snippet(data))
	}
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(data, &page); err != nil || page.NextCursor == "" {
		return nil, fmt.Errorf("GET /v1/leads: no next_cursor in %s", snippet(data))
	}
	cases = append(cases, queueCase{name: "queue, page 2 (cursor)", path: "/v1/leads?cursor=" + url.QueryEscape(page.NextCursor)})
	now := time.Now()
	cases = append(cases, queueCase{name: "stats, one grid, one year", stats: true,
		path: fmt.Sprintf("/v1/stats/grids?grid_id=%s&from=%s&to=%s", w.grids[w.home].id, now.AddDate(-1, 0, 0).Format("2006-01-02"), now.Format("2006-01-02"))})
	return cases, nil
}

// timeCase sends the request -queue-requests times after a warm-up of a
// tenth as many (at most a fifth of -queue-window), by clients clients,
// measuring for at most -queue-window.
func (b *bench) timeCase(ctx context.Context, srv *server, token string, c queueCase, clients int) *queueResult {
	r := &queueResult{c: c, clients: clients}
	var mu sync.Mutex
	one := func(record bool) {
		t := time.Now()
		status, data, err := b.do(ctx, http.MethodGet, srv.base+c.path, token, nil, nil)
		d := time.Since(t)
		mu.Lock()
		defer mu.Unlock()
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%d %s", status, snippet(data))
		}
		if err != nil {
			r.errors++
			if r.firstErr == "" {
				r.firstErr = err.Error()
			}
			return
		}
		if r.items == 0 {
			var body struct {
				Leads []json.RawMessage `json:"leads"`
				Grids []json.RawMessage `json:"grids"`
			}
			if json.Unmarshal(data, &body) == nil {
				r.items = len(body.Leads) + len(body.Grids)
			}
		}
		if record {
			r.lat = append(r.lat, d)
		}
	}
	warm := time.Now().Add(b.cfg.queueWindow / 5)
	for i := 0; i < max(b.cfg.queueRequests/10, clients) && (i == 0 || time.Now().Before(warm)); i++ {
		one(false)
	}
	deadline := time.Now().Add(b.cfg.queueWindow)
	var left atomic.Int64
	left.Store(int64(b.cfg.queueRequests))
	c0 := b.cpuSnapshot(srv.pid())
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for left.Add(-1) >= 0 && time.Now().Before(deadline) && ctx.Err() == nil {
				one(true)
			}
		})
	}
	wg.Wait()
	r.cpu = b.cpuSince(c0, srv.pid())
	slices.Sort(r.lat)
	return r
}

// capturePlans sends each request once with the general log on, reads the
// statements this database received, and explains them.
func (b *bench) capturePlans(ctx context.Context, db *sql.DB, dbName string, srv *server, officer, statsToken string, cases []queueCase, qr *queueReport) error {
	var output string
	var on int
	if err := b.admin.QueryRowContext(ctx, "SELECT @@log_output, @@general_log").Scan(&output, &on); err != nil {
		return err
	}
	if on == 1 {
		return errors.New("the general log is already on (someone else is using it); not touching it")
	}
	if _, err := b.admin.ExecContext(ctx, "SET GLOBAL log_output = 'TABLE'"); err != nil {
		return err
	}
	restore := func() error {
		_, err1 := b.admin.ExecContext(context.Background(), "SET GLOBAL general_log = 0")
		_, err2 := b.admin.ExecContext(context.Background(), "SET GLOBAL log_output = ?", output)
		return errors.Join(err1, err2)
	}
	type captured struct{ name, text string }
	var stmts []captured
	err := func() error {
		if _, err := b.admin.ExecContext(ctx, "SET GLOBAL general_log = 1"); err != nil {
			return err
		}
		for _, c := range cases {
			tok := officer
			if c.stats {
				tok = statsToken
			}
			var since time.Time
			if err := b.admin.QueryRowContext(ctx, "SELECT NOW(6)").Scan(&since); err != nil {
				return err
			}
			time.Sleep(5 * time.Millisecond)
			status, data, err := b.do(ctx, http.MethodGet, srv.base+c.path, tok, nil, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if status != http.StatusOK {
				return fmt.Errorf("%s: %d %s", c.name, status, snippet(data))
			}
			time.Sleep(20 * time.Millisecond)
			// The server's connections to this run's database only, and
			// only the statements on the lead tables.
			got, err := queryRows(ctx, b.admin, 1, "SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log WHERE event_time >= ? AND command_type = 'Query' "+
				"AND (thread_id IN (SELECT id FROM information_schema.processlist WHERE db = ?) "+
				"OR thread_id IN (SELECT thread_id FROM mysql.general_log WHERE command_type IN ('Connect','Init DB') AND CONVERT(argument USING utf8mb4) LIKE ?)) "+
				"AND CONVERT(argument USING utf8mb4) LIKE 'SELECT%' AND CONVERT(argument USING utf8mb4) LIKE '%leads%' ORDER BY event_time",
				since, dbName, "%"+dbName+"%")
			if err != nil {
				return err
			}
			for _, r := range got {
				stmts = append(stmts, captured{c.name, r[0]})
			}
		}
		return nil
	}()
	if rerr := restore(); rerr != nil {
		err = errors.Join(err, fmt.Errorf("restoring the general log settings: %w", rerr))
	}
	if _, terr := b.admin.ExecContext(ctx, "TRUNCATE TABLE mysql.general_log"); terr != nil {
		b.logf("note: truncating mysql.general_log: %v", terr)
	}
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return errors.New("the general log showed no statements of the server (its connections were opened before the log was on: no Connect line)")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	seen := map[string]*queuePlan{}
	var order []string
	for _, s := range stmts {
		k := s.name + "\x00" + literals.ReplaceAllString(s.text, "?")
		if p := seen[k]; p != nil {
			p.times++
			continue
		}
		seen[k] = &queuePlan{caseName: s.name, sql: s.text, times: 1}
		order = append(order, k)
	}
	for _, k := range order {
		p := *seen[k]
		p.explain, err = tabular(ctx, conn, "EXPLAIN "+p.sql)
		if err != nil {
			return fmt.Errorf("explain %s: %w", p.sql, err)
		}
		t := time.Now()
		p.analyze, err = tabular(ctx, conn, "ANALYZE "+p.sql)
		p.ms = float64(time.Since(t).Microseconds()) / 1000
		if err != nil {
			return fmt.Errorf("analyze %s: %w", p.sql, err)
		}
		qr.plans = append(qr.plans, p)
	}
	return nil
}

// tabular runs a statement and formats its rows as a pipe table.
func tabular(ctx context.Context, conn *sql.Conn, q string) (string, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var s strings.Builder
	s.WriteString(strings.Join(cols, " | ") + "\n")
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = "NULL"
			if v.Valid {
				out[i] = v.String
			}
		}
		s.WriteString(strings.Join(out, " | ") + "\n")
	}
	return s.String(), rows.Err()
}

// ---------------------------------------------------------------- report

func (q *queueReport) targetLines() []string {
	var out []string
	for _, r := range q.results {
		if len(r.lat) == 0 {
			continue
		}
		target := targetQueueP99
		if r.c.stats {
			target = targetStatsP99
		}
		p99 := percentile(r.lat, 0.99)
		out = append(out, fmt.Sprintf("%s, %d client(s): p99 %v (target < %v): %s", r.c.name, r.clients, round(p99), target, verdict(p99 < target)))
	}
	return out
}

func (q *queueReport) lines() []string {
	out := []string{fmt.Sprintf("inserted %d leads, %d events, %d duplicate flags in %v (2 connections, 1000-row INSERTs); ANALYZE TABLE %v; %s",
		q.leads, q.events, q.dups, q.insertTime.Round(time.Second), q.analyzeTime.Round(time.Millisecond), q.tableMiB)}
	return append(out, q.shape...)
}

func (q *queueReport) print(w *strings.Builder, md bool) {
	if md {
		w.WriteString("\nQueue and statistics at scale:\n\n")
		for _, l := range q.lines() {
			fmt.Fprintf(w, "- %s\n", l)
		}
		w.WriteString("\n| request | clients | n | items | p50 | p95 | p99 | max | errors | server CPU |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	} else {
		w.WriteString("\n==> queue and statistics at scale\n")
		for _, l := range q.lines() {
			w.WriteString("  " + l + "\n")
		}
	}
	for _, r := range q.results {
		sep := "|"
		if !md {
			sep = " "
		}
		fmt.Fprintf(w, "%s %s %s %d %s %d %s %d %s %v %s %v %s %v %s %v %s %d %s %s %s\n", sep, r.c.name, sep, r.clients, sep, len(r.lat), sep, r.items, sep,
			round(percentile(r.lat, 0.5)), sep, round(percentile(r.lat, 0.95)), sep, round(percentile(r.lat, 0.99)), sep, round(percentile(r.lat, 1)), sep,
			r.errors, sep, fmtPct(r.cpu.server)+" server, "+fmtPct(r.cpu.mariadb)+" MariaDB", sep)
		if r.firstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", r.firstErr)
		}
	}
	w.WriteString("\nQueue targets:\n")
	for _, l := range q.targetLines() {
		fmt.Fprintf(w, "- %s\n", l)
	}
	if q.planErr != "" {
		fmt.Fprintf(w, "\nQuery plans not captured: %s\n", q.planErr)
	}
	if len(q.plans) > 0 {
		w.WriteString("\nThe statements the server ran (from the general log), with EXPLAIN and ANALYZE:\n")
		for _, p := range q.plans {
			fmt.Fprintf(w, "\n%s, run %d time(s) per request with other literals (ANALYZE of this one took %.1f ms):\n\n```sql\n%s\n```\n\n```\n%s\n%s```\n", p.caseName, p.times, p.ms, p.sql, strings.TrimSpace(p.explain), p.analyze)
		}
	}
}

// queryRows runs a query of n string columns and returns its rows.
func queryRows(ctx context.Context, db *sql.DB, n int, q string, args ...any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]string, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}
