package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

// QueueCase is one request of the queue measurement.
type QueueCase struct {
	Name, Path string
	Stats      bool // the stats target applies, else the queue one
}

// QueueResult is the latency of one case with some clients.
type QueueResult struct {
	Case     QueueCase
	Clients  int
	Lat      []time.Duration // sorted
	Errors   int
	FirstErr string
	Items    int // leads in the first answer (or grids, for stats)
	CPU      procfs.CPU
}

// QueuePlan is the SQL one request ran, with its plans.
type QueuePlan struct {
	Case    string
	SQL     string
	Explain string  // tabular EXPLAIN
	Analyze string  // tabular ANALYZE: the plan with real rows
	MS      float64 // the ANALYZE's time
	Times   int     // statements of this shape the request ran
}

// Queue is the queue and statistics measurement at scale.
type Queue struct {
	Leads, Events, Dups     int64
	InsertTime, AnalyzeTime time.Duration
	TableSize               string   // of the leads table
	Shape                   []string // lines describing the data inserted
	Results                 []*QueueResult
	Plans                   []QueuePlan
	PlanErr                 string // why no plans were captured
}

// Target is the p99 a case must stay under.
func (c QueueCase) Target() time.Duration {
	if c.Stats {
		return StatsP99Target
	}
	return QueueP99Target
}

func (q *Queue) targetLines() []string {
	var out []string
	for _, r := range q.Results {
		if len(r.Lat) == 0 {
			continue
		}
		p99 := load.Percentile(r.Lat, 0.99)
		out = append(out, fmt.Sprintf("%s, %d client(s): p99 %v (target < %v): %s", r.Case.Name, r.Clients, load.Round(p99), r.Case.Target(), verdict(p99 < r.Case.Target())))
	}
	return out
}

func (q *Queue) lines() []string {
	out := []string{fmt.Sprintf("inserted %d leads, %d events, %d duplicate flags in %v (2 connections, 1000-row INSERTs); ANALYZE TABLE %v; %s",
		q.Leads, q.Events, q.Dups, q.InsertTime.Round(time.Second), q.AnalyzeTime.Round(time.Millisecond), q.TableSize)}
	return append(out, q.Shape...)
}

func (q *Queue) write(w io.Writer, md bool) {
	sep := " "
	if md {
		sep = "|"
		fmt.Fprint(w, "\nQueue and statistics at scale:\n\n")
		for _, l := range q.lines() {
			fmt.Fprintf(w, "- %s\n", l)
		}
		fmt.Fprint(w, "\n| request | clients | n | items | p50 | p95 | p99 | max | errors | server CPU |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	} else {
		fmt.Fprint(w, "\n==> queue and statistics at scale\n")
		for _, l := range q.lines() {
			fmt.Fprint(w, "  "+l+"\n")
		}
	}
	for _, r := range q.Results {
		p := func(f float64) string { return load.Round(load.Percentile(r.Lat, f)).String() }
		cells := []string{r.Case.Name, fmt.Sprint(r.Clients), fmt.Sprint(len(r.Lat)), fmt.Sprint(r.Items), p(0.5), p(0.95), p(0.99), p(1),
			fmt.Sprint(r.Errors), Pct(r.CPU.Server) + " server, " + Pct(r.CPU.MariaDB) + " MariaDB"}
		fmt.Fprintf(w, "%s %s %s\n", sep, strings.Join(cells, " "+sep+" "), sep)
		if r.FirstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", r.FirstErr)
		}
	}
	fmt.Fprint(w, "\nQueue targets:\n")
	for _, l := range q.targetLines() {
		fmt.Fprintf(w, "- %s\n", l)
	}
	if q.PlanErr != "" {
		fmt.Fprintf(w, "\nQuery plans not captured: %s\n", q.PlanErr)
	}
	if len(q.Plans) > 0 {
		fmt.Fprint(w, "\nThe statements the server ran (from the general log), with EXPLAIN and ANALYZE:\n")
		for _, p := range q.Plans {
			fmt.Fprintf(w, "\n%s, run %d time(s) per request with other literals (ANALYZE of this one took %.1f ms):\n\n```sql\n%s\n```\n\n```\n%s\n%s```\n", p.Case, p.Times, p.MS, p.SQL, strings.TrimSpace(p.Explain), p.Analyze)
		}
	}
}
