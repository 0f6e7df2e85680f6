#!/usr/bin/env bash
# The CLI as a new user meets it: --help everywhere, clear errors with the right exit codes on
# bad input, and the roles run as separate processes over one store.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

for cmd in "" run dispatch work generate publish "pipelines" "pipelines add" "pipelines list" \
  "pipelines remove" "executions" "executions list" "bench" "bench match" "bench indicators" \
  "bench replay" "bars" "bars ingest" "bars fetch" "bars list" "bars features" lag; do
  # shellcheck disable=SC2086
  expect_exit 0 "$SIGFLOW" $cmd --help
  grep -qi "usage" "$WORK/out" || fail "sigflow $cmd --help printed no usage"
done
pass "--help answers for every subcommand"

expect_exit 2 "$SIGFLOW" frobnicate
expect_exit 2 "$SIGFLOW" pipelines add --tickers AAPL
grep -q -- "--name" "$WORK/err" || fail "missing --name not named"
expect_exit 2 "$SIGFLOW" pipelines add --name bad --tickers 'AA PL'
grep -q "AA PL" "$WORK/err" || fail "bad ticker not named"
expect_exit 2 "$SIGFLOW" pipelines add --name bad --tickers AAPL --trigger-mode sometimes
grep -q "trigger-mode" "$WORK/err" || fail "bad trigger mode not named"
expect_exit 2 "$SIGFLOW" pipelines add --name bad --tickers AAPL --config '{"nodes":[{"agent_type":"crystal_ball"}]}'
grep -q "crystal_ball" "$WORK/err" || fail "unknown agent_type not named"
expect_exit 2 env BATCH_SIZE=lots "$SIGFLOW" pipelines list
grep -q "BATCH_SIZE" "$WORK/err" || fail "bad BATCH_SIZE not named"
expect_exit 2 "$SIGFLOW" run --duration soon
grep -q "duration" "$WORK/err" || fail "bad --duration not named"
expect_exit 2 env -u KAFKA_BOOTSTRAP_SERVERS "$SIGFLOW" lag
grep -q "Kafka bus only" "$WORK/err" || fail "lag on the embedded bus did not say it needs Kafka"
pass "bad flags, config and environment are named, exit 2"

expect_exit 0 "$SIGFLOW" pipelines add --name "AAPL Trader" --tickers aapl,MSFT
aapl_id=$(cat "$WORK/out")
expect_exit 0 "$SIGFLOW" pipelines add --name "Energy" --tickers XOM --inactive
inactive_id=$(cat "$WORK/out")
expect_exit 0 "$SIGFLOW" pipelines list --json
cp "$WORK/out" "$WORK/pipelines.json"
[ "$(json_get "$WORK/pipelines.json" "[p['scanner_tickers'] for p in d if p['name']=='AAPL Trader'][0]")" = "['AAPL', 'MSFT']" ] \
  || fail "tickers not normalised"
[ "$(json_get "$WORK/pipelines.json" "[p['is_active'] for p in d if p['name']=='Energy'][0]")" = False ] \
  || fail "--inactive ignored"
expect_exit 0 "$SIGFLOW" pipelines list
grep -q "AAPL Trader" "$WORK/out" || fail "table listing lacks the pipeline"
expect_exit 1 "$SIGFLOW" pipelines remove no-such-id
grep -qi "not found\|no pipeline" "$WORK/err" || fail "removing an unknown id gave no clear message"
pass "pipelines add/list/remove"

expect_exit 0 "$SIGFLOW" publish '{"signal_id":"sig-1","tickers":[{"ticker":"AAPL","signal":"BULLISH","confidence":85}]}'
[ "$(cat "$WORK/out")" = "sig-1" ] || fail "publish did not print the signal id"
expect_exit 1 "$SIGFLOW" publish '{"tickers":[{"ticker":"AAPL","signal":"SIDEWAYS"}]}'
grep -q "invalid_bias" "$WORK/err" || fail "rejected signal without its reason"
printf '%s\n' \
  '{"signal_id":"sig-2","tickers":["XOM"],"bias":{"XOM":{"ticker":"XOM","bias":"BEARISH","confidence":0.7,"reasoning":"r"}}}' \
  'not json at all' \
  '{"signal_id":"sig-3","tickers":[{"ticker":"MSFT","bias":"BEARISH","confidence":60}]}' \
  >"$WORK/signals.jsonl"
expect_exit 1 "$SIGFLOW" publish - <"$WORK/signals.jsonl"
grep -q "line 2: malformed_json" "$WORK/err" || fail "bad line not reported with its number and reason"
[ "$(wc -l <"$WORK/out")" -eq 2 ] || fail "the valid lines were not published"
pass "publish validates, reports and keeps the good lines"

# Separate processes: a dispatcher, then a worker, over the same store file.
export KAFKA_AUTO_OFFSET_RESET=earliest
expect_exit 0 "$SIGFLOW" dispatch --duration 2s --json
cp "$WORK/out" "$WORK/dispatch.json"
[ "$(json_get "$WORK/dispatch.json" "d['signals_consumed']")" -eq 3 ] || fail "dispatcher did not consume the 3 signals"
[ "$(json_get "$WORK/dispatch.json" "d['pipelines_enqueued']")" -eq 1 ] || fail "expected one execution (AAPL Trader; Energy is inactive)"
expect_exit 0 "$SIGFLOW" executions list --json
cp "$WORK/out" "$WORK/executions.json"
[ "$(json_get "$WORK/executions.json" "d[0]['pipeline_id']")" = "$aapl_id" ] || fail "wrong pipeline woken"
[ "$(json_get "$WORK/executions.json" "d[0]['status']")" = PENDING ] || fail "execution should wait for a worker"
[ "$(json_get "$WORK/executions.json" "d[0]['signal_ids']")" = "['sig-1', 'sig-3']" ] || fail "signal ids"
expect_exit 0 "$SIGFLOW" work --duration 2s --json
expect_exit 0 "$SIGFLOW" executions list --json
cp "$WORK/out" "$WORK/executions.json"
[ "$(json_get "$WORK/executions.json" "d[0]['status']")" = COMPLETED ] || fail "worker did not complete it"
[ "$(json_get "$WORK/executions.json" "'AAPL' in d[0]['result']['nodes'][0]['output']['tickers']")" = True ] \
  || fail "bias agent output lacks AAPL"
# A second dispatcher of the same group finds nothing new.
expect_exit 0 "$SIGFLOW" dispatch --duration 1s --json
[ "$(json_get "$WORK/out" "d['signals_consumed']")" -eq 0 ] \
  || fail "committed signals were delivered again"
[ "$inactive_id" != "" ] || fail "no id for the inactive pipeline"
pass "dispatch and work as separate processes"
