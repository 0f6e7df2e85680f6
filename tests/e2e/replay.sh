#!/usr/bin/env bash
# Replaying real history through the CLI:
#  1. the S&P 500 2000-2020 replay lists every golden and death cross, with dates and SMA values
#     equal to an independent computation written here (exact sums over each window);
#  2. the 30 Dow stocks, replayed through `sigflow run --replay`, wake the pipelines that watch
#     those tickers and no other, and the same through separate processes over the bus;
#  3. bars ingested twice are stored once, with their features.
source "$(dirname "$0")/lib.sh"
DATA=$(cd "$(dirname "$0")/../../data" && pwd)
cd "$WORK"

# ---- 1. S&P 500 crosses against a direct SMA ----
expect_exit 0 "$SIGFLOW" generate --replay "$DATA/sp500_2000_2020_daily.csv" \
  --generators golden_cross,death_cross
cp "$WORK/out" "$WORK/crosses.jsonl"
python3 - "$DATA/sp500_2000_2020_daily.csv" "$WORK/crosses.jsonl" <<'PY' || fail "S&P crosses differ from the direct computation"
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
dates = [r["Date"] for r in rows]
closes = [float(r["Close"]) for r in rows]
def sma(end, n):  # exactly rounded mean of closes[end-n+1 .. end]
    return math.fsum(closes[end - n + 1:end + 1]) / n
want = []
for t in range(200, len(closes)):
    ps, pl, s, l = sma(t - 1, 50), sma(t - 1, 200), sma(t, 50), sma(t, 200)
    if ps <= pl and s > l: want.append((dates[t], "golden_cross", s, l))
    if ps >= pl and s < l: want.append((dates[t], "death_cross", s, l))
got = [json.loads(line) for line in open(sys.argv[2])]
assert len(got) == len(want), f"{len(got)} signals, expected {len(want)}"
def rel(a, b): return abs(a - b) / abs(b)
for g, (date, kind, s, l) in zip(got, want):
    m = g["metadata"]
    assert g["timestamp"] == date + "T00:00:00Z", (g["timestamp"], date)
    assert g["signal_type"] == kind, (date, g["signal_type"], kind)
    assert m["bar_date"] == date
    assert rel(m["sma_short_value"], s) < 1e-12 and rel(m["sma_long_value"], l) < 1e-12, \
        (date, m["sma_short_value"], s, m["sma_long_value"], l)
    assert m["current_price"] == closes[dates.index(date)]
    assert g["tickers"][0]["bias"] == ("BULLISH" if kind == "golden_cross" else "BEARISH")
print(f"{len(want)} crosses: " + ", ".join(f"{d} {k.split('_')[0]}" for d, k, _, _ in want))
PY
pass "S&P 500 2000-2020: $(wc -l <"$WORK/crosses.jsonl") crosses, dates and SMA values as computed directly"

# A window of the replay gives the whole replay's signals in that window (earlier bars warm up).
expect_exit 0 "$SIGFLOW" generate --replay "$DATA/sp500_2000_2020_daily.csv" \
  --generators golden_cross,death_cross --from 2007-01-01 --to 2009-12-31
[ "$(python3 -c "import json,sys; print(' '.join(json.loads(l)['timestamp'][:10] for l in open(sys.argv[1])))" "$WORK/out")" \
  = "2007-12-21 2009-06-23" ] || fail "--from/--to window: $(cat "$WORK/out" | head -c 300)"
pass "--from/--to"

# Errors name the file and line, or the flag.
printf 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,100\n2020-01-03,1,x,1,1,1\n' >"$WORK/bad.csv"
expect_exit 1 "$SIGFLOW" generate --replay "$WORK/bad.csv" --ticker BAD
grep -q "bad.csv:3: column High: 'x' is not a number" "$WORK/err" || fail "CSV error: $(cat "$WORK/err")"
expect_exit 2 "$SIGFLOW" generate --replay "$DATA/sp500_2000_2020_daily.csv" --generators mock
grep -q -- "--generators" "$WORK/err" || fail "mock replay not refused clearly"
pass "replay errors"

# ---- 2. The 30 Dow stocks drive the pipelines that watch them ----
DOW="AA AXP T BA CAT C KO DD EK XOM GE GM HWP HD HON INTC IBM IP JPM JNJ MCD MRK MSFT MMM MO PG SBC UTX WMT DIS"
for t in $DOW; do
  expect_exit 0 "$SIGFLOW" pipelines add --name "watch $t" --tickers "$t"
done
expect_exit 0 "$SIGFLOW" pipelines add --name "not in the Dow" --tickers AAPL
aapl_id=$(cat "$WORK/out")
expect_exit 0 "$SIGFLOW" run --no-demo --json --replay "$DATA/dowjones30_1991_2001_close.csv" \
  --generators golden_cross,death_cross
cp "$WORK/out" "$WORK/run.json"
published=$(json_get "$WORK/run.json" "d['signals_published']")
[ "$published" -gt 100 ] || fail "the Dow replay published only $published crosses"
[ "$(json_get "$WORK/run.json" "d['signals_consumed']")" -eq "$published" ] || fail "not every signal consumed"
[ "$(json_get "$WORK/run.json" "d['signals_dead_lettered']")" -eq 0 ] || fail "dead letters"
enqueued=$(json_get "$WORK/run.json" "d['pipelines_enqueued']")
[ "$(json_get "$WORK/run.json" "d['executions_completed']")" -eq "$enqueued" ] || fail "executions not drained"
"$SIGFLOW" pipelines list --json >"$WORK/pipelines.json"
"$SIGFLOW" executions list --json --limit 0 >"$WORK/executions.json"
python3 - "$WORK/pipelines.json" "$WORK/executions.json" "$aapl_id" <<'PY' || fail "Dow pipelines not driven by the replay"
import json, sys
pipelines = {p["id"]: p["scanner_tickers"][0] for p in json.load(open(sys.argv[1]))}
executions = json.load(open(sys.argv[2]))
woken = {pipelines[e["pipeline_id"]] for e in executions}
dow = set("AA AXP T BA CAT C KO DD EK XOM GE GM HWP HD HON INTC IBM IP JPM JNJ MCD MRK MSFT MMM MO PG SBC UTX WMT DIS".split())
assert woken == dow, f"woken {sorted(woken)}; never woken: {sorted(dow - woken)}"
assert all(e["pipeline_id"] != sys.argv[3] for e in executions), "the AAPL pipeline was woken"
assert all(e["status"] == "COMPLETED" for e in executions)
print(f"{len(executions)} executions over all 30 Dow pipelines")
PY
pass "sigflow run --replay: $published Dow crosses woke all 30 Dow pipelines ($enqueued executions), none other"

# The same path in separate processes: replay to the bus, then a dispatcher and a worker. The
# signal ids are deterministic, so the second replay of the same history is all duplicates.
expect_exit 0 "$SIGFLOW" generate --replay "$DATA/dowjones30_1991_2001_close.csv" \
  --generators golden_cross,death_cross --to-bus
export KAFKA_AUTO_OFFSET_RESET=earliest
expect_exit 0 "$SIGFLOW" dispatch --duration 3s --json
[ "$(json_get "$WORK/out" "d['signals_consumed']")" -eq "$published" ] || fail "dispatcher consumed $(json_get "$WORK/out" "d['signals_consumed']") of $published"
[ "$(json_get "$WORK/out" "d['pipelines_duplicate']")" -eq "$published" ] \
  || fail "a replayed signal woke a pipeline twice: $(cat "$WORK/out")"
[ "$(json_get "$WORK/out" "d['pipelines_enqueued']")" -eq 0 ] || fail "duplicates enqueued work"
# Fresh history (IBM's other generators) wakes IBM's pipeline through the separate roles.
expect_exit 0 "$SIGFLOW" generate --replay "$DATA/dowjones30_1991_2001_close.csv" --ticker IBM \
  --generators volatility_breakout --from 2000-01-01 --to-bus
expect_exit 0 "$SIGFLOW" dispatch --duration 2s --json
[ "$(json_get "$WORK/out" "d['pipelines_enqueued']")" -eq 1 ] || fail "IBM breakout did not wake IBM: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" work --duration 2s --json
[ "$(json_get "$WORK/out" "d['executions_completed']")" -eq 1 ] || fail "worker did not run IBM's execution"
pass "generate --replay --to-bus, dispatch, work: duplicates wake nothing, fresh signals wake the watcher"

# ---- 3. Bars into the store, idempotently, with features ----
expect_exit 0 "$SIGFLOW" bars ingest "$DATA/sp500_2000_2020_daily.csv" --ticker ^GSPC --json
[ "$(json_get "$WORK/out" "(d['inserted'], d['unchanged'], d['feature_rows'])")" = "(5105, 0, 5105)" ] \
  || fail "first ingest: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" bars ingest "$DATA/sp500_2000_2020_daily.csv" --ticker ^GSPC --json
[ "$(json_get "$WORK/out" "(d['inserted'], d['updated'], d['unchanged'])")" = "(0, 0, 5105)" ] \
  || fail "second ingest not idempotent: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" bars list --ticker ^GSPC --limit 1 --json
[ "$(json_get "$WORK/out" "(d[0]['date'], d[0]['close'])")" = "('2020-04-17', 2874.560059)" ] \
  || fail "latest bar: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" bars features --ticker ^GSPC --limit 1 --json
[ "$(json_get "$WORK/out" "d[0]['bars'] == 5105 and d[0]['sma_long'] is not None and d[0]['trend'] in ('UP','DOWN','FLAT')")" = True ] \
  || fail "features: $(cat "$WORK/out")"
expect_exit 0 "$SIGFLOW" generate --replay "$DATA/goog_2004_2008_daily.csv" --store-bars \
  --generators golden_cross
expect_exit 0 "$SIGFLOW" bars list --json
[ "$(json_get "$WORK/out" "{s['ticker']: s['bars'] for s in d}")" = "{'GOOG': 1047, '^GSPC': 5105}" ] \
  || fail "bar series: $(cat "$WORK/out")"
expect_exit 2 "$SIGFLOW" bars list --ticker 'not a ticker'
expect_exit 1 "$SIGFLOW" bars ingest "$WORK/bad.csv" --ticker BAD
grep -q "bad.csv:3" "$WORK/err" || fail "ingest error without file:line"
pass "bars ingest/list/features and replay --store-bars"

# ---- 4. bars fetch from a local fake of Finnhub's /stock/candle (127.0.0.1, a free port) ----
cat >"$WORK/fake_finnhub.py" <<'PY'
import http.server, json, sys, urllib.parse
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if self.headers.get("X-Finnhub-Token") != "e2e-key":
            code, body = 401, {"error": "Invalid API key."}
        elif url.path != "/api/v1/stock/candle" or q.get("resolution") != ["D"]:
            code, body = 404, {"error": "not found"}
        elif q["symbol"] == ["AAPL"]:
            code, body = 200, {"c": [185.64, 184.25], "h": [188.44, 185.88], "l": [183.89, 183.43],
                               "o": [187.15, 184.22], "s": "ok", "t": [1704153600, 1704240000],
                               "v": [82488700, 58414500]}
        else:
            code, body = 200, {"s": "no_data"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[1], "w").write(str(server.server_port))
server.timeout = 30
for _ in range(20): server.handle_request()  # bounded: the test makes a handful of requests
PY
python3 "$WORK/fake_finnhub.py" "$WORK/finnhub.port" &
fake=$!
for _ in $(seq 100); do [ -s "$WORK/finnhub.port" ] && break; sleep 0.05; done
export FINNHUB_BASE_URL="http://127.0.0.1:$(cat "$WORK/finnhub.port")/api/v1"
FINNHUB_API_KEY=e2e-key expect_exit 0 "$SIGFLOW" bars fetch AAPL --from 2024-01-01 --to 2024-01-31
grep -q "AAPL: 2 bars from Finnhub: 2 new" "$WORK/out" || fail "fetch: $(cat "$WORK/out" "$WORK/err")"
FINNHUB_API_KEY=e2e-key expect_exit 0 "$SIGFLOW" bars list --ticker AAPL --json
[ "$(json_get "$WORK/out" "[(b['date'], b['close']) for b in d]")" = "[('2024-01-02', 185.64), ('2024-01-03', 184.25)]" ] \
  || fail "fetched bars: $(cat "$WORK/out")"
FINNHUB_API_KEY=wrong expect_exit 1 "$SIGFLOW" bars fetch AAPL --from 2024-01-01
grep -q "unauthenticated.*HTTP 401.*check FINNHUB_API_KEY" "$WORK/err" || fail "401: $(cat "$WORK/err")"
FINNHUB_API_KEY=e2e-key expect_exit 1 "$SIGFLOW" bars fetch NOPE
grep -q "not_found.*NOPE" "$WORK/err" || fail "no_data: $(cat "$WORK/err")"
env -u FINNHUB_API_KEY "$SIGFLOW" bars fetch AAPL >"$WORK/out" 2>"$WORK/err" && fail "fetch without a key succeeded"
grep -q "FINNHUB_API_KEY is not set" "$WORK/err" || fail "missing key: $(cat "$WORK/err")"
kill "$fake" 2>/dev/null || true
pass "bars fetch from a local Finnhub: candles stored, 401 / no_data / missing key named"
