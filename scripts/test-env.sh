#!/usr/bin/env bash
# test-env.sh — run a command with throwaway test backends.
#
# Usage: scripts/test-env.sh <command...>
#   e.g. scripts/test-env.sh go test -race ./...
#
# Brings up the backends the tests in internal/testenv read, exports their
# environment variables, runs the command, tears everything down (on normal
# exit, Ctrl-C or SIGTERM) and exits with the command's status.
#
#   MariaDB/MySQL  XIEZHI_TEST_MYSQL_DSN
#       If a server answers at 127.0.0.1:3306 as root with an empty password,
#       it is shared (tests create and drop their own databases). Otherwise a
#       private mariadbd is started on a temporary datadir and a free loopback
#       port, and removed afterwards.
#   MinIO          XIEZHI_TEST_S3_ENDPOINT, XIEZHI_TEST_S3_ACCESS_KEY,
#                  XIEZHI_TEST_S3_SECRET_KEY, XIEZHI_TEST_MINIO_BIN
#       The pinned binary comes from scripts/ensure-minio.sh (built once and
#       cached; the first build takes about 10 minutes). A private server is
#       started on a free loopback port with a temporary data dir and fresh
#       credentials, and removed afterwards.
#
# Switches (environment):
#   XIEZHI_TEST_PRIVATE_MARIADB=1   ignore the shared server on 127.0.0.1:3306
#                                   and always start a private mariadbd
#                                   (exercises the path a machine without a
#                                   running server takes).
#   XIEZHI_TEST_MARIADB_BUFFER_POOL=3G
#                                   the private mariadbd's InnoDB buffer pool
#                                   (default 64M; the queue benchmark at a
#                                   million leads measures with a production
#                                   size, see docs/benchmarks.md).
#   XIEZHI_TEST_MYSQL_DSN / XIEZHI_TEST_S3_ENDPOINT already set
#                                   use that server as given; nothing started.
#   CI=true or XIEZHI_TEST_REQUIRE_BACKENDS=1
#                                   a backend that cannot be brought up is an
#                                   error (exit 1 before running the command),
#                                   never a silent skip. Otherwise it is a
#                                   warning and the variable stays unset (the
#                                   tests that need it skip).
#   XIEZHI_TEST_KEEP=1              keep the temp dir (logs, datadirs) on exit.
# shellcheck disable=SC2317 # functions below are reached through traps
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 <command...>" >&2
	exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

REQUIRED=0
if [[ "${CI:-}" == "true" || "${XIEZHI_TEST_REQUIRE_BACKENDS:-}" == "1" ]]; then
	REQUIRED=1
fi

log() { printf 'test-env: %s\n' "$*" >&2; }

# unavailable MESSAGE NAME reports a backend that could not be brought up:
# fatal when backends are required, a warning otherwise.
unavailable() {
	if [[ $REQUIRED == 1 ]]; then
		log "ERROR: $1"
		log "backends are required here (CI=true or XIEZHI_TEST_REQUIRE_BACKENDS=1); not running the command."
		exit 1
	fi
	MISSING+=("$2")
	log "WARNING: $1"
	log "continuing without it: tests needing it will be SKIPPED."
}

TMP="$(mktemp -d "${TMPDIR:-/tmp}/xiezhi-test-env.XXXXXX")"
MINIO_PID=""
MARIADB_PID=""
CHILD_PID=""

# descendants prints every process below pid $1, deepest first.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		descendants "$c"
		echo "$c"
	done
}

# stop_pid sends TERM to pid $1, waits up to $2 seconds, then KILLs it.
stop_pid() {
	local pid=$1 secs=${2:-10} i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
		# shellcheck disable=SC2046
		kill -TERM $(descendants "$CHILD_PID") "$CHILD_PID" 2>/dev/null || true
		wait "$CHILD_PID" 2>/dev/null || true
	fi
	if [[ -n "$MINIO_PID" ]]; then
		stop_pid "$MINIO_PID" 10
	fi
	if [[ -n "$MARIADB_PID" ]]; then
		# mariadbd shuts down cleanly on TERM; give InnoDB time to flush.
		stop_pid "$MARIADB_PID" 30
	fi
	if [[ "${XIEZHI_TEST_KEEP:-}" == "1" ]]; then
		log "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
	if command -v python3 >/dev/null 2>&1 &&
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null; then
		return 0
	fi
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# random_hex N prints N random hex characters.
random_hex() { od -An -N"$(($1 / 2))" -tx1 /dev/urandom | tr -d ' \n'; }

BANNER=("sqlite+localdir (in-process)")
MISSING=()

# ---------------------------------------------------------------- MariaDB/MySQL
MYSQL_CLIENT=""
for c in mariadb mysql; do
	if command -v "$c" >/dev/null 2>&1; then
		MYSQL_CLIENT="$c"
		break
	fi
done

# server_name VERSION turns "10.11.19-MariaDB-0+deb12u1" into "mariadb 10.11.19"
# and "8.4.3" into "mysql 8.4.3".
server_name() {
	case "$1" in
	*MariaDB*) echo "mariadb ${1%%-*}" ;;
	*) echo "mysql ${1%%-*}" ;;
	esac
}

# server_version HOST PORT [SOCKET] prints the server version if root with an
# empty password can log in, and fails otherwise.
server_version() {
	local args=(--no-defaults --user=root --connect-timeout=3 --batch --skip-column-names)
	if [[ -n "${3:-}" ]]; then
		args+=(--protocol=SOCKET "--socket=$3")
	else
		args+=(--protocol=TCP "--host=$1" "--port=$2")
	fi
	"$MYSQL_CLIENT" "${args[@]}" -e 'SELECT VERSION()' 2>/dev/null
}

start_private_mariadb() {
	local mariadbd install_db dir port sock v i
	mariadbd="$(command -v mariadbd || command -v mysqld || { [[ -x /usr/sbin/mariadbd ]] && echo /usr/sbin/mariadbd; } || true)"
	install_db="$(command -v mariadb-install-db || command -v mysql_install_db || true)"
	if [[ -z "$mariadbd" || -z "$install_db" || -z "$MYSQL_CLIENT" ]]; then
		log "mariadbd, mariadb-install-db or the mariadb client is not installed (apt-get install mariadb-server mariadb-client)"
		return 1
	fi
	dir="$TMP/mariadb"
	sock="$dir/mysqld.sock"
	mkdir -p "$dir/data" "$dir/tmp"
	if ! "$install_db" --no-defaults --datadir="$dir/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$dir/install.log" 2>&1; then
		log "mariadb-install-db failed:"
		tail -n 20 "$dir/install.log" >&2
		return 1
	fi
	port="$(free_port)" || { log "no free port"; return 1; }
	"$mariadbd" --no-defaults --user=root \
		--datadir="$dir/data" --tmpdir="$dir/tmp" \
		--socket="$sock" --pid-file="$dir/mysqld.pid" \
		--bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
		--log-error="$dir/error.log" \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
		--innodb-buffer-pool-size="${XIEZHI_TEST_MARIADB_BUFFER_POOL:-64M}" --innodb-log-file-size=16M \
		--innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
		</dev/null >"$dir/stdout.log" 2>&1 &
	MARIADB_PID=$!
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$MARIADB_PID" 2>/dev/null; then
			log "private mariadbd exited during start-up:"
			tail -n 30 "$dir/error.log" >&2 2>/dev/null || true
			MARIADB_PID=""
			return 1
		fi
		if v="$(server_version 127.0.0.1 "$port")" && [[ -n "$v" ]]; then
			export XIEZHI_TEST_MYSQL_DSN="root@tcp(127.0.0.1:$port)/"
			BANNER+=("$(server_name "$v") at 127.0.0.1:$port (private server, fresh database per test)")
			return 0
		fi
		sleep 0.1
	done
	log "private mariadbd did not answer on 127.0.0.1:$port within 60s:"
	tail -n 30 "$dir/error.log" >&2 2>/dev/null || true
	return 1
}

if [[ -n "${XIEZHI_TEST_MYSQL_DSN:-}" ]]; then
	BANNER+=("mysql from XIEZHI_TEST_MYSQL_DSN (given, not started here)")
elif [[ "${XIEZHI_TEST_PRIVATE_MARIADB:-}" != "1" && -n "$MYSQL_CLIENT" ]] &&
	v="$(server_version 127.0.0.1 3306)" && [[ -n "$v" ]]; then
	export XIEZHI_TEST_MYSQL_DSN="root@tcp(127.0.0.1:3306)/"
	BANNER+=("$(server_name "$v") at 127.0.0.1:3306 (shared server, fresh database per test)")
else
	if [[ "${XIEZHI_TEST_PRIVATE_MARIADB:-}" == "1" ]]; then
		log "XIEZHI_TEST_PRIVATE_MARIADB=1: starting a private mariadbd"
	else
		log "no MariaDB/MySQL answers at 127.0.0.1:3306 as root without password; starting a private mariadbd"
	fi
	if ! start_private_mariadb; then
		unavailable "no MariaDB/MySQL test server (XIEZHI_TEST_MYSQL_DSN unset)" mysql
	fi
fi

# ------------------------------------------------------------------------ MinIO
# http_status URL prints the status code URL answers (curl if present, else
# bash /dev/tcp), or nothing when it does not answer.
http_status() {
	if command -v curl >/dev/null 2>&1; then
		curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
		return
	fi
	local hostport="${1#http://}" path status=""
	path="/${hostport#*/}"
	hostport="${hostport%%/*}"
	exec 4<>"/dev/tcp/${hostport%:*}/${hostport#*:}" || return 0
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&4
	read -r -t 2 _ status _ <&4 || status=""
	exec 4>&-
	printf '%s' "$status"
}

# minio_ready PORT succeeds once MinIO serves S3 calls. /minio/health/ready
# alone is not enough: it can answer 200 while S3 calls still fail with 503
# "Server not initialized yet"; an anonymous bucket listing answers 403
# only once the server is initialised.
minio_ready() {
	[[ "$(http_status "http://127.0.0.1:$1/minio/health/ready")" == 200 ]] &&
		[[ "$(http_status "http://127.0.0.1:$1/")" == 403 ]]
}

start_minio() {
	local bin dir port user pass ver i
	if ! bin="$("$ROOT/scripts/ensure-minio.sh")"; then
		log "scripts/ensure-minio.sh failed"
		return 1
	fi
	dir="$TMP/minio"
	mkdir -p "$dir/data"
	port="$(free_port)" || { log "no free port"; return 1; }
	user="xz$(random_hex 10)"
	pass="$(random_hex 32)"
	MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" MINIO_BROWSER=off MINIO_UPDATE=off \
		"$bin" server --quiet --address "127.0.0.1:$port" "$dir/data" \
		</dev/null >"$dir/minio.log" 2>&1 &
	MINIO_PID=$!
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$MINIO_PID" 2>/dev/null; then
			log "minio exited during start-up:"
			tail -n 30 "$dir/minio.log" >&2 || true
			MINIO_PID=""
			return 1
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && minio_ready "$port"; then
			export XIEZHI_TEST_S3_ENDPOINT="127.0.0.1:$port"
			export XIEZHI_TEST_S3_ACCESS_KEY="$user"
			export XIEZHI_TEST_S3_SECRET_KEY="$pass"
			export XIEZHI_TEST_MINIO_BIN="$bin"
			ver="$(cat "$(dirname "$bin")/minio.version" 2>/dev/null || true)"
			BANNER+=("minio ${ver#github.com/minio/minio@} at 127.0.0.1:$port (private server, fresh bucket per test)")
			return 0
		fi
		sleep 0.1
	done
	log "minio did not become ready on 127.0.0.1:$port within 60s:"
	tail -n 30 "$dir/minio.log" >&2 || true
	return 1
}

if [[ -n "${XIEZHI_TEST_S3_ENDPOINT:-}" ]]; then
	BANNER+=("minio from XIEZHI_TEST_S3_ENDPOINT=$XIEZHI_TEST_S3_ENDPOINT (given, not started here)")
	if [[ -z "${XIEZHI_TEST_MINIO_BIN:-}" ]]; then
		if bin="$("$ROOT/scripts/ensure-minio.sh")"; then
			export XIEZHI_TEST_MINIO_BIN="$bin"
		else
			unavailable "no MinIO binary for private servers (XIEZHI_TEST_MINIO_BIN unset)" minio-bin
		fi
	fi
elif ! start_minio; then
	unavailable "no MinIO test server (XIEZHI_TEST_S3_ENDPOINT unset)" minio
fi

# ----------------------------------------------------------------------- run it
banner="backends: ${BANNER[0]}"
for b in "${BANNER[@]:1}"; do banner+=", $b"; done
if [[ ${#MISSING[@]} -gt 0 ]]; then
	banner+="; NOT AVAILABLE (tests skip): ${MISSING[*]}"
fi
log "$banner"

# The command runs in the background so that a TERM to this script can be
# passed on (bash would otherwise wait for it before running the trap); its
# stdin is still ours. Background jobs ignore SIGINT, so Ctrl-C reaches the
# INT trap, which stops the command's whole process tree in cleanup.
"$@" <&0 &
CHILD_PID=$!
set +e
wait "$CHILD_PID"
status=$?
set -e
CHILD_PID=""
exit "$status"
