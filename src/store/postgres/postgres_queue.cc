// PostgresStore: the execution queue (enqueue, claim, leases, completion, reaping).
//
// Each method is one statement, so one round trip and one transaction. Times are the injected
// Clock's, passed as parameters. Each caller reads its clock before its round trip, and callers
// live in different processes (or hosts), so a time read first may land last: a claim's
// started_at is raised to the latest finished_at of its pipeline, and a finished_at to the row's
// started_at, so that the recorded times of a pipeline's executions follow the order in which
// the database ran them (never two at once). "Latest finished", not "the finished one with the
// next lower id": ids do not follow that order. An insert draws its id before it checks the
// partial unique index, and one that waited there for a racing Wake's execution inserts its row,
// with the id it drew first, once that execution has run and finished. The partial unique index
// executions_one_active_per_pipeline keeps at most one PENDING/RUNNING execution per pipeline
// whatever the interleaving. Statements that make executions PENDING also NOTIFY sigflow_executions
// (folded into one per transaction). The workers' calls are batched: ClaimExecutionsWithInputs
// returns each claimed execution's pipeline and signals with the claim, and FinishExecutions
// records a batch of outcomes, each in one round trip.
#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "store/postgres/postgres_store_impl.h"

namespace sigflow::store_postgres {
namespace {

std::string Sql(const char* head, const char* tail) {
  return std::string(head) + kExecutionColumns + tail;
}

Status NotOwned(int64_t execution_id, std::string_view worker) {
  return Status::Error("conflict", "execution " + std::to_string(execution_id) +
                                       " is not RUNNING under worker " + std::string(worker));
}

// The statement `Build(max)`, built once per thread and kept while `max` stays the same: the
// claims run on the worker's hot path, and a pool always claims with one `max`. The reference is
// valid until the thread's next call for the same `Build`.
template <std::string (*Build)(int)>
const std::string& BuiltPerThread(int max) {
  thread_local int built_for = -1;
  thread_local std::string sql;
  if (built_for != max) {
    sql = Build(max);
    built_for = max;
  }
  return sql;
}

std::string ClaimReturningExecutionsSql(int max) { return ClaimUpdateSql(max) + kExecutionColumns; }

}  // namespace

Result<Execution> ReadExecution(const PgResult& r, int row, int first_column) {
  const int c = first_column;
  Execution e;
  e.id = r.Int(row, c);
  e.pipeline_id = r.Text(row, c + 1);
  auto status = ParseExecutionStatus(r.Text(row, c + 2));
  if (!status) return Status::Internal("executions.status: " + std::string(r.Text(row, c + 2)));
  e.status = *status;
  e.triggered_by_signal = r.Bool(row, c + 3);
  auto ids = nlohmann::json::parse(r.Text(row, c + 4), nullptr, /*allow_exceptions=*/false);
  if (!ids.is_array()) return Status::Internal("executions.signal_ids is not a JSON array");
  for (const auto& id : ids) {
    if (!id.is_string()) return Status::Internal("executions.signal_ids holds a non-string");
    e.signal_ids.push_back(id.get<std::string>());
  }
  e.result_json = r.Text(row, c + 5);
  e.error = r.Text(row, c + 6);
  e.attempts = static_cast<int>(r.Int(row, c + 7));
  e.lease_owner = r.Text(row, c + 8);
  e.lease_expires_at_ms = r.Int(row, c + 9);
  e.created_at_ms = r.Int(row, c + kExecutionCreatedAtColumn);
  e.started_at_ms = r.Int(row, c + 11);
  e.finished_at_ms = r.Int(row, c + 12);
  return e;
}

Result<int64_t> PostgresStore::EnqueueExecution(std::string_view pipeline_id,
                                                bool triggered_by_signal,
                                                const std::vector<std::string>& signal_ids) {
  std::string ids, scratch;
  AppendJsonStringArray(signal_ids, &ids);
  PgParams params;
  params.Text(pipeline_id).Bool(triggered_by_signal).Text(SafeText(ids, true, &scratch));
  params.Int8(clock_->NowMs());
  auto r =
      Run("WITH created AS (INSERT INTO executions (pipeline_id, status, triggered_by_signal, "
          "signal_ids, created_at) SELECT p.id, 'PENDING', $2, $3::jsonb, $4 FROM pipelines p "
          "WHERE p.id = $1 FOR KEY SHARE RETURNING id) "
          "SELECT c.id, pg_notify('sigflow_executions', '') FROM created c",
          params);
  if (r.status().code() == "conflict") {
    return Status::Error("conflict", "pipeline " + std::string(pipeline_id) +
                                         " already has a PENDING or RUNNING execution");
  }
  if (r.ok() && r->rows() == 0) {  // the pipeline is gone (its lock found no row)
    return Status::NotFound("pipeline " + std::string(pipeline_id));
  }
  if (!r.ok()) return r.status();
  FireExecutionsEnqueued();
  return r->Int(0, 0);
}

std::string ClaimUpdateSql(int max) {
  return "UPDATE executions AS e SET status = 'RUNNING', attempts = e.attempts + 1, "
         "lease_owner = $1, lease_expires_at = $2, "
         "started_at = GREATEST($3, e.created_at, (SELECT max(p.finished_at) FROM executions p "
         "WHERE p.pipeline_id = e.pipeline_id AND p.status IN ('COMPLETED', 'FAILED'))) "
         "WHERE e.id = ANY (ARRAY(SELECT id FROM executions WHERE status = 'PENDING' "
         "AND created_at >= $4 ORDER BY created_at, id LIMIT " +
         std::to_string(max) + " FOR UPDATE SKIP LOCKED)) RETURNING ";
}

void PostgresStore::ClaimEverythingNext() {
  std::lock_guard lock(claim_mu_);
  full_claim_due_ = true;
}

Result<PgResult> PostgresStore::Claim(const std::string& sql, std::string_view worker,
                                      std::chrono::milliseconds lease) {
  constexpr int64_t kFromTheStart = std::numeric_limits<int64_t>::min();
  const int64_t now = clock_->NowMs();
  int64_t floor = kFromTheStart;
  {
    std::lock_guard lock(claim_mu_);
    if (full_claim_due_ || now - last_full_claim_ms_ >= kFullClaimEvery.count() ||
        now < last_full_claim_ms_) {
      full_claim_due_ = false;
      last_full_claim_ms_ = now;
    } else {
      floor = claim_floor_ms_;
    }
  }
  PgParams params;
  params.Text(worker).Int8(now + lease.count()).Int8(now).Int8(floor);
  auto r = RunPrepared(sql.c_str(), params);
  if (r.ok() && floor == kFromTheStart) {
    int64_t next_floor = now - kClaimFloorMargin.count();
    for (int i = 0; i < r->rows(); ++i) {
      next_floor = std::min(next_floor, r->Int(i, kExecutionCreatedAtColumn));
    }
    std::lock_guard lock(claim_mu_);
    claim_floor_ms_ = next_floor;
  }
  return r;
}

Result<std::vector<Execution>> PostgresStore::ClaimExecutions(std::string_view worker, int max,
                                                              std::chrono::milliseconds lease) {
  std::vector<Execution> out;
  if (max <= 0) return out;
  auto r = Claim(BuiltPerThread<ClaimReturningExecutionsSql>(max), worker, lease);
  if (!r.ok()) return r.status();
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    auto e = ReadExecution(*r, i);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  // RETURNING gives no order guarantee.
  std::sort(out.begin(), out.end(), [](const Execution& a, const Execution& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms : a.id < b.id;
  });
  return out;
}

// The claim, joined in the same statement to each execution's pipeline and recorded signals:
// one row per (execution, signal found), or one with NULL signal columns when none is found.
// The rows of an execution are adjacent, its signals in the order of its signal_ids. OFFSET 0
// keeps each pipeline and each signal a primary-key lookup: as plain joins, the planner (which
// guesses ten claimed rows at most) hashed the whole signals table once per claimed execution,
// and read every pipeline for each claim (2,000 rows for 30 claimed, 0.1 ms a claim).
std::string ClaimWithInputsSql(int max) {
  return "WITH claimed AS (" + ClaimUpdateSql(max) + "e.*) SELECT " +
         Qualified(kExecutionColumns, "c") + ", " + Qualified(kPipelineColumns, "p") + ", " +
         Qualified(kSignalColumns, "s") +
         " FROM claimed c LEFT JOIN LATERAL (SELECT * FROM pipelines WHERE id = c.pipeline_id "
         "OFFSET 0) p ON true "
         "LEFT JOIN LATERAL (SELECT x.ord, g.* FROM jsonb_array_elements_text(c.signal_ids) "
         "WITH ORDINALITY AS x (sid, ord) CROSS JOIN LATERAL (SELECT * FROM signals WHERE "
         "signal_id = x.sid OFFSET 0) g) s ON true "
         "ORDER BY c.created_at, c.id, s.ord";
}

Result<std::vector<ClaimedExecution>> PostgresStore::ClaimExecutionsWithInputs(
    std::string_view worker, int max, std::chrono::milliseconds lease) {
  std::vector<ClaimedExecution> out;
  if (max <= 0) return out;
  auto r = Claim(BuiltPerThread<ClaimWithInputsSql>(max), worker, lease);
  if (!r.ok()) return r.status();
  constexpr int kPipelineAt = kExecutionColumnCount;
  constexpr int kSignalAt = kExecutionColumnCount + kPipelineColumnCount;
  for (int i = 0; i < r->rows(); ++i) {
    if (out.empty() || out.back().execution.id != r->Int(i, 0)) {
      auto e = ReadExecution(*r, i);
      if (!e.ok()) return e.status();
      ClaimedExecution& claimed = out.emplace_back();
      claimed.execution = std::move(e).value();
      claimed.inputs.emplace();
      if (!r->IsNull(i, kPipelineAt)) {
        auto p = ReadPipeline(*r, i, kPipelineAt);
        if (!p.ok()) return p.status();
        claimed.inputs->pipeline = std::move(p).value();
      }
    }
    if (!r->IsNull(i, kSignalAt)) {
      out.back().inputs->signals.push_back(ReadStoredSignal(*r, i, kSignalAt));
    }
  }
  return out;
}

Status PostgresStore::RenewLease(int64_t execution_id, std::string_view worker,
                                 std::chrono::milliseconds lease) {
  PgParams params;
  params.Int8(execution_id).Text(worker).Int8(clock_->NowMs() + lease.count());
  auto r =
      Run("UPDATE executions SET lease_expires_at = $3 "
          "WHERE id = $1 AND status = 'RUNNING' AND lease_owner = $2 RETURNING id",
          params);
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotOwned(execution_id, worker);
  return Status::Ok();
}

// The single calls are batches of one: one statement for every way an execution finishes.
Status PostgresStore::CompleteExecution(int64_t execution_id, std::string_view worker,
                                        std::string_view result_json) {
  Status status = FinishExecutions({{execution_id, worker, true, result_json}})[0];
  if (status.code() == "invalid_argument") {
    return Status::InvalidArgument("result: " + status.message());
  }
  return status;
}

Status PostgresStore::FailExecution(int64_t execution_id, std::string_view worker,
                                    std::string_view error) {
  return FinishExecutions({{execution_id, worker, false, error}})[0];
}

std::vector<Status> PostgresStore::FinishExecutions(const std::vector<ExecutionOutcome>& outcomes) {
  std::vector<Status> statuses(outcomes.size());
  if (outcomes.empty()) return statuses;
  // One statement over arrays: $1 ids, $2 workers, $3 completed, $4 texts (NULL for ""), $5 now.
  // The server parses each result as JSONB; texts go through SafeText, so that no outcome is
  // refused for its bytes.
  PgParams params;
  std::string scratch;
  params.BeginArray(oid::kInt8Array, oid::kInt8);
  for (const ExecutionOutcome& o : outcomes) params.ElementInt8(o.execution_id);
  params.EndArray().BeginArray(oid::kTextArray, oid::kText);
  for (const ExecutionOutcome& o : outcomes) params.ElementBytes(o.worker);
  params.EndArray().BeginArray(oid::kBoolArray, oid::kBool);
  for (const ExecutionOutcome& o : outcomes) params.ElementBool(o.completed);
  params.EndArray().BeginArray(oid::kTextArray, oid::kText);
  for (const ExecutionOutcome& o : outcomes) {
    if (o.text.empty()) {
      params.ElementNull();
    } else {
      params.ElementBytes(SafeText(o.text, o.completed, &scratch));
    }
  }
  params.EndArray().Int8(clock_->NowMs());
  auto r = RunPrepared(kFinishExecutions, params);
  if (!r.ok() && r.status().code() == "invalid_argument" && outcomes.size() > 1) {
    // A result that is not valid JSON must not sink the others: one statement each, so that
    // only its own outcome is refused.
    return Store::FinishExecutions(outcomes);
  }
  if (!r.ok()) {
    statuses.assign(outcomes.size(), r.status());
    return statuses;
  }
  std::unordered_set<int64_t> recorded;
  for (int row = 0; row < r->rows(); ++row) recorded.insert(r->Int(row, 0));
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!recorded.contains(outcomes[i].execution_id)) {
      statuses[i] = NotOwned(outcomes[i].execution_id, outcomes[i].worker);
    }
  }
  return statuses;
}

Result<ReapResult> PostgresStore::ReapExpiredLeases(int max_attempts) {
  PgParams params;
  params.Int8(clock_->NowMs()).Int4(max_attempts);
  // One statement for both outcomes: attempts exhausted -> FAILED, else back to PENDING.
  auto r = Run(
      "WITH reaped AS (UPDATE executions SET "
      "status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END, "
      "error = CASE WHEN attempts >= $2 THEN 'lease expired after ' || attempts || ' attempts' "
      "ELSE error END, "
      "finished_at = CASE WHEN attempts >= $2 THEN GREATEST($1, started_at) ELSE finished_at END, "
      "lease_owner = CASE WHEN attempts >= $2 THEN lease_owner END, "
      "lease_expires_at = NULL "
      "WHERE status = 'RUNNING' AND lease_expires_at <= $1 RETURNING status), "
      "counts AS (SELECT count(*) FILTER (WHERE status = 'PENDING') AS requeued, "
      "count(*) FILTER (WHERE status = 'FAILED') AS failed FROM reaped) "
      "SELECT c.requeued, c.failed, "
      "(SELECT pg_notify('sigflow_executions', '') WHERE c.requeued > 0) IS NULL FROM counts c",
      params);
  if (!r.ok()) return r.status();
  ReapResult result;
  result.requeued = r->Int(0, 0);
  result.failed = r->Int(0, 1);
  if (result.requeued > 0) {
    ClaimEverythingNext();  // the requeued rows are older than the claim window
    FireExecutionsEnqueued();
  }
  return result;
}

Result<Execution> PostgresStore::GetExecution(int64_t id) {
  static const std::string kGet = Sql("SELECT ", " FROM executions WHERE id = $1");
  PgParams params;
  params.Int8(id);
  auto r = Run(kGet.c_str(), params);
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::NotFound("execution " + std::to_string(id));
  return ReadExecution(*r, 0);
}

Result<std::vector<Execution>> PostgresStore::ListExecutions(int limit) {
  static const std::string kList = Sql("SELECT ", " FROM executions ORDER BY id DESC LIMIT $1");
  PgParams params;
  if (limit > 0) {
    params.Int8(limit);
  } else {
    params.Null(oid::kInt8);
  }
  auto r = Run(kList.c_str(), params);
  if (!r.ok()) return r.status();
  std::vector<Execution> out;
  out.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    auto e = ReadExecution(*r, i);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace sigflow::store_postgres
