#include "trigger/pipeline_cache.h"

#include "obs/log.h"

namespace sigflow {

PipelineCache::PipelineCache(Store* store, std::chrono::milliseconds refresh_interval)
    : store_(store), refresh_interval_(refresh_interval), snapshot_(PipelineIndex::Build({})) {}

Status PipelineCache::MaybeRefresh() {
  const bool requested = refresh_requested_.exchange(false, std::memory_order_acq_rel);
  if (!requested && std::chrono::steady_clock::now() < next_refresh_) return Status::Ok();
  return Refresh();
}

Status PipelineCache::Refresh() {
  const auto started = std::chrono::steady_clock::now();
  // Retry soon after a failure, but not in a tight loop.
  next_refresh_ = started + refresh_interval_;
  auto pipelines = store_->LoadSignalPipelines();
  if (!pipelines.ok()) {
    ++refresh_failures_;
    log::Warn("pipeline_cache_refresh_failed",
              {{"error", pipelines.status().ToString()},
               {"consecutive_failures", refresh_failures_},
               {"serving_pipelines", snapshot_->pipeline_count()}});
    return pipelines.status();
  }
  // Unchanged pipelines keep the snapshot: the matchers keep the state they hold for it (a new
  // snapshot, even an equal one, makes them start over), and no index is rebuilt.
  const bool unchanged = snapshot_->SameAs(*pipelines);
  if (!unchanged) {
    snapshot_ = PipelineIndex::Build(*pipelines);
    ++rebuilds_;
  }
  ++refreshes_;
  refresh_failures_ = 0;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  log::Info("pipeline_cache_refreshed", {{"pipelines_count", snapshot_->pipeline_count()},
                                         {"tickers_count", snapshot_->ticker_count()},
                                         {"rebuilt", !unchanged},
                                         {"cache_refresh_duration_ms", micros / 1000.0}});
  return Status::Ok();
}

}  // namespace sigflow
