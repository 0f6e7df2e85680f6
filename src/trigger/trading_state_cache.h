// TradingStateCache: the trigger dispatcher's copy of the trading state (core/trading_state.h),
// so that HALTED stops the waking of pipelines without a store read per signal or per batch.
//
// The state is read from the TradingStateReader (the ledger) every refresh interval (1 s by
// default: one single-row read per second) and whenever the pipeline snapshot is rebuilt, on the
// dispatcher's thread between batches. A failed read keeps the last known state (and says so
// once in the log): the store being unreachable stops the batches anyway. Without a reader the
// state is always ACTIVE. state() may be read from any thread; the rest is the dispatcher's.
#pragma once

#include <atomic>
#include <chrono>

#include "core/trading_state.h"
#include "store/ledger_store.h"

namespace sigflow {

class TradingStateCache {
 public:
  TradingStateCache(TradingStateReader* reader, std::chrono::milliseconds refresh_interval);

  // Reads the state when the interval has passed, or at once when `now` is true.
  void MaybeRefresh(bool now = false);
  TradingState state() const { return state_.load(std::memory_order_acquire); }
  bool halted() const { return state() == TradingState::kHalted; }
  uint64_t reads() const { return reads_; }

 private:
  TradingStateReader* reader_;
  std::chrono::milliseconds refresh_interval_;
  std::chrono::steady_clock::time_point next_read_{};
  std::atomic<TradingState> state_{TradingState::kActive};
  bool failing_ = false;
  uint64_t reads_ = 0;
};

}  // namespace sigflow
