// SqliteStore: opening, pipelines, history and counts. The queue is in sqlite_queue.cc, the
// dispatcher's batch in sqlite_wake.cc.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/uuid.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sigflow {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock* clock) {
  auto db = sqlite::Database::Open(path);
  if (!db.ok()) return db.status();
  Status migrated = store_sqlite::ApplyMigrations(db->get(), clock->NowMs());
  if (!migrated.ok()) {
    return Status::Error(migrated.code(), "cannot migrate " + path + ": " + migrated.message());
  }
  return std::unique_ptr<Store>(
      std::make_unique<store_sqlite::SqliteStore>(std::move(db).value(), clock));
}

namespace store_sqlite {
namespace {

constexpr char kPipelineColumns[] =
    "id, name, description, user_id, trigger_mode, scanner_tickers, is_active, config, "
    "created_at, updated_at";

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

Result<Pipeline> ReadPipeline(const sqlite::Statement& st) {
  Pipeline p;
  p.id = st.ColumnText(0);
  p.name = st.ColumnText(1);
  p.description = st.ColumnText(2);
  p.user_id = st.ColumnText(3);
  p.trigger_mode = ParseTriggerMode(st.ColumnText(4)).value_or(TriggerMode::kPeriodic);
  auto tickers = ParseStringArray(st.ColumnText(5), "pipelines.scanner_tickers");
  if (!tickers.ok()) return tickers.status();
  p.scanner_tickers = std::move(tickers).value();
  p.is_active = st.ColumnInt(6) != 0;
  p.config_json = st.ColumnText(7);
  p.created_at_ms = st.ColumnInt(8);
  p.updated_at_ms = st.ColumnInt(9);
  return p;
}

}  // namespace

Result<Execution> ReadExecution(const sqlite::Statement& st) {
  Execution e;
  e.id = st.ColumnInt(0);
  e.pipeline_id = st.ColumnText(1);
  auto status = ParseExecutionStatus(st.ColumnText(2));
  if (!status) return Status::Internal("executions.status: " + std::string(st.ColumnText(2)));
  e.status = *status;
  e.triggered_by_signal = st.ColumnInt(3) != 0;
  auto ids = ParseStringArray(st.ColumnText(4), "executions.signal_ids");
  if (!ids.ok()) return ids.status();
  e.signal_ids = std::move(ids).value();
  e.result_json = st.ColumnText(5);
  e.error = st.ColumnText(6);
  e.attempts = static_cast<int>(st.ColumnInt(7));
  e.lease_owner = st.ColumnText(8);
  e.lease_expires_at_ms = st.ColumnInt(9);
  e.created_at_ms = st.ColumnInt(10);
  e.started_at_ms = st.ColumnInt(11);
  e.finished_at_ms = st.ColumnInt(12);
  return e;
}

// ---- pipelines ----

Result<Pipeline> SqliteStore::AddPipeline(Pipeline pipeline) {
  Status valid = store_rows::ValidatePipeline(&pipeline);
  if (!valid.ok()) return valid;
  if (pipeline.id.empty()) pipeline.id = NewUuid();
  std::string tickers;
  if (!pipeline.scanner_tickers.empty()) AppendJsonStringArray(pipeline.scanner_tickers, &tickers);
  {
    std::lock_guard lock(mu_);
    pipeline.created_at_ms = pipeline.updated_at_ms = clock_->NowMs();
    auto st = db_->Cached(
        "INSERT INTO pipelines (id, name, description, user_id, trigger_mode, scanner_tickers, "
        "is_active, config, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
    if (!st.ok()) return st.status();
    (*st)
        ->BindText(1, pipeline.id)
        .BindText(2, pipeline.name)
        .BindText(3, pipeline.description)
        .BindText(5, TriggerModeName(pipeline.trigger_mode))
        .BindInt(7, pipeline.is_active ? 1 : 0)
        .BindText(8, pipeline.config_json)
        .BindInt(9, pipeline.created_at_ms);
    if (!pipeline.user_id.empty()) (*st)->BindText(4, pipeline.user_id);
    if (!tickers.empty()) (*st)->BindText(6, tickers);
    Status status = (*st)->Run();
    if (status.code() == "conflict") {
      return Status::Error("conflict", "pipeline " + pipeline.id + " already exists");
    }
    if (!status.ok()) return status;
  }
  NotifyPipelinesChanged();
  return pipeline;
}

Result<Pipeline> SqliteStore::GetPipeline(std::string_view id) {
  std::lock_guard lock(mu_);
  auto st =
      db_->Cached(std::string("SELECT ") + kPipelineColumns + " FROM pipelines WHERE id = ?1");
  if (!st.ok()) return st.status();
  auto row = (*st)->BindText(1, id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("pipeline " + std::string(id));
  return ReadPipeline(**st);
}

Result<std::vector<Pipeline>> SqliteStore::QueryPipelines(const char* where) {
  std::lock_guard lock(mu_);
  auto st = db_->Cached(std::string("SELECT ") + kPipelineColumns + " FROM pipelines " + where +
                        " ORDER BY created_at, id");
  if (!st.ok()) return st.status();
  std::vector<Pipeline> out;
  for (;;) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto p = ReadPipeline(**st);
    if (!p.ok()) return p.status();
    out.push_back(std::move(p).value());
  }
  return out;
}

Result<std::vector<Pipeline>> SqliteStore::ListPipelines() { return QueryPipelines(""); }

Result<std::vector<Pipeline>> SqliteStore::LoadSignalPipelines() {
  return QueryPipelines(
      "WHERE is_active = 1 AND trigger_mode = 'signal' AND scanner_tickers IS NOT NULL AND "
      "json_array_length(scanner_tickers) > 0");
}

Status SqliteStore::RemovePipeline(std::string_view id) {
  {
    std::lock_guard lock(mu_);
    // Its executions and wakes go with it (ON DELETE CASCADE).
    auto st = db_->Cached("DELETE FROM pipelines WHERE id = ?1");
    if (!st.ok()) return st.status();
    Status status = (*st)->BindText(1, id).Run();
    if (!status.ok()) return status;
    if (db_->Changes() == 0) return Status::NotFound("pipeline " + std::string(id));
  }
  NotifyPipelinesChanged();
  return Status::Ok();
}

void SqliteStore::OnPipelinesChanged(std::function<void()> callback) {
  std::lock_guard lock(callbacks_mu_);
  callbacks_.push_back(std::move(callback));
}

void SqliteStore::NotifyPipelinesChanged() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(callbacks_mu_);
    callbacks = callbacks_;
  }
  for (const auto& callback : callbacks) callback();
}

// ---- history ----

Result<std::vector<StoredSignal>> SqliteStore::LoadSignals(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  auto tx = sqlite::Transaction::Begin(db_.get(), sqlite::Transaction::Mode::kDeferred);
  if (!tx.ok()) return tx.status();
  std::vector<StoredSignal> out;
  out.reserve(ids.size());
  {
    auto st = db_->Cached(
        "SELECT payload, timestamp, received_at, matched, enqueued, skipped_running, duplicate, "
        "trading_halted FROM signals WHERE signal_id = ?1");
    if (!st.ok()) return st.status();
    for (const auto& id : ids) {
      auto row = (*st)->BindText(1, id).Step();
      if (!row.ok()) return row.status();
      if (*row) {
        StoredSignal s;
        s.signal_id = id;
        s.payload = (*st)->ColumnText(0);
        s.timestamp_ms = (*st)->ColumnInt(1);
        s.received_at_ms = (*st)->ColumnInt(2);
        s.outcome.matched = static_cast<uint32_t>((*st)->ColumnInt(3));
        s.outcome.enqueued = static_cast<uint32_t>((*st)->ColumnInt(4));
        s.outcome.skipped_running = static_cast<uint32_t>((*st)->ColumnInt(5));
        s.outcome.duplicate = static_cast<uint32_t>((*st)->ColumnInt(6));
        s.outcome.trading_halted = static_cast<uint32_t>((*st)->ColumnInt(7));
        out.push_back(std::move(s));
      }
      (*st)->Reset();
    }
  }
  Status status = tx->Commit();
  if (!status.ok()) return status;
  return out;
}

Result<std::vector<StoredDeadLetter>> SqliteStore::ListDeadLetters(int limit) {
  std::lock_guard lock(mu_);
  auto st = db_->Cached(
      "SELECT id, raw, reason_code, message, created_at FROM dead_letters "
      "ORDER BY id DESC LIMIT ?1");
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, limit > 0 ? limit : -1);
  std::vector<StoredDeadLetter> out;
  for (;;) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    StoredDeadLetter d;
    d.id = (*st)->ColumnInt(0);
    d.raw = (*st)->ColumnBlob(1);
    d.reason_code = (*st)->ColumnText(2);
    d.message = (*st)->ColumnText(3);
    d.created_at_ms = (*st)->ColumnInt(4);
    out.push_back(std::move(d));
  }
  return out;
}

Result<StoreCounts> SqliteStore::Counts() {
  std::lock_guard lock(mu_);
  // One statement, so one consistent snapshot.
  auto st = db_->Cached(
      "SELECT (SELECT count(*) FROM pipelines), (SELECT count(*) FROM signals), "
      "(SELECT count(*) FROM signal_wakes), (SELECT count(*) FROM dead_letters), "
      "(SELECT count(*) FROM executions WHERE status = 'PENDING'), "
      "(SELECT count(*) FROM executions WHERE status = 'RUNNING'), "
      "(SELECT count(*) FROM executions WHERE status = 'COMPLETED'), "
      "(SELECT count(*) FROM executions WHERE status = 'FAILED')");
  if (!st.ok()) return st.status();
  auto row = (*st)->Step();
  if (!row.ok()) return row.status();
  StoreCounts c;
  c.pipelines = (*st)->ColumnInt(0);
  c.signals = (*st)->ColumnInt(1);
  c.signal_wakes = (*st)->ColumnInt(2);
  c.dead_letters = (*st)->ColumnInt(3);
  c.executions_pending = (*st)->ColumnInt(4);
  c.executions_running = (*st)->ColumnInt(5);
  c.executions_completed = (*st)->ColumnInt(6);
  c.executions_failed = (*st)->ColumnInt(7);
  return c;
}

}  // namespace store_sqlite
}  // namespace sigflow
