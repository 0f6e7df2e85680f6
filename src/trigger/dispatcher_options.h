// TriggerDispatcherOptions: fixed for the lifetime of one trigger dispatcher.
//
// Defaults are the seeds' (BATCH_SIZE=20, BATCH_TIMEOUT_SECONDS=0.5,
// CACHE_REFRESH_INTERVAL_SECONDS=30); the CLI fills them from flags > environment > defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace sigflow {

struct TriggerDispatcherOptions {
  // A batch closes at this many signals. Larger batches mean fewer store transactions per signal
  // under a flood; they never add latency to a lone signal (see natural_batching).
  size_t batch_size = 20;
  // A batch closes this long after its first signal arrived, at the latest.
  std::chrono::milliseconds batch_timeout{500};
  // With natural batching (default) a batch also closes as soon as the bus has nothing more
  // ready, so a lone signal is dispatched at once. false restores the seeds' timer-only buffering
  // (a batch waits for batch_size or batch_timeout), kept for comparison.
  bool natural_batching = true;
  // The pipeline index is rebuilt this often, and at once when this process changes pipelines.
  std::chrono::milliseconds cache_refresh_interval{30000};
  // The trading state (HALTED wakes no pipeline) is re-read this often, and with every rebuild of
  // the pipeline index. Shorter stops a halt sooner; each read is one single-row store query.
  std::chrono::milliseconds trading_state_refresh_interval{1000};
  // How long one poll waits for a first signal when the bus is idle; bounds how quickly the loop
  // notices a stop request or a due cache refresh.
  std::chrono::milliseconds idle_wait{100};
  // The bus topic; a record without signal_id is given the id "<topic>:<partition>:<offset>".
  std::string topic = "trading-signals";
  // A batch that matched nothing and holds no dead letter changes no execution: its signals'
  // history rows are held back (with its offsets, which are committed only once those rows are
  // durable) and written by the next store transaction, so such a batch costs no round trip.
  // The held rows are written at the latest when this many are held, when the oldest has waited
  // history_defer_max_age, when the bus is idle, on a revoke and on stop. 0 disables holding
  // back (every batch is one transaction). A crash loses nothing: the held records' offsets were
  // not committed, so they are delivered again.
  size_t history_defer_max_signals = 10000;
  std::chrono::milliseconds history_defer_max_age{1000};
  // First and longest pause between retries of a batch whose store transaction failed.
  std::chrono::milliseconds retry_backoff_min{50};
  std::chrono::milliseconds retry_backoff_max{5000};
};

}  // namespace sigflow
