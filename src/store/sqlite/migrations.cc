#include "store/sqlite/migrations.h"

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

// Version 3 is taken by the ledger tables (dispatch_recommendations, dispatch_executions,
// dispatcher_runs), which come in their own change.
constexpr Migration kMigrations[] = {
    {1, "initial schema", kInitialSchema},
    {2, "bars and features", kMarketSchema},
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
  auto exists = db->Prepare(
      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.ok()) return exists.status();
  auto row = exists->Step();
  if (!row.ok()) return row.status();
  if (!*row) return 0;
  auto max = db->Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!max.ok()) return max.status();
  row = max->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(max->ColumnInt(0));
}

Status ApplyMigrations(sqlite::Database* db, int64_t now_ms) {
  auto version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  if (*version > latest) {
    return Status::Internal("database schema version " + std::to_string(*version) +
                            " is newer than this sigflow knows (" + std::to_string(latest) +
                            "): upgrade sigflow");
  }
  // Every version not recorded yet, not only those above the highest: a database made by a build
  // that had a later migration but not an earlier one (branches merged in another order) still
  // gets the earlier one.
  std::set<int> applied;
  if (*version > 0) {
    auto rows = db->Prepare("SELECT version FROM schema_migrations");
    if (!rows.ok()) return rows.status();
    while (true) {
      auto row = rows->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      applied.insert(static_cast<int>(rows->ColumnInt(0)));
    }
  }
  for (const Migration& m : kMigrations) {
    if (applied.count(m.version)) continue;
    Status status = ApplyOne(db, m, now_ms);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace sigflow::store_sqlite
