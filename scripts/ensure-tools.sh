#!/usr/bin/env bash
# ensure-tools.sh — install the pinned developer tools into $XIEZHI_TOOLS_BIN
# (default $HOME/.cache/xiezhi/bin), skipping any tool whose pinned version is
# already there (`golangci-lint version` is checked, so a changed pin reinstalls).
#
# Usage: scripts/ensure-tools.sh            # install what is missing
#        eval "$(scripts/ensure-tools.sh --print-path)"   # PATH for the tools
set -euo pipefail

GOLANGCI_LINT_VERSION="${GOLANGCI_LINT_VERSION:-v2.15.0}"
GOLANGCI_LINT_PKG="github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
TOOLS_BIN="${XIEZHI_TOOLS_BIN:-$HOME/.cache/xiezhi/bin}"

if [[ "${1:-}" == "--print-path" ]]; then
	# shellcheck disable=SC2016 # $PATH is meant for the eval-ing shell
	printf 'export PATH=%q:"$PATH"\n' "$TOOLS_BIN"
	exit 0
fi

if ! command -v go >/dev/null 2>&1; then
	if [[ -x /usr/local/go/bin/go ]]; then
		export PATH="/usr/local/go/bin:$PATH"
	else
		echo "ensure-tools: go not found on PATH or at /usr/local/go/bin" >&2
		exit 1
	fi
fi

mkdir -p "$TOOLS_BIN"

# golangci-lint: `golangci-lint version` prints "... has version 2.15.0 built with ...".
want="${GOLANGCI_LINT_VERSION#v}"
have=""
if [[ -x "$TOOLS_BIN/golangci-lint" ]]; then
	have="$("$TOOLS_BIN/golangci-lint" version 2>/dev/null | sed -n 's/.*has version \([^ ]*\).*/\1/p' | head -n1 || true)"
	if [[ -z "$have" ]]; then
		# Built by `go install` the binary may report "(devel)"; use the module info instead.
		have="$(go version -m "$TOOLS_BIN/golangci-lint" 2>/dev/null | awk '$1=="mod"{print $3; exit}' || true)"
		have="${have#v}"
	fi
fi
if [[ "$have" == "$want" ]]; then
	echo "ensure-tools: golangci-lint $want already in $TOOLS_BIN"
else
	echo "ensure-tools: installing golangci-lint $GOLANGCI_LINT_VERSION into $TOOLS_BIN (have: ${have:-none}); this compiles from source and takes a few minutes..."
	GOBIN="$TOOLS_BIN" go install "$GOLANGCI_LINT_PKG@$GOLANGCI_LINT_VERSION"
	echo "ensure-tools: golangci-lint $("$TOOLS_BIN/golangci-lint" version 2>/dev/null | head -n1)"
fi
