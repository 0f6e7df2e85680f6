#!/usr/bin/env bash
# `sigflow run` with no arguments (what `make run` starts): on an empty embedded store it seeds
# the demo pipelines, replays the bundled 30 Dow stocks' year 2000 on the replay clock through
# the generators, the agent chain, the workers and the execution dispatcher, and ends within
# about 30 s with ledger rows; its exit summary accounts for them and the store agrees.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

start=$(date +%s)
"$SIGFLOW" run --json >"$WORK/summary.json" 2>"$WORK/run.log" \
  || fail "sigflow run exited $?: $(tail -5 "$WORK/run.log")"
elapsed=$(( $(date +%s) - start ))
cat "$WORK/summary.json"
s="$WORK/summary.json"
[ "$elapsed" -le 60 ] || fail "sigflow run took ${elapsed} s"
[ "$(json_get "$s" "d['signals_published']")" -gt 0 ] || fail "the replay published nothing"
[ "$(json_get "$s" "d['signals_consumed'] == d['signals_published']")" = True ] || fail "unconsumed"
[ "$(json_get "$s" "d['executions_failed']")" -eq 0 ] || fail "failed executions"
recs=$(json_get "$s" "d['recommendations']")
fills=$(json_get "$s" "d['fills']")
[ "$recs" -gt 0 ] || fail "no recommendation"
[ "$fills" -gt 0 ] || fail "no fill"
[ "$(json_get "$s" "d['ledger_rows']")" -eq "$fills" ] || fail "ledger rows != fills on a fresh store"
[ "$(json_get "$s" "d['fills'] + d['recommendations_skipped'] + d['recommendations_failed'] == d['recommendations'] == d['recommendations_claimed']")" = True ] \
  || fail "recommendations not all settled once"
[ "$(json_get "$s" "sum(d['gate_skips_by_reason'].values()) == d['recommendations_skipped']")" = True ] \
  || fail "skips by reason do not add up"
[ "$(json_get "$s" "d['recommendations_pending']")" -eq 0 ] || fail "recommendations left PENDING"
pass "sigflow run: $recs recommendations, $fills fills in ${elapsed} s"

# The store agrees with the summary.
expect_exit 0 "$SIGFLOW" ledger list --limit 0 --json
[ "$(json_get "$WORK/out" "len(d)")" -eq "$fills" ] || fail "ledger list != fills"
# The replay emits from 2000-01-01 to the file's last day, 2001-01-02.
[ "$(json_get "$WORK/out" "all('2000-01-01' <= f['decision_ts'] < '2001-01-03' for f in d)")" = True ] \
  || fail "a fill not decided on the replayed days' clock"
expect_exit 0 "$SIGFLOW" stats gates --json
[ "$(json_get "$WORK/out" "d['skipped']")" -eq "$(json_get "$s" "d['recommendations_skipped']")" ] \
  || fail "stats gates disagrees with the summary"
expect_exit 0 "$SIGFLOW" pipelines list --json
[ "$(json_get "$WORK/out" "sum('[demo] Dow' in p['name'] for p in d)")" -eq 3 ] \
  || fail "Dow demo pipelines not seeded"

# The text summary names the new lines.
"$SIGFLOW" run --store "$WORK/text.db" >"$WORK/text.out" 2>/dev/null || fail "text run failed"
grep -q "^  trades      recommendations [1-9]" "$WORK/text.out" || fail "no trades line"
grep -q "^  gate skips " "$WORK/text.out" || fail "no gate skips line"
grep -q "^  ledger      [1-9][0-9]* rows in dispatch_executions" "$WORK/text.out" || fail "no ledger line"
pass "summary, ledger and stats agree"

# Replaying the same history into the same store again wakes nothing, and says why.
"$SIGFLOW" run --store "$WORK/text.db" >"$WORK/again.out" 2>"$WORK/again.err" || fail "second run failed"
grep -q "^  pipelines   matched [1-9][0-9]*  enqueued 0 " "$WORK/again.out" || fail "second run woke pipelines"
grep -q "already in $WORK/text.db" "$WORK/again.err" || fail "second run does not explain its empty summary"
pass "a second replay into the same store explains itself"
