// Golden cross and death cross generators (seed 004): a short SMA of daily closes crossing a
// long one.
//
// golden_cross (source "golden_cross_generator"): BULLISH on the bar where the short SMA
//   crosses above the long SMA. death_cross (source "death_cross_generator"): its bearish mirror,
//   the short SMA crossing below. The crossing rule is market/sma_cross.h's: a golden cross at
//   bar t means short[t-1] <= long[t-1] and short[t] > long[t], both SMAs ready at t-1 and t.
//   In replay the signal comes on exactly that bar; live, a cross within the last
//   `lookback_days` bars is reported once (bar_driven_generator.h).
// Config keys (seed 004's names and defaults), all optional:
//   tickers           symbols to watch (default: every ticker fed; live mode needs a list)
//   sma_short         50     bars, in [1, 1000], below sma_long
//   sma_long          200    bars, in [2, 5000]
//   timeframe         "D"    daily bars: the only timeframe supported
//   lookback_days     5      live mode's recent window, in bars, in [1, 365]
//   confidence        0.85   in [0, 1]
//   interval_seconds  300    live polling interval (the CLI maps
//                            GOLDEN_CROSS_CHECK_INTERVAL_SECONDS onto it)
// Metadata: sma_short, sma_long (periods), timeframe, lookback_days, sma_short_value,
// sma_long_value, prev_sma_short_value, prev_sma_long_value, prev_bar_date, current_price,
// bar_date.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "generators/bar_driven_generator.h"
#include "market/sma_cross.h"

namespace sigflow {

class SmaCrossGenerator : public BarDrivenGenerator {
 public:
  struct Params {
    int sma_short = 50;
    int sma_long = 200;
    std::string timeframe = "D";
    int lookback_days = 5;
    double confidence = 0.85;
  };

  std::string_view name() const final;
  const Params& params() const { return params_; }

 protected:
  SmaCrossGenerator(Cross direction, BarGeneratorOptions options, Params params);
  // Reads and checks the config for `type` ("golden_cross" or "death_cross").
  static Status ReadConfig(const char* type, const nlohmann::json& config,
                           BarGeneratorOptions* options, Params* params);
  void ProcessBar(const Bar& bar, std::vector<Signal>* out) final;

 private:
  struct TickerState {
    SmaCross cross;
    int64_t prev_ts_ms = 0;
  };
  Cross direction_;
  Params params_;
  std::string variant_;
  std::unordered_map<std::string, TickerState> state_;
};

class GoldenCrossGenerator final : public SmaCrossGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config);

 private:
  using SmaCrossGenerator::SmaCrossGenerator;
};

class DeathCrossGenerator final : public SmaCrossGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config);

 private:
  using SmaCrossGenerator::SmaCrossGenerator;
};

}  // namespace sigflow
