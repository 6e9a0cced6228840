#!/usr/bin/env bash
# update-redoc.sh — vendor the Redoc standalone bundle that /docs serves.
#
# Fetches the npm package redoc@VERSION with `npm pack` into a temporary
# directory (no node_modules anywhere), copies bundles/redoc.standalone.js to
# api/docsui/, rewrites api/docsui/THIRD_PARTY.md with the package's version
# and licence text, and updates docsui.RedocVersion. Review the diff, look at
# /docs in a browser, run `go test ./api/docsui/`, then commit.
#
# Usage: scripts/update-redoc.sh VERSION      # for example 3.0.1 (`npm view redoc version`)
set -euo pipefail

if [[ $# -ne 1 || ! "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	echo "usage: $0 VERSION   (an exact version such as 3.0.1; see \`npm view redoc version\`)" >&2
	exit 2
fi
VERSION="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/api/docsui"
log() { printf 'update-redoc: %s\n' "$*" >&2; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

log "fetching redoc@$VERSION"
tarball="$(cd "$TMP" && npm pack --silent "redoc@$VERSION" | tail -n1)"
tar -xzf "$TMP/$tarball" -C "$TMP"
PKG="$TMP/package"

got="$(node -p 'require(process.argv[1]).version' "$PKG/package.json")"
licence="$(node -p 'require(process.argv[1]).license' "$PKG/package.json")"
if [[ "$got" != "$VERSION" ]]; then
	log "the package says version $got, not $VERSION"
	exit 1
fi
if [[ "$licence" != "MIT" ]]; then
	log "redoc@$VERSION is licensed \"$licence\", not MIT: check that we may still ship it, then update this script"
	exit 1
fi
BUNDLE="$PKG/bundles/redoc.standalone.js"
if [[ ! -s "$BUNDLE" || ! -s "$PKG/LICENSE" ]]; then
	log "redoc@$VERSION has no bundles/redoc.standalone.js or LICENSE"
	exit 1
fi
if ! head -c 400 "$BUNDLE" | grep -q "Version: $VERSION"; then
	log "warning: the bundle's header does not say \"Version: $VERSION\"; api/docsui's test will fail"
fi

cp "$BUNDLE" "$DEST/redoc.standalone.js"
sed -i -E "s/^const RedocVersion = \"[^\"]*\"/const RedocVersion = \"$VERSION\"/" "$DEST/docsui.go"

{
	cat <<MD
# Third-party code in api/docsui

## Redoc

- File: \`redoc.standalone.js\`, unchanged from \`bundles/redoc.standalone.js\` of the npm
  package [\`redoc\`](https://www.npmjs.com/package/redoc) version **$VERSION**
  (source: https://github.com/Redocly/redoc).
- Licence: MIT (the package's \`LICENSE\`, copied below). The bundle keeps the licence
  comments of the libraries compiled into it (React, DOMPurify and others).
- Served at \`/docs/redoc.standalone.js\` and loaded by the page at \`/docs\`
  (\`docsui.Page\`), which turns Redoc's telemetry off and forbids requests to other hosts.
- SHA-256: \`$(sha256sum "$DEST/redoc.standalone.js" | cut -d' ' -f1)\`

### How to update

1. \`npm view redoc version\` gives the newest version; read its changelog.
2. \`scripts/update-redoc.sh VERSION\` fetches it with \`npm pack\` (nothing is installed, no
   \`node_modules\`), replaces \`redoc.standalone.js\`, rewrites this file and sets
   \`docsui.RedocVersion\`.
3. Check that the new bundle still reads \`<redoc>\` attributes (\`spec-url\`,
   \`disable-telemetry\`, \`download-urls\`) and loads as an ES module; list the hosts it names
   (\`grep -oE 'https://[a-z0-9.-]+' api/docsui/redoc.standalone.js | sort -u\`) and make sure
   the page's Content-Security-Policy still blocks all of them.
4. \`go test ./api/docsui/\`, look at \`/docs\` in a browser, and commit the three files.

### Licence text

\`\`\`text
MD
	cat "$PKG/LICENSE"
	printf '```\n'
} >"$DEST/THIRD_PARTY.md"

log "vendored redoc@$VERSION into $DEST ($(wc -c <"$DEST/redoc.standalone.js") bytes)"
log "hosts named by the bundle (the page's CSP must block them):"
grep -oE 'https?://[A-Za-z0-9.-]+' "$DEST/redoc.standalone.js" | sort -u | sed 's/^/  /' >&2
