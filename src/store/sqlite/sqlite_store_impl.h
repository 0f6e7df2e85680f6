// SqliteStore: the class behind OpenSqliteStore (sqlite_store.h). Private to store/sqlite/: its
// methods are split by topic over sqlite_store.cc (pipelines, history), sqlite_queue.cc (the
// execution queue), sqlite_wake.cc (the dispatcher's batch) and sqlite_market.cc (bars and
// features: the MarketStore side, store/market_store.h, on the same connection).
//
// Threads: one connection behind one mutex. SQLite lets one connection write at a time anyway,
// and nearly every call here writes (Wake, claims, completions), so a connection per thread
// would buy no parallelism: it would only turn our own threads' contention into SQLITE_BUSY
// sleeps in SQLite's busy handler (1..100 ms steps) instead of a wait on a mutex, and multiply
// the statement caches. Every call is short (one transaction of milliseconds at most). Other
// processes are serialised by SQLite's file locks and the busy timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "sqlite/database.h"
#include "store/market_store.h"
#include "store/store.h"
#include "store/store_rows.h"

namespace sigflow::store_sqlite {

// Column list shared by every query that reads a whole execution (see ReadExecution).
inline constexpr char kExecutionColumns[] =
    "id, pipeline_id, status, triggered_by_signal, signal_ids, result, error, attempts, "
    "lease_owner, lease_expires_at, created_at, started_at, finished_at";

// Reads the kExecutionColumns of the current row.
Result<Execution> ReadExecution(const sqlite::Statement& st);
using store_rows::AppendJsonString;
using store_rows::AppendJsonStringArray;

class SqliteStore final : public Store, public MarketStore {
 public:
  SqliteStore(std::unique_ptr<sqlite::Database> db, const Clock* clock)
      : db_(std::move(db)), clock_(clock) {}

  Result<Pipeline> AddPipeline(Pipeline pipeline) override;
  Result<Pipeline> GetPipeline(std::string_view id) override;
  Result<std::vector<Pipeline>> ListPipelines() override;
  Result<std::vector<Pipeline>> LoadSignalPipelines() override;
  Status RemovePipeline(std::string_view id) override;
  void OnPipelinesChanged(std::function<void()> callback) override;

  Result<WakeResult> Wake(const WakeBatch& batch) override;

  Result<int64_t> EnqueueExecution(std::string_view pipeline_id, bool triggered_by_signal,
                                   const std::vector<std::string>& signal_ids) override;
  Result<std::vector<Execution>> ClaimExecutions(std::string_view worker, int max,
                                                 std::chrono::milliseconds lease) override;
  Status RenewLease(int64_t execution_id, std::string_view worker,
                    std::chrono::milliseconds lease) override;
  Status CompleteExecution(int64_t execution_id, std::string_view worker,
                           std::string_view result_json) override;
  Status FailExecution(int64_t execution_id, std::string_view worker,
                       std::string_view error) override;
  Result<ReapResult> ReapExpiredLeases(int max_attempts) override;
  Result<Execution> GetExecution(int64_t id) override;
  Result<std::vector<Execution>> ListExecutions(int limit) override;

  Result<std::vector<StoredSignal>> LoadSignals(const std::vector<std::string>& ids) override;
  Result<std::vector<StoredDeadLetter>> ListDeadLetters(int limit) override;
  Result<StoreCounts> Counts() override;

  Result<BarWriteResult> UpsertBars(std::span<const Bar> bars) override;
  Result<std::vector<StoredBar>> LatestBars(std::string_view ticker, int64_t at_or_before_ms,
                                            int limit) override;
  Result<std::vector<Bar>> ReadBars(std::string_view ticker, int64_t from_ms,
                                    int64_t to_ms) override;
  Result<std::vector<BarSeriesInfo>> ListBarSeries() override;
  Result<int64_t> UpsertFeatures(std::span<const Features> rows) override;
  Result<std::vector<Features>> LatestFeatures(std::string_view ticker, int64_t at_or_before_ms,
                                               int limit) override;
  // The connection and the mutex that guards it, shared with the ledger over this store
  // (sqlite_ledger.cc), which locks the same mutex around each of its calls.
  std::mutex* connection_mutex() { return &mu_; }
  sqlite::Database* connection() { return db_.get(); }

 private:
  Result<std::vector<Pipeline>> QueryPipelines(const char* sql);
  // RUNNING -> `status` for the execution owned by `worker`; `conflict` otherwise.
  Status Finish(int64_t execution_id, std::string_view worker, const char* sql,
                std::string_view text);
  void NotifyPipelinesChanged();
  // LatestBars / LatestFeatures (sqlite_market.cc).
  template <typename Row, typename Read>
  Result<std::vector<Row>> Latest(const std::string& sql, std::string_view ticker,
                                  int64_t at_or_before_ms, int limit, Read read);

  std::mutex mu_;
  std::unique_ptr<sqlite::Database> db_;  // guarded by mu_
  const Clock* clock_;

  // Scratch of Wake(), reused across batches so a batch allocates nothing per signal.
  struct WakeScratch {
    std::vector<uint8_t> fresh;      // per signal: 1 when recorded by this batch
    std::vector<uint32_t> enqueued;  // per signal: pipelines it woke
    std::vector<uint32_t> matched;   // matched_signals() output
    std::string signal_ids;          // JSON array being built
  } wake_;                           // guarded by mu_

  std::mutex callbacks_mu_;
  std::vector<std::function<void()>> callbacks_;  // guarded by callbacks_mu_
};

}  // namespace sigflow::store_sqlite
