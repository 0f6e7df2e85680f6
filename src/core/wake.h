// WakeBatch / WakeResult: what the trigger dispatcher asks the store to do for one batch, in one
// transaction, and what came of it.
//
// The dispatcher has already decoded the batch and matched it against its pipeline index. The
// store then, atomically:
//  1. records every fresh signal in `signals` (a signal whose id is already recorded, or repeated
//     earlier in this batch, is a duplicate: all its matches count as `duplicate`);
//  2. for every candidate pipeline, takes as waker the first non-duplicate signal that matched it;
//     if the pipeline has no PENDING/RUNNING execution it creates one (signal_ids = the waker, then
//     the batch's other fresh matching signals) and records (pipeline, waker) in `signal_wakes`.
//     A candidate that is no longer an active signal-mode pipeline (removed, deactivated or made
//     periodic since the dispatcher's snapshot) is not woken: its matches count as skipped_running;
//  3. counts per signal: enqueued = pipelines it woke; skipped_running = matched - enqueued;
//     duplicate = matched for duplicate signals;
//  4. stores the dead letters.
// While trading is HALTED (core/trading_state.h) the dispatcher sets `trading_halted`: the store
// then records the signals and dead letters as usual but wakes nothing, whatever the candidates,
// and every match of a fresh signal counts as `trading_halted` (duplicates stay `duplicate`).
// Views in a WakeBatch borrow from the dispatcher's buffers and are valid only during the call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sigflow {

struct WakeSignal {
  std::string_view signal_id;
  std::string_view payload;  // canonical JSON of the signal
  int64_t timestamp_ms = 0;
  int64_t received_at_ms =
      0;                 // when the dispatcher took it off the bus (latency is measured from it)
  uint32_t matched = 0;  // distinct pipelines matched
  bool duplicate_in_batch = false;
};

struct WakeCandidate {
  std::string_view pipeline_id;
  uint32_t first_signal = 0;  // index into WakeBatch::signals of the first signal that matched
};

struct DeadLetter {
  std::string raw;
  std::string reason_code;
  std::string message;
};

struct WakeBatch {
  std::vector<WakeSignal> signals;
  std::vector<WakeCandidate> candidates;
  std::vector<DeadLetter> dead_letters;
  // Fills `out` with the indices (ascending) of every batch signal that matched candidate `c`.
  // Called by the store only where it needs the full list (new executions, duplicate wakers).
  std::function<void(uint32_t c, std::vector<uint32_t>* out)> matched_signals;
  // created_at of the rows the batch writes; 0 = the store's clock.
  int64_t now_ms = 0;
  // Trading is HALTED: wake nothing, count matches as trading_halted (see the top of this file).
  bool trading_halted = false;
};

struct SignalOutcome {
  uint32_t matched = 0;
  uint32_t enqueued = 0;
  uint32_t skipped_running = 0;
  uint32_t duplicate = 0;
  uint32_t trading_halted = 0;  // matches not woken because trading was HALTED
};

struct EnqueuedExecution {
  int64_t execution_id = 0;
  uint32_t candidate = 0;  // index into WakeBatch::candidates
  uint32_t waker = 0;      // index into WakeBatch::signals
};

struct WakeResult {
  std::vector<SignalOutcome> per_signal;  // parallel to WakeBatch::signals
  std::vector<EnqueuedExecution> enqueued;
  uint64_t skipped_running = 0;
  uint64_t duplicate = 0;
  uint64_t dead_lettered = 0;
  uint64_t trading_halted = 0;
};

}  // namespace sigflow
