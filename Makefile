# Xiezhi — build, run, test and lint.
#
#   make build        bin/xiezhi (version from `git describe`)
#   make run          build, then serve with the embedded defaults (SQLite + ./data)
#   make test         OpenAPI lint + all Go tests against real throwaway backends
#                     (MariaDB, MinIO; see scripts/test-env.sh), log in $(TESTLOG),
#                     then the console's browser tests (make test-web)
#   make test-go      the first part of make test only (no browser)
#   make test-web     Playwright on Debian's chromium against a real bin/xiezhi
#   make web          rebuild the web clients into web/dist (npm ci, vue-tsc, vite)
#   make web-screenshots  the browser tests, saving docs/console/*.png
#   make web-api      regenerate web/src/shared/api/schema.d.ts from openapi.yaml
#   make test-short   go test -short without any backend (those tests skip)
#   make bench        intake measurements (cmd/xiezhi-bench, see docs/benchmarks.md)
#                     and the Go micro-benchmarks, under scripts/test-env.sh
#   make lint         gofmt check, go vet, golangci-lint
#   make fmt          gofmt -s -w
#   make tools        install the pinned golangci-lint (scripts/ensure-tools.sh)
#   make clean        remove bin/
#
# Overrides: PKG=./internal/... GOTESTFLAGS='-run TestOrg -timeout 5m'

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-print-directory

# A fresh shell may not have Go on PATH yet.
ifeq ($(shell command -v go 2>/dev/null),)
export PATH := /usr/local/go/bin:$(PATH)
endif

TOOLS_BIN     ?= $(HOME)/.cache/xiezhi/bin
GOLANGCI_LINT ?= $(TOOLS_BIN)/golangci-lint

VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     ?= -X main.version=$(VERSION)
PKG         ?= ./...
GOTESTFLAGS ?=
TESTLOG     ?= bin/test.log

# Go files to format-check: everything but dependencies, caches and testdata.
GOFILES = $(shell find . -name '*.go' -not -path './.git/*' -not -path './vendor/*' \
	-not -path '*/node_modules/*' -not -path './.cache/*' -not -path '*/testdata/*')

.PHONY: build run test test-go test-web web web-api web-deps web-screenshots test-short bench lint fmt tools clean help

build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o bin/xiezhi ./cmd/xiezhi

run: build
	./bin/xiezhi serve

test: test-go test-web

# The summary counts the `--- PASS/FAIL/SKIP:` lines of `go test -v` whose test
# name mentions a backend, so a backend whose tests all skipped stands out.
# go test's own `ok`/`FAIL` package lines stay in the output and are repeated
# at the end; the target fails when go test (or the environment) failed.
test-go:
	scripts/lint-openapi.sh
	@mkdir -p $(dir $(TESTLOG))
	@status=0; \
	scripts/test-env.sh go test -race -count=1 -v $(GOTESTFLAGS) $(PKG) 2>&1 | tee $(TESTLOG) || status=$$?; \
	echo; echo "==> packages"; \
	grep -E '^(ok|FAIL)[[:space:]]|^panic:' $(TESTLOG) || true; \
	echo; echo "==> tests by backend (from $(TESTLOG))"; \
	awk ' \
	  BEGIN { n = split("sqlite mysql minio localdir", be, " "); pat["sqlite"] = "sqlite"; \
	          pat["mysql"] = "mysql|mariadb"; pat["minio"] = "minio"; pat["localdir"] = "localdir" } \
	  /^[ \t]*--- (PASS|FAIL|SKIP): / { r = $$2; sub(/:$$/, "", r); name = tolower($$3); all[r]++; \
	          for (i = 1; i <= n; i++) if (name ~ pat[be[i]]) c[be[i], r]++ } \
	  END { printf "%-10s %6s %6s %6s\n", "backend", "PASS", "FAIL", "SKIP"; \
	        for (i = 1; i <= n; i++) printf "%-10s %6d %6d %6d\n", be[i], c[be[i], "PASS"], c[be[i], "FAIL"], c[be[i], "SKIP"]; \
	        printf "%-10s %6d %6d %6d\n", "(all)", all["PASS"], all["FAIL"], all["SKIP"]; \
	        for (i = 1; i <= n; i++) if (c[be[i], "SKIP"] > 0) \
	          printf "note: %d %s test(s) skipped; see the SKIP lines in the log\n", c[be[i], "SKIP"], be[i] }' \
	  $(TESTLOG); \
	if [[ $$status -ne 0 ]]; then echo "==> FAIL (exit $$status); full log: $(TESTLOG)"; else echo "==> ok"; fi; \
	exit $$status

# The web clients (web/, docs/console.md). The build in web/dist is committed
# and embedded (package web), so build and run need only Go; these targets need
# Node.js >= 20.19 and npm. `npm ci` installs exactly package-lock.json.
WEB_NPM_FLAGS ?= --no-audit --no-fund --loglevel=error

# npm ci only when package-lock.json is newer than the installed tree (npm
# writes node_modules/.package-lock.json on every install).
web-deps: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci $(WEB_NPM_FLAGS)
	@touch $@

# Always a clean install: what .ci/run checks is the build from the lock file.
web:
	cd web && npm ci $(WEB_NPM_FLAGS)
	cd web && npm run build

# A changed openapi.yaml: regenerate the client's types, then make web (whose
# vue-tsc step fails if a screen no longer fits the spec).
web-api: web-deps
	cd web && npm run gen:api

# Playwright drives Debian's chromium (CHROMIUM, apt-get install chromium
# fonts-noto-cjk) against bin/xiezhi serve on a temporary data dir and a free
# port; the tests start and stop the server themselves.
CHROMIUM ?= /usr/bin/chromium
test-web: build web-deps
	cd web && XIEZHI_BIN=$(CURDIR)/bin/xiezhi CHROMIUM=$(CHROMIUM) npx playwright test

# The screenshots of docs/console.md, taken by the browser tests on the way.
web-screenshots: build web-deps
	mkdir -p docs/console
	cd web && XIEZHI_SCREENSHOTS=1 XIEZHI_BIN=$(CURDIR)/bin/xiezhi CHROMIUM=$(CHROMIUM) npx playwright test

# Without backends: unset their variables and the "backends required" switches
# so that tests needing them skip instead of failing.
test-short:
	env -u XIEZHI_TEST_MYSQL_DSN -u XIEZHI_TEST_S3_ENDPOINT -u XIEZHI_TEST_S3_ACCESS_KEY \
	    -u XIEZHI_TEST_S3_SECRET_KEY -u XIEZHI_TEST_MINIO_BIN -u CI -u XIEZHI_TEST_REQUIRE_BACKENDS \
	    go test -short -count=1 $(GOTESTFLAGS) $(PKG)

# cmd/xiezhi-bench runs bin/xiezhi against MariaDB and MinIO: lead submission,
# photo upload and server memory, each beside a baseline measured in the same
# run (about 10 minutes, ~45 GB free in $$TMPDIR for MinIO; -only queue runs the
# queue at 1,000,000 leads); it writes its results as markdown to $(BENCHOUT).
# BENCHFLAGS go to it, e.g. BENCHFLAGS='-duration 30s -only leads'.
BENCHFLAGS ?=
BENCHOUT   ?= bin/bench.md
bench: build
	scripts/test-env.sh go run ./cmd/xiezhi-bench -xiezhi bin/xiezhi -out $(BENCHOUT) $(BENCHFLAGS)
	scripts/test-env.sh go test -run '^$$' -bench . -benchmem $(GOTESTFLAGS) $(PKG)

lint: tools
	@files="$$($(if $(strip $(GOFILES)),gofmt -s -l $(GOFILES)))"; \
	if [[ -n "$$files" ]]; then echo "gofmt -s needs to be run on:"; echo "$$files"; exit 1; fi
	go vet $(PKG)
	$(GOLANGCI_LINT) run $(PKG)

fmt:
	$(if $(strip $(GOFILES)),gofmt -s -w $(GOFILES))

tools:
	@scripts/ensure-tools.sh

clean:
	rm -rf bin

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
