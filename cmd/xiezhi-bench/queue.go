package main

// The queue measurement (-only queue): the officers' queue and the per-grid
// statistics at -queue-leads leads (1,000,000 by default) over the ten
// Zhengning grids. A server on a fresh database migrates it and loads the
// grids, teams and demo accounts; this program bulk-inserts the leads, their
// timeline events and some duplicate flags (queuedata.go), runs ANALYZE
// TABLE, logs in as the demo officer of the home grid (榆林子镇), and times
// the requests through the HTTP API, sequentially and with -queue-clients
// clients. It then captures the SQL the server ran for each request from
// the MariaDB general log (switched on for a few seconds, then restored)
// and records EXPLAIN and ANALYZE of every statement (plans.go).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
)

// demoLine matches a line of the demo accounts the server prints once.
var demoLine = regexp.MustCompile(`(?m)^\s+(\S+)\s+(\S+)\s+phone (\d{11})\s+password (\S+)\s+\((.*)\)\s*$`)

// The demo accounts the queue measurement logs in as.
const demoOfficerPhone, demoAdminPhone = "13800000003", "13800000001"

// queueEnv is the queue measurement's server and database.
type queueEnv struct {
	dbName, dsn string
	srv         *server
	passwords   map[string]string // of the demo accounts, by phone
	db          *sql.DB
}

// measureQueue runs the queue measurement on its own server and database.
func (b *bench) measureQueue(ctx context.Context) error {
	q, err := b.startQueueServer(ctx)
	if err != nil {
		return err
	}
	defer q.db.Close()
	w, err := loadWorld(ctx, q.db, demoOfficerPhone)
	if err != nil {
		return err
	}
	qr := &report.Queue{}
	b.out.Queue = qr
	if err := b.fillQueueDatabase(ctx, q, w, qr); err != nil {
		return err
	}
	officer, err := b.loginOne(ctx, q.srv, account{phone: demoOfficerPhone, password: q.passwords[demoOfficerPhone]})
	if err != nil {
		return err
	}
	cases, err := b.queueCases(ctx, q.srv, officer, w)
	if err != nil {
		return err
	}
	tokens := map[bool]string{false: officer, true: officer} // by QueueCase.Stats
	if status, _, err := b.do(ctx, http.MethodGet, q.srv.base+cases[len(cases)-1].Path, officer, nil, nil); err == nil && status == http.StatusForbidden {
		if tokens[true], err = b.loginOne(ctx, q.srv, account{phone: demoAdminPhone, password: q.passwords[demoAdminPhone]}); err != nil {
			return err
		}
	}
	for _, clients := range []int{1, b.cfg.queueClients} {
		for _, c := range cases {
			r := b.timeCase(ctx, q.srv, tokens[c.Stats], c, clients)
			qr.Results = append(qr.Results, r)
			p := func(f float64) time.Duration { return load.Round(load.Percentile(r.Lat, f)) }
			b.logf("queue: %-28s %d client(s): n %d p50 %v p95 %v p99 %v max %v errors %d", c.Name, clients, len(r.Lat), p(0.5), p(0.95), p(0.99), p(1), r.Errors)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if err := b.capturePlans(ctx, q, tokens, cases, qr); err != nil {
		qr.PlanErr = err.Error()
		b.logf("queue: query plans: %v", err)
	}
	return nil
}

// startQueueServer starts a server with the demo data on a fresh database
// and reads the demo accounts' passwords from its output.
func (b *bench) startQueueServer(ctx context.Context) (*queueEnv, error) {
	q := &queueEnv{passwords: map[string]string{}}
	var err error
	if q.dbName, q.dsn, err = b.createDB(ctx, "queue"); err != nil {
		return nil, err
	}
	bucket := "xzbench-" + b.tag + "-q"
	if err := b.makeBucket(ctx, bucket, false); err != nil {
		return nil, err
	}
	env, err := b.serverConfig(ctx, "queue", q.dsn, bucket, map[string]string{"XIEZHI_DEMO_DATA": "true"})
	if err != nil {
		return nil, err
	}
	if q.srv, err = b.startServer(ctx, env, "queue-server"); err != nil {
		return nil, err
	}
	logText, err := q.srv.Log()
	if err != nil {
		return nil, err
	}
	for _, m := range demoLine.FindAllStringSubmatch(string(logText), -1) {
		q.passwords[m[3]] = m[4]
	}
	if q.passwords[demoOfficerPhone] == "" {
		return nil, fmt.Errorf("no demo accounts in the server's output: %s", q.srv.Tail(2000))
	}
	if q.db, err = sql.Open("mysql", q.dsn); err != nil {
		return nil, err
	}
	q.db.SetMaxOpenConns(4)
	return q, nil
}

// fillQueueDatabase inserts the leads, analyses the tables and describes
// what is in them.
func (b *bench) fillQueueDatabase(ctx context.Context, q *queueEnv, w world, qr *report.Queue) error {
	t0 := time.Now()
	if err := b.insertLeads(ctx, q.dsn, w, qr); err != nil {
		return err
	}
	if err := countLeads(ctx, q.db); err != nil {
		return err
	}
	qr.InsertTime = time.Since(t0)
	t0 = time.Now()
	for _, t := range []string{"leads", "lead_events", "lead_duplicates"} {
		if _, err := q.db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	qr.AnalyzeTime = time.Since(t0)
	var dataLen, indexLen int64
	_ = q.db.QueryRowContext(ctx, "SELECT data_length, index_length FROM information_schema.tables WHERE table_schema = ? AND table_name = 'leads'", q.dbName).Scan(&dataLen, &indexLen)
	qr.TableSize = fmt.Sprintf("leads: data %d MiB, indexes %d MiB (InnoDB estimate)", dataLen/mib, indexLen/mib)
	b.logf("queue: %d leads, %d events, %d duplicate flags inserted in %v; ANALYZE %v; %s",
		qr.Leads, qr.Events, qr.Dups, qr.InsertTime.Round(time.Second), qr.AnalyzeTime.Round(time.Millisecond), qr.TableSize)
	return queueShape(ctx, q.db, w, qr)
}

// queueCases lists the requests, the cursor one from a first page.
func (b *bench) queueCases(ctx context.Context, srv *server, token string, w world) ([]report.QueueCase, error) {
	cases := []report.QueueCase{
		{Name: "queue, no filter", Path: "/v1/leads"},
		{Name: "status=submitted,accepted", Path: "/v1/leads?status=submitted&status=accepted"},
		{Name: "assignee=mine", Path: "/v1/leads?assignee=mine"},
		{Name: "overdue=true", Path: "/v1/leads?overdue=true"},
		{Name: "kind=vehicle&status=accepted", Path: "/v1/leads?kind=vehicle&status=accepted"},
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
	cases = append(cases, report.QueueCase{Name: "queue, page 2 (cursor)", Path: "/v1/leads?cursor=" + url.QueryEscape(page.NextCursor)})
	now := time.Now()
	cases = append(cases, report.QueueCase{Name: "stats, one grid, one year", Stats: true,
		Path: fmt.Sprintf("/v1/stats/grids?grid_id=%s&from=%s&to=%s", w.grids[w.home].id, now.AddDate(-1, 0, 0).Format("2006-01-02"), now.Format("2006-01-02"))})
	return cases, nil
}

// caseTimer sends one case's request and records its latency.
type caseTimer struct {
	b     *bench
	url   string
	token string
	mu    sync.Mutex
	r     *report.QueueResult
}

// once sends the request; record keeps its latency.
func (t *caseTimer) once(ctx context.Context, record bool) {
	start := time.Now()
	status, data, err := t.b.do(ctx, http.MethodGet, t.url, t.token, nil, nil)
	d := time.Since(start)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%d %s", status, snippet(data))
	}
	if err != nil {
		t.r.Errors++
		if t.r.FirstErr == "" {
			t.r.FirstErr = err.Error()
		}
		return
	}
	if t.r.Items == 0 {
		var body struct {
			Leads []json.RawMessage `json:"leads"`
			Grids []json.RawMessage `json:"grids"`
		}
		if json.Unmarshal(data, &body) == nil {
			t.r.Items = len(body.Leads) + len(body.Grids)
		}
	}
	if record {
		t.r.Lat = append(t.r.Lat, d)
	}
}

// timeCase sends the request -queue-requests times after a warm-up of a
// tenth as many (at most a fifth of -queue-window), by clients clients,
// measuring for at most -queue-window.
func (b *bench) timeCase(ctx context.Context, srv *server, token string, c report.QueueCase, clients int) *report.QueueResult {
	t := &caseTimer{b: b, url: srv.base + c.Path, token: token, r: &report.QueueResult{Case: c, Clients: clients}}
	warm := time.Now().Add(b.cfg.queueWindow / 5)
	for i := 0; i < max(b.cfg.queueRequests/10, clients) && (i == 0 || time.Now().Before(warm)); i++ {
		t.once(ctx, false)
	}
	deadline := time.Now().Add(b.cfg.queueWindow)
	var left atomic.Int64
	left.Store(int64(b.cfg.queueRequests))
	c0 := b.meter.Snapshot(srv.PID())
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for left.Add(-1) >= 0 && time.Now().Before(deadline) && ctx.Err() == nil {
				t.once(ctx, true)
			}
		})
	}
	wg.Wait()
	t.r.CPU = b.meter.Since(c0, srv.PID())
	slices.Sort(t.r.Lat)
	return t.r
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
