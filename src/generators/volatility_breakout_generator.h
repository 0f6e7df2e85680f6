// VolatilityBreakoutGenerator (seed 004's "volatility spikes"): a close that moves more than
// k x ATR away from the previous close.
//
// Rule, at bar t: ATR(atr_period) is ready at t-1 (Wilder, TA-Lib seed: market/atr.h) and
// |close[t] - close[t-1]| > atr_multiple * ATR[t-1]. The ATR of the previous bar is the yardstick,
// so the breakout bar's own range does not raise its own threshold. BULLISH for an up move,
// BEARISH for a down move. Every such bar signals (a run of wide bars gives several signals).
// Close-only data works too: its ATR is the average absolute close-to-close move.
// Config keys, all optional:
//   tickers           symbols to watch (default: every ticker fed; live mode needs a list)
//   atr_period        14    bars, in [1, 1000]
//   atr_multiple      2.0   in (0, 100]
//   confidence        0.7   in [0, 1]
//   interval_seconds  300   live polling interval
// Metadata: atr_period, atr_multiple, atr (of the previous bar), threshold, move, move_pct,
// move_atr (the move in ATRs), prev_close, current_price, bar_date.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "generators/bar_driven_generator.h"
#include "market/atr.h"

namespace sigflow {

class VolatilityBreakoutGenerator final : public BarDrivenGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config);

  std::string_view name() const override { return "volatility_breakout_generator"; }

 private:
  VolatilityBreakoutGenerator(BarGeneratorOptions options, int atr_period, double atr_multiple,
                              double confidence);
  void ProcessBar(const Bar& bar, std::vector<Signal>* out) override;

  struct TickerState {
    Atr atr;
    double prev_close = 0;
  };
  int atr_period_;
  double atr_multiple_;
  double confidence_;
  std::string variant_;
  std::unordered_map<std::string, TickerState> state_;
};

}  // namespace sigflow
