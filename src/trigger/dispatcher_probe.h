// DispatcherProbe: the trigger dispatcher's counters and latency histogram, kept apart from its
// logic. Written by the dispatcher thread, read by anyone (summaries, metrics): all atomics.
// Counter names follow the seeds' metrics (signals_consumed_total, pipelines_enqueued_total, ...).
#pragma once

#include <atomic>
#include <cstdint>

#include "obs/latency_histogram.h"

namespace sigflow {

struct DispatcherProbe {
  std::atomic<uint64_t> signals_consumed{0};
  std::atomic<uint64_t> signals_dead_lettered{0};
  std::atomic<uint64_t> pipelines_matched{0};  // sum over signals of distinct matches
  std::atomic<uint64_t> pipelines_enqueued{0};
  std::atomic<uint64_t> pipelines_skipped_running{0};
  std::atomic<uint64_t> pipelines_duplicate{0};
  std::atomic<uint64_t> pipelines_trading_halted{0};  // matches not woken: trading was HALTED
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> store_failures{0};
  std::atomic<uint64_t> commit_failures{0};
  // Commits of positions whose earlier commit failed, retried on their own (bus idle, revoke,
  // stop) rather than with a later batch's.
  std::atomic<uint64_t> commit_retries{0};
  // Rebalances: batches flushed (store transaction and commit) from the bus's revoke listener,
  // and records left to the partitions' next owner because that flush failed.
  std::atomic<uint64_t> batches_flushed_on_revoke{0};
  std::atomic<uint64_t> records_dropped_on_revoke{0};
  // Batches that matched nothing and were held back without a round trip, and transactions
  // that wrote held history rows (see dispatcher_options.h, history_defer_*).
  std::atomic<uint64_t> batches_held{0};
  std::atomic<uint64_t> held_flushes{0};
  // From a signal's publish time to the commit of the transaction that created its execution.
  LatencyHistogram signal_to_execution_micros;
  // Wall time of one batch: decode, match, store transaction, commit.
  LatencyHistogram batch_processing_micros;
};

}  // namespace sigflow
