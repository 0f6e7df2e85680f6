// SimulatedBroker: fills at the latest bar's close plus slippage, with stops and size from seed
// 003's formulas (risk/pricing.h, config keys default_slippage_bps, fill_model "close+slip",
// stop_distance_model, stop_loss_atr_mult, take_profit_risk_reward, paper_equity,
// max_risk_per_trade_pct, max_position_pct, max_hold_minutes). Deterministic: the same request
// and config give the same fill. The fill happens at the decision time (simulated_ts =
// decision_ts): on the replay clock, that is the replayed bar's time.
// Stateless after construction; thread-safe.
#pragma once

#include "risk/broker.h"

namespace sigflow {

class SimulatedBroker final : public Broker {
 public:
  explicit SimulatedBroker(ExecutionConfig config) : config_(std::move(config)) {}
  ExecutionMode mode() const override { return ExecutionMode::kSimulated; }
  // `invalid_argument` with the pricing's reason (see PriceOrder), or for SELL_PREMIUM, which
  // has no directional stop.
  Result<BrokerFill> Execute(const OrderRequest& order) override;

 private:
  const ExecutionConfig config_;
};

}  // namespace sigflow
