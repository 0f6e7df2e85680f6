// Migration 3 of the PostgreSQL store: the execution side of seed 003 (see ledger_migration.h).
#include "store/postgres/ledger_migration.h"

#include <string>

namespace sigflow::store_postgres {
namespace {

// The tables mirror the SQLite store's version 3 (store/sqlite/migrations.cc) in PostgreSQL's
// types: UUID ids, JSONB documents, DOUBLE PRECISION prices, BIGINT epoch milliseconds.
constexpr char kTables[] = R"sql(
ALTER TABLE signals ADD COLUMN trading_halted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE dispatch_recommendations (
  id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at            BIGINT NOT NULL,
  ticker                TEXT NOT NULL CHECK (ticker <> ''),
  action                TEXT NOT NULL
                        CHECK (action IN ('BUY_STOCK', 'BUY_CALL', 'BUY_PUT', 'SELL_PREMIUM')),
  confidence            DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  pipeline_id           TEXT,
  pipeline_execution_id BIGINT,
  signal_ids            JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(signal_ids) = 'array'),
  reason                JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(reason) = 'object'),
  status                TEXT NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'PROCESSING', 'SIMULATED', 'SKIPPED',
                                          'FAILED')),
  attempts              INTEGER NOT NULL DEFAULT 0,
  claimed_at            BIGINT,
  processed_at          BIGINT,
  dispatcher_run_id     UUID,
  failure_reason        TEXT,
  risk_gate_json        JSONB
);
CREATE INDEX dispatch_recommendations_pending ON dispatch_recommendations (created_at, id)
  WHERE status = 'PENDING';
CREATE INDEX dispatch_recommendations_processing ON dispatch_recommendations (claimed_at)
  WHERE status = 'PROCESSING';
CREATE INDEX dispatch_recommendations_ticker_created
  ON dispatch_recommendations (ticker, created_at, id);
CREATE INDEX dispatch_recommendations_processed ON dispatch_recommendations (processed_at)
  WHERE processed_at IS NOT NULL;

CREATE TABLE dispatch_executions (
  execution_id      UUID PRIMARY KEY,
  recommendation_id BIGINT NOT NULL REFERENCES dispatch_recommendations (id),
  dispatcher_run_id UUID NOT NULL,
  ticker            TEXT NOT NULL,
  action            TEXT NOT NULL,
  decision_ts       BIGINT NOT NULL,
  simulated_ts      BIGINT NOT NULL,
  entry_price       DOUBLE PRECISION NOT NULL CHECK (entry_price > 0),
  fill_model        TEXT NOT NULL,
  slippage_bps      DOUBLE PRECISION NOT NULL CHECK (slippage_bps >= 0),
  qty               DOUBLE PRECISION NOT NULL CHECK (qty > 0),
  notional          DOUBLE PRECISION NOT NULL CHECK (notional > 0),
  stop_loss_price   DOUBLE PRECISION NOT NULL CHECK (stop_loss_price > 0),
  take_profit_price DOUBLE PRECISION NOT NULL CHECK (take_profit_price > 0),
  max_hold_minutes  INTEGER NOT NULL CHECK (max_hold_minutes > 0),
  execution_mode    TEXT NOT NULL CHECK (execution_mode IN ('SIMULATED', 'REAL')),
  explain_json      JSONB NOT NULL,
  risk_json         JSONB NOT NULL,
  sim_json          JSONB NOT NULL
);
CREATE UNIQUE INDEX ux_dispatch_execution_reco ON dispatch_executions (recommendation_id);
CREATE INDEX dispatch_executions_ticker_time ON dispatch_executions (ticker, simulated_ts);
CREATE INDEX dispatch_executions_time ON dispatch_executions (simulated_ts);

CREATE TABLE dispatcher_runs (
  run_id           UUID PRIMARY KEY,
  started_at       BIGINT NOT NULL,
  finished_at      BIGINT,
  pulled_count     INTEGER NOT NULL DEFAULT 0,
  processed_count  INTEGER NOT NULL DEFAULT 0,
  simulated_count  INTEGER NOT NULL DEFAULT 0,
  skipped_count    INTEGER NOT NULL DEFAULT 0,
  failed_count     INTEGER NOT NULL DEFAULT 0,
  run_config_json  JSONB NOT NULL,
  run_summary_json JSONB
);
CREATE INDEX dispatcher_runs_started ON dispatcher_runs (started_at);

CREATE TABLE trading_state_changes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state      TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  reason     TEXT NOT NULL CHECK (reason <> ''),
  changed_by TEXT NOT NULL CHECK (changed_by <> ''),
  changed_at BIGINT NOT NULL
);
)sql";

// The rules of ledger_store.h, for every writer. Refusals raise check_violation (SQLSTATE 23514),
// which the store reports as `invalid_argument` with the message.
constexpr char kGuards[] = R"sql(
CREATE FUNCTION sigflow_recommendation_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IS DISTINCT FROM 'PENDING' THEN
      RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
        'dispatch_recommendations: a recommendation is created PENDING, not %s', NEW.status);
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'PENDING' THEN
      RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
        'dispatch_recommendations: recommendation %s is %s and part of the audit trail: '
        'DELETE refused', OLD.id, OLD.status);
    END IF;
    RETURN OLD;
  END IF;
  IF (NEW.id, NEW.created_at, NEW.ticker, NEW.action, NEW.confidence, NEW.pipeline_id,
      NEW.pipeline_execution_id, NEW.signal_ids, NEW.reason) IS DISTINCT FROM
     (OLD.id, OLD.created_at, OLD.ticker, OLD.action, OLD.confidence, OLD.pipeline_id,
      OLD.pipeline_execution_id, OLD.signal_ids, OLD.reason) THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
      'dispatch_recommendations: what recommendation %s proposes never changes', OLD.id);
  END IF;
  IF NOT ((OLD.status = 'PENDING' AND NEW.status = 'PROCESSING') OR
          (OLD.status = 'PROCESSING' AND
           NEW.status IN ('SIMULATED', 'SKIPPED', 'FAILED', 'PENDING'))) THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
      'dispatch_recommendations: illegal status transition %s -> %s for recommendation %s '
      '(allowed: PENDING -> PROCESSING -> SIMULATED | SKIPPED | FAILED, and PROCESSING -> '
      'PENDING when a stale claim is reaped)', OLD.status, NEW.status, OLD.id);
  END IF;
  IF (NEW.status = 'SIMULATED') IS DISTINCT FROM
     EXISTS (SELECT 1 FROM dispatch_executions e WHERE e.recommendation_id = NEW.id) THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
      'dispatch_recommendations: recommendation %s would be %s: a recommendation is SIMULATED '
      'exactly when the ledger holds its fill', OLD.id, NEW.status);
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER dispatch_recommendations_guard
  BEFORE INSERT OR UPDATE OR DELETE ON dispatch_recommendations
  FOR EACH ROW EXECUTE FUNCTION sigflow_recommendation_guard();

CREATE FUNCTION sigflow_fill_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM dispatch_recommendations r
                 WHERE r.id = NEW.recommendation_id AND r.status = 'PROCESSING' AND
                       r.ticker = NEW.ticker AND r.action = NEW.action) THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
      'dispatch_executions: a fill needs its recommendation (%s) PROCESSING, with the same '
      'ticker and action', NEW.recommendation_id);
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER dispatch_executions_fill_needs_claim BEFORE INSERT ON dispatch_executions
  FOR EACH ROW EXECUTE FUNCTION sigflow_fill_guard();

-- One refusal for the append-only tables (TG_TABLE_NAME names which).
CREATE FUNCTION sigflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'check_violation',
    MESSAGE = format('%s is append-only: %s refused', TG_TABLE_NAME, TG_OP);
END
$fn$;
CREATE TRIGGER dispatch_executions_append_only BEFORE UPDATE OR DELETE ON dispatch_executions
  FOR EACH ROW EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER dispatch_executions_no_truncate BEFORE TRUNCATE ON dispatch_executions
  FOR EACH STATEMENT EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER dispatch_recommendations_no_truncate BEFORE TRUNCATE ON dispatch_recommendations
  FOR EACH STATEMENT EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER trading_state_changes_append_only
  BEFORE UPDATE OR DELETE ON trading_state_changes
  FOR EACH ROW EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER trading_state_changes_no_truncate BEFORE TRUNCATE ON trading_state_changes
  FOR EACH STATEMENT EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER dispatcher_runs_no_delete BEFORE DELETE ON dispatcher_runs
  FOR EACH ROW EXECUTE FUNCTION sigflow_append_only();
CREATE TRIGGER dispatcher_runs_no_truncate BEFORE TRUNCATE ON dispatcher_runs
  FOR EACH STATEMENT EXECUTE FUNCTION sigflow_append_only();

CREATE FUNCTION sigflow_run_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.finished_at IS NOT NULL OR NEW.run_id IS DISTINCT FROM OLD.run_id OR
     NEW.started_at IS DISTINCT FROM OLD.started_at OR
     NEW.run_config_json IS DISTINCT FROM OLD.run_config_json THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format(
      'dispatcher_runs: run %s is closed once and never changes afterwards', OLD.run_id);
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER dispatcher_runs_close_once BEFORE UPDATE ON dispatcher_runs
  FOR EACH ROW EXECUTE FUNCTION sigflow_run_guard();
)sql";

// sigflow_ticker_activity: what the gates read about a recommendation's ticker (the counts of
// TickerActivityQuery in ledger_store.h). The signs of the exposure sum are TradeDirection's
// (core/recommendation.h).
constexpr char kActivityFunction[] = R"sql(
CREATE FUNCTION sigflow_ticker_activity(
    p_ticker TEXT, p_id BIGINT, p_created_at BIGINT, p_day_since BIGINT, p_day_until BIGINT,
    p_rate_window BIGINT, p_exposure BOOLEAN, p_now BIGINT)
  RETURNS TABLE (r_today BIGINT, r_in_window BIGINT, r_exposure DOUBLE PRECISION)
  LANGUAGE sql STABLE
AS $fn$
  SELECT
    (SELECT count(*) FROM dispatch_executions e
     WHERE e.ticker = p_ticker AND e.simulated_ts >= p_day_since AND e.simulated_ts < p_day_until),
    CASE WHEN p_rate_window > 0 THEN
      (SELECT count(*) FROM dispatch_recommendations x
       WHERE x.ticker = p_ticker AND x.created_at > p_created_at - p_rate_window AND
             (x.created_at < p_created_at OR (x.created_at = p_created_at AND x.id <= p_id)))
    ELSE 0 END,
    CASE WHEN p_exposure THEN
      (SELECT coalesce(sum(CASE e.action WHEN 'BUY_PUT' THEN -e.notional
                                         WHEN 'SELL_PREMIUM' THEN 0 ELSE e.notional END), 0)
       FROM dispatch_executions e
       WHERE e.ticker = p_ticker AND e.simulated_ts <= p_now AND
             e.simulated_ts + e.max_hold_minutes * 60000::BIGINT > p_now)
    ELSE 0 END::DOUBLE PRECISION
$fn$;
)sql";

// sigflow_settle: the writing half of LedgerStore::Settle in one round trip and one transaction
// (the statement's own). It takes the ticker's advisory lock, locks the recommendation's row and
// checks the claim ('lost' when it is no longer PROCESSING under p_run), re-reads the ticker's
// activity and compares it with the activity the caller decided on ('stale', with the fresh
// activity, when a fill or a recommendation of the ticker committed in between: the caller
// decides again). Only then does it append the fill (when p_status is SIMULATED; ON CONFLICT: an
// earlier attempt's fill stands) and move the recommendation out of PROCESSING ('settled').
// Each statement of a PL/pgSQL function reads a snapshot taken when it starts, so the activity
// is read after the lock is held; and the guard trigger of the UPDATE sees the fill inserted
// before it.
constexpr char kSettleFunction[] = R"sql(
CREATE FUNCTION sigflow_settle(
    p_id BIGINT, p_run UUID, p_lock_key INTEGER, p_day_since BIGINT, p_day_until BIGINT,
    p_rate_window BIGINT, p_exposure BOOLEAN, p_now BIGINT, p_expected_today BIGINT,
    p_expected_in_window BIGINT, p_expected_exposure DOUBLE PRECISION,
    p_status TEXT, p_failure_reason TEXT, p_gates JSONB,
    p_processed_at BIGINT, p_execution_id UUID, p_ticker TEXT, p_action TEXT,
    p_decision_ts BIGINT, p_simulated_ts BIGINT, p_entry_price DOUBLE PRECISION,
    p_fill_model TEXT, p_slippage_bps DOUBLE PRECISION, p_qty DOUBLE PRECISION,
    p_notional DOUBLE PRECISION, p_stop_loss_price DOUBLE PRECISION,
    p_take_profit_price DOUBLE PRECISION, p_max_hold_minutes INTEGER, p_execution_mode TEXT,
    p_explain_json JSONB, p_risk_json JSONB, p_sim_json JSONB)
  RETURNS TABLE (r_outcome TEXT, r_already_filled BOOLEAN, r_today BIGINT, r_in_window BIGINT,
                 r_exposure DOUBLE PRECISION)
  LANGUAGE plpgsql
AS $fn$
DECLARE
  v_rec dispatch_recommendations%ROWTYPE;
  v_today BIGINT;
  v_in_window BIGINT;
  v_exposure DOUBLE PRECISION;
  v_already BOOLEAN := FALSE;
BEGIN
  PERFORM pg_advisory_xact_lock(1936287588, p_lock_key);  -- 0x73696764, "sigd": ticker locks
  SELECT * INTO v_rec FROM dispatch_recommendations WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR v_rec.status <> 'PROCESSING' OR v_rec.dispatcher_run_id IS DISTINCT FROM p_run
  THEN
    RETURN QUERY SELECT 'lost'::TEXT, FALSE, 0::BIGINT, 0::BIGINT, 0::DOUBLE PRECISION;
    RETURN;
  END IF;
  SELECT a.r_today, a.r_in_window, a.r_exposure INTO v_today, v_in_window, v_exposure
  FROM sigflow_ticker_activity(v_rec.ticker, v_rec.id, v_rec.created_at, p_day_since,
                               p_day_until, p_rate_window, p_exposure, p_now) a;
  -- The exposure is a floating sum whose order the plan may change: equal within rounding.
  IF v_today <> p_expected_today OR v_in_window <> p_expected_in_window OR
     abs(v_exposure - p_expected_exposure) > 1e-9 * greatest(abs(v_exposure), 1) THEN
    RETURN QUERY SELECT 'stale'::TEXT, FALSE, v_today, v_in_window, v_exposure;
    RETURN;
  END IF;
  IF p_status = 'SIMULATED' THEN
    INSERT INTO dispatch_executions (
      execution_id, recommendation_id, dispatcher_run_id, ticker, action, decision_ts,
      simulated_ts, entry_price, fill_model, slippage_bps, qty, notional, stop_loss_price,
      take_profit_price, max_hold_minutes, execution_mode, explain_json, risk_json, sim_json)
    VALUES (
      p_execution_id, p_id, p_run, p_ticker, p_action, p_decision_ts, p_simulated_ts,
      p_entry_price, p_fill_model, p_slippage_bps, p_qty, p_notional, p_stop_loss_price,
      p_take_profit_price, p_max_hold_minutes, p_execution_mode, p_explain_json, p_risk_json,
      p_sim_json)
    ON CONFLICT (recommendation_id) DO NOTHING;
    v_already := NOT FOUND;
  END IF;
  UPDATE dispatch_recommendations
  SET status = p_status, failure_reason = p_failure_reason, risk_gate_json = p_gates,
      processed_at = p_processed_at
  WHERE id = p_id;
  RETURN QUERY SELECT 'settled'::TEXT, v_already, v_today, v_in_window, v_exposure;
END
$fn$;
)sql";

// The trigger dispatcher's batch while trading is HALTED (core/wake.h, trading_halted): records
// the signals as sigflow_wake does, counting every match as trading_halted, wakes nothing, adds
// duplicates' matches to their recorded rows and stores the dead letters. Returns the index of
// every non-repeat signal that was already recorded.
constexpr char kWakeHaltedFunction[] = R"sql(
CREATE FUNCTION sigflow_wake_halted(
    p_signal_ids TEXT[], p_payloads TEXT[], p_timestamps BIGINT[], p_received_at BIGINT[],
    p_matched INTEGER[], p_repeats BOOLEAN[], p_dead_raw BYTEA[], p_dead_codes TEXT[],
    p_dead_messages TEXT[], p_now BIGINT)
  RETURNS TABLE (r_ord INTEGER)
  LANGUAGE plpgsql
AS $fn$
DECLARE
  v_fresh JSONB;
BEGIN
  WITH inserted AS (
    INSERT INTO signals AS s (signal_id, payload, "timestamp", received_at, matched, enqueued,
                              skipped_running, duplicate, trading_halted)
    SELECT u.signal_id, u.payload::jsonb, u.ts, u.received_at, u.matched, 0, 0, 0, u.matched
    FROM unnest(p_signal_ids, p_payloads, p_timestamps, p_received_at, p_matched, p_repeats)
         AS u (signal_id, payload, ts, received_at, matched, repeat)
    WHERE NOT u.repeat
    ORDER BY u.signal_id
    ON CONFLICT (signal_id) DO NOTHING
    RETURNING s.signal_id
  )
  SELECT coalesce(jsonb_object_agg(i.signal_id, TRUE), '{}') INTO v_fresh FROM inserted i;

  WITH dups AS (
    SELECT u.signal_id, sum(u.matched)::INTEGER AS n
    FROM unnest(p_signal_ids, p_matched, p_repeats) AS u (signal_id, matched, repeat)
    WHERE u.matched > 0 AND (u.repeat OR NOT v_fresh ? u.signal_id)
    GROUP BY u.signal_id
  ), locked AS (
    SELECT s.signal_id, d.n FROM signals s JOIN dups d USING (signal_id)
    ORDER BY s.signal_id FOR UPDATE OF s
  )
  UPDATE signals s SET duplicate = s.duplicate + l.n FROM locked l
  WHERE s.signal_id = l.signal_id;

  IF cardinality(p_dead_raw) > 0 THEN
    INSERT INTO dead_letters (raw, reason_code, message, created_at)
    SELECT d.raw, d.code, d.message, p_now
    FROM unnest(p_dead_raw, p_dead_codes, p_dead_messages) WITH ORDINALITY
         AS d (raw, code, message, ord)
    ORDER BY d.ord;
  END IF;

  RETURN QUERY
    SELECT (u.ord - 1)::INTEGER
    FROM unnest(p_signal_ids, p_repeats) WITH ORDINALITY AS u (signal_id, repeat, ord)
    WHERE NOT u.repeat AND NOT v_fresh ? u.signal_id;
END
$fn$;
)sql";

}  // namespace

const char* LedgerMigrationSql() {
  static const std::string sql =
      std::string(kTables) + kGuards + kActivityFunction + kSettleFunction + kWakeHaltedFunction;
  return sql.c_str();
}

}  // namespace sigflow::store_postgres
