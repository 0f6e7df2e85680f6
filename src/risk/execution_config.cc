#include "risk/execution_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace sigflow {
namespace {

using Json = nlohmann::json;

// Each key's parser returns "" when the value was applied, else what is wrong with it.
using Apply = std::function<std::string(const Json& value, ExecutionConfig* config)>;

std::string Shown(const Json& value) { return value.dump(); }

// An integer in [min, max]; 10 and 10.0 are integers, 10.5 and "10" are not.
std::string Integer(const Json& v, int64_t min, int64_t max, int* out) {
  const std::string want =
      "must be an integer >= " + std::to_string(min) +
      (max < std::numeric_limits<int>::max() ? " and <= " + std::to_string(max) : std::string());
  if (!v.is_number() || v.is_boolean()) return want + ", got " + Shown(v);
  const double d = v.get<double>();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) ||
      d > static_cast<double>(max)) {
    return want + ", got " + Shown(v);
  }
  *out = static_cast<int>(d);
  return "";
}

// A finite number in the range described by `range`, checked by `in_range`.
std::string Number(const Json& v, const char* range, const std::function<bool(double)>& in_range,
                   double* out) {
  if (!v.is_number() || v.is_boolean())
    return std::string("must be a number ") + range + ", got " + Shown(v);
  const double d = v.get<double>();
  if (!std::isfinite(d) || !in_range(d)) {
    return std::string("must be a number ") + range + ", got " + Shown(v);
  }
  *out = d;
  return "";
}

Apply IntKey(int ExecutionConfig::*field, int64_t min,
             int64_t max = std::numeric_limits<int>::max()) {
  return [=](const Json& v, ExecutionConfig* c) { return Integer(v, min, max, &(c->*field)); };
}

Apply NumberKey(double ExecutionConfig::*field, const char* range,
                std::function<bool(double)> in_range) {
  return
      [=](const Json& v, ExecutionConfig* c) { return Number(v, range, in_range, &(c->*field)); };
}

std::string ApplyAllowedActions(const Json& v, ExecutionConfig* c) {
  if (!v.is_array()) return "must be an array of actions, got " + Shown(v);
  std::vector<TradeAction> actions;
  for (const auto& item : v) {
    auto action = item.is_string() ? ParseTradeAction(item.get<std::string>()) : std::nullopt;
    if (!action) {
      return "unknown action " + Shown(item) +
             " (known: BUY_STOCK, BUY_CALL, BUY_PUT, SELL_PREMIUM)";
    }
    if (*action == TradeAction::kSellPremium) {
      // Seed 003 blocks it "until proper risk controls are added": selling premium has no
      // directional stop, so the simulated broker has no model to size or stop it.
      return "SELL_PREMIUM cannot be allowed: the simulated broker has no risk model for "
             "premium selling (no directional stop to size it by)";
    }
    if (std::find(actions.begin(), actions.end(), *action) == actions.end()) {
      actions.push_back(*action);
    }
  }
  c->allowed_actions = std::move(actions);
  return "";
}

std::string ApplyFillModel(const Json& v, ExecutionConfig* c) {
  if (!v.is_string() || v.get<std::string>() != "close+slip") {
    return "must be \"close+slip\" (the only fill model there is), got " + Shown(v);
  }
  c->fill_model = v.get<std::string>();
  return "";
}

std::string ApplyExecutionMode(const Json& v, ExecutionConfig* c) {
  auto mode = v.is_string() ? ParseExecutionMode(v.get<std::string>()) : std::nullopt;
  if (!mode) return "must be \"SIMULATED\" or \"REAL\", got " + Shown(v);
  c->execution_mode = *mode;
  return "";
}

std::string ApplyStopModel(const Json& v, ExecutionConfig* c) {
  if (v == "recent_vol") {
    c->stop_distance_model = StopDistanceModel::kRecentVol;
  } else if (v == "atr") {
    c->stop_distance_model = StopDistanceModel::kAtr;
  } else {
    return "must be \"recent_vol\" or \"atr\", got " + Shown(v);
  }
  return "";
}

const std::vector<std::pair<const char*, Apply>>& Keys() {
  auto positive = [](double d) { return d > 0; };
  auto non_negative = [](double d) { return d >= 0; };
  auto unit = [](double d) { return d > 0 && d <= 1; };
  static const std::vector<std::pair<const char*, Apply>> keys = {
      {"max_signals_per_run", IntKey(&ExecutionConfig::max_signals_per_run, 1, 100000)},
      {"max_trades_per_ticker_per_day", IntKey(&ExecutionConfig::max_trades_per_ticker_per_day, 0)},
      {"confidence_min", NumberKey(&ExecutionConfig::confidence_min, "in [0, 1]",
                                   [](double d) { return d >= 0 && d <= 1; })},
      {"lookback_window_minutes", IntKey(&ExecutionConfig::lookback_window_minutes, 1)},
      {"processing_ttl_minutes", IntKey(&ExecutionConfig::processing_ttl_minutes, 1)},
      {"max_bar_age_seconds",
       NumberKey(&ExecutionConfig::max_bar_age_seconds, ">= 0", non_negative)},
      {"max_feature_age_seconds",
       NumberKey(&ExecutionConfig::max_feature_age_seconds, ">= 0", non_negative)},
      {"allowed_actions", ApplyAllowedActions},
      {"paper_equity", NumberKey(&ExecutionConfig::paper_equity, "> 0", positive)},
      {"max_risk_per_trade_pct",
       NumberKey(&ExecutionConfig::max_risk_per_trade_pct, "in (0, 1]", unit)},
      {"default_slippage_bps", NumberKey(&ExecutionConfig::default_slippage_bps, "in [0, 10000)",
                                         [](double d) { return d >= 0 && d < 10000; })},
      {"fill_model", ApplyFillModel},
      {"stop_loss_atr_mult", NumberKey(&ExecutionConfig::stop_loss_atr_mult, "> 0", positive)},
      {"take_profit_risk_reward",
       NumberKey(&ExecutionConfig::take_profit_risk_reward, "> 0", positive)},
      {"max_hold_minutes", IntKey(&ExecutionConfig::max_hold_minutes, 1, 525600)},
      {"execution_mode", ApplyExecutionMode},
      {"stop_distance_model", ApplyStopModel},
      {"max_position_pct", NumberKey(&ExecutionConfig::max_position_pct, "in (0, 1]", unit)},
      {"max_recommendations_per_ticker",
       IntKey(&ExecutionConfig::max_recommendations_per_ticker, 1)},
      {"recommendation_rate_window_seconds",
       IntKey(&ExecutionConfig::recommendation_rate_window_seconds, 1, 86400 * 366)},
      {"max_processing_attempts", IntKey(&ExecutionConfig::max_processing_attempts, 1, 1000)},
  };
  return keys;
}

}  // namespace

std::string_view StopDistanceModelName(StopDistanceModel model) {
  return model == StopDistanceModel::kAtr ? "atr" : "recent_vol";
}

Result<ExecutionConfig> ExecutionConfig::FromJson(const Json& overrides) {
  if (!overrides.is_object()) {
    return Status::InvalidArgument("the execution config must be a JSON object, got " +
                                   Shown(overrides));
  }
  ExecutionConfig config;
  std::string errors;
  for (const auto& [key, value] : overrides.items()) {
    const auto& keys = Keys();
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const auto& entry) { return key == entry.first; });
    std::string error = it == keys.end() ? "unknown key" : it->second(value, &config);
    if (!error.empty()) errors += (errors.empty() ? "" : "\n") + key + ": " + error;
  }
  if (!errors.empty()) return Status::InvalidArgument(errors);
  return config;
}

Result<ExecutionConfig> ExecutionConfig::FromJsonText(std::string_view text,
                                                      std::string_view source) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::InvalidArgument(std::string(source) + ": not valid JSON");
  }
  auto config = FromJson(json);
  if (!config.ok()) {
    return Status::InvalidArgument(std::string(source) + ":\n" + config.status().message());
  }
  return config;
}

Result<ExecutionConfig> ExecutionConfig::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read the execution config " + path);
  std::stringstream text;
  text << in.rdbuf();
  return FromJsonText(text.str(), path);
}

nlohmann::ordered_json ExecutionConfig::ToJson() const {
  nlohmann::ordered_json actions = nlohmann::ordered_json::array();
  for (TradeAction a : allowed_actions) actions.push_back(TradeActionName(a));
  return {
      {"max_signals_per_run", max_signals_per_run},
      {"max_trades_per_ticker_per_day", max_trades_per_ticker_per_day},
      {"confidence_min", confidence_min},
      {"lookback_window_minutes", lookback_window_minutes},
      {"processing_ttl_minutes", processing_ttl_minutes},
      {"max_bar_age_seconds", max_bar_age_seconds},
      {"max_feature_age_seconds", max_feature_age_seconds},
      {"allowed_actions", actions},
      {"paper_equity", paper_equity},
      {"max_risk_per_trade_pct", max_risk_per_trade_pct},
      {"default_slippage_bps", default_slippage_bps},
      {"fill_model", fill_model},
      {"stop_loss_atr_mult", stop_loss_atr_mult},
      {"take_profit_risk_reward", take_profit_risk_reward},
      {"max_hold_minutes", max_hold_minutes},
      {"execution_mode", ExecutionModeName(execution_mode)},
      {"stop_distance_model", StopDistanceModelName(stop_distance_model)},
      {"max_position_pct", max_position_pct},
      {"max_recommendations_per_ticker", max_recommendations_per_ticker},
      {"recommendation_rate_window_seconds", recommendation_rate_window_seconds},
      {"max_processing_attempts", max_processing_attempts},
  };
}

}  // namespace sigflow
