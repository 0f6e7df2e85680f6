// ExecutionProbe: the execution dispatcher's counters, kept apart from its logic. Written by the
// dispatcher's thread, read by anyone (summaries, metrics): all atomics.
#pragma once

#include <atomic>
#include <cstdint>

#include "obs/latency_histogram.h"

namespace sigflow {

struct ExecutionProbe {
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> run_failures{0};  // runs that stopped on a ledger error
  std::atomic<uint64_t> claimed{0};
  std::atomic<uint64_t> simulated{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> lost_claims{0};      // reaped from under this dispatcher before settling
  std::atomic<uint64_t> left_processing{0};  // could not be settled at all (the reaper will)
  std::atomic<uint64_t> reaped_released{0};
  std::atomic<uint64_t> reaped_failed{0};
  // From a recommendation's claim to its settlement's commit.
  LatencyHistogram settle_micros;
};

}  // namespace sigflow
