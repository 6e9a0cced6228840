package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

func result(name, unit string, n int, window time.Duration, bytes int64, lat ...time.Duration) *load.Result {
	return &load.Result{Name: name, Unit: unit, Clients: 4, N: n, Window: window, Bytes: bytes, Lat: lat, CPU: procfs.CPU{Server: 50, OK: true}}
}

func TestMarkdown(t *testing.T) {
	base := result("lead: bare GORM baseline", "leads", 1000, 10*time.Second, 0, time.Millisecond, 2*time.Millisecond, 9*time.Millisecond)
	api := result("lead: POST /v1/leads (API)", "leads", 800, 10*time.Second, 0, 3*time.Millisecond)
	api.Errors, api.FirstErr = 2, "POST /v1/leads: 500"
	r := &Report{Config: Config{Clients: 4, JobWorkers: 2, WorkerNice: 19, WorkerIdle: true}, Machine: Machine{CPUs: 2, CPUModel: "Test CPU"},
		Photos: []Photo{{Width: 4000, Height: 3000, Quality: 85, Bytes: 2 << 20, ProcessTime: 200 * time.Millisecond}}}
	r.LeadsBase, r.LeadsAPI = base, api
	r.Add(base, api)
	md := r.Markdown(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"Run of 2026-12-03 12:00 UTC (`xiezhi-bench`).",
		"- CPU: 2 × Test CPU;",
		"| measurement | clients | done | per second | MB/s | p50 | p99 | max | errors |",
		"| lead: bare GORM baseline | 4 | 1000 | 100.0 leads/s | – | 2ms | 9ms | 9ms | 0 |",
		"| lead: POST /v1/leads (API) | 4 | 800 | 80.0 leads/s | – | 3ms | 3ms | 3ms | 2 |",
		"(the machine has 2):",
		"- lead: POST /v1/leads (API): server 50% · worker 0% · MariaDB 0%",
		"first error: `POST /v1/leads: 500`",
		"Photo decoding:\n\n- Photo 4000x3000, JPEG quality 85, 2097152 bytes (2.00 MiB): imaging.Process",
		"takes 200ms in one goroutine",
		"Targets:\n\n- 1. Lead submission: API 80.0 leads/s = 0.80 × bare GORM 100.0 leads/s (target ≥ 0.7×): MET\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Server memory") || strings.Contains(md, "Queue") {
		t.Errorf("sections not measured are in the markdown:\n%s", md)
	}
	var text bytes.Buffer
	r.Print(&text)
	for _, want := range []string{"==> machine", "lead: POST /v1/leads (API)  4        800   80.0 leads/s", "==> photo decoding", "==> targets\n  1. Lead submission"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if got := r.FailedRequests(); got != 2 {
		t.Errorf("FailedRequests = %d, want 2", got)
	}
}

func TestTargets(t *testing.T) {
	photos := func(api, dflt int) *Report {
		r := &Report{PhotosAPI: result("api", "photos", api, time.Second, 0), PhotosDefault: result("default", "photos", dflt, time.Second, 0)}
		r.RoundAPI, r.RoundDefault = []*load.Result{r.PhotosAPI}, []*load.Result{r.PhotosDefault}
		return r
	}
	tests := []struct {
		name string
		r    *Report
		want []string
	}{
		{"leads missed", &Report{LeadsBase: result("b", "leads", 100, time.Second, 0), LeadsAPI: result("a", "leads", 69, time.Second, 0)},
			[]string{"1. Lead submission: API 69.0 leads/s = 0.69 × bare GORM 100.0 leads/s (target ≥ 0.7×): MISSED"}},
		{"photos met", photos(85, 100), []string{"= 0.850 × minio-go PutObject 100.0 photos/s", "1 rounds pooled (round by round 0.850)", "(target ≥ 0.8×): MET"}},
		{"photos missed", photos(79, 100), []string{"(target ≥ 0.8×): MISSED"}},
		{"memory met", &Report{Memory: &Memory{Clients: 32, PhotoBytes: 8 << 20, HWM: 100 * 1024}},
			[]string{"3. Server memory: peak VmHWM 100.0 MiB with 32 × 8.0 MiB uploads at once (target < 150 MiB): MET"}},
		{"memory missed", &Report{Memory: &Memory{Clients: 32, PhotoBytes: 8 << 20, HWM: 150 * 1024}}, []string{"(target < 150 MiB): MISSED"}},
		{"baseline without requests", &Report{LeadsBase: result("b", "leads", 0, time.Second, 0), LeadsAPI: result("a", "leads", 1, time.Second, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.r.Targets(), "\n")
			if tt.want == nil && got != "" {
				t.Errorf("targets %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("targets %q lack %q", got, w)
				}
			}
		})
	}
}

func TestQueueReport(t *testing.T) {
	fast := &QueueResult{Case: QueueCase{Name: "queue, no filter", Path: "/v1/leads"}, Clients: 1, Lat: []time.Duration{5 * time.Millisecond}, Items: 50}
	slow := &QueueResult{Case: QueueCase{Name: "stats, one grid", Stats: true}, Clients: 4, Lat: []time.Duration{250 * time.Millisecond}, Errors: 1, FirstErr: "503"}
	r := &Report{Machine: Machine{CPUs: 2}, Queue: &Queue{Leads: 2000, Results: []*QueueResult{fast, slow},
		Plans: []QueuePlan{{Case: "queue, no filter", SQL: "SELECT * FROM leads", Explain: "id | table\n1 | leads\n", Analyze: "id | rows\n1 | 50\n", Times: 1}}}}
	md := r.Markdown(time.Now())
	for _, want := range []string{
		"Queue and statistics at scale:\n\n- inserted 2000 leads",
		"| queue, no filter | 1 | 1 | 50 | 5ms | 5ms | 5ms | 5ms | 0 | 0% server, 0% MariaDB |",
		"- queue, no filter, 1 client(s): p99 5ms (target < 20ms): MET",
		"- stats, one grid, 4 client(s): p99 250ms (target < 200ms): MISSED",
		"```sql\nSELECT * FROM leads\n```",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if got := r.FailedRequests(); got != 1 {
		t.Errorf("FailedRequests = %d, want 1", got)
	}
}

func TestDrainAndMemory(t *testing.T) {
	tests := []struct {
		name string
		d    Drain
		rate float64
		want string
	}{
		{"all processed", Drain{Photos: 100, Backlog: 40, Elapsed: 10 * time.Second, States: "100 done"}, 4, "processed the other 40 in 10s: **4.0 photos/s**"},
		{"capped", Drain{Photos: 100, Backlog: 40, Removed: 20, Elapsed: 10 * time.Second, States: "80 done, 20 pending"}, 2, "The 20 jobs still queued were removed"},
		{"nothing left", Drain{Photos: 5}, 0, "processed the other 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Rate(); got != tt.rate {
				t.Errorf("rate %v, want %v", got, tt.rate)
			}
			if got := tt.d.Line(); !strings.Contains(got, tt.want) {
				t.Errorf("line %q lacks %q", got, tt.want)
			}
		})
	}
	r := &Report{Config: Config{JobWorkers: 2}, Memory: &Memory{Clients: 2, Rounds: 1, PhotoBytes: 8 << 20, HWM: 90 * 1024, Lat: []time.Duration{time.Second}, Drain: &Drain{Photos: 2, Backlog: 2, Elapsed: time.Second}}}
	md := r.Markdown(time.Now())
	for _, want := range []string{"Server memory:\n\n- 2 clients × 1 rounds", "VmHWM 90.0 MiB", "at the server's priority, 2 job workers"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
