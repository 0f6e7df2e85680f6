// ForwardingStore: a Store that passes every call to another Store (LevelDB's EnvWrapper idea).
// Subclass it to change one method, e.g. to inject faults in tests. Does not own the target,
// which must outlive it. Thread-safety is the target's.
//
// Two calls are not forwarded: ClaimExecutionsWithInputs and FinishExecutions keep Store's
// defaults, which are made of ClaimExecutions and CompleteExecution / FailExecution, so that a
// subclass changing those (a fault injector) is seen by the workers too. Through a wrapper, the
// workers therefore make one call per execution, as on the embedded store.
#pragma once

#include "store/store.h"

namespace sigflow {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store* target) : target_(target) {}

  Result<Pipeline> AddPipeline(Pipeline p) override { return target_->AddPipeline(std::move(p)); }
  Result<Pipeline> GetPipeline(std::string_view id) override { return target_->GetPipeline(id); }
  Result<std::vector<Pipeline>> ListPipelines() override { return target_->ListPipelines(); }
  Result<std::vector<Pipeline>> LoadSignalPipelines() override {
    return target_->LoadSignalPipelines();
  }
  Status RemovePipeline(std::string_view id) override { return target_->RemovePipeline(id); }
  void OnPipelinesChanged(std::function<void()> cb) override {
    target_->OnPipelinesChanged(std::move(cb));
  }
  Result<WakeResult> Wake(const WakeBatch& batch) override { return target_->Wake(batch); }
  Result<int64_t> EnqueueExecution(std::string_view pipeline_id, bool triggered_by_signal,
                                   const std::vector<std::string>& signal_ids) override {
    return target_->EnqueueExecution(pipeline_id, triggered_by_signal, signal_ids);
  }
  Result<std::vector<Execution>> ClaimExecutions(std::string_view worker, int max,
                                                 std::chrono::milliseconds lease) override {
    return target_->ClaimExecutions(worker, max, lease);
  }
  Status RenewLease(int64_t id, std::string_view worker, std::chrono::milliseconds lease) override {
    return target_->RenewLease(id, worker, lease);
  }
  Status CompleteExecution(int64_t id, std::string_view worker,
                           std::string_view result_json) override {
    return target_->CompleteExecution(id, worker, result_json);
  }
  Status FailExecution(int64_t id, std::string_view worker, std::string_view error) override {
    return target_->FailExecution(id, worker, error);
  }
  Result<ReapResult> ReapExpiredLeases(int max_attempts) override {
    return target_->ReapExpiredLeases(max_attempts);
  }
  Result<Execution> GetExecution(int64_t id) override { return target_->GetExecution(id); }
  Result<std::vector<Execution>> ListExecutions(int limit) override {
    return target_->ListExecutions(limit);
  }
  void OnExecutionsEnqueued(std::function<void()> cb) override {
    target_->OnExecutionsEnqueued(std::move(cb));
  }
  Result<std::vector<StoredSignal>> LoadSignals(const std::vector<std::string>& ids) override {
    return target_->LoadSignals(ids);
  }
  Result<std::vector<StoredDeadLetter>> ListDeadLetters(int limit) override {
    return target_->ListDeadLetters(limit);
  }
  Result<StoreCounts> Counts() override { return target_->Counts(); }

 protected:
  Store* target() { return target_; }

 private:
  Store* target_;
};

}  // namespace sigflow
