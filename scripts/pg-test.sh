#!/usr/bin/env bash
# pg-test.sh: a throwaway PostgreSQL cluster for tests and development, on 127.0.0.1 only.
#
#   pg-test.sh start DIR PORT [DB]  initdb a new cluster (removing any earlier one at DIR), start
#                                   it on 127.0.0.1:PORT, create database DB (sigflow_test), and
#                                   print its URL (also written to DIR/url).
#   pg-test.sh down DIR             stop the server (fast: open connections are closed), keep data.
#   pg-test.sh up DIR               start a stopped cluster again on the same port.
#   pg-test.sh stop DIR             stop the server and remove DIR. Idempotent: a missing or
#                                   half-started DIR is fine.
#
# initdb and pg_ctl refuse to run as root, so as root (CI) the server runs as the `postgres` user;
# otherwise as the current user. When `postgres` cannot reach DIR (a build tree under a private
# home directory), the data directory goes to a temporary directory instead and DIR only records
# where it is. Trust authentication, fsync off: for tests only, never for data you want to keep.
# PG_BINDIR overrides where initdb and pg_ctl are looked up.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT [DB] | down DIR | up DIR | stop DIR" >&2
  exit 2
}

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    echo "$PG_BINDIR"
    return
  fi
  local found
  if found=$(command -v initdb 2>/dev/null); then
    found=$(dirname "$(readlink -f "$found")")
    if [[ -x "$found/createdb" ]]; then
      echo "$found"
      return
    fi
  fi
  local best
  best=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$best" ]]; then
    echo "$best"
    return
  fi
  if command -v pg_config >/dev/null 2>&1; then
    pg_config --bindir
    return
  fi
  echo "pg-test.sh: cannot find initdb (set PG_BINDIR)" >&2
  exit 1
}

# Runs a command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The data directory of the cluster whose handle is $1 (empty when there is none).
data_dir_of() {
  if [[ -f "$1/datadir" ]]; then cat "$1/datadir"; fi
}

server_options() {
  local data=$1 port=$2
  local opts="-p $port -c listen_addresses=127.0.0.1 -c fsync=off"
  # Unix socket paths are limited to ~100 bytes; beyond that, TCP only.
  if ((${#data} < 90)); then
    opts="$opts -k $data"
  else
    opts="$opts -c unix_socket_directories="
  fi
  echo "$opts"
}

start_server() {
  local dir=$1 data port
  data=$(data_dir_of "$dir")
  port=$(cat "$dir/port")
  if ! as_owner "$BINDIR/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
    -o "$(server_options "$data" "$port")" start >/dev/null; then
    echo "pg-test.sh: the server did not start; its log:" >&2
    cat "$data/server.log" >&2 || true
    return 1
  fi
}

stop_server() {
  local data
  data=$(data_dir_of "$1")
  if [[ -n "$data" && -f "$data/postmaster.pid" ]]; then
    as_owner "$BINDIR/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

cmd_stop() {
  local dir=$1 data
  [[ -d "$dir" ]] || return 0
  data=$(data_dir_of "$dir")
  stop_server "$dir"
  if [[ -n "$data" ]]; then rm -rf "$data"; fi
  rm -rf "$dir"
}

cmd_start() {
  local dir=$1 port=$2 db=${3:-sigflow_test} data
  [[ "$port" =~ ^[0-9]+$ ]] || usage
  cmd_stop "$dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  data="$dir/data"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || {
      echo "pg-test.sh: running as root needs a 'postgres' user" >&2
      exit 1
    }
    mkdir -p "$data"
    chown postgres "$data"
    if ! runuser -u postgres -- test -w "$data"; then
      rmdir "$data"
      data=$(mktemp -d "${TMPDIR:-/tmp}/sigflow-pg.XXXXXX")
      chown postgres "$data"
    fi
  else
    mkdir -p "$data"
  fi
  chmod 700 "$data"
  echo "$data" >"$dir/datadir"
  echo "$port" >"$dir/port"
  as_owner "$BINDIR/initdb" -D "$data" -A trust -U postgres --no-sync -E UTF8 \
    --locale=C >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  start_server "$dir"
  as_owner "$BINDIR/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  local url="postgresql://postgres@127.0.0.1:$port/$db"
  echo "$url" >"$dir/url"
  echo "$url"
}

[[ $# -ge 2 ]] || usage
BINDIR=$(find_bindir)
case "$1" in
  start)
    [[ $# -ge 3 ]] || usage
    cmd_start "$2" "$3" "${4:-}"
    ;;
  down) stop_server "$2" ;;
  up)
    [[ -f "$2/datadir" ]] || {
      echo "pg-test.sh: no cluster at $2" >&2
      exit 1
    }
    start_server "$2"
    ;;
  stop) cmd_stop "$2" ;;
  *) usage ;;
esac
