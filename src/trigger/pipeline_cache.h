// PipelineCache: the dispatcher's current PipelineIndex snapshot, and when to rebuild it.
//
// The snapshot is rebuilt from Store::LoadSignalPipelines() every refresh interval and at once
// after RequestRefresh() (wired to Store::OnPipelinesChanged). Building happens on the caller's
// thread between batches; readers hold a shared_ptr to an immutable snapshot, so a batch never
// sees a half-built index. A refresh that loads the same pipelines (ids, order, tickers) as the
// snapshot's keeps that snapshot (PipelineIndex::SameAs), so whatever a BatchMatcher keeps per
// snapshot survives it. When the store is unreachable the last snapshot keeps serving.
// RequestRefresh() is thread-safe; the rest is called from the dispatcher thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "core/status.h"
#include "store/store.h"
#include "trigger/pipeline_index.h"

namespace sigflow {

class PipelineCache {
 public:
  PipelineCache(Store* store, std::chrono::milliseconds refresh_interval);

  // Rebuilds when due or requested. Returns the store's error when a due rebuild failed (the old
  // snapshot stays).
  Status MaybeRefresh();
  Status Refresh();
  void RequestRefresh() { refresh_requested_.store(true, std::memory_order_release); }

  std::shared_ptr<const PipelineIndex> snapshot() const { return snapshot_; }
  // Successful refreshes, and those of them that built a new snapshot.
  uint64_t refreshes() const { return refreshes_; }
  uint64_t rebuilds() const { return rebuilds_; }
  uint64_t refresh_failures() const { return refresh_failures_; }

 private:
  Store* store_;
  std::chrono::milliseconds refresh_interval_;
  std::chrono::steady_clock::time_point next_refresh_{};
  std::atomic<bool> refresh_requested_{true};
  std::shared_ptr<const PipelineIndex> snapshot_;
  uint64_t refreshes_ = 0;
  uint64_t rebuilds_ = 0;
  uint64_t refresh_failures_ = 0;
};

}  // namespace sigflow
