// WorkerOptions: how a WorkerPool (work/worker_pool.h) claims, runs and records executions,
// fixed for the lifetime of a pool. Plain data with its defaults; Validate() names every field out
// of range. In a header of its own so that configuration code (cli/settings.h) can hold one
// without the pool's threads and queues.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"

namespace sigflow {

struct WorkerOptions {
  // Worker threads (>= 1). More threads run more pipelines at once; each holds store calls.
  int threads = 2;
  // How long a claim stays valid without renewal (> 0). Shorter: a dead worker's executions are
  // rerun sooner; longer: fewer renewals, more slack for a stalled store.
  std::chrono::milliseconds lease{30'000};
  // Executions claimed per store call (>= 1). Larger batches save round trips under load but
  // hold more executions in this process while other processes may be idle.
  int claim_batch = 8;
  // Longest an outcome waits for the outcomes of the executions claimed with it, so that one
  // store call records them together (>= 0; 0: recorded at once unless a worker is recording).
  std::chrono::milliseconds record_wait{10};
  // Longest sleep of an idle worker before it looks at the store again (> 0).
  std::chrono::milliseconds idle_poll{200};
  // Claims per execution before the reaper FAILs it instead of requeueing it (>= 1).
  int max_attempts = 3;
  // Period of Store::ReapExpiredLeases (> 0).
  std::chrono::milliseconds reap_interval{1'000};
  // Period of lease renewal; 0 means lease / 3. Must be shorter than the lease.
  std::chrono::milliseconds renew_interval{0};
  // Lease owner ids are "<prefix>-<8 random hex>-<thread index>", unique per pool and process.
  std::string worker_id_prefix = "worker";

  // `invalid_argument` naming every out-of-range field.
  Status Validate() const;
};

}  // namespace sigflow
