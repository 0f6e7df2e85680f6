# Shared helpers for the integration tests: a throwaway PostgreSQL, librdkafka's mock Kafka
# cluster, many `sigflow dispatch` / `sigflow work` processes, a deterministic workload with a
# known expected match set, and the checks run against the database afterwards.
#
# Each script is run as:   bash SCRIPT path/to/sigflow path/to/sigflow-kafka-mock
# It needs psql and initdb (Debian's postgresql), python3 and ps (procps).
#
# Cleanup is guaranteed three ways: an EXIT trap (normal exit, failure, Ctrl-C, SIGTERM) stops
# every sigflow process the script started, the Kafka mock and PostgreSQL; a detached watchdog
# does the same if the script itself is killed with SIGKILL (a ctest timeout); servers listen on
# 127.0.0.1 only.
#
# Knobs (environment):
#   INTEG_SIGNALS, INTEG_PIPELINES, INTEG_TICKERS, INTEG_SEED   the workload (20000, 200, 100, 1)
#   INTEG_CHUNK             signals per `sigflow publish -` call (2000)
#   INTEG_PG_PORT           PostgreSQL port (default per script: 25450, 25451, 25452, 25453)
#   INTEG_DRAIN_TIMEOUT     seconds to wait for everything to be recorded and run (180)
#   INTEG_LOG_LEVEL         the processes' LOG_LEVEL (WARNING; INFO for kill.sh and pg_outage.sh,
#                           which read partition assignments and lease ids from the logs)
#   INTEG_KEEP=1            keep the work directory (logs, data) even on success; on failure it
#                           is always kept, with the tables as CSV in db/
#   SIGFLOW_KAFKA_PROPERTIES for the publisher (default max.in.flight.requests.per.connection=1,
#                           which the mock cluster needs for speed)
# Settings read by sigflow itself (BATCH_SIZE, BATCH_TIMEOUT_SECONDS, SIGFLOW_WORKERS, ...) pass
# through to every process.
set -euo pipefail

SIGFLOW=$(readlink -f "${1:?usage: $0 path/to/sigflow path/to/sigflow-kafka-mock}")
export SIGFLOW_KAFKA_MOCK
SIGFLOW_KAFKA_MOCK=$(readlink -f "${2:?usage: $0 path/to/sigflow path/to/sigflow-kafka-mock}")
[[ -x $SIGFLOW ]] || { echo "FAIL: $SIGFLOW is not executable" >&2; exit 1; }
[[ -x $SIGFLOW_KAFKA_MOCK ]] || { echo "FAIL: $SIGFLOW_KAFKA_MOCK is not executable" >&2; exit 1; }
command -v psql >/dev/null || { echo "FAIL: psql (the PostgreSQL client) is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is not installed" >&2; exit 1; }

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$INTEG_DIR/../.." && pwd)
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigflow-integ-$TEST_NAME.XXXXXX")
chmod 755 "$WORK"  # so that the `postgres` user (when run as root) can reach the data directory
PG_DIR=$WORK/pg
KAFKA_DIR=$WORK/kafka
LOGS=$WORK/logs
DATA=$WORK/data
mkdir -p "$LOGS" "$DATA"
T0=$(date +%s.%N)

# The environment every sigflow process sees. Only what the tests rely on is forced.
unset SIGFLOW_STORE SIGFLOW_BUS POSTGRES_USER POSTGRES_PASSWORD POSTGRES_HOST POSTGRES_PORT \
  POSTGRES_DB KAFKA_BOOTSTRAP_SERVERS
export KAFKA_SIGNAL_TOPIC=trading-signals
export KAFKA_CONSUMER_GROUP=sigflow-integ
export KAFKA_AUTO_OFFSET_RESET=earliest
export LOG_LEVEL=${INTEG_LOG_LEVEL:-WARNING}
PUBLISH_KAFKA_PROPERTIES=${SIGFLOW_KAFKA_PROPERTIES:-max.in.flight.requests.per.connection=1}
unset SIGFLOW_KAFKA_PROPERTIES
export PGCONNECT_TIMEOUT=3

declare -A ROLE_PID=()    # role name -> pid
declare -A ROLE_STATE=()  # role name -> running | killed | stopped
ROLE_ORDER=()
PG_PORT=""
PG_DB=sigflow_test
STORE_URL=""

log() { printf '[%6.1fs] %s\n' "$(elapsed)" "$*"; }
elapsed() { awk -v now="$(date +%s.%N)" -v t0="$T0" 'BEGIN { print now - t0 }'; }
fail() {
  echo "FAIL ($TEST_NAME): $*" >&2
  exit 1
}

# --- cleanup --------------------------------------------------------------------------------

# True while $1 is a live process (not a zombie).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# Stops every sigflow process this script started: SIGTERM, then SIGKILL after a grace period.
kill_all_roles() {
  local name pid waited
  for name in "${ROLE_ORDER[@]}"; do
    pid=${ROLE_PID[$name]}
    # A test may have frozen one (SIGSTOP) when it failed: thaw it so that SIGTERM works.
    alive "$pid" && kill -CONT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
  for name in "${ROLE_ORDER[@]}"; do
    pid=${ROLE_PID[$name]}
    waited=0
    while alive "$pid" && ((waited < 150)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "$pid"; then
      echo "cleanup: $name (pid $pid) ignored SIGTERM for 15 s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  done
}

dump_logs() {
  local f
  echo "---- $TEST_NAME: logs (last lines of each; all in $WORK/logs while kept) ----" >&2
  for f in "$LOGS"/*; do
    [[ -s $f ]] || continue
    echo "== $(basename "$f")" >&2
    tail -n 15 "$f" >&2
  done
}

# Stops the background publisher (a subshell) and the `sigflow publish` it runs.
stop_publisher() {
  [[ -n ${PUBLISH_PID:-} ]] || return 0
  local child
  for child in $(ps -o pid= --ppid "$PUBLISH_PID" 2>/dev/null); do kill -KILL "$child" 2>/dev/null; done
  kill -KILL "$PUBLISH_PID" 2>/dev/null
  wait "$PUBLISH_PID" 2>/dev/null
  PUBLISH_PID=""
}

# Saves the tables as CSV in the work directory (kept on failure), while PostgreSQL still runs.
dump_database() {
  [[ -n $PG_PORT ]] || return 0
  mkdir -p "$WORK/db"
  local t
  for t in executions signals signal_wakes pipelines dead_letters; do
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DB" \
      -c "\\copy $t TO '$WORK/db/$t.csv' CSV HEADER" >/dev/null 2>&1 || return 0
  done
  echo "$TEST_NAME: tables saved as CSV in $WORK/db" >&2
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  kill_all_roles
  stop_publisher
  ((rc == 0)) || dump_database
  "$ROOT/scripts/kafka-mock.sh" stop "$KAFKA_DIR" >/dev/null 2>&1
  "$ROOT/scripts/pg-test.sh" stop "$PG_DIR" >/dev/null 2>&1
  if [[ -f $WORK/watchdog.pid ]]; then kill -TERM "$(cat "$WORK/watchdog.pid")" 2>/dev/null; fi
  ((rc == 0)) || dump_logs
  if ((rc != 0)) || [[ ${INTEG_KEEP:-0} == 1 ]]; then
    echo "$TEST_NAME: work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  log "$TEST_NAME: exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

# A detached watchdog (its own session, re-parented away from this script so that a process-tree
# kill of the test does not take it along) that cleans up if this script dies without running its
# trap, e.g. SIGKILLed by a ctest timeout. It only signals pids whose command line is sigflow.
start_watchdog() {
  (
    setsid bash -c '
      parent=$1 work=$2 root=$3
      echo $$ >"$work/watchdog.pid"
      trap "exit 0" TERM
      while kill -0 "$parent" 2>/dev/null; do sleep 1 & wait $!; done
      if [[ -f $work/pids ]]; then
        while read -r pid; do
          if tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null | grep -q sigflow; then
            kill -KILL "$pid" 2>/dev/null
          fi
        done <"$work/pids"
      fi
      "$root/scripts/kafka-mock.sh" stop "$work/kafka"
      "$root/scripts/pg-test.sh" stop "$work/pg"
      echo "the test script died without cleaning up (timed out?); the watchdog stopped" \
        "its processes, the Kafka mock and PostgreSQL; logs are in $work/logs" >"$work/WATCHDOG"
    ' integ-watchdog "$$" "$WORK" "$ROOT" </dev/null >/dev/null 2>&1 &
  )
}
start_watchdog

# --- services -------------------------------------------------------------------------------

# start_postgres PORT: a fresh cluster on 127.0.0.1:PORT; sets STORE_URL.
start_postgres() {
  PG_PORT=$1
  if (echo >"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
    fail "port $PG_PORT is already in use on 127.0.0.1 (set INTEG_PG_PORT)"
  fi
  STORE_URL=$("$ROOT/scripts/pg-test.sh" start "$PG_DIR" "$PG_PORT" "$PG_DB") \
    || fail "could not start PostgreSQL on port $PG_PORT"
  log "PostgreSQL up: $STORE_URL"
}

postgres_down() { "$ROOT/scripts/pg-test.sh" down "$PG_DIR"; }
postgres_up() { "$ROOT/scripts/pg-test.sh" up "$PG_DIR"; }

# start_kafka_mock [tool flags]: sets KAFKA_BOOTSTRAP_SERVERS for every later process.
start_kafka_mock() {
  "$ROOT/scripts/kafka-mock.sh" start "$KAFKA_DIR" --partitions 3 "$@" >/dev/null \
    || fail "could not start the Kafka mock cluster"
  export KAFKA_BOOTSTRAP_SERVERS
  KAFKA_BOOTSTRAP_SERVERS=$(cat "$KAFKA_DIR/bootstrap")
  log "Kafka mock up (3 partitions): $KAFKA_BOOTSTRAP_SERVERS"
}

kafka_mock_pid() { cat "$KAFKA_DIR/kafka-mock.pid"; }

# q SQL: one query, unaligned tuples only; fails (non-zero) when the server is unreachable.
q() {
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DB" -c "$1"
}

# --- workload -------------------------------------------------------------------------------

# make_workload SEED PIPELINES TICKERS SIGNALS
make_workload() {
  python3 "$INTEG_DIR/workload.py" "$@" "$DATA" 3 || fail "workload.py failed"
  N_SIGNALS=$4
  N_PIPELINES=$2
  N_MATCHED=$(sed -n 's/^matched_pipelines=//p' "$DATA/summary.txt")
  log "workload: seed $1, $2 pipelines over $3 tickers, $4 signals; expected matched pipelines:" \
    "$N_MATCHED ($(grep '^pipelines_' "$DATA/summary.txt" | tr '\n' ' '))"
}

# add_pipelines: creates every pipeline of the workload through `sigflow pipelines add`.
add_pipelines() {
  local started=$SECONDS
  # The first call migrates the schema; the rest run two at a time.
  local first
  first=$(head -n 1 "$DATA/pipelines.tsv")
  add_one_pipeline "$first"
  tail -n +2 "$DATA/pipelines.tsv" | while IFS= read -r line; do printf '%s\0' "$line"; done \
    | SIGFLOW=$SIGFLOW STORE_URL=$STORE_URL xargs -0 -P 2 -n 1 bash -c "$(declare -f add_one_pipeline); add_one_pipeline \"\$1\"" _ \
    || fail "sigflow pipelines add failed (see above)"
  local n
  n=$(q "SELECT count(*) FROM pipelines") || fail "cannot count pipelines"
  [[ $n == "$N_PIPELINES" ]] || fail "pipelines in the store: $n, expected $N_PIPELINES"
  log "$n pipelines added in $((SECONDS - started)) s"
}

add_one_pipeline() {
  local name kind tickers args out
  IFS=$'\t' read -r name kind tickers <<<"$1"
  args=(--name "$name" --tickers "$tickers" --user-id integ)
  case $kind in
    inactive) args+=(--inactive) ;;
    periodic) args+=(--trigger-mode periodic) ;;
  esac
  if ! out=$("$SIGFLOW" pipelines add --store "$STORE_URL" "${args[@]}" 2>&1); then
    echo "sigflow pipelines add ${args[*]}: $out" >&2
    return 1
  fi
}

# load_expected: the workload's expected figures, into schema `integ` of the test database.
load_expected() {
  q "CREATE SCHEMA integ;
     CREATE TABLE integ.expected_signals (signal_id TEXT PRIMARY KEY, matched INTEGER NOT NULL);
     CREATE TABLE integ.expected_pipelines (name TEXT PRIMARY KEY, kind TEXT NOT NULL,
                                            expected TEXT NOT NULL);
     CREATE TABLE integ.signal_positions (signal_id TEXT PRIMARY KEY, part INTEGER NOT NULL,
                                          pos BIGINT NOT NULL);" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DB" \
    -c "\\copy integ.expected_signals FROM '$DATA/expected_signals.tsv'" \
    -c "\\copy integ.expected_pipelines FROM '$DATA/expected_pipelines.tsv'" \
    -c "\\copy integ.signal_positions FROM '$DATA/positions.tsv'" \
    || fail "cannot load the expected figures"
}

# --- sigflow processes ----------------------------------------------------------------------

# start_role NAME dispatch|work [ARGS...]: starts one sigflow process on the test store.
start_role() {
  local name=$1 role=$2
  shift 2
  "$SIGFLOW" "$role" --store "$STORE_URL" "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.log" </dev/null &
  local pid=$!
  ROLE_PID[$name]=$pid
  ROLE_STATE[$name]=running
  ROLE_ORDER+=("$name")
  echo "$pid" >>"$WORK/pids"
  log "started $name: sigflow $role (pid $pid)"
}

# kill_role NAME: SIGKILL, as a crash would.
kill_role() {
  local name=$1 pid=${ROLE_PID[$1]}
  alive "$pid" || fail "$name (pid $pid) was already dead before it was to be killed"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  ROLE_STATE[$name]=killed
  log "SIGKILLed $name (pid $pid)"
}

# check_roles_alive: fails if a process that was not killed on purpose has exited.
check_roles_alive() {
  local name
  for name in "${ROLE_ORDER[@]}"; do
    if [[ ${ROLE_STATE[$name]} == running ]] && ! alive "${ROLE_PID[$name]}"; then
      local rc=0
      wait "${ROLE_PID[$name]}" 2>/dev/null || rc=$?
      ROLE_STATE[$name]=dead
      fail "$name (pid ${ROLE_PID[$name]}) exited on its own with status $rc; its log: $(tail -n 5 "$LOGS/$name.log")"
    fi
  done
}

# stop_roles: SIGTERM to every running process; each must exit 0 within 30 s.
stop_roles() {
  local name pid rc bad=0
  for name in "${ROLE_ORDER[@]}"; do
    [[ ${ROLE_STATE[$name]} == running ]] && kill -TERM "${ROLE_PID[$name]}" 2>/dev/null
  done
  for name in "${ROLE_ORDER[@]}"; do
    [[ ${ROLE_STATE[$name]} == running ]] || continue
    pid=${ROLE_PID[$name]}
    local waited=0
    while alive "$pid" && ((waited < 300)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "$pid"; then
      echo "VIOLATION: $name (pid $pid) still running 30 s after SIGTERM" >&2
      kill -KILL "$pid"
      bad=1
    fi
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    ROLE_STATE[$name]=stopped
    if ((rc != 0)); then
      echo "VIOLATION: $name exited with status $rc after SIGTERM; log: $(tail -n 5 "$LOGS/$name.log")" >&2
      bad=1
    fi
  done
  ((bad == 0)) || fail "a sigflow process did not shut down cleanly"
  log "every sigflow process stopped with status 0"
}

# --- the set-up every test shares ----------------------------------------------------------

# start_everything DEFAULT_PG_PORT: PostgreSQL (INTEG_PG_PORT, else DEFAULT_PG_PORT), the Kafka
# mock (3 partitions), the workload (INTEG_SEED 1, INTEG_PIPELINES 200, INTEG_TICKERS 100,
# INTEG_SIGNALS 20000) with its pipelines and expected figures in the store, then three
# `sigflow dispatch` (dispatch-1..3) and two `sigflow work` (work-1..2).
start_everything() {
  start_postgres "${INTEG_PG_PORT:-$1}"
  start_kafka_mock
  make_workload "${INTEG_SEED:-1}" "${INTEG_PIPELINES:-200}" "${INTEG_TICKERS:-100}" \
    "${INTEG_SIGNALS:-20000}"
  add_pipelines
  load_expected
  local i
  for i in 1 2 3; do start_role "dispatch-$i" dispatch; done
  for i in 1 2; do start_role "work-$i" work; done
}

# --- publishing -----------------------------------------------------------------------------

PUBLISHED=0
PUBLISH_PID=""

# publish_range FROM TO: publishes lines FROM..TO (1-based, inclusive) of signals.jsonl through
# `sigflow publish -`, INTEG_CHUNK lines per call, appending each signal_id to published.ids as
# soon as Kafka acknowledged it (sigflow publish flushes each), so that published_count is exact
# at any moment.
# Returns non-zero, after saying why, when a call fails or prints fewer ids than it was given.
publish_range() {
  local from=$1 to=$2 chunk=${INTEG_CHUNK:-2000} start end n rc before
  for ((start = from; start <= to; start += chunk)); do
    end=$((start + chunk - 1))
    ((end > to)) && end=$to
    n=$((end - start + 1))
    before=$(published_count)
    sed -n "${start},${end}p" "$DATA/signals.jsonl" >"$DATA/chunk.jsonl"
    rc=0
    SIGFLOW_KAFKA_PROPERTIES=$PUBLISH_KAFKA_PROPERTIES timeout 120 "$SIGFLOW" publish - \
      <"$DATA/chunk.jsonl" >>"$DATA/published.ids" 2>>"$LOGS/publish.err" || rc=$?
    if ((rc != 0)); then
      echo "sigflow publish - (lines $start..$end) exited $rc: $(tail -n 5 "$LOGS/publish.err")" >&2
      return 1
    fi
    if (($(published_count) - before != n)); then
      echo "sigflow publish printed $(($(published_count) - before)) ids for $n signals" >&2
      return 1
    fi
  done
}

published_count() { wc -l <"$DATA/published.ids"; }
: >"$DATA/published.ids"

# publish_lines FROM TO: publish_range in the foreground.
publish_lines() {
  local t_start=$SECONDS
  publish_range "$1" "$2" || fail "publishing failed"
  PUBLISHED=$(published_count)
  log "published $PUBLISHED/$N_SIGNALS signals ($((SECONDS - t_start)) s)"
}

# start_publisher: publishes every signal of the workload in the background (publish_range), so
# that processes can be killed or PostgreSQL stopped while signals keep arriving.
start_publisher() {
  (
    trap - EXIT INT TERM
    publish_range 1 "$N_SIGNALS" || exit 1
  ) &
  PUBLISH_PID=$!
  PUBLISH_T0=$SECONDS
  log "publisher started (pid $PUBLISH_PID): $N_SIGNALS signals"
}

# wait_published FRACTION: returns once FRACTION (0..1) of the signals are published; fails if
# the publisher stopped short of that.
wait_published() {
  local target
  target=$(python3 -c "import math,sys; print(min($N_SIGNALS, max(1, math.ceil($1 * $N_SIGNALS))))") \
    || fail "bad fraction '$1' (expected a number from 0 to 1)"
  while (($(published_count) < target)); do
    if ! alive "$PUBLISH_PID"; then
      (($(published_count) >= target)) && break
      fail "the publisher stopped after $(published_count) of $N_SIGNALS signals"
    fi
    check_roles_alive
    sleep 0.02
  done
  log "published $(published_count)/$N_SIGNALS signals (target $target = $1 of them)"
}

# publisher_running: true while the background publisher still has signals to publish.
publisher_running() { [[ -n $PUBLISH_PID ]] && alive "$PUBLISH_PID"; }

# wait_publisher: waits for the background publisher; every signal must have been published.
wait_publisher() {
  local rc=0
  wait "$PUBLISH_PID" || rc=$?
  PUBLISH_PID=""
  ((rc == 0)) || fail "the publisher failed (exit $rc); see publish.err"
  PUBLISHED=$(published_count)
  [[ $PUBLISHED == "$N_SIGNALS" ]] || fail "published $PUBLISHED of $N_SIGNALS signals"
  log "publisher done: $PUBLISHED signals in $((SECONDS - PUBLISH_T0)) s"
}

# --- the consumer group (sigflow lag) -------------------------------------------------------

# partition_signals PART: how many of the workload's signals partition PART gets (workload.py).
partition_signals() { sed -n "s/^partition_$1_signals=//p" "$DATA/summary.txt"; }

# kafka_offsets: one line per partition, "partition committed high" (committed -1: none yet), as
# the cluster reports them for the dispatchers' group; fails when Kafka does not answer.
# (Plain text and awk rather than --json and python: this runs in tight loops on a busy machine.)
kafka_offsets() {
  local table
  table=$("$SIGFLOW" lag 2>>"$LOGS/lag.err") || return 1
  awk '$1 ~ /^[0-9]+$/ { print $1, ($2 == "-" ? -1 : $2), $3 }' <<<"$table"
}

# role_partitions NAME: the partitions NAME owns according to its own log (the last
# kafka_partitions_assigned / _revoked events; needs LOG_LEVEL=INFO), space-separated.
role_partitions() {
  grep -o '"event":"kafka_partitions_[a-z]*".*"partitions":\[[0-9,]*\]' "$LOGS/$1.log" \
    | awk '{
        split($0, a, "\"partitions\":\\["); sub(/\].*/, "", a[2]); n = split(a[2], p, ",")
        for (i = 1; i <= n; i++) { if ($0 ~ /_assigned"/) owned[p[i]] = 1; else delete owned[p[i]] }
      }
      END { out = ""; for (k in owned) out = out (out == "" ? "" : " ") k; print out }'
}

# role_worker_ids NAME: the lease owner ids of worker process NAME (its worker_pool_started log
# event; needs LOG_LEVEL=INFO), space-separated.
role_worker_ids() {
  grep -m 1 -o '"worker_ids":\[[^]]*\]' "$LOGS/$1.log" | sed 's/.*\[//; s/\]//; s/"//g; s/,/ /g'
}

# wait_assigned NAME...: waits (up to 60 s) until every dispatcher NAME owns a partition, i.e.
# the group has formed with all of them (needs LOG_LEVEL=INFO).
wait_assigned() {
  local started=$SECONDS name missing
  while :; do
    check_roles_alive
    missing=""
    for name in "$@"; do [[ -n $(role_partitions "$name") ]] || missing+=" $name"; done
    if [[ -z $missing ]]; then
      local summary=""
      for name in "$@"; do summary+=" $name=[$(role_partitions "$name")]"; done
      log "consumer group formed:$summary"
      return 0
    fi
    ((SECONDS - started < 60)) || fail "no partition assigned to$missing after 60 s"
    sleep 0.2
  done
}


# --- waiting --------------------------------------------------------------------------------

# wait_drained [TIMEOUT]: waits until every published signal is recorded and no execution is
# PENDING or RUNNING, printing progress; fails after TIMEOUT seconds (INTEG_DRAIN_TIMEOUT, 180).
wait_drained() {
  local timeout=${1:-${INTEG_DRAIN_TIMEOUT:-180}} started=$SECONDS last_print=-100 row
  local signals=? active=? total=? behind=? offsets
  while :; do
    check_roles_alive
    if row=$(q "SELECT (SELECT count(*) FROM signals),
                       (SELECT count(*) FROM executions WHERE status IN ('PENDING','RUNNING')),
                       (SELECT count(*) FROM executions)" 2>/dev/null); then
      IFS='|' read -r signals active total <<<"$row"
      if [[ $signals == "$PUBLISHED" && $active == 0 ]]; then
        # The group too: a partition that moved (or whose last commit failed) is read again
        # from its committed offset, and its records come back as duplicates, until the
        # committed offset reaches the end.
        if offsets=$(kafka_offsets); then
          behind=$(awk '$3 > 0 && $2 != $3 { n++ } END { print n + 0 }' <<<"$offsets")
        else
          behind=?
        fi
        if [[ $behind == 0 ]]; then
          log "drained: signals $signals/$PUBLISHED recorded, executions $total, none active," \
            "every offset committed ($((SECONDS - started)) s)"
          return 0
        fi
      fi
    else
      signals=? active=? total=?
    fi
    if ((SECONDS - last_print >= 3)); then
      log "waiting: signals recorded $signals/$PUBLISHED, executions $total (active $active)," \
        "partitions not committed to their end: $behind"
      last_print=$SECONDS
    fi
    if ((SECONDS - started >= timeout)); then
      fail "not drained after $timeout s: signals recorded $signals of $PUBLISHED, executions" \
        "$total of which PENDING/RUNNING $active, partitions not committed to their end: $behind"
    fi
    sleep 0.5
  done
}

# --- checks ---------------------------------------------------------------------------------

VIOLATIONS=0

# expect_zero WHAT SQL_COUNT [SQL_SAMPLE]: the count must be 0; otherwise prints it and samples.
expect_zero() {
  local what=$1 count
  count=$(q "$2") || fail "query failed: $2"
  if [[ $count != 0 ]]; then
    echo "VIOLATION: $what: $count" >&2
    if [[ -n ${3:-} ]]; then
      echo "  sample:" >&2
      q "$3" | head -n 10 | sed 's/^/    /' >&2
    fi
    VIOLATIONS=$((VIOLATIONS + 1))
    return 0
  fi
  echo "  ok: $what: 0"
}

# expect_equal WHAT ACTUAL EXPECTED
expect_equal() {
  if [[ $2 != "$3" ]]; then
    echo "VIOLATION: $1: got $2, expected $3" >&2
    VIOLATIONS=$((VIOLATIONS + 1))
  else
    echo "  ok: $1: $2"
  fi
}

# run_checks: every property of the issue's section 4 against the database, then the figures.
run_checks() {
  log "checks"
  local n_signals n_exec
  n_signals=$(q "SELECT count(*) FROM signals")
  n_exec=$(q "SELECT count(*) FROM executions")

  echo "1. every signal recorded exactly once"
  expect_equal "signals recorded" "$n_signals" "$PUBLISHED"
  expect_equal "distinct signal_ids recorded" "$(q "SELECT count(DISTINCT signal_id) FROM signals")" "$PUBLISHED"
  expect_zero "published signals missing from the store" \
    "SELECT count(*) FROM integ.expected_signals x
       WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.signal_id = x.signal_id)" \
    "SELECT x.signal_id FROM integ.expected_signals x
       WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.signal_id = x.signal_id) ORDER BY 1"
  expect_zero "signals in the store that were never published" \
    "SELECT count(*) FROM signals s
       WHERE NOT EXISTS (SELECT 1 FROM integ.expected_signals x WHERE x.signal_id = s.signal_id)" \
    "SELECT signal_id FROM signals s
       WHERE NOT EXISTS (SELECT 1 FROM integ.expected_signals x WHERE x.signal_id = s.signal_id)"
  expect_zero "dead letters" "SELECT count(*) FROM dead_letters" \
    "SELECT reason_code, message FROM dead_letters"

  echo "2. exactly the matched pipelines ran"
  expect_zero "matched pipelines without any execution" \
    "SELECT count(*) FROM integ.expected_pipelines x JOIN pipelines p ON p.name = x.name
       WHERE x.expected = 'match'
         AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.pipeline_id = p.id)" \
    "SELECT x.name, x.kind, p.scanner_tickers FROM integ.expected_pipelines x
       JOIN pipelines p ON p.name = x.name WHERE x.expected = 'match'
         AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.pipeline_id = p.id) ORDER BY 1"
  local kind
  for kind in inactive periodic cold signal; do
    expect_zero "executions of $kind pipelines that no signal matches" \
      "SELECT count(*) FROM executions e JOIN pipelines p ON p.id = e.pipeline_id
         JOIN integ.expected_pipelines x ON x.name = p.name
         WHERE x.expected = 'none' AND x.kind = '$kind'" \
      "SELECT x.name, x.kind, p.scanner_tickers, count(*) FROM executions e
         JOIN pipelines p ON p.id = e.pipeline_id JOIN integ.expected_pipelines x ON x.name = p.name
         WHERE x.expected = 'none' AND x.kind = '$kind' GROUP BY 1, 2, 3 ORDER BY 1"
  done
  expect_zero "executions of pipelines outside the workload" \
    "SELECT count(*) FROM executions e JOIN pipelines p ON p.id = e.pipeline_id
       WHERE NOT EXISTS (SELECT 1 FROM integ.expected_pipelines x WHERE x.name = p.name)"
  expect_equal "pipelines with at least one execution" \
    "$(q "SELECT count(DISTINCT pipeline_id) FROM executions")" "$N_MATCHED"
  expect_zero "executions not triggered by a signal" \
    "SELECT count(*) FROM executions WHERE NOT triggered_by_signal"

  echo "3. no (pipeline, signal) pair woke a pipeline twice"
  expect_zero "duplicate (pipeline, signal) pairs in signal_wakes" \
    "SELECT count(*) FROM (SELECT 1 FROM signal_wakes GROUP BY pipeline_id, signal_id
                           HAVING count(*) > 1) d"
  expect_zero "(pipeline, signal) pairs carried by more than one execution (or twice by one)" \
    "SELECT count(*) FROM (SELECT e.pipeline_id, s.sid FROM executions e
                           CROSS JOIN LATERAL jsonb_array_elements_text(e.signal_ids) AS s (sid)
                           GROUP BY 1, 2 HAVING count(*) > 1) d" \
    "SELECT e.pipeline_id, s.sid, array_agg(e.id ORDER BY e.id) FROM executions e
       CROSS JOIN LATERAL jsonb_array_elements_text(e.signal_ids) AS s (sid)
       GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 10"
  expect_zero "executions without their waking pair in signal_wakes (first signal_id)" \
    "SELECT count(*) FROM executions e WHERE NOT EXISTS (
       SELECT 1 FROM signal_wakes w WHERE w.execution_id = e.id AND w.pipeline_id = e.pipeline_id
         AND w.signal_id = e.signal_ids ->> 0)" \
    "SELECT e.id, e.pipeline_id, e.signal_ids FROM executions e WHERE NOT EXISTS (
       SELECT 1 FROM signal_wakes w WHERE w.execution_id = e.id) LIMIT 10"
  expect_zero "signal_wakes rows whose execution is not theirs" \
    "SELECT count(*) FROM signal_wakes w WHERE NOT EXISTS (
       SELECT 1 FROM executions e WHERE e.id = w.execution_id AND e.pipeline_id = w.pipeline_id
         AND e.signal_ids ? w.signal_id)"

  echo "4. no two executions of one pipeline overlap in time"
  expect_zero "executions without started_at/finished_at, or finishing before they start" \
    "SELECT count(*) FROM executions
       WHERE started_at IS NULL OR finished_at IS NULL OR finished_at < started_at" \
    "SELECT id, pipeline_id, status, started_at, finished_at FROM executions
       WHERE started_at IS NULL OR finished_at IS NULL OR finished_at < started_at LIMIT 10"
  # In the order they ran: by start, then by finish (one that took under a millisecond can start
  # and end in the millisecond its successor starts), then by id. Ids alone do not give that
  # order: an insert draws its id before the unique check it may wait at (postgres_queue.cc).
  expect_zero "overlapping [started_at, finished_at] of consecutive executions of a pipeline" \
    "SELECT count(*) FROM (
       SELECT started_at, max(finished_at) OVER (PARTITION BY pipeline_id
                                                 ORDER BY started_at, finished_at, id
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                AS prev_finished
       FROM executions) x WHERE x.started_at < x.prev_finished" \
    "SELECT pipeline_id, id, started_at, finished_at, prev_id, prev_started, prev_finished FROM (
       SELECT pipeline_id, id, started_at, finished_at,
              lag(id) OVER w AS prev_id, lag(started_at) OVER w AS prev_started,
              lag(finished_at) OVER w AS prev_finished
       FROM executions WINDOW w AS (PARTITION BY pipeline_id ORDER BY started_at, finished_at, id)) x
       WHERE x.started_at < x.prev_finished LIMIT 10"

  echo "5. every execution's signal_ids carry a ticker its pipeline watches"
  expect_zero "executions with no signal_ids" \
    "SELECT count(*) FROM executions WHERE jsonb_array_length(signal_ids) = 0"
  expect_zero "execution signal_ids that are not recorded signals" \
    "SELECT count(*) FROM executions e
       CROSS JOIN LATERAL jsonb_array_elements_text(e.signal_ids) AS x (sid)
       WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.signal_id = x.sid)"
  expect_zero "(execution, signal) pairs where the signal has no ticker the pipeline watches" \
    "SELECT count(*) FROM executions e JOIN pipelines p ON p.id = e.pipeline_id
       CROSS JOIN LATERAL jsonb_array_elements_text(e.signal_ids) AS x (sid)
       JOIN signals s ON s.signal_id = x.sid
       WHERE NOT EXISTS (
         SELECT 1 FROM jsonb_array_elements(s.payload -> 'tickers') AS t (v)
         WHERE p.scanner_tickers ? (CASE jsonb_typeof(t.v) WHEN 'string' THEN t.v #>> '{}'
                                                           ELSE t.v ->> 'ticker' END))" \
    "SELECT e.id, p.name, p.scanner_tickers, s.signal_id, s.payload -> 'tickers'
       FROM executions e JOIN pipelines p ON p.id = e.pipeline_id
       CROSS JOIN LATERAL jsonb_array_elements_text(e.signal_ids) AS x (sid)
       JOIN signals s ON s.signal_id = x.sid
       WHERE NOT EXISTS (
         SELECT 1 FROM jsonb_array_elements(s.payload -> 'tickers') AS t (v)
         WHERE p.scanner_tickers ? (CASE jsonb_typeof(t.v) WHEN 'string' THEN t.v #>> '{}'
                                                           ELSE t.v ->> 'ticker' END)) LIMIT 10"

  echo "6. every execution COMPLETED"
  expect_zero "executions not COMPLETED" \
    "SELECT count(*) FROM executions WHERE status <> 'COMPLETED'" \
    "SELECT status, count(*), min(error) FROM executions GROUP BY 1 ORDER BY 1"

  echo "7. per-signal outcome counts"
  expect_zero "signals whose 'matched' differs from the workload's expected match count" \
    "SELECT count(*) FROM signals s JOIN integ.expected_signals x USING (signal_id)
       WHERE s.matched <> x.matched" \
    "SELECT s.signal_id, s.matched, x.matched AS expected, s.payload -> 'tickers'
       FROM signals s JOIN integ.expected_signals x USING (signal_id)
       WHERE s.matched <> x.matched LIMIT 10"
  expect_zero "signals with enqueued + skipped_running <> matched" \
    "SELECT count(*) FROM signals WHERE enqueued + skipped_running <> matched"
  expect_equal "sum of signals.enqueued vs executions" \
    "$(q "SELECT coalesce(sum(enqueued), 0) FROM signals")" "$n_exec"

  echo "8. the dispatchers' group committed every offset, and each signal sat where its key put it"
  local offsets part committed high expected
  offsets=$(kafka_offsets) || fail "sigflow lag failed: $(tail -n 3 "$LOGS/lag.err")"
  while read -r part committed high; do
    expected=$(partition_signals "$part")
    expect_equal "partition $part: records (key = first ticker, Java murmur2)" "$high" "$expected"
    if ((high == 0 && committed == -1)); then
      # No record, so nothing to commit: a workload with few tickers can leave a partition empty.
      echo "  ok: partition $part: no record and no committed offset"
    else
      expect_equal "partition $part: committed offset of group $KAFKA_CONSUMER_GROUP" "$committed" "$high"
    fi
  done <<<"$offsets"

  echo "figures:"
  q "SELECT '  signals ' || count(*) || ', matches (pipeline, signal) ' || sum(matched)
            || ', enqueued ' || sum(enqueued) || ', skipped_running ' || sum(skipped_running)
            || ', duplicate (redelivered matches) ' || sum(duplicate) FROM signals"
  q "SELECT '  executions ' || count(*) || ' for ' || count(DISTINCT pipeline_id)
            || ' pipelines; signal_ids carried ' || coalesce(sum(jsonb_array_length(signal_ids)), 0)
            || '; attempts>1: ' || count(*) FILTER (WHERE attempts > 1)
            || '; max attempts ' || coalesce(max(attempts), 0) FROM executions"
  q "SELECT '  execution run time ms: p50 ' || percentile_disc(0.5) WITHIN GROUP (ORDER BY finished_at - started_at)
            || ', max ' || max(finished_at - started_at)
            || '; created->finished ms: p50 ' || percentile_disc(0.5) WITHIN GROUP (ORDER BY finished_at - created_at)
            || ', p99 ' || percentile_disc(0.99) WITHIN GROUP (ORDER BY finished_at - created_at)
            || ', max ' || max(finished_at - created_at) FROM executions"
  local f
  for f in "$LOGS"/*.log; do
    [[ -s $f ]] || continue
    echo "  $(basename "$f" .log) log events: $(grep -o '"event":"[a-z_]*"' "$f" | sort | uniq -c \
      | awk '{gsub(/"event":|"/, "", $2); printf "%s%s x%s", sep, $2, $1; sep=", "}')"
  done

  if ((VIOLATIONS > 0)); then
    fail "$VIOLATIONS check(s) violated (see VIOLATION lines above)"
  fi
  log "all checks passed: $n_signals signals, $N_PIPELINES pipelines ($N_MATCHED matched)," \
    "$n_exec executions, wall time $(printf %.1f "$(elapsed)") s"
}
