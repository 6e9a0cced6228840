// Package supervise starts the processes xiezhi-bench measures (`xiezhi
// serve`, `xiezhi worker`, maybe behind nice or chrt), logs their output to
// a file, waits until they are ready and stops them: SIGTERM, then SIGKILL
// after a grace period. A started process is killed by the kernel if the
// bench dies (Pdeathsig).
package supervise

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec says what to start and when it is ready.
type Spec struct {
	Args    []string // the command and its arguments
	Env     []string // its whole environment
	LogPath string   // stdout and stderr go to this file
	// Ready is polled every Poll until it holds; nil: ready once started.
	Ready func(*Process) bool
	// Timeout bounds the wait for Ready (default 90 s); Poll is the
	// interval of the polls (default 100 ms); Grace is the time Stop
	// leaves between SIGTERM and SIGKILL (default 20 s).
	Timeout, Poll, Grace time.Duration
}

// Process is a started command.
type Process struct {
	cmd     *exec.Cmd
	what    string
	logPath string
	grace   time.Duration
	done    chan struct{}
	waitErr error
	once    sync.Once
	stopErr error
}

// Start starts spec.Args and waits until spec.Ready holds. It fails when the
// process exits first, ctx ends or spec.Timeout passes; the process is
// stopped then.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	if len(spec.Args) == 0 {
		return nil, errors.New("supervise: no command")
	}
	logf, err := os.Create(spec.LogPath)
	if err != nil {
		return nil, err
	}
	p := &Process{logPath: spec.LogPath, what: strings.Join(spec.Args, " "), grace: cmp.Or(spec.Grace, 20*time.Second), done: make(chan struct{})}
	p.cmd = exec.Command(spec.Args[0], spec.Args[1:]...) //nolint:gosec // the binary under test, given on the bench's command line
	p.cmd.Env = spec.Env
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start %s: %w", p.what, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		_ = logf.Close()
		close(p.done)
	}()
	if err := p.waitReady(ctx, spec); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitReady(ctx context.Context, spec Spec) error {
	timeout := cmp.Or(spec.Timeout, 90*time.Second)
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(cmp.Or(spec.Poll, 100*time.Millisecond))
	defer tick.Stop()
	for {
		if spec.Ready == nil || spec.Ready(p) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited during start-up (%w): %s", p.what, p.waitErr, p.Tail(2000))
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %v: %s", p.what, timeout, p.Tail(2000))
		}
	}
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// LogPath is the file the output goes to.
func (p *Process) LogPath() string { return p.logPath }

// Log reads the output so far.
func (p *Process) Log() ([]byte, error) { return os.ReadFile(p.logPath) }

// Signal sends sig (SIGSTOP and SIGCONT pause and resume it).
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited is closed once the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Stop ends the process with SIGTERM (a server drains its requests), then
// SIGKILL after the grace period, and waits for it. It is safe to call more
// than once; a stopped (SIGSTOP) process is resumed so that it can exit.
func (p *Process) Stop() error {
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		select {
		case <-p.done:
		case <-time.After(p.grace):
			_ = p.cmd.Process.Kill()
			<-p.done
			p.stopErr = fmt.Errorf("%s (pid %d) did not stop within %v of SIGTERM; killed", p.what, p.PID(), p.grace)
		}
	})
	return p.stopErr
}

// Tail is the end of the output, at most n bytes, for error messages.
func (p *Process) Tail(n int) string { return Tail(p.logPath, n) }

// Tail returns the end of a file, at most n bytes, trimmed.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // a log file the bench created
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// LogContains is a Ready test: the output holds s.
func LogContains(s string) func(*Process) bool {
	return func(p *Process) bool {
		log, err := p.Log()
		return err == nil && strings.Contains(string(log), s)
	}
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of asking.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
