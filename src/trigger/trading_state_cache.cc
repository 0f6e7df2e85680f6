#include "trigger/trading_state_cache.h"

#include "obs/log.h"

namespace sigflow {

TradingStateCache::TradingStateCache(TradingStateReader* reader,
                                     std::chrono::milliseconds refresh_interval)
    : reader_(reader), refresh_interval_(refresh_interval) {}

void TradingStateCache::MaybeRefresh(bool now) {
  if (reader_ == nullptr) return;
  const auto started = std::chrono::steady_clock::now();
  if (!now && started < next_read_) return;
  next_read_ = started + refresh_interval_;
  ++reads_;
  auto record = reader_->GetTradingState();
  if (!record.ok()) {
    if (!failing_) {
      log::Warn("trading_state_read_failed", {{"error", record.status().ToString()},
                                              {"keeping", std::string(TradingStateName(state()))}});
    }
    failing_ = true;
    return;
  }
  failing_ = false;
  const TradingState previous = state_.exchange(record->state, std::memory_order_acq_rel);
  if (previous != record->state) {
    log::Warn("trading_state_changed", {{"from", std::string(TradingStateName(previous))},
                                        {"to", std::string(TradingStateName(record->state))},
                                        {"reason", record->reason},
                                        {"changed_by", record->changed_by}});
  }
}

}  // namespace sigflow
