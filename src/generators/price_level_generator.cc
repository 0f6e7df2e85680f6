#include "generators/price_level_generator.h"

#include "generators/bar_signal.h"
#include "generators/generator_config.h"

namespace sigflow {

PriceLevelGenerator::PriceLevelGenerator(BarGeneratorOptions options, int lookback_bars,
                                         double confidence)
    : BarDrivenGenerator(std::move(options)),
      lookback_bars_(lookback_bars),
      confidence_(confidence),
      variant_(std::to_string(lookback_bars)) {}

Result<std::unique_ptr<SignalGenerator>> PriceLevelGenerator::Create(const nlohmann::json& config) {
  ConfigReader r("price_level", config);
  BarGeneratorOptions options;
  options.tickers = r.Tickers("tickers");
  options.interval = r.Seconds("interval_seconds", 300);
  const int lookback_bars = r.Int("lookback_bars", 20, 1, 5000);
  const double confidence = r.Number("confidence", 0.7, 0, 1);
  if (Status s = r.Finish(); !s.ok()) return s;
  return std::unique_ptr<SignalGenerator>(
      new PriceLevelGenerator(std::move(options), lookback_bars, confidence));
}

void PriceLevelGenerator::ProcessBar(const Bar& bar, std::vector<Signal>* out) {
  auto it = state_.find(bar.ticker);
  if (it == state_.end()) {
    it = state_
             .emplace(bar.ticker,
                      TickerState{RollingMax(lookback_bars_), RollingMin(lookback_bars_)})
             .first;
  }
  TickerState& st = it->second;
  const std::optional<double> resistance = st.highs.value();  // previous N bars
  const std::optional<double> support = st.lows.value();
  const bool was_above = st.was_above, was_below = st.was_below;
  const double prev_close = st.prev_close;
  st.was_above = resistance && bar.close > *resistance;
  st.was_below = support && bar.close < *support;
  st.highs.Update(bar.high);
  st.lows.Update(bar.low);
  st.prev_close = bar.close;

  const bool up = st.was_above && !was_above;
  const bool down = st.was_below && !was_below;
  if (!up && !down) return;
  const double level = up ? *resistance : *support;
  const std::string n = std::to_string(lookback_bars_);
  BarSignalSpec spec;
  spec.source = name();
  spec.signal_type = "price_level";
  spec.variant = variant_;
  spec.bias = up ? Bias::kBullish : Bias::kBearish;
  spec.confidence = confidence_;
  spec.reasoning = "Close " + FormatPrice(bar.close) + " on " + FormatBarDate(bar.ts_ms) +
                   (up ? " broke above resistance " : " broke below support ") +
                   FormatPrice(level) + (up ? ", the highest high" : ", the lowest low") +
                   " of the previous " + n + " bars (previous close " + FormatPrice(prev_close) +
                   ")";
  spec.metadata = {{"lookback_bars", lookback_bars_},
                   {"level", up ? "resistance" : "support"},
                   {"level_price", level},
                   {"resistance", *resistance},
                   {"support", *support},
                   {"prev_close", prev_close}};
  out->push_back(MakeBarSignal(bar, std::move(spec)));
}

}  // namespace sigflow
