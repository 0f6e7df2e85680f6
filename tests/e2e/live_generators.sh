#!/usr/bin/env bash
# The generators live, on their intervals, over bars in the store:
#  1. `sigflow generate --stdout` runs the mock and the cross generators side by side; the S&P
#     500's last golden cross bar, ingested by another process while they run, is emitted once,
#     on the tick after it lands, with the SMA values of a direct computation; the watchlist's
#     ticker without bars gets one warning naming how to ingest it;
#  2. `sigflow run` takes a cross found live through the dispatcher to the pipeline watching it.
source "$(dirname "$0")/lib.sh"
DATA=$(cd "$(dirname "$0")/../../data" && pwd)
cd "$WORK"

printf '{"version": "1.0", "description": "e2e", "tickers": ["SPX", "NOBARS"]}\n' >watchlist.json
export WATCHLIST_CONFIG_PATH="$WORK/watchlist.json"
export MOCK_GENERATOR_INTERVAL_SECONDS=0.5
export GOLDEN_CROSS_CHECK_INTERVAL_SECONDS=0.2
export DEATH_CROSS_CHECK_INTERVAL_SECONDS=0.2

# The last golden cross of the file, by a direct SMA (exact sums over each window); the history
# is split just before it.
python3 - "$DATA/sp500_2000_2020_daily.csv" <<'PY' || fail "cannot split the S&P file"
import csv, json, math, sys
rows = list(csv.reader(open(sys.argv[1])))
header, rows = rows[0], rows[1:]
closes = [float(r[4]) for r in rows]
sma = lambda end, n: math.fsum(closes[end - n + 1:end + 1]) / n
golden = [t for t in range(200, len(rows))
          if sma(t - 1, 50) <= sma(t - 1, 200) and sma(t, 50) > sma(t, 200)]
t = golden[-1]
for name, part in (("before.csv", rows[:t]), ("cross.csv", rows[t:t + 1])):
    with open(name, "w", newline="") as f:
        csv.writer(f).writerows([header] + part)
json.dump({"date": rows[t][0], "sma_short": sma(t, 50), "sma_long": sma(t, 200),
           "close": closes[t]}, open("want.json", "w"))
PY
cross_date=$(json_get want.json "d['date']")

# ---- 1. generate --stdout, with the cross bar ingested while it runs ----
expect_exit 0 "$SIGFLOW" bars ingest before.csv --ticker SPX --no-features
"$SIGFLOW" generate --generators mock,golden_cross,death_cross --stdout --duration 6s \
  >live.out 2>live.err &
gen_pid=$!
sleep 2.5
expect_exit 0 "$SIGFLOW" bars ingest cross.csv --ticker SPX --no-features
wait "$gen_pid" || fail "sigflow generate exited $?; stderr: $(head -c 500 live.err)"
python3 - live.out want.json "$cross_date" <<'PY' || fail "live signals: $(head -c 800 live.out)"
import json, sys
signals = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and "signal_id" in l]
want = json.load(open(sys.argv[2]))
crosses = [s for s in signals if s["source"] != "mock_generator"]
assert len(crosses) == 1, f"{len(crosses)} cross signals, expected exactly 1: {crosses}"
c = crosses[0]
m = c["metadata"]
assert c["signal_type"] == "golden_cross" and c["tickers"][0]["ticker"] == "SPX", c
assert c["timestamp"] == sys.argv[3] + "T00:00:00Z" and m["bar_date"] == sys.argv[3], c
rel = lambda a, b: abs(a - b) / abs(b)
assert rel(m["sma_short_value"], want["sma_short"]) < 1e-12, (m, want)
assert rel(m["sma_long_value"], want["sma_long"]) < 1e-12, (m, want)
assert m["current_price"] == want["close"], (m, want)
mock = [s for s in signals if s["source"] == "mock_generator"]
# The mock ticks every 0.5 s for 6 s on 2 tickers with probability 0.3 (about 7 signals):
# it kept its own rate while the cross generators read the store every 0.2 s.
assert len(mock) >= 1, "the mock generator emitted nothing"
print(f"cross on {sys.argv[3]} emitted once; {len(mock)} mock signals alongside")
PY
[ "$(grep -c no_bars_for_ticker live.err)" -eq 1 ] || fail "expected one no-bars warning: $(cat live.err)"
grep -q "sigflow bars ingest FILE.csv --ticker NOBARS" live.err || fail "warning lacks the hint: $(cat live.err)"
pass "generate --stdout: the $cross_date golden cross, ingested mid-run, emitted exactly once; NOBARS warned once"

# Unknown generator names fail before anything runs, naming the known ones.
expect_exit 1 "$SIGFLOW" generate --generators golden_crosss --stdout --duration 1s
grep -q "known: " "$WORK/err" || fail "unknown generator: $(cat "$WORK/err")"
SIGFLOW_GENERATORS=mock,, GOLDEN_CROSS_CHECK_INTERVAL_SECONDS=soon \
  expect_exit 2 "$SIGFLOW" generate --stdout --duration 1s
grep -q GOLDEN_CROSS_CHECK_INTERVAL_SECONDS "$WORK/err" || fail "bad interval: $(cat "$WORK/err")"
pass "generator flag and variable errors"

# ---- 2. sigflow run: the cross (now the newest bar, inside lookback_days) wakes its watcher ----
expect_exit 0 "$SIGFLOW" pipelines add --name "watch SPX" --tickers SPX
expect_exit 0 "$SIGFLOW" pipelines add --name "watch AAPL" --tickers AAPL
SIGFLOW_GENERATORS=golden_cross,death_cross \
  expect_exit 0 "$SIGFLOW" run --no-demo --json --duration 3s
[ "$(json_get "$WORK/out" "(d['signals_published'], d['pipelines_enqueued'], d['executions_completed'])")" \
  = "(1, 1, 1)" ] || fail "sigflow run: $(cat "$WORK/out")"
pass "sigflow run: the live golden cross woke the SPX pipeline once"

# ---- 3. --refresh-bars: the cross bar comes from a local fake of Finnhub instead ----
export SIGFLOW_STORE="$WORK/refresh.db"
expect_exit 0 "$SIGFLOW" bars ingest before.csv --ticker SPX --no-features
env -u FINNHUB_API_KEY "$SIGFLOW" generate --refresh-bars --stdout --duration 1s \
  >"$WORK/out" 2>"$WORK/err" && fail "--refresh-bars without a key succeeded"
grep -q "FINNHUB_API_KEY is not set" "$WORK/err" || fail "missing key: $(cat "$WORK/err")"
cat >fake_finnhub.py <<'PY'
import calendar, csv, http.server, json, sys, time, urllib.parse
# Finnhub's daily candles for SPX: the last stored bar and the cross bar; no_data otherwise.
rows = list(csv.reader(open("before.csv")))[-1:] + list(csv.reader(open("cross.csv")))[1:]
candles = {"s": "ok", "t": [], "o": [], "h": [], "l": [], "c": [], "v": []}
for r in rows:
    candles["t"].append(calendar.timegm(time.strptime(r[0], "%Y-%m-%d")))
    for k, v in zip("ohlcv", r[1:]): candles[k].append(float(v))
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        body = candles if q.get("symbol") == ["SPX"] else {"s": "no_data"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        open("requests.log", "a").write(q["symbol"][0] + "\n")
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[1], "w").write(str(server.server_port))
server.timeout = 30
for _ in range(200): server.handle_request()
PY
python3 fake_finnhub.py finnhub.port &
fake=$!
for _ in $(seq 100); do [ -s finnhub.port ] && break; sleep 0.05; done
FINNHUB_BASE_URL="http://127.0.0.1:$(cat finnhub.port)/api/v1" FINNHUB_API_KEY=e2e-key \
  GOLDEN_CROSS_CHECK_INTERVAL_SECONDS=0.5 \
  expect_exit 0 "$SIGFLOW" generate --refresh-bars --generators golden_cross --stdout --duration 3s
kill "$fake" 2>/dev/null || true
python3 - "$WORK/out" "$cross_date" <<'PY' || fail "refresh: $(head -c 600 "$WORK/out"; head -c 600 "$WORK/err")"
import json, sys
crosses = [json.loads(l) for l in open(sys.argv[1]) if "signal_id" in l]
assert [(c["signal_type"], c["metadata"]["bar_date"]) for c in crosses] == \
    [("golden_cross", sys.argv[2])], crosses
PY
[ "$(grep -c SPX requests.log)" -ge 2 ] || fail "the refresher did not keep polling: $(cat requests.log)"
expect_exit 0 "$SIGFLOW" bars list --ticker SPX --limit 1 --json
[ "$(json_get "$WORK/out" "d[0]['date']")" = "$cross_date" ] || fail "refreshed bar not stored: $(cat "$WORK/out")"
pass "generate --refresh-bars: the cross bar fetched from Finnhub mid-run, stored, emitted once"
