#include "store/sqlite/migrations.h"

#include <algorithm>
#include <set>
#include <string>

namespace sigflow::store_sqlite {
namespace {

// Times are epoch milliseconds (INTEGER). JSON columns are TEXT checked by SQLite's JSON
// functions where they are written off the hot path. Names mirror the seeds' tables.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE pipelines (
  id              TEXT PRIMARY KEY NOT NULL,
  name            TEXT NOT NULL CHECK (name <> ''),
  description     TEXT NOT NULL DEFAULT '',
  user_id         TEXT,
  trigger_mode    TEXT NOT NULL DEFAULT 'periodic' CHECK (trigger_mode IN ('signal', 'periodic')),
  scanner_tickers TEXT CHECK (scanner_tickers IS NULL OR
                              (json_valid(scanner_tickers) AND
                               json_type(scanner_tickers) = 'array')),
  is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  config          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND
                                                    json_type(config) = 'object'),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX pipelines_trigger_mode ON pipelines (trigger_mode);

-- The work queue. AUTOINCREMENT: an id is never reused, even after deletes, since logs, wakes
-- and results name executions by id.
CREATE TABLE executions (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline_id         TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  -- OR, not IN: SQLite evaluates an IN list of more than two values in a CHECK by building an
  -- ephemeral table on every INSERT (measured: ~8 us a row).
  status              TEXT NOT NULL DEFAULT 'PENDING'
                      CHECK (status = 'PENDING' OR status = 'RUNNING' OR status = 'COMPLETED' OR
                             status = 'FAILED'),
  triggered_by_signal INTEGER NOT NULL DEFAULT 0 CHECK (triggered_by_signal IN (0, 1)),
  signal_ids          TEXT NOT NULL DEFAULT '[]',
  result              TEXT,
  error               TEXT,
  attempts            INTEGER NOT NULL DEFAULT 0,
  lease_owner         TEXT,
  lease_expires_at    INTEGER,
  created_at          INTEGER NOT NULL,
  started_at          INTEGER,
  finished_at         INTEGER
);
-- At most one active execution per pipeline, whoever writes (any thread, any process).
-- The same condition as status IN ('PENDING', 'RUNNING'), cheaper to evaluate on every write;
-- a query uses this index when its WHERE repeats the condition word for word.
CREATE UNIQUE INDEX executions_one_active_per_pipeline ON executions (pipeline_id)
  WHERE status = 'PENDING' OR status = 'RUNNING';
-- Claiming: PENDING, oldest first.
CREATE INDEX executions_pending_oldest_first ON executions (created_at, id)
  WHERE status = 'PENDING';
-- Reaping: RUNNING by lease expiry.
CREATE INDEX executions_running_by_lease ON executions (lease_expires_at)
  WHERE status = 'RUNNING';
-- A pipeline's history (and the ON DELETE CASCADE from pipelines).
CREATE INDEX executions_by_pipeline ON executions (pipeline_id, id);

-- Signal history with per-signal outcome counts (not per pair: see DESIGN.md, rule 3).
CREATE TABLE signals (
  signal_id       TEXT PRIMARY KEY NOT NULL,
  payload         TEXT NOT NULL,
  timestamp       INTEGER NOT NULL,
  received_at     INTEGER NOT NULL,
  matched         INTEGER NOT NULL DEFAULT 0,
  enqueued        INTEGER NOT NULL DEFAULT 0,
  skipped_running INTEGER NOT NULL DEFAULT 0,
  duplicate       INTEGER NOT NULL DEFAULT 0
);

-- The (pipeline, signal) pairs that woke a pipeline: one per execution created by a batch.
-- The primary key is the UNIQUE (pipeline_id, signal_id) that stops a pair waking twice.
-- execution_id has no REFERENCES: an execution only goes with its pipeline, which takes these
-- rows along, and a foreign key would need one more index on every wake just for deletes.
CREATE TABLE signal_wakes (
  pipeline_id  TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  signal_id    TEXT NOT NULL REFERENCES signals (signal_id),
  execution_id INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (pipeline_id, signal_id)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  raw         BLOB NOT NULL,
  reason_code TEXT NOT NULL,
  message     TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
)sql";

// Seed 003's bars and features. Prices are REAL (IEEE doubles, read back bit for bit); times are
// epoch milliseconds like every other table. WITHOUT ROWID: every read is by (ticker, ts).
constexpr char kMarketSchema[] = R"sql(
CREATE TABLE lane_telemetry (
  ticker      TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  open        REAL NOT NULL,
  high        REAL NOT NULL,
  low         REAL NOT NULL,
  close       REAL NOT NULL,
  volume      REAL NOT NULL,
  has_ohlc    INTEGER NOT NULL DEFAULT 1 CHECK (has_ohlc IN (0, 1)),
  ingested_at INTEGER NOT NULL,
  PRIMARY KEY (ticker, ts)
) WITHOUT ROWID;

CREATE TABLE lane_features (
  ticker      TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  computed_at INTEGER NOT NULL,
  close       REAL NOT NULL,
  bars        INTEGER NOT NULL,
  sma_short   REAL,
  sma_long    REAL,
  ema         REAL,
  atr         REAL,
  recent_vol  REAL,
  vol_ratio   REAL,
  trend       TEXT CHECK (trend IS NULL OR trend = 'UP' OR trend = 'DOWN' OR trend = 'FLAT'),
  PRIMARY KEY (ticker, ts)
) WITHOUT ROWID;
)sql";

// Version 3: the execution side (seed 003) — recommendations, the ledger, dispatcher runs, the
// trading state — and the trigger dispatcher's `trading_halted` outcome. Versions 2 and 3 were
// written side by side and neither depends on the other, so a database may have got them in
// either order (see ApplyMigrations).
//
// The triggers are the state machine of core/recommendation.h and the ledger's immutability,
// enforced for every writer, not only sigflow. RAISE takes only a literal message in SQLite, so
// each rule is its own statement with its own message. Limit: `INSERT OR REPLACE` deletes without
// firing DELETE triggers (unless the writer enabled recursive_triggers); a replacing insert into
// dispatch_executions still has to pass dispatch_executions_fill_needs_claim, which no row with
// a fill already in the ledger can.
constexpr char kLedgerSchema[] = R"sql(
ALTER TABLE signals ADD COLUMN trading_halted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE dispatch_recommendations (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at            INTEGER NOT NULL,
  ticker                TEXT NOT NULL CHECK (ticker <> ''),
  action                TEXT NOT NULL CHECK (action = 'BUY_STOCK' OR action = 'BUY_CALL' OR
                                             action = 'BUY_PUT' OR action = 'SELL_PREMIUM'),
  confidence            REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  pipeline_id           TEXT,
  pipeline_execution_id INTEGER,
  signal_ids            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(signal_ids) AND
                                                          json_type(signal_ids) = 'array'),
  reason                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(reason) AND
                                                          json_type(reason) = 'object'),
  status                TEXT NOT NULL DEFAULT 'PENDING'
                        CHECK (status = 'PENDING' OR status = 'PROCESSING' OR
                               status = 'SIMULATED' OR status = 'SKIPPED' OR status = 'FAILED'),
  attempts              INTEGER NOT NULL DEFAULT 0,
  claimed_at            INTEGER,
  processed_at          INTEGER,
  dispatcher_run_id     TEXT,
  failure_reason        TEXT,
  risk_gate_json        TEXT CHECK (risk_gate_json IS NULL OR json_valid(risk_gate_json))
);
-- Claiming: PENDING, oldest first. Reaping: PROCESSING by claim time.
CREATE INDEX dispatch_recommendations_pending ON dispatch_recommendations (created_at, id)
  WHERE status = 'PENDING';
CREATE INDEX dispatch_recommendations_processing ON dispatch_recommendations (claimed_at)
  WHERE status = 'PROCESSING';
-- The per-ticker recommendation-rate gate.
CREATE INDEX dispatch_recommendations_ticker_created
  ON dispatch_recommendations (ticker, created_at, id);
-- `stats gates` over a period.
CREATE INDEX dispatch_recommendations_processed ON dispatch_recommendations (processed_at)
  WHERE processed_at IS NOT NULL;

CREATE TABLE dispatch_executions (
  execution_id      TEXT PRIMARY KEY NOT NULL,
  recommendation_id INTEGER NOT NULL REFERENCES dispatch_recommendations (id),
  dispatcher_run_id TEXT NOT NULL,
  ticker            TEXT NOT NULL,
  action            TEXT NOT NULL,
  decision_ts       INTEGER NOT NULL,
  simulated_ts      INTEGER NOT NULL,
  entry_price       REAL NOT NULL CHECK (entry_price > 0),
  fill_model        TEXT NOT NULL,
  slippage_bps      REAL NOT NULL CHECK (slippage_bps >= 0),
  qty               REAL NOT NULL CHECK (qty > 0),
  notional          REAL NOT NULL CHECK (notional > 0),
  stop_loss_price   REAL NOT NULL CHECK (stop_loss_price > 0),
  take_profit_price REAL NOT NULL CHECK (take_profit_price > 0),
  max_hold_minutes  INTEGER NOT NULL CHECK (max_hold_minutes > 0),
  execution_mode    TEXT NOT NULL CHECK (execution_mode = 'SIMULATED' OR execution_mode = 'REAL'),
  explain_json      TEXT NOT NULL CHECK (json_valid(explain_json)),
  risk_json         TEXT NOT NULL CHECK (json_valid(risk_json)),
  sim_json          TEXT NOT NULL CHECK (json_valid(sim_json))
);
-- Idempotency, under seed 003's name: one fill per recommendation, whoever inserts.
CREATE UNIQUE INDEX ux_dispatch_execution_reco ON dispatch_executions (recommendation_id);
-- Daily limits and open exposure per ticker; the ledger over a period.
CREATE INDEX dispatch_executions_ticker_time ON dispatch_executions (ticker, simulated_ts);
CREATE INDEX dispatch_executions_time ON dispatch_executions (simulated_ts);

CREATE TABLE dispatcher_runs (
  run_id           TEXT PRIMARY KEY NOT NULL,
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  pulled_count     INTEGER NOT NULL DEFAULT 0,
  processed_count  INTEGER NOT NULL DEFAULT 0,
  simulated_count  INTEGER NOT NULL DEFAULT 0,
  skipped_count    INTEGER NOT NULL DEFAULT 0,
  failed_count     INTEGER NOT NULL DEFAULT 0,
  run_config_json  TEXT NOT NULL CHECK (json_valid(run_config_json)),
  run_summary_json TEXT CHECK (run_summary_json IS NULL OR json_valid(run_summary_json))
);
CREATE INDEX dispatcher_runs_started ON dispatcher_runs (started_at);

-- The trading state's history; the latest row is the current state, no row means ACTIVE.
CREATE TABLE trading_state_changes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  state      TEXT NOT NULL CHECK (state = 'ACTIVE' OR state = 'REDUCING' OR state = 'HALTED'),
  reason     TEXT NOT NULL CHECK (reason <> ''),
  changed_by TEXT NOT NULL CHECK (changed_by <> ''),
  changed_at INTEGER NOT NULL
);

CREATE TRIGGER dispatch_recommendations_born_pending
BEFORE INSERT ON dispatch_recommendations WHEN NEW.status IS NOT 'PENDING'
BEGIN
  SELECT RAISE(ABORT, 'dispatch_recommendations: a recommendation is created PENDING');
END;

-- One trigger, its checks in order, so that a refused UPDATE always gets the same message.
CREATE TRIGGER dispatch_recommendations_guard_update
BEFORE UPDATE ON dispatch_recommendations
BEGIN
  SELECT RAISE(ABORT, 'dispatch_recommendations: what a recommendation proposes never changes')
  WHERE NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR
        NEW.ticker IS NOT OLD.ticker OR NEW.action IS NOT OLD.action OR
        NEW.confidence IS NOT OLD.confidence OR NEW.pipeline_id IS NOT OLD.pipeline_id OR
        NEW.pipeline_execution_id IS NOT OLD.pipeline_execution_id OR
        NEW.signal_ids IS NOT OLD.signal_ids OR NEW.reason IS NOT OLD.reason;
  SELECT RAISE(ABORT, 'dispatch_recommendations: illegal status transition (allowed: PENDING -> PROCESSING -> SIMULATED | SKIPPED | FAILED, and PROCESSING -> PENDING when a stale claim is reaped)')
  WHERE NOT ((OLD.status = 'PENDING' AND NEW.status = 'PROCESSING') OR
             (OLD.status = 'PROCESSING' AND
              (NEW.status = 'SIMULATED' OR NEW.status = 'SKIPPED' OR NEW.status = 'FAILED' OR
               NEW.status = 'PENDING')));
  SELECT RAISE(ABORT, 'dispatch_recommendations: a recommendation is SIMULATED exactly when the ledger holds its fill')
  WHERE (NEW.status = 'SIMULATED') IS NOT
        EXISTS (SELECT 1 FROM dispatch_executions e WHERE e.recommendation_id = NEW.id);
END;

CREATE TRIGGER dispatch_recommendations_keep_processed
BEFORE DELETE ON dispatch_recommendations WHEN OLD.status IS NOT 'PENDING'
BEGIN
  SELECT RAISE(ABORT, 'dispatch_recommendations: a claimed or processed recommendation is part of the audit trail: DELETE refused');
END;

CREATE TRIGGER dispatch_executions_fill_needs_claim
BEFORE INSERT ON dispatch_executions
WHEN NOT EXISTS (SELECT 1 FROM dispatch_recommendations r
                 WHERE r.id = NEW.recommendation_id AND r.status = 'PROCESSING' AND
                       r.ticker = NEW.ticker AND r.action = NEW.action)
BEGIN
  SELECT RAISE(ABORT, 'dispatch_executions: a fill needs its recommendation PROCESSING, with the same ticker and action');
END;

CREATE TRIGGER dispatch_executions_no_update BEFORE UPDATE ON dispatch_executions
BEGIN
  SELECT RAISE(ABORT, 'dispatch_executions is append-only: UPDATE refused');
END;

CREATE TRIGGER dispatch_executions_no_delete BEFORE DELETE ON dispatch_executions
BEGIN
  SELECT RAISE(ABORT, 'dispatch_executions is append-only: DELETE refused');
END;

CREATE TRIGGER dispatcher_runs_close_once BEFORE UPDATE ON dispatcher_runs
WHEN OLD.finished_at IS NOT NULL OR NEW.run_id IS NOT OLD.run_id OR
     NEW.started_at IS NOT OLD.started_at OR NEW.run_config_json IS NOT OLD.run_config_json
BEGIN
  SELECT RAISE(ABORT, 'dispatcher_runs: a run is closed once and never changes afterwards');
END;

CREATE TRIGGER dispatcher_runs_no_delete BEFORE DELETE ON dispatcher_runs
BEGIN
  SELECT RAISE(ABORT, 'dispatcher_runs: DELETE refused');
END;

CREATE TRIGGER trading_state_changes_no_update BEFORE UPDATE ON trading_state_changes
BEGIN
  SELECT RAISE(ABORT, 'trading_state_changes is append-only: UPDATE refused');
END;

CREATE TRIGGER trading_state_changes_no_delete BEFORE DELETE ON trading_state_changes
BEGIN
  SELECT RAISE(ABORT, 'trading_state_changes is append-only: DELETE refused');
END;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema", kInitialSchema},
    {2, "bars and features", kMarketSchema},
    {3, "execution ledger", kLedgerSchema},
};

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";

Status Annotate(const Status& status, const Migration& m) {
  return Status::Error(status.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                          "): " + status.message());
}

// Applies `m` unless another connection did since we looked.
Status ApplyOne(sqlite::Database* db, const Migration& m, int64_t now_ms) {
  auto tx = sqlite::Transaction::Begin(db);
  if (!tx.ok()) return Annotate(tx.status(), m);
  Status status = db->Exec(kCreateMigrationsTable);
  if (!status.ok()) return Annotate(status, m);
  auto applied = db->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
  if (!applied.ok()) return Annotate(applied.status(), m);
  auto row = applied->BindInt(1, m.version).Step();
  if (!row.ok()) return Annotate(row.status(), m);
  if (*row) return Status::Ok();  // the transaction rolls back: nothing to do
  status = db->Exec(m.sql);
  if (!status.ok()) return Annotate(status, m);
  auto record =
      db->Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
  if (!record.ok()) return Annotate(record.status(), m);
  status = record->BindInt(1, m.version).BindText(2, m.name).BindInt(3, now_ms).Run();
  if (!status.ok()) return Annotate(status, m);
  status = tx->Commit();
  return status.ok() ? status : Annotate(status, m);
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Result<int> SchemaVersion(sqlite::Database* db) {
  auto applied = AppliedVersions(db);
  if (!applied.ok()) return applied.status();
  return applied->empty() ? 0 : *applied->rbegin();
}

Result<std::set<int>> AppliedVersions(sqlite::Database* db) {
  std::set<int> versions;
  auto exists = db->Prepare(
      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.ok()) return exists.status();
  auto row = exists->Step();
  if (!row.ok()) return row.status();
  if (!*row) return versions;
  auto all = db->Prepare("SELECT version FROM schema_migrations");
  if (!all.ok()) return all.status();
  while (true) {
    row = all->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    versions.insert(static_cast<int>(all->ColumnInt(0)));
  }
  return versions;
}

Status ApplyMigrations(sqlite::Database* db, int64_t now_ms) {
  return ApplyMigrations(db, now_ms, Migrations());
}

Status ApplyMigrations(sqlite::Database* db, int64_t now_ms, std::span<const Migration> known) {
  auto applied = AppliedVersions(db);
  if (!applied.ok()) return applied.status();
  int latest = 0;
  for (const Migration& m : known) latest = std::max(latest, m.version);
  if (!applied->empty() && *applied->rbegin() > latest) {
    return Status::Internal("database schema version " + std::to_string(*applied->rbegin()) +
                            " is newer than this sigflow knows (" + std::to_string(latest) +
                            "): upgrade sigflow");
  }
  for (const Migration& m : known) {
    if (applied->count(m.version) > 0) continue;
    Status status = ApplyOne(db, m, now_ms);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace sigflow::store_sqlite
