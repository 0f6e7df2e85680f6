// Risk gates: small named checks, each comparing one observed value with its threshold and
// returning a reason from a closed set with a stable text, e.g.
//   CONFIDENCE_BELOW_MIN: observed=0.62 threshold=0.70
//
// EvaluateGates runs every gate, in this order, recording each one (risk_gate_json) even after
// one has failed; the first failure is the recommendation's reason:
//   trading_state               ACTIVE passes; HALTED never (trading_halted); REDUCING only an
//                               action whose direction is opposite to the ticker's open exposure
//                               (trading_reducing); under a cent of exposure counts as flat
//   confidence                  confidence >= confidence_min             CONFIDENCE_BELOW_MIN
//   action_allowed              action in allowed_actions                 ACTION_NOT_ALLOWED
//   bar_freshness               a bar, now - bar.ts <= max_bar_age_seconds  BAR_MISSING, BAR_STALE
//   feature_freshness           features with the stop model's value (recent_vol or atr),
//                               now - computed_at <= max_feature_age_seconds
//                                                              FEATURES_MISSING, FEATURES_STALE
//   ticker_daily_limit          fills of the ticker today < max_trades_per_ticker_per_day
//                                                                  TICKER_DAILY_LIMIT_REACHED
//   ticker_recommendation_rate  the ticker's recommendations in the window ending at this one
//                               (itself included) <= max_recommendations_per_ticker
//                                                                        TICKER_RATE_EXCEEDED
// The trading state's two codes are lower case because they are also the trigger dispatcher's
// outcome name (`trading_halted`); the others are upper case, as in the risk engine they come
// from. Ages are in seconds, "today" is the UTC day of the decision clock.
//
// Pure functions of their inputs; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/recommendation.h"
#include "core/trading_state.h"
#include "risk/execution_config.h"
#include "risk/market_view.h"
#include "store/ledger_store.h"

namespace sigflow {

enum class GateReason : uint8_t {
  kPassed,
  kTradingHalted,
  kTradingReducing,
  kConfidenceBelowMin,
  kActionNotAllowed,
  kBarMissing,
  kBarStale,
  kFeaturesMissing,
  kFeaturesStale,
  kTickerDailyLimitReached,
  kTickerRateExceeded,
};

// "" for kPassed, else the stable code: "trading_halted", "CONFIDENCE_BELOW_MIN", ...
std::string_view GateReasonCode(GateReason reason);

struct GateCheck {
  std::string_view gate;  // the key in risk_gate_json: "confidence", ...
  GateReason reason = GateReason::kPassed;
  nlohmann::ordered_json observed;  // null when there was nothing to observe (a missing bar)
  nlohmann::ordered_json threshold;
  nlohmann::ordered_json detail = nlohmann::ordered_json::object();  // e.g. the bar's time
  std::string text;  // "" when passed, else "CODE: observed=... threshold=..."

  bool passed() const { return reason == GateReason::kPassed; }
  // {"passed": ..., "observed": ..., "threshold": ..., "reason": text (when failed), detail...}
  nlohmann::ordered_json ToJson() const;
};

GateCheck CheckTradingState(TradingState state, TradeAction action, double open_exposure);
GateCheck CheckConfidence(double confidence, double confidence_min);
GateCheck CheckActionAllowed(TradeAction action, const std::vector<TradeAction>& allowed);
GateCheck CheckBarFreshness(const std::optional<MarketBar>& bar, int64_t now_ms,
                            double max_age_seconds);
GateCheck CheckFeatureFreshness(const std::optional<MarketFeatures>& features,
                                StopDistanceModel model, int64_t now_ms, double max_age_seconds);
GateCheck CheckTickerDailyLimit(int64_t fills_today, int max_per_day);
GateCheck CheckTickerRecommendationRate(int64_t in_window, int max_in_window, int window_seconds);

struct GateInputs {
  TradingState trading_state = TradingState::kActive;
  const Recommendation* recommendation = nullptr;
  std::optional<MarketBar> bar;
  std::optional<MarketFeatures> features;
  TickerActivity activity;
  int64_t now_ms = 0;  // the decision clock
};

struct GateReport {
  std::vector<GateCheck> checks;  // every gate, in evaluation order

  bool passed() const;
  const GateCheck* first_failure() const;  // nullptr when all passed
  // {"trading_state": {...}, "confidence": {...}, ...}: dispatch_recommendations.risk_gate_json
  nlohmann::ordered_json ToJson() const;
};

GateReport EvaluateGates(const GateInputs& inputs, const ExecutionConfig& config);

// The config values the gates read, by key (what every gate decision is logged with).
nlohmann::ordered_json GateConfigJson(const ExecutionConfig& config);

// `value` with at least `min_decimals` decimals, and as many more as it takes to read back
// exactly: 0.7 -> "0.70", 0.695 -> "0.695" (never rounded into its threshold's text).
std::string FormatDecimal(double value, int min_decimals);

}  // namespace sigflow
