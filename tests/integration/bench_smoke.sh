#!/usr/bin/env bash
# A short run of `sigflow bench pipeline` (Kafka mock in process -> dispatcher -> PostgreSQL ->
# workers) at a small load: every phase prints its JSON line, every published signal reaches the
# store, the figures are present and sane, and a batch that matched nothing cost no round trip.
#
#   bash tests/integration/bench_smoke.sh path/to/sigflow path/to/sigflow-kafka-mock
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_postgres "${INTEG_PG_PORT:-25453}"
"$SIGFLOW" bench pipeline --store "$STORE_URL" --loads 500,max --seconds 1 --unmatched-load 500 \
  --pipelines 50 --tickers 100 --max-in-flight 2000 --queue-rounds 1 \
  >"$WORK/bench.jsonl" 2>"$LOGS/bench.log" || fail "sigflow bench pipeline failed"
log "bench output: $(wc -l <"$WORK/bench.jsonl") lines"
python3 - "$WORK/bench.jsonl" <<'PY' || fail "bench output is not as expected"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
phases = [(l["phase"], l.get("offered_signals_per_sec")) for l in lines]
assert phases == [("load", 500), ("load", "max"), ("nothing_matched", 500),
                  ("worker_queue", None)], phases
for l in lines[:3]:
    for key in ("sustained_signals_per_sec", "latency_us", "unmatched_latency_us",
                "db_round_trips_per_batch", "db_round_trips_per_signal", "batches",
                "executions_completed_per_sec"):
        assert key in l, (l["phase"], key)
    assert l["signals_published"] > 0, l
    assert l["signals_dispatched"] == l["signals_published"], l
    assert l["signals_missing"] == 0, l
    assert l["sustained_signals_per_sec"] > 0, l
    assert l["batches"] > 0 and l["db_round_trips_per_batch"] <= 2, l
    u = l["latency_us"] if l["phase"] == "load" else l["unmatched_latency_us"]
    assert u["count"] > 0 and 0 < u["p50"] <= u["p99"] <= u["p999"] <= u["max"], l
for l in lines[:2]:
    assert l["pipelines_enqueued"] > 0 and l["executions_completed"] > 0, l
# A paced load publishes once per interval (4 ms by default); load max as fast as it can.
assert lines[0]["publish_interval_us"] == 4000 and lines[1]["publish_interval_us"] == 0, lines[:2]
quiet = lines[2]
assert quiet["pipelines_enqueued"] == 0, quiet
assert quiet["batches_without_round_trip"] > 0, quiet
assert quiet["db_round_trips"] < quiet["batches"], quiet
q = lines[3]
assert q["executions"] == 50, q
assert q["claimed_per_sec"] > 0 and q["completed_per_sec"] > 0, q
print("bench smoke: ok:", [round(l.get("sustained_signals_per_sec", l.get("completed_per_sec"))) for l in lines])
PY
log "ok: bench pipeline: four phases, every signal dispatched, figures sane"
