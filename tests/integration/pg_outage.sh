#!/usr/bin/env bash
# The run of multiprocess.sh (3 `sigflow dispatch` in one consumer group on a 3-partition topic,
# 2 `sigflow work`, one PostgreSQL), with PostgreSQL stopped for a few seconds while signals keep
# arriving on Kafka, then started again. Every process must ride it out: no process exits, the
# dispatchers keep their (stale) pipeline cache and retry their batch with backoff, and commit
# no offset while the store is down (checked against the cluster with `sigflow lag`: the group's
# committed offsets stand still while records wait to be committed); once the store is back they
# resume, and the result must be exact (run_checks in lib.sh).
#
#   bash tests/integration/pg_outage.sh path/to/sigflow path/to/sigflow-kafka-mock
#
# Knobs (besides lib.sh's; the workload defaults to 20,000 signals like multiprocess.sh):
#   INTEG_OUTAGE_AT       fraction of the signals published when PostgreSQL is stopped (0.3)
#   INTEG_OUTAGE_SECONDS  how long it stays down (5)
#   CACHE_REFRESH_INTERVAL_SECONDS  the dispatchers' (1 here, so that refreshes fail meanwhile)
INTEG_LOG_LEVEL=${INTEG_LOG_LEVEL:-INFO}
# Refreshes of the pipeline cache fall due during the outage, fail, and the stale index keeps
# serving (the exact match counts of run_checks prove it did).
export CACHE_REFRESH_INTERVAL_SECONDS=${CACHE_REFRESH_INTERVAL_SECONDS:-1}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUTAGE_AT=${INTEG_OUTAGE_AT:-0.3}
OUTAGE_SECONDS=${INTEG_OUTAGE_SECONDS:-5}
[[ $OUTAGE_SECONDS =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "INTEG_OUTAGE_SECONDS: expected seconds"
# Offsets may still move for this long after the stop: a batch whose store transaction
# committed just before it commits its offset just after.
SETTLE_SECONDS=1

# count_events NAME EVENT: how many EVENT lines NAME's log has.
count_events() { grep -c "\"event\":\"$2\"" "$LOGS/$1.log" || true; }

start_everything 25452
wait_assigned dispatch-1 dispatch-2 dispatch-3

start_publisher
wait_published "$OUTAGE_AT"
postgres_down || fail "could not stop PostgreSQL"
down_at=$SECONDS
log "PostgreSQL stopped for $OUTAGE_SECONDS s"
python3 -c "import time; time.sleep(min($SETTLE_SECONDS, $OUTAGE_SECONDS))"
offsets_early=$(kafka_offsets) || fail "sigflow lag failed: $(tail -n 3 "$LOGS/lag.err")"
published_early=$(published_count)
python3 -c "import time; time.sleep(max(0, $OUTAGE_SECONDS - $SETTLE_SECONDS))"
check_roles_alive
offsets_late=$(kafka_offsets) || fail "sigflow lag failed: $(tail -n 3 "$LOGS/lag.err")"
published_late=$(published_count)
postgres_up || fail "could not start PostgreSQL again"
log "PostgreSQL up again after $((SECONDS - down_at)) s"

wait_publisher
wait_drained
check_roles_alive
stop_roles

log "checks of the outage"
echo "O1. no offset committed while the store was down"
echo "  offsets (partition committed end) $SETTLE_SECONDS s after the stop:" $offsets_early
echo "  offsets just before the start:" $offsets_late
echo "  signals published meanwhile: $((published_late - published_early))"
committed_of() { awk '{print $1, $2}' <<<"$1"; }
expect_equal "committed offsets during the outage" "$(committed_of "$offsets_late" | tr '\n' ' ')" \
  "$(committed_of "$offsets_early" | tr '\n' ' ')"
end_of() { awk '{s += $3} END {print s}' <<<"$1"; }
lag_of() { awk '{s += $3 - ($2 < 0 ? 0 : $2)} END {print s}' <<<"$1"; }
# The check means something only if the dispatchers had records they would have committed.
echo "  lag of the group during the outage: $(lag_of "$offsets_late") records"
if (($(lag_of "$offsets_late") > 0)); then
  echo "  ok: the group had uncommitted records to commit meanwhile"
else
  echo "VIOLATION: the group had nothing left to commit during the outage: the check above" \
    "proves nothing (choose an earlier INTEG_OUTAGE_AT or more signals)" >&2
  VIOLATIONS=$((VIOLATIONS + 1))
fi
if (($(end_of "$offsets_late") > $(end_of "$offsets_early"))); then
  echo "  (and signals kept arriving on Kafka meanwhile)"
fi
echo "O2. the processes met the outage (and survived it: see above and below)"
for name in dispatch-1 dispatch-2 dispatch-3; do
  echo "  $name: dispatch_batch_retry x$(count_events "$name" dispatch_batch_retry)," \
    "pipeline_cache_refresh_failed x$(count_events "$name" pipeline_cache_refresh_failed)"
done
for name in work-1 work-2; do
  echo "  $name: worker_claim_failed x$(count_events "$name" worker_claim_failed)," \
    "execution_abandoned x$(count_events "$name" execution_abandoned)"
done
refresh_failures=$(cat "$LOGS"/dispatch-*.log | grep -c '"event":"pipeline_cache_refresh_failed"' || true)
if python3 -c "import sys; sys.exit(0 if $CACHE_REFRESH_INTERVAL_SECONDS < $OUTAGE_SECONDS else 1)"; then
  if ((refresh_failures > 0)); then
    echo "  ok: pipeline cache refreshes that failed while the store was down: $refresh_failures" \
      "(the stale index kept serving)"
  else
    echo "VIOLATION: no dispatcher tried to refresh its pipeline cache during the outage" >&2
    VIOLATIONS=$((VIOLATIONS + 1))
  fi
fi
retries=$(cat "$LOGS"/dispatch-*.log | grep -c '"event":"dispatch_batch_retry"' || true)
if ((retries > 0)); then
  echo "  ok: batches retried by the dispatchers while the store was down: $retries"
else
  echo "VIOLATION: no dispatcher retried a batch: the outage did not hit the stream" >&2
  VIOLATIONS=$((VIOLATIONS + 1))
fi
run_checks
