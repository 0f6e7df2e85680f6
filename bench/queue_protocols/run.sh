#!/usr/bin/env bash
# The worker queue's two protocols side by side, on sigflow's PostgreSQL schema: each
# pgbench transaction enqueues 32 executions (enqueue.sql), claims up to 32 and finishes them,
# either as sigflow does (claim_then_finish.sql) or with a row-lock claim (lock_then_finish.sql).
# Runs alternate, ABBA, each on an emptied table, two clients like a worker's two threads. Per
# run: executions completed per second, server CPU per execution (the cluster's processes, from
# /proc), WAL bytes per execution. Then the median of the per-pair ratios.
#
#   bash bench/queue_protocols/run.sh path/to/sigflow [PAIRS (12)] [SECONDS per run (3)]
#
# Needs initdb, pgbench and psql (Debian's postgresql); starts a throwaway cluster with
# scripts/pg-test.sh on 127.0.0.1 (QUEUE_BENCH_PG_PORT, 25460) and removes it afterwards.
set -euo pipefail
SIGFLOW=$(readlink -f "${1:?usage: $0 path/to/sigflow [PAIRS] [SECONDS]}")
PAIRS=${2:-12}
SECONDS_PER_RUN=${3:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PORT=${QUEUE_BENCH_PG_PORT:-25460}
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1)
[[ -x $PGBENCH ]] || { echo "pgbench not found (Debian: postgresql)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigflow-queue-bench.XXXXXX")
chmod 755 "$WORK"
trap '"$ROOT/scripts/pg-test.sh" stop "$WORK/pg" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
URL=$("$ROOT/scripts/pg-test.sh" start "$WORK/pg" "$PORT" queue_bench | tail -n 1)
"$SIGFLOW" executions list --store "$URL" >/dev/null  # creates the schema (migrations)
PSQL=(psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d queue_bench)
for protocol in claim_then_finish lock_then_finish; do
  cat "$HERE/enqueue.sql" "$HERE/$protocol.sql" >"$WORK/$protocol.sql"
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

# run PROTOCOL: one run; prints "executions/s server_us_per_execution wal_bytes_per_execution".
run() {
  "${PSQL[@]}" -c "TRUNCATE executions" >/dev/null
  local lsn0 lsn1 ticks0 ticks1 completed wal
  lsn0=$("${PSQL[@]}" -c "SELECT pg_current_wal_lsn()")
  ticks0=$(server_ticks)
  "$PGBENCH" -h 127.0.0.1 -p "$PORT" -U postgres -n -c 2 -j 1 -T "$SECONDS_PER_RUN" \
    -f "$WORK/$1.sql" queue_bench >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" >&2; exit 1; }
  sleep 0.2  # the backends have exited and been reaped
  ticks1=$(server_ticks)
  lsn1=$("${PSQL[@]}" -c "SELECT pg_current_wal_lsn()")
  completed=$("${PSQL[@]}" -c "SELECT count(*) FROM executions WHERE status = 'COMPLETED'")
  wal=$("${PSQL[@]}" -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')::bigint")
  local hz
  hz=$(getconf CLK_TCK)
  echo "$((completed / SECONDS_PER_RUN)) $(((ticks1 - ticks0) * 1000000 / hz / completed)) $((wal / completed))"
}

echo "pair  claim_then_finish: exec/s server_us WAL_B   lock_then_finish: exec/s server_us WAL_B"
for ((pair = 1; pair <= PAIRS; pair++)); do
  if ((pair % 2)); then a=$(run claim_then_finish); b=$(run lock_then_finish)
  else b=$(run lock_then_finish); a=$(run claim_then_finish); fi
  echo "$pair $a $b" | tee -a "$WORK/pairs" | awk '{printf "%4d  %26d %9d %5d   %25d %9d %5d\n", $1, $2, $3, $4, $5, $6, $7}'
done
awk '{ r[NR] = $5 / $2; c[NR] = $3 / $6; w[NR] = $7 / $4; if ($5 > $2) faster++ }
     function median(a, n,   i, j, t) {
       for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     END { printf "medians of the pairs: lock/claim executions/s %.2f, claim/lock server CPU per execution %.2f, lock/claim WAL per execution %.2f; lock faster in %d of %d\n", median(r, NR), median(c, NR), median(w, NR), faster, NR }' "$WORK/pairs"
