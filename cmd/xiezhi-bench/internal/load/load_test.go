package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun loads an httptest server: what completed is counted, failures are
// errors, latencies come sorted, and the window's measuring hook runs once.
func TestRun(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/fail" {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	get := func(path string) func(ctx context.Context, w int) (int64, error) {
		return func(ctx context.Context, _ int) (int64, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			return 1000, nil
		}
	}
	tests := []struct {
		name      string
		path      string
		clients   int
		wantDone  bool   // some requests completed in the window
		wantError string // the first error
	}{
		{name: "one client", path: "/ok", clients: 1, wantDone: true},
		{name: "four clients", path: "/ok", clients: 4, wantDone: true},
		{name: "failing server", path: "/fail", clients: 2, wantError: "GET /fail: 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			var prepared, measures atomic.Int64
			res := Run(context.Background(), Spec{
				Name: tt.name, Unit: "requests", Clients: tt.clients, Warmup: 20 * time.Millisecond, Window: 200 * time.Millisecond,
				Prepare:    func(int) { prepared.Add(1) },
				Op:         get(tt.path),
				ErrorPause: time.Millisecond,
				Measure: func() func(*Result) {
					measures.Add(1)
					return func(r *Result) { r.Note = "measured" }
				},
			})
			if res.Name != tt.name || res.Unit != "requests" || res.Clients != tt.clients || res.Interrupted {
				t.Errorf("result header %+v", res)
			}
			if measures.Load() != 1 || res.Note != "measured" {
				t.Errorf("measure hook ran %d times, note %q", measures.Load(), res.Note)
			}
			if tt.wantDone != (res.N > 0) || len(res.Lat) != res.N || res.Bytes != int64(res.N)*1000 {
				t.Errorf("done %d, latencies %d, bytes %d", res.N, len(res.Lat), res.Bytes)
			}
			if int64(res.N+res.Errors) > hits.Load() || prepared.Load() < hits.Load() {
				t.Errorf("done %d + errors %d, server hits %d, prepared %d", res.N, res.Errors, hits.Load(), prepared.Load())
			}
			if !slices.IsSorted(res.Lat) {
				t.Error("latencies not sorted")
			}
			if tt.wantError == "" && (res.Errors != 0 || res.FirstErr != "") || tt.wantError != "" && (res.Errors == 0 || !strings.Contains(res.FirstErr, tt.wantError)) {
				t.Errorf("errors %d, first %q, want %q", res.Errors, res.FirstErr, tt.wantError)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	res := Run(ctx, Spec{Name: "cancelled", Clients: 2, Window: time.Hour, Op: func(ctx context.Context, _ int) (int64, error) {
		if calls.Add(1) == 3 {
			cancel()
		}
		return 0, ctx.Err()
	}})
	if !res.Interrupted {
		t.Errorf("a cancelled run is not marked interrupted: %+v", res)
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"max", ms(1, 2, 3, 4), 1, 4 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p0", ms(1, 2), 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestRound(t *testing.T) {
	tests := []struct{ in, want time.Duration }{
		{123456789, 123 * time.Millisecond},
		{1234567, 1230 * time.Microsecond},
		{12345, 12 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := Round(tt.in); got != tt.want {
			t.Errorf("Round(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPool(t *testing.T) {
	a := &Result{Name: "a", Unit: "photos", Clients: 8, N: 10, Errors: 1, FirstErr: "first", Window: time.Second, Bytes: 100, Lat: []time.Duration{1, 5}, RSSMaxKB: 10}
	b := &Result{Name: "b", Unit: "photos", Clients: 8, N: 30, FirstErr: "second", Window: time.Second, Bytes: 300, Lat: []time.Duration{2, 3}, RSSMaxKB: 30}
	p := Pool("pooled", []*Result{a, b})
	if p.N != 40 || p.Errors != 1 || p.FirstErr != "first" || p.Window != 2*time.Second || p.Bytes != 400 || p.RSSMaxKB != 30 || !p.Pooled {
		t.Errorf("pool %+v", p)
	}
	if !slices.Equal(p.Lat, []time.Duration{1, 2, 3, 5}) {
		t.Errorf("pooled latencies %v, want them merged and sorted", p.Lat)
	}
	if p.Rate() != 20 || p.MBps() != 400/1e6/2 {
		t.Errorf("rate %v, MB/s %v", p.Rate(), p.MBps())
	}
	if e := Pool("empty", nil); e.N != 0 || !e.Pooled {
		t.Errorf("empty pool %+v", e)
	}
}
