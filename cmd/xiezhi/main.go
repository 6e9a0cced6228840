// Command xiezhi is the Xiezhi (协执) server: the REST API behind the phones
// of Zhengning county's village grid assistants and the enforcement teams
// that act on their leads.
//
//	xiezhi serve            run the API (embedded SQLite + photo dir by default)
//	xiezhi worker           run background jobs only (photo processing)
//	xiezhi migrate up       apply pending database migrations
//	xiezhi migrate status   show which migrations are applied
//	xiezhi user add         create an account (the first admin), password from stdin
//	xiezhi keys rotate      add a token signing key (keys list, keys remove KID)
//	xiezhi audit verify     check the audit log's hash chain
//	xiezhi healthcheck      exit 0 when the local server answers /healthz
//	xiezhi version          print the version
//
// Every command reads XIEZHI_* variables and the same flags; run a command
// with --help to list them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/zhengning-court/xiezhi/internal/domain"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "xiezhi:", oneLine(err))
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a wrong command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `usage: xiezhi <command> [flags]

commands:
  serve            run the API server (with --workers background job workers, default 1)
  worker           run background jobs only (photo decoding, thumbnails), no HTTP
  migrate up       apply pending database migrations
  migrate status   show which migrations are applied
  healthcheck      exit 0 when the server at --addr answers /healthz (for Docker)
  user add         create an account (the first admin): --phone --name --role --password-stdin
  keys rotate      add a token signing key (it signs once 2 minutes old)
  keys list        list the signing keys: signing, pending or verifying
  keys remove KID  delete a key (refuses the signing or last key without --force)
  audit verify     check the audit log's hash chain; exit 1 naming the first broken link
  version          print the version

Run "xiezhi <command> --help" for the flags; every flag has an XIEZHI_* variable.`

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr, getenv)
	case "worker":
		return worker(ctx, args[1:], stderr, getenv)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr, getenv)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stderr, getenv)
	case "user":
		return user(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "keys":
		return keys(ctx, args[1:], stdout, stderr, getenv)
	case "audit":
		return audit(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "xiezhi", version)
		return nil
	case "help", "--help", "-help", "-h":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// oneLine keeps start-up errors to a single line for operators; a domain
// error shows its message without the code prefix.
func oneLine(err error) string {
	msg := err.Error()
	var de *domain.Error
	if errors.As(err, &de) && de.Message != "" {
		// The message without the code, and the cause when the message
		// does not already end with it ("object store minio at …:
		// connection refused").
		msg = de.Message
		if de.Err != nil && !strings.HasSuffix(msg, de.Err.Error()) {
			msg += ": " + de.Err.Error()
		}
	}
	b := []byte(msg)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
