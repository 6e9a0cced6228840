#!/usr/bin/env bash
# lint-openapi.sh — lint openapi.yaml with a pinned Redocly CLI.
#
# The CLI is installed once into $XIEZHI_NPM_TOOLS/@redocly-cli-<version>
# (default $HOME/.cache/xiezhi/npm-tools), outside the repository, and reused
# afterwards. Rules live in redocly.yaml at the repository root. Errors fail
# the script; warnings are printed but do not.
#
# Usage: scripts/lint-openapi.sh [SPEC]      # SPEC defaults to openapi.yaml
# Needs: node >= 20.19 and npm (the pinned CLI's engines field).
set -euo pipefail

REDOCLY_CLI_VERSION="${REDOCLY_CLI_VERSION:-2.77.0}"
PKG="@redocly/cli"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${XIEZHI_NPM_TOOLS:-$HOME/.cache/xiezhi/npm-tools}"
PREFIX="$TOOLS/redocly-cli-$REDOCLY_CLI_VERSION"
BIN="$PREFIX/node_modules/.bin/redocly"
SPEC="${1:-$ROOT/openapi.yaml}"

log() { printf 'lint-openapi: %s\n' "$*" >&2; }

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		log "$tool not found on PATH; install Node.js >= 20.19 (for example: apt-get install nodejs npm)"
		exit 1
	fi
done

# installed prints the version of the CLI in $PREFIX, or nothing.
installed() {
	node -e 'try{process.stdout.write(require(process.argv[1]).version)}catch(e){}' \
		"$PREFIX/node_modules/$PKG/package.json" 2>/dev/null || true
}

if [[ "$(installed)" != "$REDOCLY_CLI_VERSION" || ! -x "$BIN" ]]; then
	mkdir -p "$PREFIX"
	# Serialise concurrent callers so two lints do not install into one prefix at once.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$PREFIX.lock"
		flock 9
	fi
	if [[ "$(installed)" != "$REDOCLY_CLI_VERSION" || ! -x "$BIN" ]]; then
		log "installing $PKG@$REDOCLY_CLI_VERSION into $PREFIX"
		npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
			"$PKG@$REDOCLY_CLI_VERSION" >&2
	fi
fi

# REDOCLY_TELEMETRY=off: the CLI otherwise reports usage over the network.
# REDOCLY_SUPPRESS_NOTIFICATIONS: no update check; the version is pinned on purpose.
cd "$ROOT"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true \
	"$BIN" lint --config "$ROOT/redocly.yaml" --format=stylish "$SPEC"
