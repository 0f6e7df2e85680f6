// SqliteStore: the execution queue (enqueue, claim, lease renewal, completion, reaping).
//
// Each method is one statement (so one implicit transaction) except the reaper, which runs two
// in one BEGIN IMMEDIATE. The partial unique index executions_one_active_per_pipeline keeps at
// most one PENDING/RUNNING execution per pipeline whatever the interleaving.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/sqlite/sqlite_store_impl.h"

namespace sigflow::store_sqlite {
namespace {

std::string Sql(const char* head, const char* tail) {
  return std::string(head) + kExecutionColumns + tail;
}

}  // namespace

Result<int64_t> SqliteStore::EnqueueExecution(std::string_view pipeline_id,
                                              bool triggered_by_signal,
                                              const std::vector<std::string>& signal_ids) {
  std::string ids;
  AppendJsonStringArray(signal_ids, &ids);
  std::lock_guard lock(mu_);
  auto st = db_->Cached(
      "INSERT INTO executions (pipeline_id, status, triggered_by_signal, signal_ids, created_at) "
      "SELECT id, 'PENDING', ?2, ?3, ?4 FROM pipelines WHERE id = ?1");
  if (!st.ok()) return st.status();
  Status status = (*st)
                      ->BindText(1, pipeline_id)
                      .BindInt(2, triggered_by_signal ? 1 : 0)
                      .BindText(3, ids)
                      .BindInt(4, clock_->NowMs())
                      .Run();
  if (status.code() == "conflict") {
    return Status::Error("conflict", "pipeline " + std::string(pipeline_id) +
                                         " already has a PENDING or RUNNING execution");
  }
  if (!status.ok()) return status;
  if (db_->Changes() == 0) return Status::NotFound("pipeline " + std::string(pipeline_id));
  return db_->LastInsertRowid();
}

Result<std::vector<Execution>> SqliteStore::ClaimExecutions(std::string_view worker, int max,
                                                            std::chrono::milliseconds lease) {
  std::vector<Execution> out;
  if (max <= 0) return out;
  std::lock_guard lock(mu_);
  const int64_t now = clock_->NowMs();
  // One statement: the selection and the update are atomic, across processes too.
  static const std::string kClaim =
      Sql("UPDATE executions SET status = 'RUNNING', attempts = attempts + 1, lease_owner = ?1, "
          "lease_expires_at = ?2, started_at = ?3 "
          "WHERE id IN (SELECT id FROM executions WHERE status = 'PENDING' "
          "ORDER BY created_at, id LIMIT ?4) RETURNING ",
          "");
  auto st = db_->Cached(kClaim);
  if (!st.ok()) return st.status();
  (*st)->BindText(1, worker).BindInt(2, now + lease.count()).BindInt(3, now).BindInt(4, max);
  for (;;) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto e = ReadExecution(**st);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  // RETURNING gives no order guarantee.
  std::sort(out.begin(), out.end(), [](const Execution& a, const Execution& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms : a.id < b.id;
  });
  return out;
}

Status SqliteStore::RenewLease(int64_t execution_id, std::string_view worker,
                               std::chrono::milliseconds lease) {
  std::lock_guard lock(mu_);
  auto st = db_->Cached(
      "UPDATE executions SET lease_expires_at = ?3 "
      "WHERE id = ?1 AND status = 'RUNNING' AND lease_owner = ?2");
  if (!st.ok()) return st.status();
  Status status = (*st)
                      ->BindInt(1, execution_id)
                      .BindText(2, worker)
                      .BindInt(3, clock_->NowMs() + lease.count())
                      .Run();
  if (!status.ok()) return status;
  if (db_->Changes() == 0) {
    return Status::Error("conflict", "execution " + std::to_string(execution_id) +
                                         " is not RUNNING under worker " + std::string(worker));
  }
  return Status::Ok();
}

Status SqliteStore::Finish(int64_t execution_id, std::string_view worker, const char* sql,
                           std::string_view text) {
  std::lock_guard lock(mu_);
  auto st = db_->Cached(sql);
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, execution_id).BindText(2, worker).BindInt(4, clock_->NowMs());
  if (!text.empty()) (*st)->BindText(3, text);
  Status status = (*st)->Run();
  if (!status.ok()) return status;
  if (db_->Changes() == 0) {
    return Status::Error("conflict", "execution " + std::to_string(execution_id) +
                                         " is not RUNNING under worker " + std::string(worker));
  }
  return Status::Ok();
}

Status SqliteStore::CompleteExecution(int64_t execution_id, std::string_view worker,
                                      std::string_view result_json) {
  if (!result_json.empty() && !nlohmann::json::accept(result_json)) {
    return Status::InvalidArgument("result: not valid JSON");
  }
  return Finish(execution_id, worker,
                "UPDATE executions SET status = 'COMPLETED', result = ?3, finished_at = ?4, "
                "lease_expires_at = NULL WHERE id = ?1 AND status = 'RUNNING' AND lease_owner = ?2",
                result_json);
}

Status SqliteStore::FailExecution(int64_t execution_id, std::string_view worker,
                                  std::string_view error) {
  return Finish(execution_id, worker,
                "UPDATE executions SET status = 'FAILED', error = ?3, finished_at = ?4, "
                "lease_expires_at = NULL WHERE id = ?1 AND status = 'RUNNING' AND lease_owner = ?2",
                error);
}

Result<ReapResult> SqliteStore::ReapExpiredLeases(int max_attempts) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_->NowMs();
  auto tx = sqlite::Transaction::Begin(db_.get());
  if (!tx.ok()) return tx.status();
  ReapResult result;
  {
    auto fail = db_->Cached(
        "UPDATE executions SET status = 'FAILED', finished_at = ?1, lease_expires_at = NULL, "
        "error = 'lease expired after ' || attempts || ' attempts' "
        "WHERE status = 'RUNNING' AND lease_expires_at <= ?1 AND attempts >= ?2");
    if (!fail.ok()) return fail.status();
    Status status = (*fail)->BindInt(1, now).BindInt(2, max_attempts).Run();
    if (!status.ok()) return status;
    result.failed = db_->Changes();
  }
  {
    auto requeue = db_->Cached(
        "UPDATE executions SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL "
        "WHERE status = 'RUNNING' AND lease_expires_at <= ?1");
    if (!requeue.ok()) return requeue.status();
    Status status = (*requeue)->BindInt(1, now).Run();
    if (!status.ok()) return status;
    result.requeued = db_->Changes();
  }
  Status status = tx->Commit();
  if (!status.ok()) return status;
  return result;
}

Result<Execution> SqliteStore::GetExecution(int64_t id) {
  std::lock_guard lock(mu_);
  static const std::string kGet = Sql("SELECT ", " FROM executions WHERE id = ?1");
  auto st = db_->Cached(kGet);
  if (!st.ok()) return st.status();
  auto row = (*st)->BindInt(1, id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("execution " + std::to_string(id));
  return ReadExecution(**st);
}

Result<std::vector<Execution>> SqliteStore::ListExecutions(int limit) {
  std::lock_guard lock(mu_);
  // Ids grow with insertion (AUTOINCREMENT), so id order is creation order.
  static const std::string kList = Sql("SELECT ", " FROM executions ORDER BY id DESC LIMIT ?1");
  auto st = db_->Cached(kList);
  if (!st.ok()) return st.status();
  (*st)->BindInt(1, limit > 0 ? limit : -1);
  std::vector<Execution> out;
  for (;;) {
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto e = ReadExecution(**st);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace sigflow::store_sqlite
