// PostgresStore: opening, pipelines, history and counts. Notifications are in postgres_notify.cc,
// the queue in postgres_queue.cc, the dispatcher's batch in postgres_wake.cc.
#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/uuid.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_store_impl.h"

namespace sigflow {

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options, const Clock* clock,
                                                 PostgresProbe* probe) {
  auto settings = store_postgres::MakeConnectSettings(options);
  if (!settings.ok()) return settings.status();
  const std::string where = settings->description;
  auto store = std::make_unique<store_postgres::PostgresStore>(options, std::move(settings).value(),
                                                               clock, probe);
  {
    auto conn = store->pool().Acquire();
    if (!conn.ok()) return conn.status();
    Status migrated = store_postgres::ApplyMigrations(&**conn, clock->NowMs());
    if (!migrated.ok()) {
      return Status::Error(migrated.code(), "cannot migrate " + where + ": " + migrated.message());
    }
  }
  return std::unique_ptr<Store>(std::move(store));
}

namespace store_postgres {
namespace {

Result<std::vector<std::string>> ParseStringArray(std::string_view text, std::string_view what) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) {
    return Status::Internal(std::string(what) + " is not a JSON array: " + std::string(text));
  }
  out.reserve(json.size());
  for (const auto& item : json) {
    if (!item.is_string()) {
      return Status::Internal(std::string(what) + " holds a non-string: " + std::string(text));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Result<Pipeline> ReadPipeline(const PgResult& r, int row, int first_column) {
  const int c = first_column;
  Pipeline p;
  p.id = r.Text(row, c);
  p.name = r.Text(row, c + 1);
  p.description = r.Text(row, c + 2);
  p.user_id = r.Text(row, c + 3);
  p.trigger_mode = ParseTriggerMode(r.Text(row, c + 4)).value_or(TriggerMode::kPeriodic);
  auto tickers = ParseStringArray(r.Text(row, c + 5), "pipelines.scanner_tickers");
  if (!tickers.ok()) return tickers.status();
  p.scanner_tickers = std::move(tickers).value();
  p.is_active = r.Bool(row, c + 6);
  p.config_json = r.Text(row, c + 7);
  p.created_at_ms = r.Int(row, c + 8);
  p.updated_at_ms = r.Int(row, c + 9);
  return p;
}

StoredSignal ReadStoredSignal(const PgResult& r, int row, int first_column) {
  const int c = first_column;
  StoredSignal s;
  s.signal_id = r.Text(row, c);
  s.payload = r.Text(row, c + 1);
  s.timestamp_ms = r.Int(row, c + 2);
  s.received_at_ms = r.Int(row, c + 3);
  s.outcome.matched = static_cast<uint32_t>(r.Int(row, c + 4));
  s.outcome.enqueued = static_cast<uint32_t>(r.Int(row, c + 5));
  s.outcome.skipped_running = static_cast<uint32_t>(r.Int(row, c + 6));
  s.outcome.duplicate = static_cast<uint32_t>(r.Int(row, c + 7));
  s.outcome.trading_halted = static_cast<uint32_t>(r.Int(row, c + 8));
  return s;
}

std::string Qualified(std::string_view columns, std::string_view alias) {
  std::string out;
  while (!columns.empty()) {
    const size_t comma = columns.find(", ");
    out.append(alias).append(".").append(columns.substr(0, comma));
    if (comma == std::string_view::npos) break;
    out.append(", ");
    columns.remove_prefix(comma + 2);
  }
  return out;
}

PostgresStore::PostgresStore(const PostgresOptions& options, ConnectSettings settings,
                             const Clock* clock, PostgresProbe* probe)
    : options_(options),
      clock_(clock),
      own_probe_(probe ? nullptr : std::make_unique<PostgresProbe>()),
      probe_(probe ? probe : own_probe_.get()),
      pool_(std::move(settings), options, probe_) {}

PostgresStore::~PostgresStore() {
  std::unique_ptr<PgListener> listener;
  {
    std::lock_guard lock(listener_mu_);
    listener = std::move(listener_);
  }
  listener.reset();  // joins the thread, which may be running a callback
}

Result<PgResult> PostgresStore::Run(const char* sql, PgParams& params) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec(sql, params);
}

Result<PgResult> PostgresStore::RunPrepared(const char* sql, PgParams& params) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->ExecPrepared(sql, params);
}

// ---- pipelines ----

Result<Pipeline> PostgresStore::AddPipeline(Pipeline pipeline) {
  Status valid = store_rows::ValidatePipeline(&pipeline);
  if (!valid.ok()) return valid;
  if (pipeline.id.empty()) pipeline.id = NewUuid();
  pipeline.created_at_ms = pipeline.updated_at_ms = clock_->NowMs();
  std::string tickers;
  if (!pipeline.scanner_tickers.empty()) AppendJsonStringArray(pipeline.scanner_tickers, &tickers);
  PgParams params;
  params.Text(pipeline.id).Text(pipeline.name).Text(pipeline.description);
  if (pipeline.user_id.empty()) {
    params.Null(oid::kText);
  } else {
    params.Text(pipeline.user_id);
  }
  params.Text(TriggerModeName(pipeline.trigger_mode));
  if (tickers.empty()) {
    params.Null(oid::kText);
  } else {
    params.Text(tickers);
  }
  params.Bool(pipeline.is_active).Text(pipeline.config_json).Int8(pipeline.created_at_ms);
  auto added = Run(
      "WITH added AS (INSERT INTO pipelines (id, name, description, user_id, trigger_mode, "
      "scanner_tickers, is_active, config, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5::trigger_mode, $6::jsonb, $7, $8::jsonb, $9, $9) RETURNING id) "
      "SELECT pg_notify('sigflow_pipelines', id) FROM added",
      params);
  if (added.status().code() == "conflict") {
    return Status::Error("conflict", "pipeline " + pipeline.id + " already exists");
  }
  if (added.status().code() == "invalid_argument") {
    return Status::InvalidArgument("config: " + added.status().message());
  }
  if (!added.ok()) return added.status();
  FirePipelinesChanged();
  return pipeline;
}

Result<Pipeline> PostgresStore::GetPipeline(std::string_view id) {
  PgParams params;
  params.Text(id);
  static const std::string kSql =
      std::string("SELECT ") + kPipelineColumns + " FROM pipelines WHERE id = $1";
  auto r = Run(kSql.c_str(), params);
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::NotFound("pipeline " + std::string(id));
  return ReadPipeline(*r, 0);
}

Result<std::vector<Pipeline>> PostgresStore::QueryPipelines(const char* where) {
  const std::string sql = std::string("SELECT ") + kPipelineColumns + " FROM pipelines " + where +
                          " ORDER BY created_at, id";
  PgParams none;
  auto r = Run(sql.c_str(), none);
  if (!r.ok()) return r.status();
  std::vector<Pipeline> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    auto p = ReadPipeline(*r, i);
    if (!p.ok()) return p.status();
    out.push_back(std::move(p).value());
  }
  return out;
}

Result<std::vector<Pipeline>> PostgresStore::ListPipelines() { return QueryPipelines(""); }

Result<std::vector<Pipeline>> PostgresStore::LoadSignalPipelines() {
  return QueryPipelines(
      "WHERE is_active AND trigger_mode = 'signal' AND scanner_tickers IS NOT NULL AND "
      "jsonb_array_length(scanner_tickers) > 0");
}

// One transaction of two statements: the DELETE waits for any writer of executions holding the
// pipeline (FOR KEY SHARE: a Wake, EnqueueExecution); the second, with a snapshot taken after that
// wait, removes the pipeline's executions and signal_wakes pairs, including those such a writer
// just committed. No foreign key does this (migration 5 explains why).
Status PostgresStore::RemovePipeline(std::string_view id) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Status status = (*conn)->ExecScript("BEGIN");
  if (!status.ok()) return status;
  PgParams params;
  params.Text(id);
  auto removed = (*conn)->Exec(
      "WITH removed AS (DELETE FROM pipelines WHERE id = $1 RETURNING id) "
      "SELECT pg_notify('sigflow_pipelines', id) FROM removed",
      params);
  if (removed.ok() && removed->rows() == 0) {
    removed = Status::NotFound("pipeline " + std::string(id));
  }
  if (removed.ok()) {
    removed = (*conn)->Exec(
        // Every status, named in two halves so that each half has its index (migration 7).
        // One DELETE, not one per half: a row a worker finishes meanwhile is re-checked
        // against the whole condition and still goes.
        "WITH executions_removed AS (DELETE FROM executions WHERE pipeline_id = $1 "
        "AND (status IN ('COMPLETED', 'FAILED') OR status IN ('PENDING', 'RUNNING'))) "
        "DELETE FROM signal_wakes WHERE pipeline_id = $1",
        params);
  }
  if (!removed.ok()) {
    if ((*conn)->ok()) (*conn)->ExecScript("ROLLBACK");
    return removed.status();
  }
  status = (*conn)->ExecScript("COMMIT");
  if (!status.ok()) return status;
  FirePipelinesChanged();
  return Status::Ok();
}

// ---- history ----

Result<std::vector<StoredSignal>> PostgresStore::LoadSignals(const std::vector<std::string>& ids) {
  std::vector<StoredSignal> out;
  if (ids.empty()) return out;
  PgParams params;
  params.BeginArray(oid::kTextArray, oid::kText);
  for (const auto& id : ids) params.ElementBytes(id);
  params.EndArray();
  static const std::string kSql = std::string("SELECT ") + Qualified(kSignalColumns, "s") +
                                  " FROM unnest($1::text[]) WITH ORDINALITY AS u (signal_id, ord) "
                                  "JOIN signals s ON s.signal_id = u.signal_id ORDER BY u.ord";
  auto r = Run(kSql.c_str(), params);
  if (!r.ok()) return r.status();
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadStoredSignal(*r, i, 0));
  return out;
}

Result<std::vector<StoredDeadLetter>> PostgresStore::ListDeadLetters(int limit) {
  PgParams params;
  if (limit > 0) {
    params.Int8(limit);
  } else {
    params.Null(oid::kInt8);  // LIMIT NULL: all
  }
  auto r =
      Run("SELECT id, raw, reason_code, message, created_at FROM dead_letters "
          "ORDER BY id DESC LIMIT $1",
          params);
  if (!r.ok()) return r.status();
  std::vector<StoredDeadLetter> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    StoredDeadLetter d;
    d.id = r->Int(i, 0);
    d.raw = r->Bytea(i, 1);
    d.reason_code = r->Text(i, 2);
    d.message = r->Text(i, 3);
    d.created_at_ms = r->Int(i, 4);
    out.push_back(std::move(d));
  }
  return out;
}

Result<StoreCounts> PostgresStore::Counts() {
  PgParams none;
  // One statement, so one consistent snapshot.
  auto r =
      Run("SELECT (SELECT count(*) FROM pipelines), (SELECT count(*) FROM signals), "
          "(SELECT count(*) FROM signal_wakes), (SELECT count(*) FROM dead_letters), "
          "count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'RUNNING'), "
          "count(*) FILTER (WHERE status = 'COMPLETED'), count(*) FILTER (WHERE status = 'FAILED') "
          "FROM executions",
          none);
  if (!r.ok()) return r.status();
  StoreCounts c;
  c.pipelines = r->Int(0, 0);
  c.signals = r->Int(0, 1);
  c.signal_wakes = r->Int(0, 2);
  c.dead_letters = r->Int(0, 3);
  c.executions_pending = r->Int(0, 4);
  c.executions_running = r->Int(0, 5);
  c.executions_completed = r->Int(0, 6);
  c.executions_failed = r->Int(0, 7);
  return c;
}

}  // namespace store_postgres
}  // namespace sigflow
