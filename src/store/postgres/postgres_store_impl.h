// PostgresStore: the class behind OpenPostgresStore (postgres_store.h). Private to
// store/postgres/: its methods are split by topic over postgres_store.cc (opening, pipelines,
// history), postgres_notify.cc (change callbacks, the listener), postgres_queue.cc (the
// execution queue), postgres_wake.cc (the dispatcher's batch) and postgres_market.cc (bars and
// features: the MarketStore side, store/market_store.h, on the same pool).
//
// Every method leases a connection from the pool for the duration of its round trip(s) and
// returns it; no lock of ours is held across a round trip except the pool's own bookkeeping.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "store/market_store.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_listener.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"
#include "store/store_rows.h"

namespace sigflow::store_postgres {

inline constexpr char kPipelinesChannel[] = "sigflow_pipelines";
inline constexpr char kExecutionsChannel[] = "sigflow_executions";

// The claim of at most `max` executions: the oldest PENDING rows nobody else is locking, locked
// and updated at once, in one statement. ARRAY(...) runs the sub-select exactly once. started_at is
// never before the row's creation nor before any execution of its pipeline finished
// (postgres_queue.cc): every other one is finished while this one is PENDING, and the latest
// finish is one lookup at the end of the pipeline's range in executions_finished_by_pipeline
// (pipeline_id, finished_at; migration 8), which naming the statuses lets it use. $1 worker,
// $2 lease expiry, $3 now; RETURNING follows. How many it claims is written into the text, not
// passed as $4: with `LIMIT $4`, the generic plan had to assume a tenth of the PENDING rows the
// statistics counted, cost more than the custom plans, and PostgreSQL planned every claim afresh
// (2,330 plans for 2,323 claims in 3 s at 10,000 signals/s, 0.21 ms each). With the number in the
// text both plans are the same, and the prepared statement keeps its generic one.
// PostgresQueueTest.ClaimKeepsItsGenericPlan guards it.
//
// The UPDATE finds its rows by id alone. The sub-select holds them FOR UPDATE, and only PENDING
// ones, so no one can change their status before this statement does. Repeating
// `status = 'PENDING'` here let the planner, with the statistics of a young database (analyzed
// before the backlog), take the PENDING index and filter it by id: 199,936 rows removed for 64
// claimed, 60 ms a claim against 2.4 ms. PostgresQueueTest.ClaimDoesNotScanTheBacklog guards it.
std::string ClaimUpdateSql(int max);

// The claim that returns each execution's pipeline and signals too (postgres_queue.cc).
std::string ClaimWithInputsSql(int max);

// Records finished executions: $1 ids, $2 workers, $3 completed?, $4 result JSON or error text
// (arrays, one element per outcome), $5 now. Returns the ids it recorded (RUNNING and still
// leased by that worker).
//
// Each row is found by primary key. The OFFSET 0 sub-select keeps `status = 'RUNNING'` a
// comparison with one of its columns, which the planner cannot use to choose the RUNNING
// index. With a literal there, on statistics that saw almost no RUNNING row, it scanned that
// index (every RUNNING row and the dead versions still in it) for each outcome; as a prepared
// statement its generic plan kept doing so, 3.7 ms a call against 1.0 ms.
// PostgresQueueTest.FinishLooksUpEachExecution guards it.
inline constexpr char kFinishExecutions[] =
    "UPDATE executions AS e SET "
    "status = CASE WHEN u.completed THEN 'COMPLETED' ELSE 'FAILED' END, "
    "result = CASE WHEN u.completed THEN u.text::jsonb ELSE e.result END, "
    "error = CASE WHEN u.completed THEN e.error ELSE u.text END, "
    "finished_at = GREATEST($5, e.started_at), lease_expires_at = NULL "
    "FROM (SELECT x.*, 'RUNNING'::text AS running "
    "FROM unnest($1::int8[], $2::text[], $3::bool[], $4::text[]) AS x (id, worker, completed, "
    "text) OFFSET 0) AS u "
    "WHERE e.id = u.id AND e.status = u.running AND e.lease_owner = u.worker "
    "RETURNING e.id";

// Column list shared by every query that reads a whole execution (see ReadExecution).
inline constexpr char kExecutionColumns[] =
    "id, pipeline_id, status, triggered_by_signal, signal_ids::text, result::text, error, "
    "attempts, lease_owner, lease_expires_at, created_at, started_at, finished_at";

// Column lists of whole pipelines and recorded signals, read by ReadPipeline / ReadStoredSignal.
inline constexpr char kPipelineColumns[] =
    "id, name, description, user_id, trigger_mode::text, scanner_tickers::text, is_active, "
    "config::text, created_at, updated_at";
inline constexpr char kSignalColumns[] =
    "signal_id, payload::text, \"timestamp\", received_at, matched, enqueued, skipped_running, "
    "duplicate, trading_halted";
inline constexpr int kExecutionColumnCount = 13, kPipelineColumnCount = 10;
inline constexpr int kExecutionCreatedAtColumn = 10;  // in kExecutionColumns

// Each reads its column list from `row`, starting at column `first_column`.
Result<Execution> ReadExecution(const PgResult& result, int row, int first_column = 0);
Result<Pipeline> ReadPipeline(const PgResult& result, int row, int first_column = 0);
StoredSignal ReadStoredSignal(const PgResult& result, int row, int first_column = 0);
// "a, b::text" with alias "x": "x.a, x.b::text" (for statements joining several tables).
std::string Qualified(std::string_view columns, std::string_view alias);
using store_rows::AppendJsonString;
using store_rows::AppendJsonStringArray;

class PostgresStore final : public Store, public MarketStore {
 public:
  PostgresStore(const PostgresOptions& options, ConnectSettings settings, const Clock* clock,
                PostgresProbe* probe);
  ~PostgresStore() override;

  PgPool& pool() { return pool_; }

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
  Result<std::vector<ClaimedExecution>> ClaimExecutionsWithInputs(
      std::string_view worker, int max, std::chrono::milliseconds lease) override;
  std::vector<Status> FinishExecutions(const std::vector<ExecutionOutcome>& outcomes) override;
  Result<ReapResult> ReapExpiredLeases(int max_attempts) override;
  Result<Execution> GetExecution(int64_t id) override;
  Result<std::vector<Execution>> ListExecutions(int limit) override;
  void OnExecutionsEnqueued(std::function<void()> callback) override;

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

 private:
  // Runs `chunks` statements on one connection inside BEGIN .. COMMIT; `each(i, conn)` sends
  // the i-th. Rolls back and returns the first failure.
  Status InTransaction(size_t chunks, const std::function<Status(size_t, PgConnection&)>& each);
  // LatestBars / LatestFeatures (postgres_market.cc).
  template <typename Row, typename Read>
  Result<std::vector<Row>> Latest(const std::string& sql, std::string_view ticker,
                                  int64_t at_or_before_ms, int limit, Read read);
  // One statement on a leased connection.
  Result<PgResult> Run(const char* sql, PgParams& params);
  // The same as a prepared statement (PgConnection::ExecPrepared): for the worker's statements.
  Result<PgResult> RunPrepared(const char* sql, PgParams& params);
  Result<std::vector<Pipeline>> QueryPipelines(const char* where);
  // The claim statement `sql` (ClaimUpdateSql plus its RETURNING, the execution's columns
  // first) with its parameters, in the claim window.
  //
  // The claim window. A claim reads the PENDING index from a floor on created_at: every
  // execution that leaves PENDING leaves a dead entry at the index's old end, which only VACUUM
  // removes, and a claim from the start walks them all (2,000 index pages, 10 ms, 50 s into a
  // run at 10,000 signals/s with autovacuum's default once-a-minute visit). Once every
  // kFullClaimEvery, and after this store requeued expired leases, a claim reads from the start
  // and sets the floor to the oldest row it claimed, or to its time less kClaimFloorMargin when
  // it claimed none. A PENDING row older than the floor (requeued by another process, skipped
  // while a Wake held it, stamped by a clock running behind, or committed long after it was
  // stamped) waits for the next full claim: at most a second.
  Result<PgResult> Claim(const std::string& sql, std::string_view worker,
                         std::chrono::milliseconds lease);
  // The next claim reads from the start.
  void ClaimEverythingNext();
  void FirePipelinesChanged();
  void FireExecutionsEnqueued();
  void StartListener();
  void OnNotification(std::string_view channel, int sender_pid);

  // Reusable buffers of Wake(): one per concurrent call, kept between calls.
  struct WakeScratch {
    PgParams params;
    std::vector<uint8_t> repeat, fresh;
    std::vector<uint32_t> enqueued, matched;
    std::vector<uint32_t> sent;         // candidate index of each candidate sent
    std::vector<uint32_t> list_offset;  // per sent candidate: start of its list in list_signals
    std::vector<uint32_t> list_signals;
    std::unordered_map<std::string_view, uint32_t> index;  // signal id / pipeline id lookups
    std::string text;
  };
  std::unique_ptr<WakeScratch> TakeScratch();
  void ReturnScratch(std::unique_ptr<WakeScratch> scratch);

  const PostgresOptions options_;
  const Clock* clock_;
  std::unique_ptr<PostgresProbe> own_probe_;
  PostgresProbe* probe_;
  PgPool pool_;

  std::mutex scratch_mu_;
  std::vector<std::unique_ptr<WakeScratch>> scratch_;  // guarded by scratch_mu_

  std::mutex callbacks_mu_;
  std::vector<std::function<void()>> pipelines_callbacks_;   // guarded by callbacks_mu_
  std::vector<std::function<void()>> executions_callbacks_;  // guarded by callbacks_mu_

  std::mutex listener_mu_;
  std::unique_ptr<PgListener> listener_;  // guarded by listener_mu_; started on first callback

  static constexpr std::chrono::milliseconds kFullClaimEvery{1000};
  static constexpr std::chrono::milliseconds kClaimFloorMargin{1000};
  std::mutex claim_mu_;
  bool full_claim_due_ = true;      // guarded by claim_mu_
  int64_t last_full_claim_ms_ = 0;  // guarded by claim_mu_
  int64_t claim_floor_ms_ = 0;      // guarded by claim_mu_
};

}  // namespace sigflow::store_postgres
