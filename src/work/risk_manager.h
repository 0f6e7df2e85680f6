// RiskManager (agent_type "risk_manager"): the pipeline-level checks that run before anything is
// recommended — the pipeline's own limits, before the execution dispatcher's firm-wide gates.
//
// Takes strategy_agent's decisions (an earlier node; `failed_precondition` without one) and,
// for each decision with a trade, in ticker order, rejects it with the first reason that holds:
//   blocked_ticker          the ticker is in blocked_tickers
//   action_not_allowed      the action is not in allowed_actions
//   below_min_confidence    confidence < min_confidence
//   no_market_data          a market_data_agent node ran and found no bar for the ticker
//   stale_bar               max_bar_age_hours is set and the bar is older than that at as_of
//   volatility_above_max    max_recent_vol is set and the features' recent_vol exceeds it (a
//                           ticker without recent_vol passes: the dispatcher's gates judge it)
// The survivors are approved, most confident first (then by ticker), at most
// max_trades_per_execution of them; the rest are rejected with max_trades_per_execution.
// Output: {"approved": [{"ticker", "action", "confidence", "rule"}], "rejected": [{"ticker",
// "action", "reason"}], "limits": {the config applied, defaults included}}.
//
// Config (all optional; any other key rejected): max_trades_per_execution integer in [1, 1000]
// (default 5), min_confidence number in [0, 1] (default 0), allowed_actions array of action
// names (default all four), blocked_tickers array of strings (default none), max_bar_age_hours
// number > 0, max_recent_vol number > 0. Stateless, thread-safe.
#pragma once

#include "work/agent.h"

namespace sigflow {

class RiskManager final : public Agent {
 public:
  static constexpr std::string_view kType = "risk_manager";

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;
};

}  // namespace sigflow
