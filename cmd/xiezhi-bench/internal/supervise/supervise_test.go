package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is its own child: with SUPERVISE_CHILD set, TestMain
// plays a server instead of running the tests.
const childEnv = "SUPERVISE_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "serve": // ready after a moment, exits 0 on SIGTERM
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("starting")
		time.Sleep(50 * time.Millisecond)
		fmt.Println("listening")
		<-term
		fmt.Println("stopped")
		os.Exit(0)
	case "fail": // exits during start-up
		fmt.Fprintln(os.Stderr, "cannot open the database")
		os.Exit(3)
	case "stubborn": // ready, ignores SIGTERM
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("listening")
		select {}
	case "silent": // never ready
		select {}
	}
}

func TestStartStop(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode     string
		timeout  time.Duration
		grace    time.Duration // 0: the default, ample for a clean exit
		startErr string        // in the error of Start; "" for success
		stopErr  string        // in the error of Stop
		log      string        // in the output after Stop
	}{
		{mode: "serve", log: "stopped"},
		{mode: "fail", startErr: "exited during start-up (exit status 3): cannot open the database"},
		{mode: "stubborn", grace: 200 * time.Millisecond, stopErr: "did not stop within"},
		{mode: "silent", timeout: 300 * time.Millisecond, startErr: "not ready within"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), tt.mode+".log")
			p, err := Start(context.Background(), Spec{
				Args: []string{self, "-test.run=^$"}, Env: append(os.Environ(), childEnv+"="+tt.mode), LogPath: logPath,
				Ready: LogContains("listening"), Timeout: tt.timeout, Poll: 10 * time.Millisecond, Grace: tt.grace,
			})
			if tt.startErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.startErr) {
					t.Fatalf("Start: %v, want an error with %q", err, tt.startErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.PID() <= 0 || p.LogPath() != logPath {
				t.Errorf("pid %d, log %s", p.PID(), p.LogPath())
			}
			err = p.Stop()
			if tt.stopErr == "" && err != nil || tt.stopErr != "" && (err == nil || !strings.Contains(err.Error(), tt.stopErr)) {
				t.Fatalf("Stop: %v, want %q", err, tt.stopErr)
			}
			select {
			case <-p.Exited():
			default:
				t.Fatal("Stop returned before the process exited")
			}
			if err2 := p.Stop(); !errors.Is(err2, err) {
				t.Errorf("second Stop: %v, want the first one's %v", err2, err)
			}
			if !strings.Contains(p.Tail(100), tt.log) {
				t.Errorf("log %q, want %q in it", p.Tail(100), tt.log)
			}
		})
	}
}

func TestStartCancelled(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Start(ctx, Spec{Args: []string{self}, Env: append(os.Environ(), childEnv+"=silent"),
		LogPath: filepath.Join(t.TempDir(), "x.log"), Ready: LogContains("never"), Grace: 200 * time.Millisecond})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context: %v", err)
	}
	if _, err := Start(context.Background(), Spec{Args: []string{filepath.Join(t.TempDir(), "no-such-binary")}, LogPath: filepath.Join(t.TempDir(), "y.log")}); err == nil {
		t.Error("Start of a missing binary: no error")
	}
}

func TestTailAndFreePort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("first line\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int
		want string
	}{{100, "first line\nsecond line"}, {12, "second line"}}
	for _, tt := range tests {
		if got := Tail(path, tt.n); got != tt.want {
			t.Errorf("Tail(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Tail(filepath.Join(t.TempDir(), "missing"), 10); !strings.Contains(got, "no such file") {
		t.Errorf("Tail of a missing file: %q", got)
	}
	if port, err := FreePort(); err != nil || port <= 0 {
		t.Errorf("FreePort: %d, %v", port, err)
	}
}
