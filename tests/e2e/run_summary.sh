#!/usr/bin/env bash
# `sigflow run --duration` in a temporary directory: demo pipelines are seeded, the mock
# generator publishes, the dispatcher wakes pipelines, workers complete them, and the exit
# summary accounts for all of it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
export MOCK_GENERATOR_INTERVAL_SECONDS=0.2
cat > "$WORK/watchlist.json" <<'JSON'
{"version": "1.0", "tickers": ["AAPL", "MSFT", "NVDA", "JPM", "XOM"]}
JSON
export WATCHLIST_CONFIG_PATH="$WORK/watchlist.json"

"$SIGFLOW" run --duration 4s --json >"$WORK/summary.json" 2>"$WORK/run.log" \
  || fail "sigflow run exited $?: $(tail -5 "$WORK/run.log")"
cat "$WORK/summary.json"
s="$WORK/summary.json"
published=$(json_get "$s" "d['signals_published']")
consumed=$(json_get "$s" "d['signals_consumed']")
[ "$published" -gt 5 ] || fail "published only $published signals in 4 s at 0.2 s intervals"
[ "$consumed" -eq "$published" ] || fail "consumed $consumed of $published published"
[ "$(json_get "$s" "d['signals_dead_lettered']")" -eq 0 ] || fail "dead letters from the generator"
enqueued=$(json_get "$s" "d['pipelines_enqueued']")
[ "$enqueued" -ge 1 ] || fail "nothing was enqueued"
matched=$(json_get "$s" "d['pipelines_matched']")
skipped=$(json_get "$s" "d['pipelines_skipped_running']")
dup=$(json_get "$s" "d['pipelines_duplicate']")
[ "$matched" -eq $((enqueued + skipped + dup)) ] \
  || fail "matched $matched != enqueued $enqueued + skipped_running $skipped + duplicate $dup"
completed=$(json_get "$s" "d['executions_completed']")
# The demo periodic pipeline (every 300 s) is queued by the scheduler when a run crosses a slot.
scheduled=$(json_get "$s" "d['executions_scheduled']")
[ "$completed" -eq $((enqueued + scheduled)) ] \
  || fail "completed $completed of $enqueued enqueued + $scheduled scheduled executions"
[ "$(json_get "$s" "d['executions_failed']")" -eq 0 ] || fail "failed executions"
[ "$(json_get "$s" "d['latency_p50_ms'] > 0 and d['latency_p99_ms'] >= d['latency_p50_ms']")" = True ] \
  || fail "latency percentiles missing"
pass "run summary consistent: published=$published enqueued=$enqueued completed=$completed"

# The store agrees with the summary: demo pipelines labelled, executions completed with results.
"$SIGFLOW" pipelines list --json >"$WORK/pipelines.json"
[ "$(json_get "$WORK/pipelines.json" "sum('[demo]' in p['name'] for p in d)")" -ge 3 ] \
  || fail "demo pipelines not seeded"
"$SIGFLOW" executions list --json --limit 0 >"$WORK/executions.json"
[ "$(json_get "$WORK/executions.json" "len(d)")" -eq $((enqueued + scheduled)) ] \
  || fail "executions in store != $enqueued enqueued + $scheduled scheduled"
[ "$(json_get "$WORK/executions.json" "all(e['status']=='COMPLETED' and e['result'] is not None for e in d)")" = True ] \
  || fail "not every execution completed with a result"
[ "$(json_get "$WORK/executions.json" "all(len(e['signal_ids'])>=1 for e in d if e['triggered_by_signal'])")" = True ] \
  || fail "an execution without its triggering signal"
[ "$(json_get "$WORK/executions.json" "sum(not e['triggered_by_signal'] for e in d)")" -eq "$scheduled" ] \
  || fail "periodic executions in store != $scheduled scheduled"
pass "store matches the summary"

# The JSON logs carry the seeds' event names.
grep -q '"event":"trigger_dispatcher_starting"' "$WORK/run.log" || {
  LOG_LEVEL=INFO "$SIGFLOW" run --duration 1s --no-demo --json >/dev/null 2>"$WORK/info.log"
  grep -q '"event":"trigger_dispatcher_starting"' "$WORK/info.log" || fail "no trigger_dispatcher_starting log"
  grep -q '"event":"pipeline_cache_refreshed"' "$WORK/info.log" || fail "no pipeline_cache_refreshed log"
}
pass "logs"
