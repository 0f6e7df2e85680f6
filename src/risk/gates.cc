#include "risk/gates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sigflow {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr double kFlatExposure = 0.01;

GateCheck Make(std::string_view gate, OrderedJson observed, OrderedJson threshold) {
  GateCheck check;
  check.gate = gate;
  check.observed = std::move(observed);
  check.threshold = std::move(threshold);
  return check;
}

void Fail(GateCheck* check, GateReason reason, const std::string& observed,
          const std::string& threshold) {
  check->reason = reason;
  check->text =
      std::string(GateReasonCode(reason)) + ": observed=" + observed + " threshold=" + threshold;
}

std::string Seconds(double s) { return FormatDecimal(s, 0); }

std::string ActionList(const std::vector<TradeAction>& actions) {
  std::string out;
  for (TradeAction a : actions) {
    if (!out.empty()) out += '|';
    out += TradeActionName(a);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string_view GateReasonCode(GateReason reason) {
  switch (reason) {
    case GateReason::kPassed:
      return "";
    case GateReason::kTradingHalted:
      return "trading_halted";
    case GateReason::kTradingReducing:
      return "trading_reducing";
    case GateReason::kConfidenceBelowMin:
      return "CONFIDENCE_BELOW_MIN";
    case GateReason::kActionNotAllowed:
      return "ACTION_NOT_ALLOWED";
    case GateReason::kBarMissing:
      return "BAR_MISSING";
    case GateReason::kBarStale:
      return "BAR_STALE";
    case GateReason::kFeaturesMissing:
      return "FEATURES_MISSING";
    case GateReason::kFeaturesStale:
      return "FEATURES_STALE";
    case GateReason::kTickerDailyLimitReached:
      return "TICKER_DAILY_LIMIT_REACHED";
    case GateReason::kTickerRateExceeded:
      return "TICKER_RATE_EXCEEDED";
  }
  return "";
}

std::string FormatDecimal(double value, int min_decimals) {
  char buf[64];
  for (int decimals = min_decimals; decimals <= 17; ++decimals) {
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
    if (std::strtod(buf, nullptr) == value) return buf;
  }
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  return buf;
}

OrderedJson GateCheck::ToJson() const {
  OrderedJson out = {{"passed", passed()}, {"observed", observed}, {"threshold", threshold}};
  if (!passed()) out["reason"] = text;
  for (const auto& [key, value] : detail.items()) out[key] = value;
  return out;
}

GateCheck CheckTradingState(TradingState state, TradeAction action, double open_exposure) {
  GateCheck check = Make("trading_state", std::string(TradingStateName(state)), "ACTIVE");
  if (state == TradingState::kHalted) {
    Fail(&check, GateReason::kTradingHalted, "HALTED", "ACTIVE");
  } else if (state == TradingState::kReducing) {
    // Reducing exposure: betting against the direction the ticker's open fills bet on.
    const int direction = TradeDirection(action);
    check.threshold = "ACTIVE, or REDUCING with an action against the open exposure";
    check.detail = {{"direction", direction}, {"open_exposure", open_exposure}};
    // Under a cent counts as flat: what a reduction leaves behind after rounding.
    const bool flat = std::fabs(open_exposure) < kFlatExposure;
    const bool reduces = direction != 0 && !flat && (direction > 0) != (open_exposure > 0);
    if (!reduces) {
      Fail(&check, GateReason::kTradingReducing,
           std::string(TradeActionName(action)) + " (direction " +
               (direction > 0   ? "+1"
                : direction < 0 ? "-1"
                                : "0") +
               ") on open exposure " + FormatDecimal(open_exposure, 2),
           "an action against the open exposure");
    }
  }
  return check;
}

GateCheck CheckConfidence(double confidence, double confidence_min) {
  GateCheck check = Make("confidence", confidence, confidence_min);
  if (!(confidence >= confidence_min)) {
    Fail(&check, GateReason::kConfidenceBelowMin, FormatDecimal(confidence, 2),
         FormatDecimal(confidence_min, 2));
  }
  return check;
}

GateCheck CheckActionAllowed(TradeAction action, const std::vector<TradeAction>& allowed) {
  OrderedJson list = OrderedJson::array();
  for (TradeAction a : allowed) list.push_back(TradeActionName(a));
  GateCheck check = Make("action_allowed", std::string(TradeActionName(action)), list);
  if (std::find(allowed.begin(), allowed.end(), action) == allowed.end()) {
    Fail(&check, GateReason::kActionNotAllowed, std::string(TradeActionName(action)),
         ActionList(allowed));
  }
  return check;
}

GateCheck CheckBarFreshness(const std::optional<MarketBar>& bar, int64_t now_ms,
                            double max_age_seconds) {
  GateCheck check = Make("bar_freshness", nullptr, max_age_seconds);
  if (!bar) {
    Fail(&check, GateReason::kBarMissing, "none", Seconds(max_age_seconds));
    return check;
  }
  const double age = static_cast<double>(now_ms - bar->ts_ms) / 1000.0;
  check.observed = age;
  check.detail = {{"bar_ts", bar->ts_ms}, {"close", bar->close}};
  if (!(age <= max_age_seconds)) {
    Fail(&check, GateReason::kBarStale, Seconds(age), Seconds(max_age_seconds));
  }
  return check;
}

GateCheck CheckFeatureFreshness(const std::optional<MarketFeatures>& features,
                                StopDistanceModel model, int64_t now_ms, double max_age_seconds) {
  const std::string_view needed = model == StopDistanceModel::kAtr ? "atr" : "recent_vol";
  GateCheck check = Make("feature_freshness", nullptr, max_age_seconds);
  check.detail = {{"feature", needed}};
  const bool has_value =
      features && (model == StopDistanceModel::kAtr ? features->atr : features->recent_vol);
  if (!has_value) {
    Fail(&check, GateReason::kFeaturesMissing, features ? "no " + std::string(needed) : "none",
         Seconds(max_age_seconds));
    return check;
  }
  const double age = static_cast<double>(now_ms - features->computed_at_ms) / 1000.0;
  check.observed = age;
  check.detail["features_ts"] = features->ts_ms;
  check.detail["computed_at"] = features->computed_at_ms;
  if (!(age <= max_age_seconds)) {
    Fail(&check, GateReason::kFeaturesStale, Seconds(age), Seconds(max_age_seconds));
  }
  return check;
}

GateCheck CheckTickerDailyLimit(int64_t fills_today, int max_per_day) {
  GateCheck check = Make("ticker_daily_limit", fills_today, max_per_day);
  if (!(fills_today < max_per_day)) {
    Fail(&check, GateReason::kTickerDailyLimitReached, std::to_string(fills_today),
         std::to_string(max_per_day));
  }
  return check;
}

GateCheck CheckTickerRecommendationRate(int64_t in_window, int max_in_window, int window_seconds) {
  GateCheck check = Make("ticker_recommendation_rate", in_window, max_in_window);
  check.detail = {{"window_seconds", window_seconds}};
  if (!(in_window <= max_in_window)) {
    Fail(&check, GateReason::kTickerRateExceeded, std::to_string(in_window),
         std::to_string(max_in_window));
  }
  return check;
}

bool GateReport::passed() const { return first_failure() == nullptr; }

const GateCheck* GateReport::first_failure() const {
  for (const auto& check : checks) {
    if (!check.passed()) return &check;
  }
  return nullptr;
}

OrderedJson GateReport::ToJson() const {
  OrderedJson out = OrderedJson::object();
  for (const auto& check : checks) out[std::string(check.gate)] = check.ToJson();
  return out;
}

GateReport EvaluateGates(const GateInputs& in, const ExecutionConfig& config) {
  const Recommendation& r = *in.recommendation;
  GateReport report;
  report.checks.reserve(7);
  report.checks.push_back(CheckTradingState(in.trading_state, r.action, in.activity.open_exposure));
  report.checks.push_back(CheckConfidence(r.confidence, config.confidence_min));
  report.checks.push_back(CheckActionAllowed(r.action, config.allowed_actions));
  report.checks.push_back(CheckBarFreshness(in.bar, in.now_ms, config.max_bar_age_seconds));
  report.checks.push_back(CheckFeatureFreshness(in.features, config.stop_distance_model, in.now_ms,
                                                config.max_feature_age_seconds));
  report.checks.push_back(
      CheckTickerDailyLimit(in.activity.executions_today, config.max_trades_per_ticker_per_day));
  report.checks.push_back(CheckTickerRecommendationRate(in.activity.recommendations_in_window,
                                                        config.max_recommendations_per_ticker,
                                                        config.recommendation_rate_window_seconds));
  return report;
}

OrderedJson GateConfigJson(const ExecutionConfig& c) {
  const OrderedJson all = c.ToJson();
  OrderedJson out = OrderedJson::object();
  for (const char* key :
       {"confidence_min", "allowed_actions", "max_bar_age_seconds", "max_feature_age_seconds",
        "stop_distance_model", "max_trades_per_ticker_per_day", "max_recommendations_per_ticker",
        "recommendation_rate_window_seconds"}) {
    out[key] = all[key];
  }
  return out;
}

}  // namespace sigflow
