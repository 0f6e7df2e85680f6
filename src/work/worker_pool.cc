#include "work/worker_pool.h"

#include <algorithm>
#include <utility>

#include "core/uuid.h"
#include "obs/log.h"

namespace sigflow {
namespace {

using Ms = std::chrono::milliseconds;

constexpr Ms kRetryBackoffMin{25};
constexpr Ms kRetryBackoffMax{1'000};
constexpr Ms kRetrySleepSlice{20};  // how soon a sleeping retry notices Stop()

std::chrono::milliseconds RenewInterval(const WorkerOptions& options) {
  return options.renew_interval.count() > 0 ? options.renew_interval
                                            : std::max(Ms(1), options.lease / 3);
}

}  // namespace

WorkerPool::WorkerPool(Store* store, const AgentRegistry* registry, WorkerOptions options)
    : store_(store), options_(std::move(options)), runner_(store, registry) {
  const std::string pool_id = NewUuid().substr(0, 8);
  for (int i = 0; i < options_.threads; ++i) {
    worker_ids_.push_back(options_.worker_id_prefix + "-" + pool_id + "-" + std::to_string(i));
  }
}

WorkerPool::~WorkerPool() { Stop(); }

Status WorkerPool::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (state_ != State::kNew) {
    return Status::Error("failed_precondition", "a worker pool starts only once");
  }
  if (Status s = options_.Validate(); !s.ok()) return s;
  state_ = State::kRunning;
  for (size_t i = 0; i < worker_ids_.size(); ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  log::Info("worker_pool_started", {{"threads", options_.threads},
                                    {"lease_ms", options_.lease.count()},
                                    {"claim_batch", options_.claim_batch},
                                    {"record_wait_ms", options_.record_wait.count()},
                                    {"idle_poll_ms", options_.idle_poll.count()},
                                    {"max_attempts", options_.max_attempts},
                                    {"reap_interval_ms", options_.reap_interval.count()},
                                    {"renew_interval_ms", RenewInterval(options_).count()},
                                    {"worker_ids", worker_ids_}});
  return Status::Ok();
}

void WorkerPool::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (state_ != State::kRunning) return;
  stop_requested_.store(true);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();  // they drain the executions already claimed
  {
    std::lock_guard lock(mu_);
    maintenance_stopping_ = true;
  }
  maintenance_cv_.notify_all();
  maintenance_.join();
  state_ = State::kStopped;
  log::Info("worker_pool_stopped", {{"claimed", probe_.claimed.load()},
                                    {"completed", probe_.completed.load()},
                                    {"failed", probe_.failed.load()},
                                    {"abandoned", probe_.abandoned.load()},
                                    {"reaped", probe_.reaped.load()},
                                    {"reaped_failed", probe_.reaped_failed.load()},
                                    {"lease_conflicts", probe_.lease_conflicts.load()},
                                    {"store_errors", probe_.store_errors.load()},
                                    {"store_retries", probe_.store_retries.load()}});
}

void WorkerPool::Notify() {
  {
    std::lock_guard lock(mu_);
    ++notify_seq_;
  }
  work_cv_.notify_all();
}

void WorkerPool::WorkerLoop(size_t index) {
  const std::string& worker_id = worker_ids_[index];
  std::unique_lock lock(mu_);
  while (true) {
    if (!ready_.empty()) {
      std::shared_ptr<Claim> claim = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      Execute(std::move(claim));
      lock.lock();
      continue;
    }
    // Nothing left to run: record the outcomes that wait for a group (Submit).
    if (!unrecorded_.empty() && !recording_) {
      RecordQueued(lock);
      continue;
    }
    if (stopping_) break;  // only once everything claimed has run and been recorded
    const uint64_t seen = notify_seq_;
    lock.unlock();
    const bool claimed = ClaimBatch(worker_id);
    lock.lock();
    if (claimed) continue;
    work_cv_.wait_for(lock, options_.idle_poll,
                      [&] { return stopping_ || !ready_.empty() || notify_seq_ != seen; });
  }
}

bool WorkerPool::ClaimBatch(const std::string& worker_id) {
  const auto lease_until = std::chrono::steady_clock::now() + options_.lease;
  auto claimed = store_->ClaimExecutionsWithInputs(worker_id, options_.claim_batch, options_.lease);
  if (!claimed.ok()) {
    probe_.store_errors.fetch_add(1, std::memory_order_relaxed);
    log::Warn("worker_claim_failed",
              {{"worker", worker_id}, {"error", claimed.status().ToString()}});
    return false;
  }
  if (claimed->empty()) return false;
  probe_.claimed.fetch_add(claimed->size(), std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    for (ClaimedExecution& c : *claimed) {
      auto claim = std::make_shared<Claim>();
      claim->execution = std::move(c.execution);
      claim->inputs = std::move(c.inputs);
      claim->owner = worker_id;
      claim->lease_until.store(lease_until);
      held_[claim->execution.id] = claim;
      ready_.push_back(std::move(claim));
    }
  }
  if (claimed->size() > 1) work_cv_.notify_all();  // let idle workers share the batch
  return true;
}

void WorkerPool::Execute(std::shared_ptr<Claim> claim) {
  const Execution& execution = claim->execution;
  const auto started = std::chrono::steady_clock::now();
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("execution_started", {{"execution_id", execution.id},
                                     {"pipeline_id", execution.pipeline_id},
                                     {"worker", claim->owner},
                                     {"attempt", execution.attempts},
                                     {"signal_ids", execution.signal_ids}});
  }
  Finished finished{claim, RunWithRetry(*claim), started, {}};
  finished.finished = std::chrono::steady_clock::now();
  if (finished.outcome.kind == RunOutcome::Kind::kAbandoned) {
    Report(finished, Status::Ok());  // nothing to record: the lease runs out
    return;
  }
  Submit(std::move(finished));
}

RunOutcome WorkerPool::RunWithRetry(Claim& claim) {
  Ms backoff = kRetryBackoffMin;
  for (;;) {
    RunOutcome outcome;
    if (claim.lease_lost.load()) {
      outcome.kind = RunOutcome::Kind::kAbandoned;
      outcome.error = "lease lost before the run started";
      return outcome;
    }
    const auto keep_going = [&claim] { return !claim.lease_lost.load(); };
    if (claim.inputs) {
      ExecutionInputs inputs = std::move(*claim.inputs);
      claim.inputs.reset();  // a retry loads them afresh
      outcome = runner_.Run(claim.execution, std::move(inputs), keep_going);
    } else {
      outcome = runner_.Run(claim.execution, keep_going);
    }
    // Abandoned with the lease still ours: the store was unavailable while loading (the runner
    // writes nothing, so running again is harmless).
    if (outcome.kind != RunOutcome::Kind::kAbandoned || claim.lease_lost.load() ||
        !RetryAllowed(claim.lease_until.load(), backoff)) {
      return outcome;
    }
    probe_.store_retries.fetch_add(1, std::memory_order_relaxed);
    if (!Pause(&backoff)) return outcome;
  }
}

void WorkerPool::Submit(Finished finished) {
  std::unique_lock lock(mu_);
  unrecorded_.push_back(std::move(finished));
  if (recording_) return;  // the recording worker takes it with its next group
  // While more claimed executions are ready to run, the outcome waits for theirs, so that one
  // call records them together even on one thread: up to claim_batch outcomes, record_wait
  // after the oldest finished, or until a worker finds the ready queue empty (WorkerLoop).
  const bool more_coming =
      !ready_.empty() && unrecorded_.size() < static_cast<size_t>(options_.claim_batch) &&
      std::chrono::steady_clock::now() - unrecorded_.front().finished < options_.record_wait;
  if (!more_coming) RecordQueued(lock);
}

void WorkerPool::RecordQueued(std::unique_lock<std::mutex>& lock) {
  recording_ = true;
  while (!unrecorded_.empty()) {
    std::vector<Finished> group = std::move(unrecorded_);
    unrecorded_.clear();
    lock.unlock();
    RecordGroup(std::move(group));
    lock.lock();
  }
  recording_ = false;
}

void WorkerPool::RecordGroup(std::vector<Finished> group) {
  Ms backoff = kRetryBackoffMin;
  for (;;) {
    RecordOnce(&group);
    if (group.empty()) return;
    // The store was unavailable for the rest: retry in place those whose lease outlasts the
    // pause; one last try for the others would only race the reaper.
    std::erase_if(group, [&](const Finished& f) {
      if (RetryAllowed(f.claim->lease_until.load(), backoff)) return false;
      MarkRecorded(*f.claim);
      Report(f, Status::Unavailable("store unavailable until the lease ran short"));
      return true;
    });
    if (group.empty()) return;
    probe_.store_retries.fetch_add(group.size(), std::memory_order_relaxed);
    if (!Pause(&backoff)) {
      for (const Finished& f : group) {
        MarkRecorded(*f.claim);
        Report(f, Status::Unavailable("store unavailable when the pool stopped"));
      }
      return;
    }
  }
}

void WorkerPool::RecordOnce(std::vector<Finished>* group) {
  std::vector<Status> statuses;
  {
    // Every claim's record_mu, held across the call: no renewal runs during or after its final
    // record (this thread is the only one holding several; renewals hold one at a time).
    std::vector<std::unique_lock<std::mutex>> records;
    std::vector<ExecutionOutcome> outcomes;
    records.reserve(group->size());
    outcomes.reserve(group->size());
    for (const Finished& f : *group) {
      records.emplace_back(f.claim->record_mu);
      outcomes.push_back(*PipelineRunner::ToRecord(f.claim->execution, f.claim->owner, f.outcome));
    }
    statuses = store_->FinishExecutions(outcomes);
    if (statuses.size() != outcomes.size()) {
      statuses.assign(
          outcomes.size(),
          Status::Internal("the store answered " + std::to_string(statuses.size()) +
                           " statuses for " + std::to_string(outcomes.size()) + " outcomes"));
    }
    for (size_t i = 0; i < group->size(); ++i) {
      const Claim& claim = *(*group)[i].claim;
      const bool retry = statuses[i].code() == "unavailable" && !claim.lease_lost.load() &&
                         !stop_requested_.load();
      if (!retry) (*group)[i].claim->recorded = true;
    }
  }
  std::vector<Finished> retry;
  for (size_t i = 0; i < group->size(); ++i) {
    Finished& f = (*group)[i];
    if (f.claim->recorded) {
      Report(f, std::move(statuses[i]));
    } else {
      retry.push_back(std::move(f));
    }
  }
  *group = std::move(retry);
}

void WorkerPool::MarkRecorded(Claim& claim) {
  std::lock_guard record(claim.record_mu);
  claim.recorded = true;
}

void WorkerPool::Report(const Finished& finished, Status recorded) {
  const Claim& claim = *finished.claim;
  const Execution& execution = claim.execution;
  const RunOutcome& outcome = finished.outcome;
  {
    std::lock_guard lock(mu_);
    held_.erase(execution.id);
  }
  const double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - finished.started)
          .count();

  // The pipeline was removed and its execution with it: nothing left to record the failure in.
  const bool execution_removed =
      outcome.pipeline_removed && (recorded.code() == "conflict" || recorded.code() == "not_found");
  if (execution_removed) recorded = Status::Ok();
  const bool lease_lost = recorded.code() == "conflict" ||
                          (outcome.kind == RunOutcome::Kind::kAbandoned && claim.lease_lost.load());
  if (lease_lost) {
    probe_.lease_conflicts.fetch_add(1, std::memory_order_relaxed);
    log::Warn("execution_lease_lost",
              {{"execution_id", execution.id},
               {"pipeline_id", execution.pipeline_id},
               {"worker", claim.owner},
               {"detail", recorded.ok() ? outcome.error : recorded.ToString()},
               {"result", "dropped"}});
    return;
  }
  if (!recorded.ok() || outcome.kind == RunOutcome::Kind::kAbandoned) {
    probe_.abandoned.fetch_add(1, std::memory_order_relaxed);
    if (!recorded.ok()) probe_.store_errors.fetch_add(1, std::memory_order_relaxed);
    log::Warn("execution_abandoned",
              {{"execution_id", execution.id},
               {"pipeline_id", execution.pipeline_id},
               {"worker", claim.owner},
               {"error", recorded.ok() ? outcome.error : recorded.ToString()},
               {"retry", "after the lease expires"}});
    return;
  }
  if (outcome.kind == RunOutcome::Kind::kCompleted) {
    probe_.completed.fetch_add(1, std::memory_order_relaxed);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("execution_completed", {{"execution_id", execution.id},
                                         {"pipeline_id", execution.pipeline_id},
                                         {"worker", claim.owner},
                                         {"nodes", outcome.nodes_run},
                                         {"duration_ms", duration_ms}});
    }
  } else {
    probe_.failed.fetch_add(1, std::memory_order_relaxed);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("execution_failed", {{"execution_id", execution.id},
                                      {"pipeline_id", execution.pipeline_id},
                                      {"worker", claim.owner},
                                      {"error", outcome.error},
                                      {"recorded", !execution_removed},
                                      {"duration_ms", duration_ms}});
    }
  }
}

bool WorkerPool::RetryAllowed(std::chrono::steady_clock::time_point lease_until, Ms backoff) const {
  return !stop_requested_.load() &&
         std::chrono::steady_clock::now() + backoff + options_.lease / 10 < lease_until;
}

bool WorkerPool::Pause(Ms* backoff) {
  using Clock = std::chrono::steady_clock;
  const auto wake = Clock::now() + *backoff;
  while (!stop_requested_.load() && Clock::now() < wake) {
    std::this_thread::sleep_for(std::min<Clock::duration>(kRetrySleepSlice, wake - Clock::now()));
  }
  *backoff = std::min(*backoff * 2, kRetryBackoffMax);
  return !stop_requested_.load();
}

void WorkerPool::MaintenanceLoop() {
  using Clock = std::chrono::steady_clock;
  const Ms renew_interval = RenewInterval(options_);
  auto next_reap = Clock::now();
  auto next_renew = Clock::now() + renew_interval;
  std::unique_lock lock(mu_);
  while (!maintenance_stopping_) {
    const auto now = Clock::now();
    if (now >= next_renew) {
      lock.unlock();
      RenewLeases();
      lock.lock();
      next_renew = now + renew_interval;
      continue;
    }
    if (now >= next_reap) {
      lock.unlock();
      Reap();
      lock.lock();
      next_reap = now + options_.reap_interval;
      continue;
    }
    maintenance_cv_.wait_until(lock, std::min(next_renew, next_reap),
                               [&] { return maintenance_stopping_; });
  }
}

void WorkerPool::RenewLeases() {
  std::vector<std::shared_ptr<Claim>> held;
  {
    std::lock_guard lock(mu_);
    held.reserve(held_.size());
    for (const auto& [id, claim] : held_) held.push_back(claim);
  }
  for (const auto& claim : held) {
    std::lock_guard record(claim->record_mu);
    if (claim->recorded || claim->lease_lost.load()) continue;
    const auto lease_until = std::chrono::steady_clock::now() + options_.lease;
    Status s = store_->RenewLease(claim->execution.id, claim->owner, options_.lease);
    if (s.ok()) {
      claim->lease_until.store(lease_until);
      probe_.lease_renewals.fetch_add(1, std::memory_order_relaxed);
    } else if (s.code() == "conflict") {
      claim->lease_lost.store(true);
      log::Warn("execution_lease_renewal_refused", {{"execution_id", claim->execution.id},
                                                    {"worker", claim->owner},
                                                    {"error", s.ToString()}});
    } else {
      probe_.store_errors.fetch_add(1, std::memory_order_relaxed);
      log::Warn("execution_lease_renewal_failed", {{"execution_id", claim->execution.id},
                                                   {"worker", claim->owner},
                                                   {"error", s.ToString()}});
    }
  }
}

void WorkerPool::Reap() {
  auto reaped = store_->ReapExpiredLeases(options_.max_attempts);
  if (!reaped.ok()) {
    probe_.store_errors.fetch_add(1, std::memory_order_relaxed);
    log::Warn("lease_reap_failed", {{"error", reaped.status().ToString()}});
    return;
  }
  if (reaped->requeued == 0 && reaped->failed == 0) return;
  probe_.reaped.fetch_add(static_cast<uint64_t>(reaped->requeued), std::memory_order_relaxed);
  probe_.reaped_failed.fetch_add(static_cast<uint64_t>(reaped->failed), std::memory_order_relaxed);
  log::Info("execution_leases_reaped",
            {{"requeued", reaped->requeued}, {"failed", reaped->failed}});
  if (reaped->requeued > 0) Notify();
}

}  // namespace sigflow
