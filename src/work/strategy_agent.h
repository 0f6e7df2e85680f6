// StrategyAgent (agent_type "strategy_agent"): turns each ticker's combined bias (bias_agent's
// output, which must come from an earlier node) into an action with a confidence, by rules the
// node's config sets.
//
// For each ticker of bias_agent's output, with b = combined_bias and c = its confidence:
//   c < min_confidence                          -> NO_TRADE, rule "below_min_confidence"
//   b BULLISH and c >= strong_confidence        -> strong_bullish, rule "strong_bullish"
//   b BULLISH                                   -> bullish,        rule "bullish"
//   b BEARISH and c >= strong_confidence        -> strong_bearish, rule "strong_bearish"
//   b BEARISH                                   -> bearish,        rule "bearish"
//   b NEUTRAL                                   -> neutral,        rule "neutral"
// Output: {"decisions": {"AAPL": {"action": "BUY_CALL" | ... | "NO_TRADE", "trade": bool,
//          "confidence": c, "bias": b, "rule": "..."}}, "trades": <decisions with trade>,
//          "rules": {the config applied, defaults included}}.
//
// Config (every key optional; any other is rejected):
//   min_confidence     number in [0, 1], default 0.5
//   strong_confidence  number in [min_confidence, 1], default 0.8
//   bullish            action or NO_TRADE, default BUY_STOCK
//   strong_bullish     default BUY_CALL
//   bearish            default BUY_PUT
//   strong_bearish     default BUY_PUT
//   neutral            default NO_TRADE (SELL_PREMIUM sells volatility on a quiet reading)
// Without a bias_agent output the node fails (`failed_precondition`). Stateless, thread-safe.
#pragma once

#include "work/agent.h"

namespace sigflow {

class StrategyAgent final : public Agent {
 public:
  static constexpr std::string_view kType = "strategy_agent";

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;

  // The rules with the defaults filled in (config must be valid).
  static nlohmann::json Rules(const nlohmann::json& config);
};

}  // namespace sigflow
