//go:build pprof

// This file is only in a binary built with -tags pprof (never in a
// release: make build leaves it out). Such a binary serves net/http/pprof
// on XIEZHI_PPROF_ADDR (a loopback address such as 127.0.0.1:6061) for
// profiling under load, as docs/benchmarks.md describes.

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" //nolint:gosec // only with -tags pprof, on the address given
	"os"
	"time"
)

func init() {
	addr := os.Getenv("XIEZHI_PPROF_ADDR")
	if addr == "" {
		return
	}
	srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			slog.Error("pprof server", "addr", addr, "error", err.Error())
		}
	}()
}
