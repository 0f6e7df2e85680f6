// PriceLevelGenerator (seed 004's "support/resistance breaks"): a close breaking the highest high
// or the lowest low of the previous N bars.
//
// Levels at bar t, over the N bars before it (bar t excluded):
//   resistance[t] = max(high[t-N .. t-1]),  support[t] = min(low[t-N .. t-1]).
// A breakout up at bar t: close[t] > resistance[t], and bar t-1 was not itself above its own
// resistance (close[t-1] <= resistance[t-1], or no level yet at t-1). BULLISH. The mirror,
// close[t] < support[t] after close[t-1] >= support[t-1], is a breakdown: BEARISH. So a run of
// new highs signals once, on the bar that broke out. Levels exist from bar N on (N bars before).
// With close-only data the levels are the highest / lowest closes.
// Config keys, all optional:
//   tickers           symbols to watch (default: every ticker fed; live mode needs a list)
//   lookback_bars     20    N, in [1, 5000]
//   confidence        0.7   in [0, 1]
//   interval_seconds  300   live polling interval
// Metadata: lookback_bars, level ("resistance" or "support"), level_price, resistance, support,
// prev_close, current_price, bar_date.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "generators/bar_driven_generator.h"
#include "market/rolling_extremes.h"

namespace sigflow {

class PriceLevelGenerator final : public BarDrivenGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config);

  std::string_view name() const override { return "price_level_generator"; }

 private:
  PriceLevelGenerator(BarGeneratorOptions options, int lookback_bars, double confidence);
  void ProcessBar(const Bar& bar, std::vector<Signal>* out) override;

  struct TickerState {
    RollingMax highs;
    RollingMin lows;
    bool was_above = false;  // close[t-1] > resistance[t-1]
    bool was_below = false;  // close[t-1] < support[t-1]
    double prev_close = 0;
  };
  int lookback_bars_;
  double confidence_;
  std::string variant_;
  std::unordered_map<std::string, TickerState> state_;
};

}  // namespace sigflow
