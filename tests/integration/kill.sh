#!/usr/bin/env bash
# The run of multiprocess.sh (3 `sigflow dispatch` in one consumer group on a 3-partition topic,
# 2 `sigflow work`, one PostgreSQL), with one dispatcher and one worker killed with SIGKILL while
# signals keep arriving. The result must still be exact (run_checks in lib.sh), and:
#  - the dispatcher dies holding signals it recorded in the store whose offsets it had not
#    committed yet ("processed but uncommitted") and signals published to its partitions that it
#    had not recorded yet ("in flight"): its partitions move to the other dispatchers, which read
#    them again from the last committed offset; every signal recorded beyond it must come back
#    as a duplicate (its matches added to `duplicate`), never wake anything twice;
#  - the worker dies holding RUNNING executions: once their lease expires (30 s) the other
#    worker's reaper puts them back to PENDING, and each must then complete under another lease
#    (attempts >= 2).
# To die in that state for sure, the victim is frozen (SIGSTOP) while its next statement waits at
# a lock the test holds on the table it writes (signals for a dispatcher's Wake, executions for a
# worker's claim) and the lock is then released, so that the statement commits while the victim
# cannot go on; its state is read from the store and from the cluster (`sigflow lag`), and it is
# SIGKILLed only if the state is right; otherwise it is thawed (SIGCONT) and tried again.
#
#   bash tests/integration/kill.sh path/to/sigflow path/to/sigflow-kafka-mock
#
# Knobs (besides lib.sh's; the workload defaults to 20,000 signals like multiprocess.sh):
#   INTEG_KILL_DISPATCHER_AT  fraction of the signals published when the dispatcher is killed
#                             (0.3); "off" keeps every dispatcher alive
#   INTEG_KILL_WORKER_AT      the same for the worker (0.5); "off" keeps both workers
#   INTEG_KILL_DISPATCHER     which one: dispatch-1..3, or auto (the default): the owner of the
#                             partition with the most signals, whose stream lasts longest
#   INTEG_KILL_WORKER         which one: work-1..2 (work-1)
#   INTEG_CATCH_TRIES         freezes of the dispatcher before giving up (100); the worker is
#                             tried until the run is over (or 180 s)
#   INTEG_RESTART_KILLED=1    start a new process in each killed one's place
# A dispatcher is caught only while its partitions still have signals it has not recorded, so
# a kill point must leave some stream after it.
INTEG_LOG_LEVEL=${INTEG_LOG_LEVEL:-INFO}  # the victims' partitions and lease ids come from logs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KILL_DISPATCHER_AT=${INTEG_KILL_DISPATCHER_AT:-0.3}
KILL_WORKER_AT=${INTEG_KILL_WORKER_AT:-0.5}
VICTIM_DISPATCHER=${INTEG_KILL_DISPATCHER:-auto}
VICTIM_WORKER=${INTEG_KILL_WORKER:-work-1}
CATCH_TRIES=${INTEG_CATCH_TRIES:-100}
[[ $LOG_LEVEL == INFO || $LOG_LEVEL == DEBUG ]] || fail "kill.sh needs INTEG_LOG_LEVEL INFO or DEBUG"

# A pause of 20..200 ms, so that successive freezes land at different points of the loop.
nap() { sleep "0.$(printf '%03d' $((20 + RANDOM % 180)))"; }

# The SQL VALUES rows (part, committed, high) of partitions $1 (space-separated), from the
# cluster's current offsets.
offset_rows() {
  local wanted=" $1 " offsets part committed high rows=""
  offsets=$(kafka_offsets) || return 1
  while read -r part committed high; do
    [[ $wanted == *" $part "* ]] || continue
    rows+="${rows:+, }($part, $committed, $high)"
  done <<<"$offsets"
  echo "$rows"
}

# For the partitions in VALUES rows $1: "recorded_beyond_commit in_flight", i.e. signals the
# store recorded at or past the group's committed offset, and signals published there but not
# recorded.
dispatcher_state() {
  q "WITH v (part, committed, high) AS (VALUES $1),
          r AS (SELECT v.part, count(s.signal_id) AS beyond FROM v
                LEFT JOIN integ.signal_positions x ON x.part = v.part
                                                 AND x.pos >= greatest(v.committed, 0)
                LEFT JOIN signals s ON s.signal_id = x.signal_id GROUP BY v.part)
     SELECT sum(r.beyond) || ' ' || (sum(v.high - greatest(v.committed, 0)) - sum(r.beyond))
     FROM v JOIN r USING (part)" | tr -d '\n'
}

# freeze_behind_lock TABLE SECONDS PID: holds a SHARE lock on TABLE for SECONDS, so that every
# statement that writes it (ROW EXCLUSIVE) waits at the lock meanwhile (on signals, each
# dispatcher's next Wake; on executions, each worker's next claim or finish, and the Wakes),
# freezes PID (SIGSTOP) 50 ms before the lock goes, and returns once it has gone: what PID had
# sent then runs in the server while PID cannot go on.
freeze_behind_lock() {
  q "BEGIN; LOCK TABLE $1 IN SHARE MODE; SELECT pg_sleep($2); COMMIT" >/dev/null &
  local holder=$!
  sleep "$(awk -v s="$2" 'BEGIN { print s - 0.05 }')"
  kill -STOP "$3"
  wait "$holder" || { kill -CONT "$3"; fail "could not lock the $1 table"; }
}

# catch_dispatcher NAME: SIGKILLs NAME at a moment it holds processed-but-uncommitted and
# in-flight signals; records the uncommitted ones in integ.uncommitted_at_kill.
# Each try freezes NAME while its Wake waits at freeze_behind_lock's lock on signals: the
# server commits that Wake, and NAME, frozen, cannot commit its offsets after it. A bare freeze
# must land in the moment between a Wake's commit and the offset commit, which a lightly loaded
# dispatcher offers rarely: seed 3, 1,000 pipelines, 12,000 signals, dispatch-2 at 0.6 was
# frozen 11 times, never in that state, before its stream ended.
catch_dispatcher() {
  local name=$1 pid=${ROLE_PID[$1]} try parts rows state beyond in_flight
  for ((try = 1; try <= CATCH_TRIES; try++)); do
    check_roles_alive
    if ! publisher_running && [[ ${in_flight:-1} == 0 ]]; then
      fail "the stream on $name's partitions ended before it was caught holding processed but" \
        "uncommitted signals (after $((try - 1)) tries): choose an earlier INTEG_KILL_DISPATCHER_AT"
    fi
    parts=$(role_partitions "$name")
    if [[ -z $parts ]]; then  # not assigned yet, or in a rebalance
      nap
      continue
    fi
    local part signals=0
    for part in $parts; do signals=$((signals + $(partition_signals "$part"))); done
    ((signals > 0)) || fail "$name owns partitions [$parts], which this workload sends no" \
      "signal: choose another INTEG_KILL_DISPATCHER (or more INTEG_TICKERS)"
    freeze_behind_lock signals 0.4 "$pid"
    sleep 0.2  # what it already sent (a store transaction, an offset commit) lands meanwhile
    parts=$(role_partitions "$name")
    rows=$(offset_rows "$parts") || { kill -CONT "$pid"; fail "sigflow lag failed: $(tail -n 3 "$LOGS/lag.err")"; }
    state="0 0"
    if [[ -n $rows ]]; then state=$(dispatcher_state "$rows"); fi
    read -r beyond in_flight <<<"$state"
    if ((beyond > 0 && in_flight > 0)); then
      kill_role "$name"
      sleep 0.3  # its connections are gone: the store and the group's offsets are final now
      rows=$(offset_rows "$parts") || fail "sigflow lag failed after the kill"
      q "CREATE TABLE integ.uncommitted_at_kill AS
           SELECT s.signal_id FROM (VALUES $rows) AS v (part, committed, high)
           JOIN integ.signal_positions x ON x.part = v.part AND x.pos >= greatest(v.committed, 0)
           JOIN signals s ON s.signal_id = x.signal_id" >/dev/null
      read -r beyond in_flight <<<"$(dispatcher_state "$rows")"
      log "$name killed (try $try) owning partitions [$parts]: $beyond signals recorded past its" \
        "last committed offsets, $in_flight published there and not recorded yet"
      ((beyond > 0)) || fail "the kill of $name left no processed-but-uncommitted signal after all"
      KILLED_DISPATCHER_UNCOMMITTED=$beyond
      return 0
    fi
    kill -CONT "$pid"
    log "  try $try: $name [$parts] frozen with $beyond recorded past its commit, $in_flight in" \
      "flight: thawed"
    nap
  done
  fail "$name was never caught holding processed-but-uncommitted and in-flight signals in" \
    "$CATCH_TRIES tries (last: ${beyond:-?} recorded past the commit, ${in_flight:-?} in flight)"
}

# catch_worker NAME: SIGKILLs NAME at a moment it holds RUNNING executions; remembers them in
# integ.running_at_kill (with the dead worker's lease ids in integ.dead_worker_ids). The
# workload's executions take well under a millisecond, so a worker holds RUNNING rows only from a
# claim's commit to its batch's finish. Watching the store from outside and freezing the worker
# only once it was seen holding some missed those windows for a whole run (kill point 0.8, after a
# dispatcher restart had stalled the group for 36 s). Freezing it first (SIGSTOP), letting a claim
# it had already sent commit, and then looking (a frozen worker keeps what it held or had
# claimed) missed them too: 98 freezes, none holding, at kill point 0.85 of seed 23 (300
# pipelines, 150 tickers). So each try freezes it while its statements wait at
# freeze_behind_lock's lock on executions: each thread's waiting claim commits while it is frozen
# and takes what was PENDING (a waiting finish leaves nothing, and the next try looks again).
# A try starts only while some execution is PENDING: after a dispatcher's kill the queue can
# stay empty until the group has moved its partitions (17 s in one run), then drain in a second.
# Between tries it runs for 10..90 ms. Tries go on until the run is over or 180 s pass.
catch_worker() {
  local name=$1 pid=${ROLE_PID[$1]} try=0 ids held started=$SECONDS
  ids=$(role_worker_ids "$name")
  [[ -n $ids ]] || fail "no worker_pool_started event in $name's log"
  local ids_sql="ARRAY['${ids// /\',\'}']"
  local held_sql="SELECT count(*) FROM executions WHERE status = 'RUNNING'
                    AND lease_owner = ANY ($ids_sql)"
  local over pending
  while :; do
    check_roles_alive
    IFS='|' read -r over pending <<<"$(q "SELECT (SELECT count(*) FROM signals) = $N_SIGNALS
          AND NOT EXISTS (SELECT 1 FROM executions WHERE status IN ('PENDING', 'RUNNING')),
        (SELECT count(*) FROM executions WHERE status = 'PENDING')")"
    if ! publisher_running && [[ $over == t ]]; then
      fail "the run was over before $name was caught holding a RUNNING execution ($try" \
        "freezes): choose an earlier INTEG_KILL_WORKER_AT"
    fi
    ((SECONDS - started < 180)) || fail "$name held no RUNNING execution in 180 s ($try freezes)"
    if ((pending == 0)); then  # nothing to claim (e.g. the group moving a killed one's partitions)
      sleep 0.02  # PENDING rows last milliseconds: 0.1 s polls saw none in a whole run
      continue
    fi
    try=$((try + 1))
    # Longer than the workers' idle poll (200 ms): an idle thread's next claim waits there too.
    freeze_behind_lock executions 0.3 "$pid"
    sleep 0.03
    held=$(q "$held_sql")
    if ((held > 0)); then
      kill_role "$name"
      q "CREATE TABLE integ.dead_worker_ids AS SELECT unnest($ids_sql) AS lease_owner;
         CREATE TABLE integ.running_at_kill AS SELECT id, pipeline_id FROM executions
           WHERE status = 'RUNNING' AND lease_owner = ANY ($ids_sql)" >/dev/null
      KILLED_WORKER_HELD=$(q "SELECT count(*) FROM integ.running_at_kill")
      log "$name killed (try $try) holding $KILLED_WORKER_HELD RUNNING executions" \
        "($(q "SELECT string_agg(id::text, ',' ORDER BY id) FROM integ.running_at_kill"))"
      return 0
    fi
    kill -CONT "$pid"
    sleep "0.0$((1 + RANDOM % 9))"
  done
}

restart_if_asked() {
  [[ ${INTEG_RESTART_KILLED:-0} == 1 ]] || return 0
  start_role "$1-restarted" "$2"
}

start_everything 25451
wait_assigned dispatch-1 dispatch-2 dispatch-3
if [[ $VICTIM_DISPATCHER == auto ]]; then
  busiest=$(sed -n 's/^partition_\([0-9]*\)_signals=\([0-9]*\)$/\2 \1/p' "$DATA/summary.txt" \
    | sort -rn | head -n 1 | cut -d' ' -f2)
  for name in dispatch-1 dispatch-2 dispatch-3; do
    [[ " $(role_partitions "$name") " == *" $busiest "* ]] && VICTIM_DISPATCHER=$name
  done
  [[ $VICTIM_DISPATCHER != auto ]] || fail "no dispatcher owns partition $busiest"
  log "dispatcher to kill: $VICTIM_DISPATCHER (owner of partition $busiest, the busiest)"
fi
[[ -n ${ROLE_PID[$VICTIM_DISPATCHER]:-} ]] || fail "INTEG_KILL_DISPATCHER: no role $VICTIM_DISPATCHER"
[[ -n ${ROLE_PID[$VICTIM_WORKER]:-} ]] || fail "INTEG_KILL_WORKER: no role $VICTIM_WORKER"

# The kills, in the order of their points.
kills=()
[[ $KILL_DISPATCHER_AT != off ]] && kills+=("$KILL_DISPATCHER_AT dispatcher")
[[ $KILL_WORKER_AT != off ]] && kills+=("$KILL_WORKER_AT worker")
KILLED_DISPATCHER_UNCOMMITTED=0
KILLED_WORKER_HELD=0
start_publisher
while read -r at what; do
  [[ -n $at ]] || continue
  wait_published "$at"
  if [[ $what == dispatcher ]]; then
    catch_dispatcher "$VICTIM_DISPATCHER"
    restart_if_asked "$VICTIM_DISPATCHER" dispatch
  else
    catch_worker "$VICTIM_WORKER"
    restart_if_asked "$VICTIM_WORKER" work
  fi
done < <(printf '%s\n' "${kills[@]}" | sort -g)
wait_publisher
wait_drained
check_roles_alive
stop_roles

log "checks of the kills"
if [[ $KILL_DISPATCHER_AT != off ]]; then
  echo "K1. every signal the dead dispatcher recorded past its last commit was redelivered and" \
    "recognised ($KILLED_DISPATCHER_UNCOMMITTED signals)"
  expect_zero "of them, matched signals whose redelivered matches were not counted as duplicate" \
    "SELECT count(*) FROM integ.uncommitted_at_kill k JOIN signals s USING (signal_id)
       WHERE s.matched > 0 AND s.duplicate < s.matched" \
    "SELECT s.signal_id, s.matched, s.duplicate FROM integ.uncommitted_at_kill k
       JOIN signals s USING (signal_id) WHERE s.matched > 0 AND s.duplicate < s.matched LIMIT 10"
fi
if [[ $KILL_WORKER_AT != off ]]; then
  echo "K2. every execution the dead worker held RUNNING was reaped and completed by another" \
    "lease ($KILLED_WORKER_HELD executions)"
  expect_zero "of them, executions not COMPLETED a second time under a live worker's lease" \
    "SELECT count(*) FROM integ.running_at_kill k JOIN executions e USING (id)
       WHERE e.status <> 'COMPLETED' OR e.attempts < 2
          OR e.lease_owner IN (SELECT lease_owner FROM integ.dead_worker_ids)" \
    "SELECT e.id, e.status, e.attempts, e.lease_owner FROM integ.running_at_kill k
       JOIN executions e USING (id) LIMIT 10"
fi
run_checks
