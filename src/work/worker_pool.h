// WorkerPool: the worker side of the execution queue — claims PENDING executions from the Store,
// runs their pipelines (PipelineRunner) and records COMPLETED / FAILED, on a few threads.
//
// Threads:
//  - `threads` workers. An idle worker claims up to `claim_batch` executions, with their inputs
//    (Store::ClaimExecutionsWithInputs), in one store call into a pool-local ready queue (so the
//    other workers share the batch), runs one at a time, and claims again as soon as the queue
//    is empty. Outcomes are recorded in groups (LevelDB's group commit): a worker that finishes
//    a run queues its outcome and, unless another worker is recording already, records every
//    queued outcome in one Store::FinishExecutions call, and again while more were queued
//    meanwhile; a recording worker's peers go on running. While more claimed executions wait
//    in the ready queue, an outcome waits for theirs (up to claim_batch outcomes, or record_wait
//    after it finished, checked when the next run ends), so that one thread records a batch in
//    one call too; alone, an outcome is recorded at once. With nothing to claim it sleeps until
//    Notify() or `idle_poll`, whichever comes first: Notify() after an enqueue starts the
//    execution within milliseconds, and idle_poll only bounds how late work enqueued by another
//    process (which cannot call Notify) is seen.
//  - one maintenance thread: every `renew_interval` it renews the lease of every execution this
//    pool holds (queued or running), so a long execution keeps its lease; a renewal refused with
//    `conflict` marks the lease lost: the run stops before its next node and its result is
//    dropped. Every `reap_interval` it calls Store::ReapExpiredLeases(max_attempts), which
//    returns to PENDING (or FAILs, once attempts are exhausted) the executions of any worker, in
//    any process, that stopped renewing — and wakes the workers when it requeued some.
// A store outage while an execution is loaded or its outcome written (`unavailable`) is ridden
// out in place: the worker retries with backoff (25 ms doubling to 1 s) while its lease is
// safely valid — as of its last successful claim or renewal, with a tenth of the lease to spare
// — and the pool is not stopping, so the execution completes as soon as the store is back,
// instead of waiting for its lease to expire. Only past that is it abandoned to the reaper.
// Delivery is at-least-once: an execution whose worker dies, or whose completion cannot be
// written, is run again after its lease expires (up to max_attempts claims in all).
//
// Thread-safety: every method may be called from any thread. `store` and `registry` must outlive
// the pool; the registry must be fully populated before Start().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/store.h"
#include "work/agent_registry.h"
#include "work/pipeline_runner.h"
#include "work/worker_options.h"

namespace sigflow {

// Counters for the run summary and tests. Monotonic; read them at any time. Each is bumped just
// after the store call it counts, so it may trail the store by a moment; after Stop() it is final.
struct WorkerProbe {
  std::atomic<uint64_t> claimed{0};    // executions claimed by this pool's workers
  std::atomic<uint64_t> completed{0};  // recorded COMPLETED
  std::atomic<uint64_t> failed{0};     // recorded FAILED (by a node, config or missing pipeline)
  std::atomic<uint64_t> abandoned{0};  // left to the reaper (store unavailable / write failed)
  std::atomic<uint64_t> reaped{0};     // expired leases requeued by this pool's reaper
  std::atomic<uint64_t> reaped_failed{0};    // expired leases FAILed by it (attempts exhausted)
  std::atomic<uint64_t> lease_conflicts{0};  // results dropped because the lease was lost
  std::atomic<uint64_t> lease_renewals{0};
  std::atomic<uint64_t> store_errors{0};   // store calls that failed (claim, renew, reap, record)
  std::atomic<uint64_t> store_retries{0};  // loads/records retried in place after `unavailable`
};

class WorkerPool {
 public:
  WorkerPool(Store* store, const AgentRegistry* registry, WorkerOptions options = {});
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the workers and the maintenance thread. `invalid_argument` for bad options,
  // `failed_precondition` when called a second time. A pool starts at most once.
  Status Start();

  // Stops claiming, lets every execution already claimed (running or queued locally) run to its
  // end and be recorded, then stops the maintenance thread and returns. Idempotent; a no-op
  // before Start().
  void Stop();

  // Wakes idle workers now (call after enqueueing). Cheap: one lock and a condition-variable
  // notification; never blocks on the store. Harmless before Start() or after Stop().
  void Notify();

  const WorkerProbe& probe() const { return probe_; }
  const WorkerOptions& options() const { return options_; }
  const std::vector<std::string>& worker_ids() const { return worker_ids_; }

 private:
  // An execution this pool has claimed and not yet recorded.
  struct Claim {
    Execution execution;
    std::optional<ExecutionInputs> inputs;  // read with the claim; taken by the first run
    std::string owner;                      // the worker id that claimed it (the lease owner)
    std::atomic<bool> lease_lost{false};
    // Until when (steady clock) the lease is surely ours: the last successful claim or renewal
    // call's start plus the lease.
    std::atomic<std::chrono::steady_clock::time_point> lease_until{};
    std::mutex record_mu;   // orders renewals against the final record
    bool recorded = false;  // guarded by record_mu
  };

  // A run's outcome waiting to be recorded.
  struct Finished {
    std::shared_ptr<Claim> claim;
    RunOutcome outcome;
    std::chrono::steady_clock::time_point started, finished;
  };

  void WorkerLoop(size_t index);
  bool ClaimBatch(const std::string& worker_id);
  void Execute(std::shared_ptr<Claim> claim);
  RunOutcome RunWithRetry(Claim& claim);
  // Queues `finished` for recording and, unless another worker is recording or more of the
  // claimed executions are about to finish, records every queued outcome (group commit).
  void Submit(Finished finished);
  // Records queued outcomes, group after group, until none is left. `lock` holds mu_ and no
  // worker is recording; mu_ is released during the store calls.
  void RecordQueued(std::unique_lock<std::mutex>& lock);
  // Records `group`, retrying in place those the store was unavailable for (their leases
  // allowing), and reports each once its fate is known.
  void RecordGroup(std::vector<Finished> group);
  // One FinishExecutions call for `*group`; reports and removes those whose fate is now known,
  // leaving the ones worth retrying.
  void RecordOnce(std::vector<Finished>* group);
  // No renewal for `claim` from now on: its outcome is given up.
  static void MarkRecorded(Claim& claim);
  // Counts and logs the fate of one execution and forgets the claim.
  void Report(const Finished& finished, Status recorded);
  // Whether a retry after sleeping `backoff` from now may follow for a lease held until
  // `lease_until`: it stays safely valid past the pause and the pool is not stopping.
  bool RetryAllowed(std::chrono::steady_clock::time_point lease_until,
                    std::chrono::milliseconds backoff) const;
  // Sleeps `*backoff` (doubling it, up to the maximum), waking early when Stop() begins;
  // false when it did.
  bool Pause(std::chrono::milliseconds* backoff);
  void MaintenanceLoop();
  void RenewLeases();
  void Reap();

  Store* const store_;
  const WorkerOptions options_;
  const PipelineRunner runner_;
  std::vector<std::string> worker_ids_;
  WorkerProbe probe_;

  std::mutex lifecycle_mu_;  // serialises Start() and Stop()
  enum class State : uint8_t { kNew, kRunning, kStopped };
  State state_ = State::kNew;  // guarded by lifecycle_mu_
  std::vector<std::thread> workers_;
  std::thread maintenance_;

  std::mutex mu_;
  std::condition_variable work_cv_;                 // workers: ready_, notify_seq_, stopping_
  std::condition_variable maintenance_cv_;          // maintenance: maintenance_stopping_
  std::deque<std::shared_ptr<Claim>> ready_;        // guarded by mu_
  std::map<int64_t, std::shared_ptr<Claim>> held_;  // guarded by mu_; claimed, unrecorded
  std::vector<Finished> unrecorded_;                // guarded by mu_; run, waiting to record
  bool recording_ = false;                          // guarded by mu_; a worker is recording
  uint64_t notify_seq_ = 0;                         // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  bool maintenance_stopping_ = false;               // guarded by mu_
  std::atomic<bool> stop_requested_{false};         // Stop() began: retries give up
};

}  // namespace sigflow
