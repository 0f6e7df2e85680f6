// MarketDataAgent (agent_type "market_data_agent"): the latest bars and features of the
// pipeline's tickers, from the MarketStore (lane_telemetry, lane_features), as of the execution's
// decision time (agent_services.h: the newest triggering signal's time, else the clock's now).
//
// Output:
//   {"as_of": <ms>, "tickers": {"AAPL": {"bar": {"ts", "open", "high", "low", "close", "volume"},
//                                        "bars": [{"ts", "close"}, ...]   (lookback_bars > 1)
//                                        "features": {"ts", "computed_at", "close", "sma_short",
//                                                     "sma_long", "ema", "atr", "recent_vol",
//                                                     "vol_ratio", "trend"} | null}},
//    "missing": ["MSFT", ...]}
// A feature that is not warmed up is null; a row computed after as_of is not used (it did not
// exist then), so "features" is null when no row had been computed by as_of. A ticker with no bar
// at or before as_of is listed in "missing" and left out of "tickers" (it is not an error: the
// later nodes and the risk gates decide what to do without data).
//
// Config: {"lookback_bars": integer in [1, 500]} (default 1: the latest bar only). Any other key
// is rejected. A store read that fails fails the node (`unavailable`, ...); no market store
// configured is `failed_precondition`. Thread-safe (the store is).
#pragma once

#include "work/agent_services.h"

namespace sigflow {

class MarketDataAgent final : public Agent {
 public:
  static constexpr std::string_view kType = "market_data_agent";
  static constexpr int kMaxLookback = 500;

  explicit MarketDataAgent(const AgentServices& services) : services_(services) {}

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;

 private:
  const AgentServices services_;
};

}  // namespace sigflow
