// Package report writes what xiezhi-bench measured: a text table for the
// terminal and the same as a markdown fragment for docs/benchmarks.md, with
// the machine, each measurement beside its baseline, and the targets with
// whether they were met.
package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/load"
	"github.com/zhengning-court/xiezhi/cmd/xiezhi-bench/internal/procfs"
)

// The targets (docs/benchmarks.md says where they come from).
const (
	LeadRatioTarget  = 0.7                    // API lead throughput ≥ 0.7 × the bare GORM baseline
	PhotoRatioTarget = 0.8                    // API photo throughput ≥ 0.8 × minio-go PutObject
	PeakMiBTarget    = 150                    // server VmHWM < 150 MiB with 32 uploads of 8 MiB at once
	QueueP99Target   = 20 * time.Millisecond  // a queue page of 50 with its status counts
	StatsP99Target   = 200 * time.Millisecond // stats of one grid over a year
)

const mib = 1 << 20

// Config is the part of the run's settings the report states.
type Config struct {
	Clients, PhotoClients, MemClients, MemRounds, PhotoRounds int
	Warmup, Duration, PhotoWindow                             time.Duration
	JobWorkers, WorkerNice                                    int
	WorkerIdle                                                bool // under SCHED_IDLE (chrt --idle 0)
}

// Photo describes a synthesised test photo.
type Photo struct {
	Width, Height, Quality, Bytes int
	ProcessTime                   time.Duration // imaging.Process of it, one goroutine
}

// Report is everything measured in one run.
type Report struct {
	Config  Config
	Machine Machine
	Photos  []Photo
	Rows    []*load.Result // the table, in order
	// The rows the targets compare.
	LeadsBase, LeadsAPI *load.Result
	// Pooled rounds: PutObject with the server's options and with minio-go's
	// defaults, and the API with the worker stopped during the windows.
	PhotosBase, PhotosDefault, PhotosAPI *load.Result
	RoundBase, RoundDefault, RoundAPI    []*load.Result // the windows of each round
	PhotosShared                         *load.Result   // the API with the worker running on the same cores
	PhotoDrain                           *Drain         // the worker catching up after the photo windows
	Memory                               *Memory
	Queue                                *Queue
}

// Add appends rows to the table.
func (r *Report) Add(rs ...*load.Result) { r.Rows = append(r.Rows, rs...) }

// FailedRequests counts the failed requests of the run (pooled rows are
// not counted again).
func (r *Report) FailedRequests() int {
	n := 0
	for _, x := range r.Rows {
		if !x.Pooled {
			n += x.Errors
		}
	}
	if r.Memory != nil {
		n += r.Memory.Errors
	}
	if r.Queue != nil {
		for _, x := range r.Queue.Results {
			n += x.Errors
		}
	}
	return n
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

// Targets returns one line per target, with its verdict.
func (r *Report) Targets() []string {
	var out []string
	if r.LeadsBase != nil && r.LeadsAPI != nil && r.LeadsBase.Rate() > 0 {
		q := r.LeadsAPI.Rate() / r.LeadsBase.Rate()
		out = append(out, fmt.Sprintf("1. Lead submission: API %.1f leads/s = %.2f × bare GORM %.1f leads/s (target ≥ %.1f×): %s",
			r.LeadsAPI.Rate(), q, r.LeadsBase.Rate(), LeadRatioTarget, verdict(q >= LeadRatioTarget)))
	}
	out = append(out, r.photoTargets()...)
	if m := r.Memory; m != nil {
		out = append(out, fmt.Sprintf("3. Server memory: peak VmHWM %.1f MiB with %d × %.1f MiB uploads at once (target < %d MiB): %s",
			float64(m.HWM)/1024, m.Clients, float64(m.PhotoBytes)/mib, PeakMiBTarget, verdict(float64(m.HWM)/1024 < PeakMiBTarget)))
	}
	return out
}

// photoTargets: the target's baseline is minio-go PutObject with its
// default options, a fixed reference. The baseline with the server's own
// options is stricter and moves with them (an option that makes the
// server's PUT cheaper makes it cheaper too); it is shown beside.
func (r *Report) photoTargets() []string {
	d, api := r.PhotosDefault, r.PhotosAPI
	if d == nil || api == nil || d.Rate() <= 0 {
		return nil
	}
	q := api.Rate() / d.Rate()
	out := []string{fmt.Sprintf("2. Photo upload: API %.2f photos/s (%.1f MB/s) = %.3f × minio-go PutObject %.1f photos/s (%.1f MB/s), %d rounds pooled (round by round %s), the worker stopped (target ≥ %.1f×): %s",
		api.Rate(), api.MBps(), q, d.Rate(), d.MBps(), len(r.RoundAPI), ratios(r.RoundAPI, r.RoundDefault), PhotoRatioTarget, verdict(q >= PhotoRatioTarget))}
	if b := r.PhotosBase; b != nil && b.Rate() > 0 {
		out = append(out, fmt.Sprintf("   stricter, for information: against PutObject with the server's options %.1f photos/s, %.3f × (round by round %s)",
			b.Rate(), api.Rate()/b.Rate(), ratios(r.RoundAPI, r.RoundBase)))
	}
	if sh := r.PhotosShared; sh != nil {
		out = append(out, fmt.Sprintf("   with the worker decoding on the same cores: API %.2f photos/s = %.3f × PutObject (for information)", sh.Rate(), sh.Rate()/d.Rate()))
	}
	return out
}

// ratios lists a[i]/b[i] round by round.
func ratios(a, b []*load.Result) string {
	var out []string
	for i := range min(len(a), len(b)) {
		if b[i].Rate() > 0 {
			out = append(out, fmt.Sprintf("%.3f", a[i].Rate()/b[i].Rate()))
		}
	}
	return strings.Join(out, ", ")
}

// rowCells are the table cells of a row after its name.
func rowCells(x *load.Result) []string {
	mb := "–"
	if x.Bytes > 0 {
		mb = fmt.Sprintf("%.1f", x.MBps())
	}
	return []string{strconv.Itoa(x.Clients), strconv.Itoa(x.N), fmt.Sprintf("%.1f %s/s", x.Rate(), x.Unit), mb,
		load.Round(load.Percentile(x.Lat, 0.5)).String(), load.Round(load.Percentile(x.Lat, 0.99)).String(),
		load.Round(load.Percentile(x.Lat, 1)).String(), strconv.Itoa(x.Errors)}
}

// cpuLine is a row's CPU line, with what else was noted of it.
func cpuLine(x *load.Result, md bool) string {
	s := x.Name + ": " + x.CPU.String()
	if x.RSSMaxKB > 0 {
		s += fmt.Sprintf("; server RSS at most %.1f MiB", float64(x.RSSMaxKB)/1024)
	}
	if x.Note != "" {
		s += "; " + x.Note
	}
	if x.FirstErr != "" {
		if md {
			s += "; first error: `" + x.FirstErr + "`"
		} else {
			s += "; first error: " + x.FirstErr
		}
	}
	return s
}

// section is a part of the report after the table: a title and its lines.
type section struct {
	title string
	lines []string
}

// sections are the parts after the table, in order.
func (r *Report) sections() []section {
	return []section{{"Photo decoding", r.photoNotes()}, {"Server memory", r.memoryLines()}}
}

// Print writes the report for the terminal.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintln(w, "\n==> machine")
	for _, l := range r.machineLines() {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintln(w, "\n==> throughput (completed in the measured window) and latency")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  measurement\tclients\tdone\tper second\tMB/s\tp50\tp99\tmax\terrors")
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "  %s\t%s\n", x.Name, strings.Join(rowCells(x), "\t"))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\n==> CPU during each measured window (% of one core)")
	for _, x := range r.Rows {
		fmt.Fprintln(w, "  "+cpuLine(x, false))
	}
	for _, s := range r.sections() {
		if len(s.lines) > 0 {
			fmt.Fprintf(w, "\n==> %s\n", strings.ToLower(s.title))
			for _, l := range s.lines {
				fmt.Fprintln(w, "  "+l)
			}
		}
	}
	if r.Queue != nil {
		r.Queue.write(w, false)
	}
	fmt.Fprintln(w, "\n==> targets")
	for _, l := range r.Targets() {
		fmt.Fprintln(w, "  "+l)
	}
}

// Markdown is the report as a markdown fragment, dated at.
func (r *Report) Markdown(at time.Time) string {
	var s strings.Builder
	fmt.Fprintf(&s, "Run of %s (`xiezhi-bench`).\n\n", at.UTC().Format("2006-01-02 15:04 UTC"))
	for _, l := range r.machineLines() {
		fmt.Fprintf(&s, "- %s\n", l)
	}
	s.WriteString("\n| measurement | clients | done | per second | MB/s | p50 | p99 | max | errors |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, x := range r.Rows {
		fmt.Fprintf(&s, "| %s | %s |\n", x.Name, strings.Join(rowCells(x), " | "))
	}
	s.WriteString("\nCPU in each measured window, in % of one core (the machine has " + strconv.Itoa(r.Machine.CPUs) + "):\n\n")
	for _, x := range r.Rows {
		fmt.Fprintf(&s, "- %s\n", cpuLine(x, true))
	}
	for _, sec := range r.sections() {
		if len(sec.lines) > 0 {
			fmt.Fprintf(&s, "\n%s:\n\n", sec.title)
			for _, l := range sec.lines {
				fmt.Fprintf(&s, "- %s\n", l)
			}
		}
	}
	if r.Queue != nil {
		r.Queue.write(&s, true)
	}
	s.WriteString("\nTargets:\n\n")
	for _, l := range r.Targets() {
		fmt.Fprintf(&s, "- %s\n", l)
	}
	return s.String()
}

// Pct formats a CPU percentage ("–" when not measured).
func Pct(v float64) string { return procfs.Pct(v) }
