// ExecutionConfig: the execution dispatcher's configuration, fixed for the dispatcher's lifetime.
//
// Keys are seed 003's, verbatim, with its defaults; the keys after them go beyond the seed and
// are marked so. A config file is a JSON object of overrides merged over these defaults
// (FromJson): an unknown key, a value of the wrong type or out of range is an error naming the
// key, and every error is reported at once, before anything starts. ToJson() gives every key
// with the value in force (what a run records in dispatcher_runs.run_config_json).
// A plain value: copy it freely; not synchronised.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/ledger.h"
#include "core/recommendation.h"
#include "core/status.h"

namespace sigflow {

// How far from the entry the stop sits (see risk/pricing.h).
enum class StopDistanceModel : uint8_t {
  kRecentVol,  // "recent_vol": entry * recent_vol * stop_loss_atr_mult (seed 003)
  kAtr,        // "atr": ATR * stop_loss_atr_mult (the ATR in price units)
};

std::string_view StopDistanceModelName(StopDistanceModel model);

struct ExecutionConfig {
  // ---- seed 003 ----
  int max_signals_per_run = 10;           // recommendations claimed per run (>= 1)
  int max_trades_per_ticker_per_day = 2;  // a ticker passes with fewer fills today (>= 0)
  double confidence_min = 0.70;           // passes at or above ([0, 1])
  int lookback_window_minutes = 60;       // only recommendations this recent are claimed (>= 1)
  int processing_ttl_minutes = 10;        // a claim older than this is reaped (>= 1)
  double max_bar_age_seconds = 120;       // the latest bar passes at or below this age (>= 0)
  double max_feature_age_seconds = 300;   // the latest features pass at or below this age (>= 0)
  std::vector<TradeAction> allowed_actions = {TradeAction::kBuyCall, TradeAction::kBuyPut,
                                              TradeAction::kBuyStock};
  double paper_equity = 100000.0;         // the simulated account (> 0)
  double max_risk_per_trade_pct = 0.02;   // risk budget = paper_equity * this ((0, 1])
  double default_slippage_bps = 5;        // entry = close * (1 + bps / 10000) ([0, 10000))
  std::string fill_model = "close+slip";  // the only fill model there is
  double stop_loss_atr_mult = 2.0;        // stop distance multiplier (> 0)
  double take_profit_risk_reward = 2.0;   // take profit at this many stop distances (> 0)
  int max_hold_minutes = 240;             // how long a fill is held (>= 1)

  // ---- beyond the seed ----
  // SIMULATED, or REAL (refused when the broker is made: no real broker adapter exists).
  ExecutionMode execution_mode = ExecutionMode::kSimulated;
  StopDistanceModel stop_distance_model = StopDistanceModel::kRecentVol;
  double max_position_pct = 0.25;  // notional cap, a fraction of paper_equity ((0, 1])
  // The per-ticker recommendation-rate gate: a recommendation passes when at most this many of
  // its ticker's recommendations (itself included) were created in the window ending at it.
  int max_recommendations_per_ticker = 5;       // (>= 1)
  int recommendation_rate_window_seconds = 60;  // (>= 1)
  int max_processing_attempts = 3;              // claims before the reaper gives up: FAILED (>= 1)

  // The defaults with `overrides` (a JSON object of keys above) applied. `invalid_argument`
  // with one line per problem, each naming its key.
  static Result<ExecutionConfig> FromJson(const nlohmann::json& overrides);
  // The same from JSON text; `source` names it in a parse error (a file name).
  static Result<ExecutionConfig> FromJsonText(std::string_view text, std::string_view source);
  // The same from a file; `not_found` / `invalid_argument` naming the path.
  static Result<ExecutionConfig> FromFile(const std::string& path);

  nlohmann::ordered_json ToJson() const;
};

}  // namespace sigflow
