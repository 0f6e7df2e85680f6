#include "generators/volatility_breakout_generator.h"

#include <cmath>
#include <cstdio>

#include "generators/bar_signal.h"
#include "generators/generator_config.h"

namespace sigflow {

VolatilityBreakoutGenerator::VolatilityBreakoutGenerator(BarGeneratorOptions options,
                                                         int atr_period, double atr_multiple,
                                                         double confidence)
    : BarDrivenGenerator(std::move(options)),
      atr_period_(atr_period),
      atr_multiple_(atr_multiple),
      confidence_(confidence),
      variant_(std::to_string(atr_period) + "/" + nlohmann::json(atr_multiple).dump()) {}

Result<std::unique_ptr<SignalGenerator>> VolatilityBreakoutGenerator::Create(
    const nlohmann::json& config) {
  ConfigReader r("volatility_breakout", config);
  BarGeneratorOptions options;
  options.tickers = r.Tickers("tickers");
  options.interval = r.Seconds("interval_seconds", 300);
  const int atr_period = r.Int("atr_period", 14, 1, 1000);
  const double atr_multiple = r.Number("atr_multiple", 2.0, 1e-9, 100);
  const double confidence = r.Number("confidence", 0.7, 0, 1);
  if (Status s = r.Finish(); !s.ok()) return s;
  return std::unique_ptr<SignalGenerator>(
      new VolatilityBreakoutGenerator(std::move(options), atr_period, atr_multiple, confidence));
}

void VolatilityBreakoutGenerator::ProcessBar(const Bar& bar, std::vector<Signal>* out) {
  auto it = state_.find(bar.ticker);
  if (it == state_.end()) it = state_.emplace(bar.ticker, TickerState{Atr(atr_period_), 0}).first;
  TickerState& st = it->second;
  const std::optional<double> prev_atr = st.atr.value();
  const double prev_close = st.prev_close;
  st.atr.Update(bar);
  st.prev_close = bar.close;
  if (!prev_atr) return;
  const double move = bar.close - prev_close;
  const double threshold = atr_multiple_ * *prev_atr;
  if (!(std::fabs(move) > threshold)) return;

  const bool up = move > 0;
  const double move_pct = 100.0 * move / prev_close;
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.2f", std::fabs(move_pct));
  const std::string atr_name = "the " + std::to_string(atr_period_) + "-bar ATR";
  std::string yardstick = atr_name + " was 0.00 (no movement before)";
  nlohmann::json move_atr = nullptr;  // undefined when the ATR is 0
  if (*prev_atr > 0) {
    move_atr = std::fabs(move) / *prev_atr;
    char ratio[32];
    std::snprintf(ratio, sizeof(ratio), "%.2f", move_atr.get<double>());
    yardstick = std::string(ratio) + "x " + atr_name + " of " + FormatPrice(*prev_atr);
  }
  BarSignalSpec spec;
  spec.source = name();
  spec.signal_type = "volatility_breakout";
  spec.variant = variant_;
  spec.bias = up ? Bias::kBullish : Bias::kBearish;
  spec.confidence = confidence_;
  spec.reasoning = "Close " + FormatPrice(bar.close) + " on " + FormatBarDate(bar.ts_ms) + " is " +
                   (up ? "up " : "down ") + FormatPrice(std::fabs(move)) + " (" + pct + "%) from " +
                   FormatPrice(prev_close) + ": " + yardstick + " (threshold " +
                   nlohmann::json(atr_multiple_).dump() + "x = " + FormatPrice(threshold) + ")";
  spec.metadata = {{"atr_period", atr_period_},
                   {"atr_multiple", atr_multiple_},
                   {"atr", *prev_atr},
                   {"threshold", threshold},
                   {"move", move},
                   {"move_pct", move_pct},
                   {"move_atr", move_atr},
                   {"prev_close", prev_close}};
  out->push_back(MakeBarSignal(bar, std::move(spec)));
}

}  // namespace sigflow
