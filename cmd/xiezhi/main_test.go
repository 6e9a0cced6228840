package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zhengning-court/xiezhi/internal/config"
	"github.com/zhengning-court/xiezhi/internal/testenv"
	"github.com/zhengning-court/xiezhi/migrations"
)

// TestMain lets tests run this test binary as the real xiezhi process:
// with XIEZHI_TEST_MAIN=1 it is main() itself.
func TestMain(m *testing.M) {
	if os.Getenv("XIEZHI_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the xiezhi process with args and env (and nothing else
// of XIEZHI_ from the test's environment).
func command(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"XIEZHI_TEST_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// TestStartFailsInOneLine: unreachable backends and bad settings stop the
// process at start with one line on stderr and a non-zero status.
func TestStartFailsInOneLine(t *testing.T) {
	dead := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	tests := []struct {
		name   string
		env    []string
		status int
		want   string
	}{
		{"unreachable mysql", []string{"XIEZHI_DATABASE_URL=xiezhi:secret@tcp(" + dead + ")/xiezhi"}, 1,
			"xiezhi: database mysql at " + dead + "/xiezhi: connection refused"},
		{"unreachable minio", []string{"XIEZHI_S3_ENDPOINT=" + dead, "XIEZHI_S3_ACCESS_KEY=a", "XIEZHI_S3_SECRET_KEY=b"}, 1,
			"xiezhi: object store minio at " + dead + ": connection refused"},
		{"s3 without keys", []string{"XIEZHI_S3_ENDPOINT=" + dead}, 2,
			"xiezhi: XIEZHI_S3_ENDPOINT is set: XIEZHI_S3_ACCESS_KEY and XIEZHI_S3_SECRET_KEY are required"},
		{"bad duration", []string{"XIEZHI_READ_TIMEOUT=soon"}, 2,
			`xiezhi: XIEZHI_READ_TIMEOUT="soon": want a duration such as 30s or 5m`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"XIEZHI_DATA_DIR=" + t.TempDir(), "XIEZHI_ADDR=127.0.0.1:0"}, tc.env...)
			cmd := command(t, env, "serve")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if err == nil || code != tc.status {
				t.Fatalf("exit %d (%v), want %d; stderr:\n%s", code, err, tc.status, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, tc.want) {
				t.Errorf("last stderr line %q, want prefix %q", last, tc.want)
			}
			for _, l := range lines[:len(lines)-1] {
				if !strings.HasPrefix(l, "{") { // only JSON log lines may precede the error
					t.Errorf("stray stderr line before the error: %q", l)
				}
			}
			if strings.Contains(stderr.String(), "secret") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("stderr leaks a secret or a stack trace:\n%s", stderr.String())
			}
		})
	}
}

// TestServeEmbedded starts the real process with no configuration but a
// data dir and port: it migrates, loads the grids and demo accounts, prints
// the passwords once, answers /healthz and /readyz, and stops cleanly on
// SIGTERM. A second start keeps the data and prints no passwords.
func TestServeEmbedded(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	for run := 1; run <= 2; run++ {
		cmd := command(t, []string{"XIEZHI_DATA_DIR=" + dir, "XIEZHI_ADDR=" + addr})
		cmd.Args = append(cmd.Args, "serve")
		var stdout, stderr syncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr, cmd, &stderr)
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"backend":"sqlite"`) || !strings.Contains(string(body), `"backend":"localdir"`) {
			t.Errorf("run %d: /readyz %d %s", run, resp.StatusCode, body)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("run %d: exit after SIGTERM: %v\n%s", run, err, stderr.String())
		}
		out := stdout.String()
		switch run {
		case 1:
			for _, want := range []string{"Demo accounts", "admin", "assistant", "13800000004", "password "} {
				if !strings.Contains(out, want) {
					t.Errorf("first start stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(stderr.String(), `"msg":"reference data loaded","grids":10`) {
				t.Errorf("grids not loaded:\n%s", stderr.String())
			}
		case 2:
			if strings.Contains(out, "password") {
				t.Errorf("second start printed passwords again:\n%s", out)
			}
		}
		if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
			t.Errorf("run %d: no clean stop logged:\n%s", run, stderr.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if !strings.HasPrefix(line, "{") {
				t.Errorf("run %d: log line is not JSON: %q", run, line)
			}
		}
	}
	if _, err := os.Stat(dir + "/xiezhi.db"); err != nil {
		t.Errorf("database file: %v", err)
	}
	if fi, err := os.Stat(dir + "/objects"); err != nil || !fi.IsDir() {
		t.Errorf("photo directory: %v", err)
	}
}

func waitHealthy(t *testing.T, addr string, cmd *exec.Cmd, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatalf("no /healthz 200 within 30s:\n%s", stderr.String())
}

// syncBuffer is a bytes.Buffer safe for the process's writer goroutine and
// the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestGracefulDrain: a request in flight when the signal comes is answered
// before the server stops.
func TestGracefulDrain(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	cfg := config.Defaults()
	cfg.Addr = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- listenAndServe(ctx, cfg, h, slog.New(slog.NewJSONHandler(io.Discard, nil))) }()

	var resp *http.Response
	var err error
	got := make(chan struct{})
	go func() {
		defer close(got)
		for range 100 {
			resp, err = http.Get("http://" + cfg.Addr + "/slow") //nolint:bodyclose // closed by the test below
			if err == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	<-started
	cancel()
	<-got
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "finished" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-done; err != nil {
		t.Errorf("listenAndServe: %v", err)
	}
	if after, err := http.Get("http://" + cfg.Addr + "/slow"); err == nil {
		after.Body.Close()
		t.Error("server still accepts after shutdown")
	}
}

func TestMigrateCommand(t *testing.T) {
	env := []string{"XIEZHI_DATA_DIR=" + t.TempDir()}
	getenv := func(k string) string {
		for _, e := range env {
			if v, ok := strings.CutPrefix(e, k+"="); ok {
				return v
			}
		}
		return ""
	}
	files, err := fs.Glob(migrations.FS, "sqlite/*.sql")
	if err != nil || len(files) < 1 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	n := len(files)
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "status"}, []string{"0009 baseline pending", fmt.Sprintf("sqlite database: 0 applied, %d pending", n)}},
		{[]string{"migrate", "up"}, []string{"applied 0009_baseline"}},
		{[]string{"migrate", "up"}, []string{"database is up to date"}},
		{[]string{"migrate", "status"}, []string{fmt.Sprintf("sqlite database: %d applied, 0 pending", n)}},
	}
	for _, s := range steps {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), s.args, nil, &out, &errOut, getenv); err != nil {
			t.Fatalf("%v: %v\n%s", s.args, err, errOut.String())
		}
		words := strings.Join(strings.Fields(out.String()), " ") // whatever the columns' widths
		for _, w := range s.want {
			if !strings.Contains(words, w) {
				t.Errorf("%v output lacks %q:\n%s", s.args, w, out.String())
			}
		}
	}
	if err := run(context.Background(), []string{"migrate", "down"}, nil, io.Discard, io.Discard, getenv); exitCode(err) != 2 {
		t.Errorf("migrate down: %v (exit %d), want a usage error", err, exitCode(err))
	}
}

// TestHelpListsEverySetting: serve --help names every flag and variable.
func TestHelpListsEverySetting(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, nil, io.Discard, &stderr, func(string) string { return "" })
	if exitCode(err) != 2 {
		t.Errorf("--help exit %d", exitCode(err))
	}
	for _, s := range config.Env() {
		if !strings.Contains(stderr.String(), s[0]) || !strings.Contains(stderr.String(), "-"+s[1][2:]) {
			t.Errorf("help lacks %s / %s", s[0], s[1])
		}
	}
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	lines := 0
	for sc.Scan() {
		lines++
	}
	if lines < len(config.Env()) {
		t.Errorf("help has %d lines", lines)
	}
}

func TestUnknownCommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, &stderr, func(string) string { return "" })
	if exitCode(err) != 2 || !strings.Contains(stderr.String(), "usage: xiezhi") {
		t.Errorf("err %v exit %d stderr %q", err, exitCode(err), stderr.String())
	}
}
