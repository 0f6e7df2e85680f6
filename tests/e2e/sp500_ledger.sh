#!/usr/bin/env bash
# End to end, seed 003 item 9: the S&P 500's twenty years of daily bars replayed through the
# bar-driven generators -> the trigger dispatcher -> a pipeline running the agent chain
# (market_data_agent, bias_agent, strategy_agent, risk_manager, order_manager) -> workers ->
# the execution dispatcher on the replay clock -> the ledger. The counts are checked against an
# expectation computed here, independently, from the replay's own signals and stored features
# with the agents' documented rules and the seed's gates; every fill's price, stops and size are
# recomputed from seed 003's formulas.
DATA="$(cd "$(dirname "$0")/../.." && pwd)/data"
source "$(dirname "$0")/lib.sh"
cd "$WORK"
BARS="$DATA/sp500_2000_2020_daily.csv"

CHAIN='{"nodes":[{"agent_type":"market_data_agent"},
  {"agent_type":"bias_agent","config":{"trend_weight":0.3}},
  {"agent_type":"strategy_agent","config":{"min_confidence":0.5,"strong_confidence":0.8}},
  {"agent_type":"risk_manager","config":{"max_trades_per_execution":3}},
  {"agent_type":"order_manager"}]}'
expect_exit 2 "$SIGFLOW" pipelines add --name bad --tickers SP500 \
  --config '{"nodes":[{"agent_type":"crystal_ball"}]}'
grep -q "unknown agent_type 'crystal_ball' at node 0" "$WORK/err" || fail "unknown agent not named"
expect_exit 0 "$SIGFLOW" pipelines add --name "S&P 500 agents" --tickers SP500 --config "$CHAIN"

expect_exit 0 "$SIGFLOW" run --no-demo --json --replay "$BARS" --store-bars
cp "$WORK/out" "$WORK/summary.json"
cat "$WORK/summary.json"
expect_exit 0 "$SIGFLOW" generate --replay "$BARS" --store "$WORK/signals.db"
cp "$WORK/out" "$WORK/signals.jsonl"
expect_exit 0 "$SIGFLOW" bars features --ticker SP500 --limit 100000 --json
cp "$WORK/out" "$WORK/features.json"
expect_exit 0 "$SIGFLOW" recommendations list --limit 0 --json
cp "$WORK/out" "$WORK/recommendations.json"
expect_exit 0 "$SIGFLOW" ledger list --limit 0 --json
cp "$WORK/out" "$WORK/ledger.json"
expect_exit 0 "$SIGFLOW" executions list --limit 0 --json
cp "$WORK/out" "$WORK/executions.json"

python3 - "$WORK" <<'PY' || fail "the ledger does not match the independent expectation"
import collections, json, sys
w = sys.argv[1]
load = lambda name: json.load(open(f"{w}/{name}"))
summary, feats = load("summary.json"), load("features.json")
recs, ledger, execs = load("recommendations.json"), load("ledger.json"), load("executions.json")
signals = [json.loads(l) for l in open(f"{w}/signals.jsonl") if l.strip()]
trend = {f["date"]: f["trend"] for f in feats}
vol = {f["date"]: f["recent_vol"] for f in feats}

# One execution per replayed day with signals (the replay settles each day before the next).
by_day = collections.OrderedDict()
for s in signals:
    by_day.setdefault(s["timestamp"][:10], []).append(s)
assert summary["signals_published"] == len(signals), (summary["signals_published"], len(signals))
assert summary["executions_completed"] == len(by_day) == len(execs), (
    summary["executions_completed"], len(by_day), len(execs))
assert summary["executions_failed"] == 0

# The agents' rules (bias_agent.h, strategy_agent.h), recomputed.
expected = {}
for day, day_signals in by_day.items():
    net, n, csum = 0.0, 0, 0.0
    for s in day_signals:
        for t in s["tickers"]:
            if t["ticker"] != "SP500":
                continue
            c = t.get("confidence", 0.5)
            net += c if t.get("bias") == "BULLISH" else -c if t.get("bias") == "BEARISH" else 0
            n += 1
            csum += c
    score = net / n
    tr = trend.get(day)
    if tr is not None:
        score = (1 - 0.3) * score + 0.3 * {"UP": 1, "DOWN": -1}.get(tr, 0)
    bias = "BULLISH" if score > 0.1 else "BEARISH" if score < -0.1 else "NEUTRAL"
    conf = csum / n if bias == "NEUTRAL" else min(1.0, abs(score))
    if conf < 0.5 or bias == "NEUTRAL":
        continue
    action = ("BUY_CALL" if conf >= 0.8 else "BUY_STOCK") if bias == "BULLISH" else "BUY_PUT"
    expected[day] = (action, conf)

got = {r["created_at"][:10]: r for r in recs}
assert len(got) == len(recs), "two recommendations on one day"
assert set(got) == set(expected), sorted(set(got) ^ set(expected))[:10]
for day, (action, conf) in expected.items():
    assert got[day]["action"] == action, (day, got[day]["action"], action)
    assert abs(got[day]["confidence"] - conf) < 1e-12, (day, got[day]["confidence"], conf)
    # The explanation links the execution, the signals and the features of that day.
    reason = got[day]["reason"]
    assert reason["execution_id"] == got[day]["pipeline_execution_id"]
    assert [x["signal_id"] for x in reason["signals"]] == [s["signal_id"] for s in by_day[day]]
    assert got[day]["signal_ids"] == [s["signal_id"] for s in by_day[day]]
    assert reason["bias"]["trend"] == trend.get(day)
    if reason["features"]:
        assert reason["features"]["recent_vol"] == vol.get(day)

# The gates (seed 003 defaults): confidence_min 0.70; the bars and features of the replayed day
# are fresh on the replay clock; one recommendation a day never reaches the daily limit.
want_fill = {d for d, (a, c) in expected.items() if c >= 0.70 and vol.get(d) is not None}
want_conf_skip = {d for d, (a, c) in expected.items() if c < 0.70}
statuses = collections.Counter(r["status"] for r in recs)
assert statuses["SIMULATED"] == len(want_fill) == len(ledger), (statuses, len(want_fill), len(ledger))
skipped = [r for r in recs if r["status"] == "SKIPPED"]
conf_skips = {r["created_at"][:10] for r in skipped
              if r["failure_reason"].startswith("CONFIDENCE_BELOW_MIN")}
assert conf_skips == want_conf_skip, sorted(conf_skips ^ want_conf_skip)[:10]
assert statuses["PENDING"] == statuses["PROCESSING"] == 0, statuses
assert summary["fills"] == len(ledger) and summary["ledger_rows"] == len(ledger)
assert summary["recommendations"] == len(recs)
assert summary["gate_skips_by_reason"].get("CONFIDENCE_BELOW_MIN", 0) == len(want_conf_skip)
assert sum(summary["gate_skips_by_reason"].values()) == len(skipped)

# Seed 003's formulas on every fill: entry, stop, take profit, size and the 25 % cap.
for f in ledger:
    close = f["sim_json"]["bar"]["close"]; v = f["sim_json"]["features"]["recent_vol"]
    entry = close * (1 + 5 / 10000); d = entry * v * 2
    sign = -1 if f["action"] == "BUY_PUT" else 1
    assert abs(f["entry_price"] - entry) < 1e-9 * entry
    assert abs(f["stop_loss_price"] - (entry - sign * d)) < 1e-9 * entry
    assert abs(f["take_profit_price"] - (entry + sign * 2 * d)) < 1e-9 * entry
    qty = min(100000 * 0.02 / d, 100000 * 0.25 / entry)
    assert abs(f["qty"] - qty) < 1e-9 * qty
    # Decided on the replay clock: the recommendation's day, with that day's bar.
    assert f["decision_ts"] == f["simulated_ts"]
    assert f["decision_ts"][:10] in want_fill, f["decision_ts"]
print(f"days with signals {len(by_day)}, recommendations {len(recs)}, fills {len(ledger)}, "
      f"confidence skips {len(want_conf_skip)}, actions "
      f"{dict(collections.Counter(f['action'] for f in ledger))}")
PY
pass "S&P 500 2000-2020 through the agent chain into the ledger, counts as expected"
