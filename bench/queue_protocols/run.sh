#!/usr/bin/env bash
# The worker queue's protocols side by side, on sigflow's PostgreSQL schema. Each pgbench
# transaction enqueues 32 executions (enqueue.sql), then claims up to 32 and finishes them:
#   claim_then_finish      as sigflow does: claim.sql commits RUNNING, finish.sql COMPLETED
#   lock_then_finish       lock_then_finish.sql: the claim only row-locks, in a transaction open
#                          until the finish
#   hot_claim_then_finish  claim_hot.sql and finish.sql on hot_claim_schema.sql, where the
#                          claim can be a heap-only update
# Each protocol has a database of its own, warmed up by one run and then analyzed (a table the
# planner has no statistics for gets other plans). Runs rotate their order, each on an emptied
# table, two clients like a worker's two threads. Per run: executions completed per second,
# server CPU per execution (the cluster's processes, from /proc), WAL bytes per execution; then
# the median over the rounds of each alternative's ratios to claim_then_finish.
#
#   bash bench/queue_protocols/run.sh path/to/sigflow [ROUNDS (12)] [SECONDS per run (3)]
#
# Needs initdb, pgbench and psql (Debian's postgresql); starts a throwaway cluster with
# scripts/pg-test.sh on 127.0.0.1 (QUEUE_BENCH_PG_PORT, 25460) and removes it afterwards.
set -euo pipefail
SIGFLOW=$(readlink -f "${1:?usage: $0 path/to/sigflow [ROUNDS] [SECONDS]}")
ROUNDS=${2:-12}
SECONDS_PER_RUN=${3:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PORT=${QUEUE_BENCH_PG_PORT:-25460}
PGBENCH=$(command -v pgbench || find /usr/lib/postgresql -name pgbench -path '*/bin/*' 2>/dev/null | sort -V | tail -n 1)
[[ -x $PGBENCH ]] || { echo "pgbench not found (Debian: postgresql)" >&2; exit 1; }
PROTOCOLS=(claim_then_finish lock_then_finish hot_claim_then_finish)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigflow-queue-bench.XXXXXX")
chmod 755 "$WORK"
trap '"$ROOT/scripts/pg-test.sh" stop "$WORK/pg" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/scripts/pg-test.sh" start "$WORK/pg" "$PORT" queue_bench >/dev/null  # (a database it wants; unused)
psql_on() { psql -X -At -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d "$1" "${@:2}"; }
for protocol in "${PROTOCOLS[@]}"; do
  psql_on postgres -c "CREATE DATABASE $protocol"
  # Any command that opens the store migrates it to sigflow's schema.
  "$SIGFLOW" executions list --store "postgresql://postgres@127.0.0.1:$PORT/$protocol" >/dev/null
  if [[ $protocol == hot_claim_then_finish ]]; then psql_on "$protocol" -f "$HERE/hot_claim_schema.sql"; fi
  case $protocol in
    claim_then_finish) parts=(claim.sql finish.sql) ;;
    lock_then_finish) parts=(lock_then_finish.sql) ;;
    hot_claim_then_finish) parts=(claim_hot.sql finish.sql) ;;
  esac
  (cd "$HERE" && cat enqueue.sql "${parts[@]}") >"$WORK/$protocol.sql"
done

# server_ticks: CPU ticks of this cluster: the postmaster, its live children, and its reaped
# children (the benchmark's backends exit before the second reading).
server_ticks() {
  local total=0 pid postmaster fields
  postmaster=$(head -n 1 "$(cat "$WORK/pg/datadir")/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do
    read -r -a fields < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + fields[11] + fields[12]))  # utime, stime
    [[ $pid == "$postmaster" ]] && total=$((total + fields[13] + fields[14]))  # cutime, cstime
  done
  echo "$total"
}

HZ=$(getconf CLK_TCK)

# run PROTOCOL: one run; prints "executions/s server_us_per_execution wal_bytes_per_execution".
run() {
  psql_on "$1" -c "TRUNCATE executions"
  local lsn0 lsn1 ticks0 ticks1 completed wal
  lsn0=$(psql_on "$1" -c "SELECT pg_current_wal_lsn()")
  ticks0=$(server_ticks)
  "$PGBENCH" -h 127.0.0.1 -p "$PORT" -U postgres -n -M prepared -c 2 -j 1 -T "$SECONDS_PER_RUN" \
    -f "$WORK/$1.sql" "$1" >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" >&2; exit 1; }
  sleep 0.2  # the backends have exited and been reaped
  ticks1=$(server_ticks)
  lsn1=$(psql_on "$1" -c "SELECT pg_current_wal_lsn()")
  completed=$(psql_on "$1" -c "SELECT count(*) FROM executions WHERE status = 'COMPLETED'")
  wal=$(psql_on "$1" -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')::bigint")
  echo "$((completed / SECONDS_PER_RUN)) $(((ticks1 - ticks0) * 1000000 / HZ / completed)) $((wal / completed))"
}

for protocol in "${PROTOCOLS[@]}"; do
  run "$protocol" >/dev/null
  psql_on "$protocol" -c "ANALYZE executions"
done
printf '%5s' round
for protocol in "${PROTOCOLS[@]}"; do printf '  %38s' "$protocol: exec/s server_us WAL_B"; done
echo
for ((round = 1; round <= ROUNDS; round++)); do
  declare -A result=()
  for ((k = 0; k < ${#PROTOCOLS[@]}; k++)); do  # the order rotates with the round
    protocol=${PROTOCOLS[(k + round) % ${#PROTOCOLS[@]}]}
    result[$protocol]=$(run "$protocol")
  done
  line="$round"
  for protocol in "${PROTOCOLS[@]}"; do line+=" ${result[$protocol]}"; done
  echo "$line" >>"$WORK/rounds"
  awk '{ printf "%5d", $1; for (i = 2; i <= NF; i += 3) printf "  %28d %9d %5d", $i, $(i + 1), $(i + 2); print "" }' <<<"$line"
done
awk -v names="${PROTOCOLS[*]}" '
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { for (p = 1; p <= 2; p++) {
      c = 2 + 3 * p  # columns of alternative p: exec/s, server_us, WAL
      speed[p, NR] = $c / $2; cpu[p, NR] = $(c + 1) / $3; wal[p, NR] = $(c + 2) / $4
      if ($c > $2) faster[p]++
  } }
  END {
    split(names, name, " ")
    for (p = 1; p <= 2; p++) {
      for (r = 1; r <= NR; r++) { s[r] = speed[p, r]; u[r] = cpu[p, r]; w[r] = wal[p, r] }
      printf "%s against %s, medians over %d rounds: executions/s %.2fx, server CPU per execution %.2fx, WAL per execution %.2fx; faster in %d of the rounds\n",
        name[p + 1], name[1], NR, median(s, NR), median(u, NR), median(w, NR), faster[p] + 0
    }
  }' "$WORK/rounds"
# Which updates PostgreSQL wrote heap-only, over all runs (the statistics outlive TRUNCATE).
for protocol in "${PROTOCOLS[@]}"; do
  echo "$protocol: $(psql_on "$protocol" -c "SELECT n_tup_hot_upd || ' of ' || n_tup_upd ||
    ' updates heap-only (HOT)' FROM pg_stat_user_tables WHERE relname = 'executions'")"
done
