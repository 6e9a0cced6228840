package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	env := map[string]string{"XIEZHI_TEST_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/", "XIEZHI_TEST_S3_ENDPOINT": "127.0.0.1:9000",
		"XIEZHI_TEST_S3_ACCESS_KEY": "a", "XIEZHI_TEST_S3_SECRET_KEY": "s"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		getenv  func(string) string
		wantErr string
		check   func(config) bool
	}{
		{name: "defaults from the test environment", getenv: getenv,
			check: func(c config) bool {
				return c.leadsOn && c.photosOn && c.memoryOn && !c.queueOn && c.mysqlDSN == env["XIEZHI_TEST_MYSQL_DSN"]
			}},
		{name: "only leads, short", args: []string{"-only", "leads", "-duration", "5s"}, getenv: getenv,
			check: func(c config) bool { return c.leadsOn && !c.photosOn && !c.memoryOn && c.duration == 5*time.Second }},
		{name: "queue", args: []string{"-only", "queue", "-queue-leads", "2000"}, getenv: getenv,
			check: func(c config) bool { return c.queueOn && !c.leadsOn && c.queueLeads == 2000 }},
		{name: "too few queue leads", args: []string{"-only", "queue", "-queue-leads", "100"}, getenv: getenv, wantErr: "-queue-leads must be at least 2000"},
		{name: "unknown measurement", args: []string{"-only", "leads,speed"}, getenv: getenv, wantErr: `unknown measurement "speed"`},
		{name: "no MariaDB", getenv: func(string) string { return "" }, wantErr: "no MariaDB"},
		{name: "too many memory rounds", args: []string{"-mem-rounds", "10"}, getenv: getenv, wantErr: "-mem-rounds must be 1 to 9"},
		{name: "photo over the cap", args: []string{"-mem-photo-mib", "10"}, getenv: getenv, wantErr: "under the server's 10 MiB cap"},
		{name: "no photo rounds", args: []string{"-photo-rounds", "0"}, getenv: getenv, wantErr: "-photo-rounds: 0"},
		{name: "stray argument", args: []string{"leads"}, getenv: getenv, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestRequireLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{{"127.0.0.1:3306", true}, {"localhost:9000", true}, {"[::1]:9000", true}, {"10.0.0.5:3306", false}, {"db.example:3306", false}, {"127.0.0.1", false}}
	for _, tt := range tests {
		if err := requireLoopback(tt.addr); (err == nil) != tt.ok {
			t.Errorf("requireLoopback(%s) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
}

func TestServerEnv(t *testing.T) {
	got := serverEnv([]string{"PATH=/bin", "XIEZHI_ADDR=:1", "HOME=/root"}, map[string]string{"XIEZHI_WORKERS": "0", "XIEZHI_DEMO_DATA": "false"})
	want := []string{"PATH=/bin", "HOME=/root", "XIEZHI_DEMO_DATA=false", "XIEZHI_WORKERS=0"}
	if !slices.Equal(got, want) {
		t.Errorf("serverEnv = %v, want %v", got, want)
	}
}

func TestPlate(t *testing.T) {
	seen := map[string]bool{}
	for n := range uint64(5000) {
		p := plate(n * 7919)
		if !strings.HasPrefix(p, "甘M") || len([]rune(p)) != 7 || seen[p] {
			t.Fatalf("plate(%d) = %s (seen before: %v)", n*7919, p, seen[p])
		}
		seen[p] = true
	}
}

// TestLeadGen checks the synthetic history of the queue measurement: in
// received order, inside the two years, routed to the grids' teams, with
// the events of the statuses.
func TestLeadGen(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	w := world{grids: []gridInfo{{id: "g1", name: "一", team: "t1", villages: []string{"v1"}}, {id: "g2", name: "二", team: "t2", villages: []string{"v2", "v3"}}},
		officerID: "officer", reporterID: "assistant"}
	gen := leadGen{w: w, n: 2000, start: now.AddDate(-2, 0, 0), now: now}
	a, b := gen.batch(1, 1000, 2000), gen.batch(1, 1000, 2000)
	if len(a.leads) != 1000 || a.leads[0].Ref != b.leads[0].Ref || a.leads[0].Status != b.leads[0].Status {
		t.Fatalf("batch: %d leads; not reproducible: %s %s", len(a.leads), a.leads[0].Status, b.leads[0].Status)
	}
	statuses := map[string]int{}
	for i, l := range a.leads {
		statuses[l.Status]++
		if l.ReceivedAt.Before(gen.start) || l.ReceivedAt.After(now) || (i > 0 && l.ReceivedAt.Before(a.leads[i-1].ReceivedAt)) {
			t.Fatalf("lead %d received %v, out of order or range", i, l.ReceivedAt)
		}
		team := map[string]string{"g1": "t1", "g2": "t2"}[l.GridID]
		if l.TeamID == nil || *l.TeamID != team || (l.Kind == "vehicle") != (l.Plate != nil) {
			t.Fatalf("lead %d: grid %s team %v, kind %s plate %v", i, l.GridID, l.TeamID, l.Kind, l.Plate)
		}
		if (l.Status == "closed") != (l.ClosedAt != nil) {
			t.Fatalf("lead %d: %s closed at %v", i, l.Status, l.ClosedAt)
		}
	}
	if len(statuses) < 5 || statuses["closed"] < statuses["submitted"] {
		t.Errorf("status mix %v", statuses)
	}
	wantEvents := 0
	for _, l := range a.leads {
		if l.AcceptedAt != nil {
			wantEvents++
		}
		if l.ClosedAt != nil {
			wantEvents++
		}
	}
	if len(a.events) != wantEvents {
		t.Errorf("%d events, want %d (one per acceptance and closing)", len(a.events), wantEvents)
	}
	for _, d := range a.dups {
		if d.LeadID == d.OtherID {
			t.Errorf("a lead flagged as its own duplicate: %+v", d)
		}
	}
}

func TestPick(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 10_000 {
		counts[pick(r, []weighted{{"often", 900}, {"rarely", 100}})]++
	}
	if counts["often"] < 8*counts["rarely"] || counts["rarely"] == 0 {
		t.Errorf("picked %v from 900:100", counts)
	}
}
