#!/usr/bin/env bash
# ensure-minio.sh — make sure the pinned MinIO server binary exists in the
# cache and print its path on stdout (messages go to stderr).
#
# The binary is built from source with `go install` once and cached in
# $XIEZHI_MINIO_BIN_DIR (default $HOME/.cache/xiezhi/minio-bin). A stamp file
# next to it records the module version it was built from, so changing the
# pin below rebuilds it. A binary that is already there without a stamp (built
# by hand) is adopted if its embedded module version matches the pin, or, when
# that cannot be read, if `minio --version` runs.
#
# Usage: bin="$(scripts/ensure-minio.sh)"
set -euo pipefail

MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="${XIEZHI_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
BIN_DIR="${XIEZHI_MINIO_BIN_DIR:-$HOME/.cache/xiezhi/minio-bin}"
BIN="$BIN_DIR/minio"
STAMP="$BIN_DIR/minio.version"
WANT="$MINIO_MODULE@$MINIO_VERSION"

log() { printf 'ensure-minio: %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

runs() { "$BIN" --version >/dev/null 2>&1; }

# embedded prints the module version recorded in the binary's build info.
embedded() { go version -m "$BIN" 2>/dev/null | awk -v m="$MINIO_MODULE" '$1=="mod" && $2==m {print $3; exit}'; }

mkdir -p "$BIN_DIR"

# Serialise concurrent callers (two `make test` at once must not build twice).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$BIN_DIR/.lock"
	flock 9
fi

# A build started by hand (`GOBIN=... go install github.com/minio/minio@...`)
# may still be running: wait for it instead of starting a second one.
if [[ ! -x "$BIN" ]] && pgrep -f "go install $MINIO_MODULE@" >/dev/null 2>&1; then
	log "a 'go install $MINIO_MODULE@...' is already running; waiting for it to finish..."
	while pgrep -f "go install $MINIO_MODULE@" >/dev/null 2>&1; do sleep 5; done
fi

if [[ -x "$BIN" ]]; then
	stamp="$(cat "$STAMP" 2>/dev/null || true)"
	if [[ "$stamp" == "$WANT" ]] && runs; then
		printf '%s\n' "$BIN"
		exit 0
	fi
	if [[ -z "$stamp" ]]; then
		have="$(embedded || true)"
		if [[ "$have" == "$MINIO_VERSION" || -z "$have" ]] && runs; then
			log "adopting existing $BIN (${have:-module version unreadable, but it runs}); writing $STAMP"
			printf '%s\n' "$WANT" >"$STAMP"
			printf '%s\n' "$BIN"
			exit 0
		fi
		reason="existing binary is ${have:-unusable}, pin is $MINIO_VERSION"
	else
		reason="cached build is ${stamp#"$MINIO_MODULE"@}, pin is $MINIO_VERSION"
	fi
else
	reason="no binary at $BIN yet"
fi

log "building MinIO $MINIO_VERSION from source into $BIN_DIR ($reason)."
log "this compiles all of MinIO and takes about 10 minutes on 2 cores; it is done once and cached."
rm -f "$STAMP"
start=$SECONDS
GOBIN="$BIN_DIR" go install "$WANT"
if ! runs; then
	log "built $BIN but '$BIN --version' fails"
	exit 1
fi
printf '%s\n' "$WANT" >"$STAMP"
log "built MinIO $MINIO_VERSION in $((SECONDS - start))s"
printf '%s\n' "$BIN"
