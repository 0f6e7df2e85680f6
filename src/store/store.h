// Store: durable state of sigflow — pipelines, executions (the work queue), signal history,
// waking pairs and dead letters.
//
// Implementations: SqliteStore (embedded default, store/sqlite/) and PostgresStore (many
// processes on one PostgreSQL database, store/postgres/). Every method is thread-safe and may be
// called from any thread. Every method either fully happens or not at all (one transaction
// each); a failure is returned as a Status, never thrown: `unavailable` when the database cannot
// be reached or is busy past its timeout, `not_found` / `invalid_argument` / `conflict` where
// named below, `internal` for anything else. Times come from the Clock given to the
// implementation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/execution.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "core/wake.h"

namespace sigflow {

// A signal as recorded in the `signals` history table.
struct StoredSignal {
  std::string signal_id;
  std::string payload;  // canonical JSON
  int64_t timestamp_ms = 0;
  int64_t received_at_ms = 0;
  // As counted by the batch that recorded it, except `duplicate`, which adds up the matches of
  // every later delivery of the same signal_id.
  SignalOutcome outcome;
};

struct StoredDeadLetter {
  int64_t id = 0;
  std::string raw;
  std::string reason_code;
  std::string message;
  int64_t created_at_ms = 0;
};

// Totals for `sigflow run`'s summary and for tests.
struct StoreCounts {
  int64_t pipelines = 0;
  int64_t signals = 0;
  int64_t signal_wakes = 0;
  int64_t dead_letters = 0;
  int64_t executions_pending = 0;
  int64_t executions_running = 0;
  int64_t executions_completed = 0;
  int64_t executions_failed = 0;
};

// What running one claimed execution needs from the store.
struct ExecutionInputs {
  std::optional<Pipeline> pipeline;   // nullopt: removed since the execution was queued
  std::vector<StoredSignal> signals;  // as LoadSignals(execution.signal_ids) returns them
};

// An execution just claimed, with its inputs when the store read them in the claim's own round
// trip (a store whose round trips cost little leaves them to be loaded when the run starts).
struct ClaimedExecution {
  Execution execution;
  std::optional<ExecutionInputs> inputs;  // nullopt: load them (GetPipeline, LoadSignals)
};

// The outcome of one claimed execution, to record with FinishExecutions. Views: the caller keeps
// the strings alive for the call.
struct ExecutionOutcome {
  int64_t execution_id = 0;
  std::string_view worker;  // the lease owner that claimed it
  bool completed = false;   // true: COMPLETED with `text` as result_json; false: FAILED, `text`
  std::string_view text;    // the result JSON, or the error
};

struct ReapResult {
  int64_t requeued = 0;  // back to PENDING
  int64_t failed = 0;    // attempts exhausted
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- pipelines ----
  // Validates (name non-empty; signal mode needs >= 1 ticker; config_json is a JSON object),
  // normalises scanner_tickers (core/ticker.h: upper case; repeats dropped; an invalid symbol is
  // an error), assigns id (when empty) and timestamps, inserts. `invalid_argument` names the bad
  // field ("name: ...", "scanner_tickers[2]: ...", "config: ..."); `conflict` when the id exists.
  virtual Result<Pipeline> AddPipeline(Pipeline pipeline) = 0;
  virtual Result<Pipeline> GetPipeline(std::string_view id) = 0;  // `not_found`
  virtual Result<std::vector<Pipeline>> ListPipelines() = 0;      // by created_at
  // Active signal-mode pipelines with at least one ticker: what the dispatcher's index holds.
  virtual Result<std::vector<Pipeline>> LoadSignalPipelines() = 0;
  // Also removes the pipeline's executions and wakes. `not_found`.
  virtual Status RemovePipeline(std::string_view id) = 0;
  // Registers a callback run (on the changing thread, after commit) whenever this process adds,
  // changes or removes a pipeline. A store shared by several processes (PostgreSQL) also runs it
  // from a background thread when another process changes pipelines. Callbacks must be cheap and
  // must not call back into the store.
  virtual void OnPipelinesChanged(std::function<void()> callback) = 0;

  // ---- the trigger dispatcher's batch: see core/wake.h for the exact semantics ----
  virtual Result<WakeResult> Wake(const WakeBatch& batch) = 0;

  // ---- the execution queue ----
  // Queues one PENDING execution outside the dispatcher's batch path (periodic schedules, manual
  // runs, tests). `conflict` when the pipeline already has one PENDING or RUNNING; `not_found`
  // when the pipeline does not exist.
  virtual Result<int64_t> EnqueueExecution(std::string_view pipeline_id, bool triggered_by_signal,
                                           const std::vector<std::string>& signal_ids) = 0;
  // Atomically moves up to `max` PENDING executions (oldest first) to RUNNING, owned by `worker`
  // until now + lease, and increments their attempts.
  virtual Result<std::vector<Execution>> ClaimExecutions(std::string_view worker, int max,
                                                         std::chrono::milliseconds lease) = 0;
  // Extends the lease of a RUNNING execution still owned by `worker`; `conflict` otherwise.
  virtual Status RenewLease(int64_t execution_id, std::string_view worker,
                            std::chrono::milliseconds lease) = 0;
  // RUNNING -> COMPLETED / FAILED. `conflict` if the execution is not RUNNING under `worker`
  // (its lease was reaped and someone else owns it now): the caller's result is then discarded.
  virtual Status CompleteExecution(int64_t execution_id, std::string_view worker,
                                   std::string_view result_json) = 0;
  virtual Status FailExecution(int64_t execution_id, std::string_view worker,
                               std::string_view error) = 0;
  // ClaimExecutions, and the inputs of every execution claimed: what a worker calls. The
  // default claims and leaves `inputs` empty; a store with costly round trips (PostgreSQL)
  // reads them in the same round trip. The inputs are as of the claim.
  virtual Result<std::vector<ClaimedExecution>> ClaimExecutionsWithInputs(
      std::string_view worker, int max, std::chrono::milliseconds lease);
  // Records several outcomes, each exactly as CompleteExecution / FailExecution would; returns
  // one Status per outcome, in order. The default makes one call per outcome and, after the
  // first `unavailable`, gives the rest that Status without trying them; a store with costly
  // round trips (PostgreSQL) records them all in one round trip, all or nothing, so that a
  // failed call leaves every outcome `unavailable` (or the call's error) and safe to retry;
  // only a result that is not valid JSON makes it record them one by one, so that the others
  // are kept and that outcome alone gets `invalid_argument`.
  virtual std::vector<Status> FinishExecutions(const std::vector<ExecutionOutcome>& outcomes);
  // RUNNING executions whose lease expired go back to PENDING, or to FAILED ("lease expired after
  // N attempts") once attempts >= max_attempts.
  virtual Result<ReapResult> ReapExpiredLeases(int max_attempts) = 0;
  virtual Result<Execution> GetExecution(int64_t id) = 0;  // `not_found`
  // Newest first; `limit` <= 0 means all.
  virtual Result<std::vector<Execution>> ListExecutions(int limit) = 0;
  // Registers a callback run when PENDING executions may have appeared: after this process's
  // Wake / EnqueueExecution / ReapExpiredLeases made some (on that thread, after commit), and,
  // where the store can hear them, when another process did (from a background thread). Workers
  // use it to claim without waiting for their next poll; it may be late, missed (a lost
  // connection) or spurious, so workers keep polling as a fallback. Callbacks must be cheap and
  // must not call back into the store. Default: never called (the SQLite store: workers poll).
  virtual void OnExecutionsEnqueued(std::function<void()> /*callback*/) {}

  // ---- history ----
  // The recorded signals among `ids`, in the order of `ids` (missing ones are left out).
  virtual Result<std::vector<StoredSignal>> LoadSignals(const std::vector<std::string>& ids) = 0;
  virtual Result<std::vector<StoredDeadLetter>> ListDeadLetters(int limit) = 0;  // newest first
  virtual Result<StoreCounts> Counts() = 0;
};

}  // namespace sigflow
