#!/usr/bin/env bash
# The execution side as a user meets it: --help, clear errors, a run over real history, the
# analytics commands, the trading state, and two `sigflow execute` processes racing on one store.
BARS="$(cd "$(dirname "$0")/../.." && pwd)/data/sp500_2000_2020_daily.csv"
source "$(dirname "$0")/lib.sh"
cd "$WORK"

for cmd in execute "ledger" "ledger list" "runs" "runs list" "stats" "stats gates" \
  "stats positions" "trading-state" "trading-state show" "trading-state set" \
  "recommendations" "recommendations add" "recommendations list" "bench execute"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$SIGFLOW" $cmd --help
  grep -qi "usage" "$WORK/out" || fail "sigflow $cmd --help printed no usage"
done
pass "--help answers for every execution-side command"

expect_exit 2 "$SIGFLOW" execute --bars "$BARS"
grep -q -- "--once" "$WORK/err" || fail "missing --once/--every not explained"
expect_exit 2 "$SIGFLOW" execute --once --every 60s --bars "$BARS"
echo '{"confidence_min": 2, "max_signal_per_run": 5}' >"$WORK/bad.json"
expect_exit 2 "$SIGFLOW" execute --once --bars "$BARS" --config "$WORK/bad.json"
grep -q "confidence_min: must be a number in \[0, 1\]" "$WORK/err" || fail "bad value not named"
grep -q "max_signal_per_run: unknown key" "$WORK/err" || fail "unknown key not named"
echo '{"execution_mode": "REAL"}' >"$WORK/real.json"
expect_exit 2 "$SIGFLOW" execute --once --bars "$BARS" --config "$WORK/real.json"
grep -q "no real broker adapter is configured" "$WORK/err" || fail "REAL mode not refused clearly"
expect_exit 2 "$SIGFLOW" recommendations add --ticker SP500 --action SELL_SHORT --confidence 0.8
grep -q -- "--action" "$WORK/err" || fail "bad action not named"
expect_exit 2 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_STOCK --confidence 7
grep -q "confidence" "$WORK/err" || fail "bad confidence not named"
expect_exit 2 "$SIGFLOW" trading-state set PAUSED --reason x
expect_exit 2 "$SIGFLOW" trading-state set HALTED
grep -q -- "--reason" "$WORK/err" || fail "missing --reason not named"
expect_exit 2 "$SIGFLOW" stats gates --today --since 2020-01-01
expect_exit 2 "$SIGFLOW" ledger list --since yesterday
grep -q -- "--since" "$WORK/err" || fail "bad --since not named"
pass "bad flags and config are named, exit 2"

# A day of history: 2020-03-16, decided on that day's clock (the bars are daily, stamped 00:00).
for action in BUY_STOCK BUY_PUT BUY_CALL; do
  expect_exit 0 "$SIGFLOW" recommendations add --ticker sp500 --action $action --confidence 0.8 \
    --created-at 2020-03-16 --signal-id sig-1 --reason '{"rule":"e2e"}'
done
expect_exit 0 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_STOCK --confidence 0.5 \
  --created-at 2020-03-16
expect_exit 0 "$SIGFLOW" execute --once --bars "$BARS" --as-of 2020-03-16 --json
[ "$(json_get "$WORK/out" "d['simulated_count']")" -eq 2 ] || fail "expected 2 fills (daily limit 2)"
[ "$(json_get "$WORK/out" "d['skipped_count']")" -eq 2 ] || fail "expected 2 skips"
expect_exit 0 "$SIGFLOW" ledger list --json
cp "$WORK/out" "$WORK/ledger.json"
[ "$(json_get "$WORK/ledger.json" "len(d)")" -eq 2 ] || fail "ledger should hold 2 fills"
# The seed's formulas, recomputed here: entry = close * 1.0005, stop = entry -/+ entry*vol*2.
python3 - "$WORK/ledger.json" <<'PY' || fail "fills do not follow the seed's formulas"
import json, sys
for f in json.load(open(sys.argv[1])):
    close = f["sim_json"]["bar"]["close"]; vol = f["sim_json"]["features"]["recent_vol"]
    entry = close * (1 + 5 / 10000); d = entry * vol * 2
    assert abs(f["entry_price"] - entry) < 1e-9 * entry
    sign = -1 if f["action"] == "BUY_PUT" else 1
    assert abs(f["stop_loss_price"] - (entry - sign * d)) < 1e-9 * entry
    assert abs(f["take_profit_price"] - (entry + sign * 2 * d)) < 1e-9 * entry
    qty = min(2000 / d, 25000 / entry)
    assert abs(f["qty"] - qty) < 1e-9 * qty and abs(f["notional"] - qty * entry) < 1e-6
    assert f["explain_json"]["recommendation"]["reason"]["rule"] == "e2e"
PY
expect_exit 0 "$SIGFLOW" stats gates --json
[ "$(json_get "$WORK/out" "d['skipped']")" -eq 2 ] || fail "stats gates: skipped"
[ "$(json_get "$WORK/out" "sorted(r['name'] for r in d['by_reason'])")" = \
  "['CONFIDENCE_BELOW_MIN', 'TICKER_DAILY_LIMIT_REACHED']" ] || fail "stats gates: reasons"
expect_exit 0 "$SIGFLOW" stats positions --since 2020-03-16 --until 2020-03-17 --json
[ "$(json_get "$WORK/out" "sum(r['count'] for r in d)")" -eq 2 ] || fail "stats positions"
expect_exit 0 "$SIGFLOW" stats positions --today --json
[ "$(json_get "$WORK/out" "len(d)")" -eq 0 ] || fail "no fill happened today (market time 2020)"
expect_exit 0 "$SIGFLOW" runs list --json
[ "$(json_get "$WORK/out" "d[0]['pulled_count']")" -eq 4 ] || fail "runs list"
expect_exit 0 "$SIGFLOW" recommendations list --status SKIPPED --json
[ "$(json_get "$WORK/out" "len(d)")" -eq 2 ] || fail "recommendations list --status"
pass "execute over history, ledger, runs and stats"

expect_exit 0 "$SIGFLOW" trading-state set HALTED --reason "e2e drill" --by e2e
expect_exit 0 "$SIGFLOW" trading-state show --json
[ "$(json_get "$WORK/out" "d['state']")" = HALTED ] || fail "state not stored"
expect_exit 0 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_CALL --confidence 0.9 \
  --created-at 2020-03-17
expect_exit 0 "$SIGFLOW" execute --once --bars "$BARS" --as-of 2020-03-17 --json
[ "$(json_get "$WORK/out" "d['summary']['skip_reasons']")" = "{'trading_halted': 1}" ] \
  || fail "HALTED did not skip with trading_halted"
expect_exit 0 "$SIGFLOW" trading-state set ACTIVE --reason "drill over" --by e2e
pass "trading state set, shown, and obeyed"

# Without --bars the dispatcher reads the store's market tables. A replay that stores its bars
# stamps each feature row computed at its bar's time (the replay clock), so a decision made as of
# a replayed day finds that day's bar and features fresh.
M="$WORK/market.db"
expect_exit 0 "$SIGFLOW" generate --replay "$BARS" --generators golden_cross --store-bars --store "$M"
expect_exit 0 "$SIGFLOW" bars features --ticker SP500 --limit 1 --json --store "$M"
[ "$(json_get "$WORK/out" "d[0]['computed_at'].startswith(d[0]['date'] + 'T00:00:00')")" = True ] \
  || fail "replayed features not stamped with their bar's time"
expect_exit 0 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_STOCK --confidence 0.8 \
  --created-at 2020-03-16 --store "$M"
expect_exit 0 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_PUT --confidence 0.8 \
  --created-at 2020-03-16 --store "$M"
expect_exit 0 "$SIGFLOW" execute --once --as-of 2020-03-16 --json --store "$M"
[ "$(json_get "$WORK/out" "d['simulated_count']")" -eq 2 ] \
  || fail "store-backed execute did not fill: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" ledger list --json --store "$M"
cp "$WORK/out" "$WORK/store_ledger.json"
# The same fills as from the CSV: the close of 2020-03-16 and the features computed from it.
expect_exit 0 "$SIGFLOW" ledger list --json
python3 - "$WORK/store_ledger.json" "$WORK/out" <<'PY' || fail "store and CSV market data differ"
import json, sys
store = json.load(open(sys.argv[1])); csv = json.load(open(sys.argv[2]))
def key(f): return (f["action"], f["sim_json"]["bar"]["ts"])
csv_by = {key(f): f for f in csv}
for f in store:
    c = csv_by[key(f)]
    assert f["entry_price"] == c["entry_price"], (f["entry_price"], c["entry_price"])
    assert f["stop_loss_price"] == c["stop_loss_price"]
PY
# As of a day with no stored bar yet (before the history), the gates report it missing.
expect_exit 0 "$SIGFLOW" recommendations add --ticker SP500 --action BUY_STOCK --confidence 0.8 \
  --created-at 1999-06-01 --store "$M"
expect_exit 0 "$SIGFLOW" execute --once --as-of 1999-06-01 --json --store "$M"
[ "$(json_get "$WORK/out" "list(d['summary']['skip_reasons'])")" = "['BAR_MISSING']" ] \
  || fail "no bar before the history: $(cat "$WORK/out")"
pass "execute reads bars and features from the store by default (--bars stays an option)"

# Two processes racing on the same store: every recommendation is executed exactly once.
echo '{"max_trades_per_ticker_per_day": 100000, "max_recommendations_per_ticker": 100000,
       "max_signals_per_run": 7}' >"$WORK/race.json"
for i in $(seq 1 150); do
  "$SIGFLOW" recommendations add --ticker SP500 --action BUY_STOCK --confidence 0.8 \
    --created-at 2020-03-18 >/dev/null
done
"$SIGFLOW" execute --once --drain --bars "$BARS" --as-of 2020-03-18 --config "$WORK/race.json" \
  --json >"$WORK/a.jsonl" 2>"$WORK/a.err" &
a=$!
"$SIGFLOW" execute --once --drain --bars "$BARS" --as-of 2020-03-18 --config "$WORK/race.json" \
  --json >"$WORK/b.jsonl" 2>"$WORK/b.err" &
b=$!
wait $a || fail "first execute failed: $(cat "$WORK/a.err")"
wait $b || fail "second execute failed: $(cat "$WORK/b.err")"
total=$(cat "$WORK/a.jsonl" "$WORK/b.jsonl" | python3 -c \
  "import json,sys; print(sum(json.loads(l)['simulated_count'] for l in sys.stdin))")
[ "$total" -eq 150 ] || fail "the two processes filled $total, expected 150"
expect_exit 0 "$SIGFLOW" ledger list --since 2020-03-18 --until 2020-03-19 --limit 0 --json
python3 - "$WORK/out" <<'PY' || fail "a recommendation was filled twice or not at all"
import json, sys
ids = [f["recommendation_id"] for f in json.load(open(sys.argv[1]))]
assert len(ids) == 150 and len(set(ids)) == 150, (len(ids), len(set(ids)))
PY
expect_exit 0 "$SIGFLOW" recommendations list --status PENDING --json
[ "$(json_get "$WORK/out" "len(d)")" -eq 0 ] || fail "recommendations left PENDING"
pass "two execute processes racing: each recommendation filled exactly once"
