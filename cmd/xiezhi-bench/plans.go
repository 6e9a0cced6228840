package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/report"
)

// literals are what differs between statements of one shape.
var literals = regexp.MustCompile(`'[^']*'|\b\d+\b`)

// statement is one SQL statement a case's request ran.
type statement struct{ caseName, text string }

// capturePlans sends each request once with the general log on, reads the
// statements this database received, and explains them.
func (b *bench) capturePlans(ctx context.Context, q *queueEnv, tokens map[bool]string, cases []report.QueueCase, qr *report.Queue) error {
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
	stmts, err := b.logStatements(ctx, q, tokens, cases)
	_, err1 := b.admin.ExecContext(context.Background(), "SET GLOBAL general_log = 0")
	_, err2 := b.admin.ExecContext(context.Background(), "SET GLOBAL log_output = ?", output)
	if rerr := errors.Join(err1, err2); rerr != nil {
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
	qr.Plans, err = explain(ctx, q.db, stmts)
	return err
}

// logStatements switches the general log on and sends every case's
// request once, collecting the statements on the lead tables that the
// server's connections to this run's database ran.
func (b *bench) logStatements(ctx context.Context, q *queueEnv, tokens map[bool]string, cases []report.QueueCase) ([]statement, error) {
	if _, err := b.admin.ExecContext(ctx, "SET GLOBAL general_log = 1"); err != nil {
		return nil, err
	}
	var stmts []statement
	for _, c := range cases {
		var since time.Time
		if err := b.admin.QueryRowContext(ctx, "SELECT NOW(6)").Scan(&since); err != nil {
			return nil, err
		}
		time.Sleep(5 * time.Millisecond)
		status, data, err := b.do(ctx, http.MethodGet, q.srv.base+c.Path, tokens[c.Stats], nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("%s: %d %s", c.Name, status, snippet(data))
		}
		time.Sleep(20 * time.Millisecond)
		got, err := queryRows(ctx, b.admin, 1, "SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log WHERE event_time >= ? AND command_type = 'Query' "+
			"AND (thread_id IN (SELECT id FROM information_schema.processlist WHERE db = ?) "+
			"OR thread_id IN (SELECT thread_id FROM mysql.general_log WHERE command_type IN ('Connect','Init DB') AND CONVERT(argument USING utf8mb4) LIKE ?)) "+
			"AND CONVERT(argument USING utf8mb4) LIKE 'SELECT%' AND CONVERT(argument USING utf8mb4) LIKE '%leads%' ORDER BY event_time",
			since, q.dbName, "%"+q.dbName+"%")
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			stmts = append(stmts, statement{c.Name, r[0]})
		}
	}
	return stmts, nil
}

// explain runs EXPLAIN and ANALYZE of each shape of statement once.
func explain(ctx context.Context, db *sql.DB, stmts []statement) ([]report.QueuePlan, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	seen := map[string]*report.QueuePlan{}
	var order []string
	for _, s := range stmts {
		k := s.caseName + "\x00" + literals.ReplaceAllString(s.text, "?")
		if p := seen[k]; p != nil {
			p.Times++
			continue
		}
		seen[k] = &report.QueuePlan{Case: s.caseName, SQL: s.text, Times: 1}
		order = append(order, k)
	}
	var plans []report.QueuePlan
	for _, k := range order {
		p := *seen[k]
		if p.Explain, err = tabular(ctx, conn, "EXPLAIN "+p.SQL); err != nil {
			return nil, fmt.Errorf("explain %s: %w", p.SQL, err)
		}
		t := time.Now()
		p.Analyze, err = tabular(ctx, conn, "ANALYZE "+p.SQL)
		p.MS = float64(time.Since(t).Microseconds()) / 1000
		if err != nil {
			return nil, fmt.Errorf("analyze %s: %w", p.SQL, err)
		}
		plans = append(plans, p)
	}
	return plans, nil
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
