#include "store/postgres/migrations.h"

#include <algorithm>
#include <set>
#include <string>

#include "store/postgres/ledger_migration.h"

namespace sigflow::store_postgres {
namespace {

// Times are epoch milliseconds (BIGINT), from the store's Clock, as on SQLite. Names mirror the
// seeds' tables.
constexpr char kInitialSchema[] = R"sql(
CREATE TYPE trigger_mode AS ENUM ('signal', 'periodic');

CREATE TABLE pipelines (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL CHECK (name <> ''),
  description     TEXT NOT NULL DEFAULT '',
  user_id         TEXT,
  trigger_mode    trigger_mode NOT NULL DEFAULT 'periodic',
  scanner_tickers JSONB CHECK (scanner_tickers IS NULL OR jsonb_typeof(scanner_tickers) = 'array'),
  is_active       BOOLEAN NOT NULL DEFAULT TRUE,
  config          JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX pipelines_trigger_mode ON pipelines (trigger_mode);

-- The work queue. An identity column never reuses an id.
CREATE TABLE executions (
  id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Migration 5 drops this foreign key; see kExecutionsWithoutForeignKey.
  pipeline_id         TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  status              TEXT NOT NULL DEFAULT 'PENDING'
                      CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  triggered_by_signal BOOLEAN NOT NULL DEFAULT FALSE,
  signal_ids          JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(signal_ids) = 'array'),
  result              JSONB,
  error               TEXT,
  attempts            INTEGER NOT NULL DEFAULT 0,
  lease_owner         TEXT,
  lease_expires_at    BIGINT,
  created_at          BIGINT NOT NULL,
  started_at          BIGINT,
  finished_at         BIGINT
);
-- At most one active execution per pipeline, whoever writes. Writers name it in
-- ON CONFLICT (pipeline_id) WHERE status IN ('PENDING', 'RUNNING').
CREATE UNIQUE INDEX executions_one_active_per_pipeline ON executions (pipeline_id)
  WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX executions_pending_oldest_first ON executions (created_at, id)
  WHERE status = 'PENDING';
CREATE INDEX executions_running_by_lease ON executions (lease_expires_at)
  WHERE status = 'RUNNING';
CREATE INDEX executions_by_pipeline ON executions (pipeline_id, id);

-- Signal history with per-signal outcome counts (not per pair: DESIGN.md, rule 3).
CREATE TABLE signals (
  signal_id       TEXT PRIMARY KEY,
  payload         JSONB NOT NULL,
  "timestamp"     BIGINT NOT NULL,
  received_at     BIGINT NOT NULL,
  matched         INTEGER NOT NULL DEFAULT 0,
  enqueued        INTEGER NOT NULL DEFAULT 0,
  skipped_running INTEGER NOT NULL DEFAULT 0,
  duplicate       INTEGER NOT NULL DEFAULT 0
);

-- The (pipeline, signal) pairs that woke a pipeline, one per execution created by a batch; the
-- key stops a pair waking twice. No REFERENCES here: foreign-key checks cost as much as the
-- inserts themselves on a large wake (measured: 2 x 5000 checks, half of the batch), and the
-- only writer, sigflow_wake, inserts a pair for a signal it recorded in the same transaction and
-- a pipeline it holds FOR KEY SHARE; RemovePipeline deletes a pipeline's pairs in its own
-- transaction.
CREATE TABLE signal_wakes (
  pipeline_id  TEXT NOT NULL,
  signal_id    TEXT NOT NULL,
  execution_id BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (pipeline_id, signal_id)
);

CREATE TABLE dead_letters (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  raw         BYTEA NOT NULL,
  reason_code TEXT NOT NULL,
  message     TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL
);
)sql";

// One dispatcher batch (core/wake.h) as one statement: SELECT * FROM sigflow_wake(...). Inputs
// are parallel arrays: per signal (id, canonical JSON payload, timestamp, received_at, matched,
// repeat = flagged or repeated earlier in the batch), per candidate (pipeline id, JSON array of
// the ids of its matching non-repeat signals in batch order), per dead letter, and the time.
// Output rows: ('e', execution id, NULL, pipeline id) per execution created; ('d', NULL, index,
// NULL) per non-repeat signal found already recorded.
//
// Why a function and not one CTE statement: every part of a statement sees the same snapshot,
// so it cannot update the signal rows it inserts, nor act on which of them were fresh; a PL/pgSQL
// body runs its statements in one transaction, each seeing the previous ones, still in one round
// trip.
//
// Each signal row is written once: its counts are predicted before the insert (every signal fresh,
// each wakeable candidate woken by the first of its list) and corrected only when that fails (a
// duplicate in the batch, a racing batch). Writing the counts after the executions instead was a
// second UPDATE of the batch's waking rows: 6 ms of a 1,000-signal, 700-execution Wake.
//
// Race freedom: a signal is fresh only if this transaction inserted it. The insert is a plain
// INSERT first (ON CONFLICT's speculative insertion cost 3 ms per 1,000 rows); if any signal is
// already recorded, or a racing batch records it first (the insert waits for that transaction),
// the unique violation rolls back only that block, and the insert runs again with ON CONFLICT DO
// NOTHING. Executions are inserted with ON CONFLICT on the partial unique index (a racing PENDING
// row makes this one wait, then yield). A signal_wakes pair cannot repeat, since only a fresh
// signal wakes and each candidate once, so its unique key is a guard that fails the batch rather
// than a conflict to skip. Locks are taken in one order: pipelines FOR KEY SHARE (which only a
// DELETE of the pipeline waits for), signals by signal_id, executions by pipeline id, so racing
// batches queue instead of deadlocking.
//
// Plans stay linear whatever the planner guesses: no join between two computed sets; sets are
// probed through a JSONB object (binary search) and joined only with indexed tables, each
// candidate's pipeline and active execution by a lookup of its own (migration 4 made them so).
//
// Created by the initial schema, and replaced by migrations 4 and 6 in databases created before
// them.
constexpr char kWakeFunction[] = R"sql(
CREATE OR REPLACE FUNCTION sigflow_wake(
    p_signal_ids TEXT[], p_payloads TEXT[], p_timestamps BIGINT[], p_received_at BIGINT[],
    p_matched INTEGER[], p_repeats BOOLEAN[], p_pipeline_ids TEXT[], p_signal_lists TEXT[],
    p_dead_raw BYTEA[], p_dead_codes TEXT[], p_dead_messages TEXT[], p_now BIGINT)
  RETURNS TABLE (r_kind "char", r_id BIGINT, r_ord INTEGER, r_pipeline TEXT)
  LANGUAGE plpgsql
AS $fn$
DECLARE
  v_wake_pipelines TEXT[];  -- the candidates that can wake, in pipeline id order
  v_wake_lists TEXT[];      -- and their signal lists
  v_predicted JSONB;        -- {signal_id: executions it wakes, if every signal is fresh}
  v_recorded INTEGER;
  v_fresh JSONB;            -- {signal_id: true} for the signals this transaction recorded;
                            -- NULL when that is every non-repeat signal of the batch
  v_all_fresh BOOLEAN;
  v_exec_ids BIGINT[];
  v_exec_pipelines TEXT[];
  v_exec_wakers TEXT[];
BEGIN
  -- 1. The candidates that can wake: still an active signal pipeline, held FOR KEY SHARE until
  --    commit (executions have no foreign key: migration 5), with no active execution. Each check
  --    is a lookup per candidate, in pipeline id order, whatever the planner guesses (OFFSET 0
  --    keeps a subquery from being flattened into a join). As joins, with the stale statistics
  --    of a young database, it scanned every active execution for every candidate (800,000 rows
  --    for 1,200 candidates: 218 ms), or every pipeline for every batch. The active-execution
  --    check has one index to use, executions_one_active_per_pipeline (migration 7).
  SELECT array_agg(c.pipeline_id ORDER BY c.pipeline_id), array_agg(c.list ORDER BY c.pipeline_id)
  INTO v_wake_pipelines, v_wake_lists
  FROM (SELECT * FROM unnest(p_pipeline_ids, p_signal_lists) AS u (pipeline_id, list)
        ORDER BY u.pipeline_id) c
  CROSS JOIN LATERAL (SELECT 1 FROM pipelines p
                      WHERE p.id = c.pipeline_id AND p.is_active AND p.trigger_mode = 'signal'
                      OFFSET 0 FOR KEY SHARE) p
  WHERE NOT EXISTS (SELECT 1 FROM executions e
                    WHERE e.pipeline_id = c.pipeline_id AND e.status IN ('PENDING', 'RUNNING')
                    OFFSET 0);
  -- What each signal's counts will be if all are fresh: every such candidate is woken by the
  -- first signal of its list.
  SELECT coalesce(jsonb_object_agg(w.waker, w.n), '{}') INTO v_predicted
  FROM (SELECT l::jsonb ->> 0 AS waker, count(*)::INTEGER AS n
        FROM unnest(v_wake_lists) AS l GROUP BY 1) w;

  -- 2. Record the signals, with those counts; the unique key decides which are fresh.
  BEGIN
    INSERT INTO signals (signal_id, payload, "timestamp", received_at, matched, enqueued,
                         skipped_running, duplicate)
    SELECT u.signal_id, u.payload::jsonb, u.ts, u.received_at, u.matched, u.n, u.matched - u.n, 0
    FROM (SELECT x.*, coalesce((v_predicted ->> x.signal_id)::INTEGER, 0) AS n
          FROM unnest(p_signal_ids, p_payloads, p_timestamps, p_received_at, p_matched, p_repeats)
               AS x (signal_id, payload, ts, received_at, matched, repeat)
          WHERE NOT x.repeat) u
    ORDER BY u.signal_id;
    GET DIAGNOSTICS v_recorded = ROW_COUNT;
    v_fresh := NULL;
  EXCEPTION WHEN unique_violation THEN
    WITH inserted AS (
      INSERT INTO signals AS s (signal_id, payload, "timestamp", received_at, matched, enqueued,
                                skipped_running, duplicate)
      SELECT u.signal_id, u.payload::jsonb, u.ts, u.received_at, u.matched, u.n, u.matched - u.n, 0
      FROM (SELECT x.*, coalesce((v_predicted ->> x.signal_id)::INTEGER, 0) AS n
            FROM unnest(p_signal_ids, p_payloads, p_timestamps, p_received_at, p_matched, p_repeats)
                 AS x (signal_id, payload, ts, received_at, matched, repeat)
            WHERE NOT x.repeat) u
      ORDER BY u.signal_id
      ON CONFLICT (signal_id) DO NOTHING
      RETURNING s.signal_id
    )
    SELECT count(*), coalesce(jsonb_object_agg(i.signal_id, TRUE), '{}') INTO v_recorded, v_fresh
    FROM inserted i;
  END;
  v_all_fresh := v_recorded = (SELECT count(*) FROM unnest(p_repeats) AS r WHERE NOT r);

  -- 3. Wake each candidate of step 1 whose list keeps a fresh signal (the first is the waker).
  WITH wakeable AS (
    SELECT w.pipeline_id, w.list
    FROM unnest(v_wake_pipelines, v_wake_lists) AS w (pipeline_id, list)
    WHERE v_all_fresh
    UNION ALL
    SELECT w.pipeline_id, f.list::TEXT
    FROM unnest(v_wake_pipelines, v_wake_lists) AS w (pipeline_id, list),
         LATERAL (SELECT jsonb_agg(e) AS list FROM jsonb_array_elements_text(w.list::jsonb) AS e
                  WHERE v_fresh ? e) AS f
    WHERE NOT v_all_fresh AND f.list IS NOT NULL
  ), created AS (
    INSERT INTO executions AS e (pipeline_id, status, triggered_by_signal, signal_ids, created_at)
    SELECT w.pipeline_id, 'PENDING', TRUE, w.list::jsonb, p_now FROM wakeable w
    ORDER BY w.pipeline_id
    ON CONFLICT (pipeline_id) WHERE status IN ('PENDING', 'RUNNING') DO NOTHING
    RETURNING e.id, e.pipeline_id, e.signal_ids ->> 0 AS waker
  ), wakes AS (
    INSERT INTO signal_wakes (pipeline_id, signal_id, execution_id, created_at)
    SELECT c.pipeline_id, c.waker, c.id, p_now FROM created c
  )
  SELECT array_agg(c.id), array_agg(c.pipeline_id), array_agg(c.waker)
  INTO v_exec_ids, v_exec_pipelines, v_exec_wakers
  FROM created c;

  -- 4. Counts whose prediction failed: a signal of the batch was a duplicate (another waker
  --    took its place), or a racing batch created the execution first. Rows of step 2 only.
  IF NOT v_all_fresh OR
     coalesce(cardinality(v_exec_ids), 0) <> coalesce(cardinality(v_wake_pipelines), 0) THEN
    UPDATE signals s SET enqueued = d.actual, skipped_running = s.matched - d.actual
    FROM (SELECT signal_id, coalesce(a.n, 0) AS actual, coalesce(p.n, 0) AS predicted
          FROM (SELECT x AS signal_id, count(*)::INTEGER AS n FROM unnest(v_exec_wakers) AS x
                GROUP BY x) a
          FULL JOIN (SELECT key AS signal_id, value::INTEGER AS n
                     FROM jsonb_each_text(v_predicted)) p USING (signal_id)) d
    WHERE d.actual <> d.predicted AND (v_fresh IS NULL OR v_fresh ? d.signal_id)
      AND s.signal_id = d.signal_id;
  END IF;
  IF v_exec_ids IS NOT NULL THEN
    PERFORM pg_notify('sigflow_executions', '');
  END IF;

  -- 5. Duplicates add their matches to the recorded row, locked in key order.
  IF NOT v_all_fresh OR TRUE = ANY (p_repeats) THEN
    WITH dups AS (
      SELECT u.signal_id, sum(u.matched)::INTEGER AS n
      FROM unnest(p_signal_ids, p_matched, p_repeats) AS u (signal_id, matched, repeat)
      WHERE u.matched > 0 AND (u.repeat OR (v_fresh IS NOT NULL AND NOT v_fresh ? u.signal_id))
      GROUP BY u.signal_id
    ), locked AS (
      SELECT s.signal_id, d.n FROM signals s JOIN dups d USING (signal_id)
      ORDER BY s.signal_id FOR UPDATE OF s
    )
    UPDATE signals s SET duplicate = s.duplicate + l.n FROM locked l
    WHERE s.signal_id = l.signal_id;
  END IF;

  -- 6. Dead letters, in batch order.
  IF cardinality(p_dead_raw) > 0 THEN
    INSERT INTO dead_letters (raw, reason_code, message, created_at)
    SELECT d.raw, d.code, d.message, p_now
    FROM unnest(p_dead_raw, p_dead_codes, p_dead_messages) WITH ORDINALITY
         AS d (raw, code, message, ord)
    ORDER BY d.ord;
  END IF;

  RETURN QUERY
    SELECT 'e'::"char", x.id, NULL::INTEGER, x.pipeline_id
    FROM unnest(v_exec_ids, v_exec_pipelines) AS x (id, pipeline_id)
    UNION ALL
    SELECT 'd'::"char", NULL::BIGINT, (u.ord - 1)::INTEGER, NULL::TEXT
    FROM unnest(p_signal_ids, p_repeats) WITH ORDINALITY AS u (signal_id, repeat, ord)
    WHERE NOT v_all_fresh AND NOT u.repeat AND NOT v_fresh ? u.signal_id;
END
$fn$;
)sql";

const std::string& InitialMigration() {
  static const std::string sql = std::string(kInitialSchema) + kWakeFunction;
  return sql;
}

// Seed 003's bars and features, as on SQLite. DOUBLE PRECISION is an IEEE double: with
// PostgreSQL's default extra_float_digits (1) its text output is the shortest exact form, so a
// value reads back bit for bit.
constexpr char kMarketSchema[] = R"sql(
CREATE TABLE lane_telemetry (
  ticker      TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  open        DOUBLE PRECISION NOT NULL,
  high        DOUBLE PRECISION NOT NULL,
  low         DOUBLE PRECISION NOT NULL,
  close       DOUBLE PRECISION NOT NULL,
  volume      DOUBLE PRECISION NOT NULL,
  has_ohlc    BOOLEAN NOT NULL DEFAULT TRUE,
  ingested_at BIGINT NOT NULL,
  PRIMARY KEY (ticker, ts)
);

CREATE TABLE lane_features (
  ticker      TEXT NOT NULL,
  ts          BIGINT NOT NULL,
  computed_at BIGINT NOT NULL,
  close       DOUBLE PRECISION NOT NULL,
  bars        BIGINT NOT NULL,
  sma_short   DOUBLE PRECISION,
  sma_long    DOUBLE PRECISION,
  ema         DOUBLE PRECISION,
  atr         DOUBLE PRECISION,
  recent_vol  DOUBLE PRECISION,
  vol_ratio   DOUBLE PRECISION,
  trend       TEXT CHECK (trend IN ('UP', 'DOWN', 'FLAT')),
  PRIMARY KEY (ticker, ts)
);
)sql";

// The executions' foreign key checked, for each row a Wake inserts, the lock the Wake had just
// taken itself: the check is a query per row ("SELECT 1 FROM pipelines WHERE id = $1 FOR KEY
// SHARE"). Measured on a 700-execution insert, two runs each: 14.5 and
// 16.5 ms with it, 10.2 and 9.8 ms without. Both writers now
// take that lock in the inserting statement (sigflow_wake's candidate lookup; EnqueueExecution),
// so a pipeline being deleted is waited for and then not found, and RemovePipeline deletes the
// executions itself in the DELETE's transaction, as it already did the signal_wakes pairs.
constexpr char kExecutionsWithoutForeignKey[] = R"sql(
ALTER TABLE executions DROP CONSTRAINT IF EXISTS executions_pipeline_id_fkey;
)sql";

// executions_by_pipeline indexed every version of every execution, the active ones included.
// So the Wake's check for an active execution could walk a pipeline's whole history through it
// instead of one lookup in executions_one_active_per_pipeline. The planner took it when that
// index, bloated by the queue's churn, had grown far past the live rows its statistics counted
// (in 1 of 4 benchmark runs on a young database: every Wake checked 400 candidates at 58 rows
// each, 25 ms, and load max fell from ~45,000 to ~15,000 signals/s). Indexing only finished
// executions leaves the check no index but the right one, and a finished execution is never
// updated again, so the index gains one entry per execution instead of three. Its readers name
// the finished statuses: the claim's lookup of the previous execution (all earlier executions of
// a pipeline are finished while one is PENDING) and RemovePipeline.
constexpr char kFinishedExecutionsByPipeline[] = R"sql(
DROP INDEX IF EXISTS executions_by_pipeline;
CREATE INDEX executions_finished_by_pipeline ON executions (pipeline_id, id)
  WHERE status IN ('COMPLETED', 'FAILED');
)sql";

// The claim raises an execution's started_at to the latest finish of its pipeline, now
// max(finished_at): the last entry of the pipeline's range here. It used to take the finish of
// the next lower id, which ids out of run order defeat (postgres_queue.cc says how they arise);
// the pg_outage integration test then recorded one execution inside another's
// [started_at, finished_at] (1 of 15,551).
constexpr char kFinishedExecutionsByPipelineAndTime[] = R"sql(
DROP INDEX IF EXISTS executions_finished_by_pipeline;
CREATE INDEX executions_finished_by_pipeline ON executions (pipeline_id, finished_at)
  WHERE status IN ('COMPLETED', 'FAILED');
)sql";

std::span<const Migration> AllMigrations() {
  static const Migration migrations[] = {
      {1, "initial schema", InitialMigration().c_str()},
      {2, "bars and features", kMarketSchema},
      {3, "execution ledger", LedgerMigrationSql()},
      {4, "wake looks up each candidate's active execution", kWakeFunction},
      {5, "executions without the pipeline foreign key", kExecutionsWithoutForeignKey},
      {6, "wake writes each signal row once", kWakeFunction},
      {7, "index finished executions by pipeline", kFinishedExecutionsByPipeline},
      {8, "index finished executions by pipeline and finish time",
       kFinishedExecutionsByPipelineAndTime},
  };
  return migrations;
}

// Any constant shared by every sigflow process: serialises the migrators of one database.
constexpr int64_t kMigrationLockKey = 0x7369676d69677261;  // "sigmigra"

Status Annotate(const Status& status, const Migration& m) {
  return Status::Error(status.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                          "): " + status.message());
}

Status ApplyOne(PgConnection* conn, const Migration& m, int64_t now_ms) {
  Status status = conn->ExecScript("BEGIN");
  if (!status.ok()) return Annotate(status, m);
  auto run = [&]() -> Status {
    PgParams lock;
    lock.Int8(kMigrationLockKey);
    auto locked = conn->Exec("SELECT pg_advisory_xact_lock($1)", lock);
    if (!locked.ok()) return locked.status();
    Status s = conn->ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    if (!s.ok()) return s;
    PgParams version;
    version.Int4(m.version);
    auto applied = conn->Exec("SELECT 1 FROM schema_migrations WHERE version = $1", version);
    if (!applied.ok()) return applied.status();
    if (applied->rows() > 0) return Status::Error("already_applied", "");
    s = conn->ExecScript(m.sql);
    if (!s.ok()) return s;
    PgParams record;
    record.Int4(m.version).Text(m.name).Int8(now_ms);
    auto recorded = conn->Exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", record);
    return recorded.ok() ? Status::Ok() : recorded.status();
  };
  status = run();
  if (status.code() == "already_applied") return conn->ExecScript("ROLLBACK");
  if (!status.ok()) {
    if (conn->ok()) conn->ExecScript("ROLLBACK");
    return Annotate(status, m);
  }
  status = conn->ExecScript("COMMIT");
  return status.ok() ? status : Annotate(status, m);
}

}  // namespace

std::span<const Migration> Migrations() { return AllMigrations(); }

Result<int> SchemaVersion(PgConnection* conn) {
  auto applied = AppliedVersions(conn);
  if (!applied.ok()) return applied.status();
  return applied->empty() ? 0 : *applied->rbegin();
}

Result<std::set<int>> AppliedVersions(PgConnection* conn) {
  std::set<int> versions;
  auto exists = conn->Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (!exists->Bool(0, 0)) return versions;
  auto all = conn->Exec("SELECT version FROM schema_migrations");
  if (!all.ok()) return all.status();
  for (int row = 0; row < all->rows(); ++row) versions.insert(static_cast<int>(all->Int(row, 0)));
  return versions;
}

Status ApplyMigrations(PgConnection* conn, int64_t now_ms) {
  return ApplyMigrations(conn, now_ms, Migrations());
}

Status ApplyMigrations(PgConnection* conn, int64_t now_ms, std::span<const Migration> known) {
  auto applied = AppliedVersions(conn);
  if (!applied.ok()) return applied.status();
  int latest = 0;
  for (const Migration& m : known) latest = std::max(latest, m.version);
  if (!applied->empty() && *applied->rbegin() > latest) {
    return Status::Internal("database schema version " + std::to_string(*applied->rbegin()) +
                            " is newer than this sigflow knows (" + std::to_string(latest) +
                            "): upgrade sigflow");
  }
  // ApplyOne re-checks under the migration lock: a concurrent opener may have applied it since.
  for (const Migration& m : known) {
    if (applied->count(m.version) > 0) continue;
    Status status = ApplyOne(conn, m, now_ms);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace sigflow::store_postgres
