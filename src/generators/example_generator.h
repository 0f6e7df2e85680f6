// The example of src/generators/README.md ("Adding a generator"), compiled and tested by
// example_generator_test.cc, which also checks that the README quotes this code verbatim (between
// the [example] markers). Not registered with the built-in generators: it is documentation.
#pragma once

// [example]
#include "generators/bar_driven_generator.h"
#include "generators/bar_signal.h"
#include "generators/generator_config.h"
#include "market/moving_average.h"

namespace sigflow {

// BULLISH on the bar whose close crosses above its EMA (TA-Lib's SMA-seeded EMA).
class CloseAboveEmaGenerator final : public BarDrivenGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config) {
    ConfigReader r("close_above_ema", config);  // checks every key, reports all errors
    BarGeneratorOptions options;
    options.tickers = r.Tickers("tickers");
    options.interval = r.Seconds("interval_seconds", 300);
    const int period = r.Int("ema", 20, 1, 1000);
    if (Status s = r.Finish(); !s.ok()) return s;
    return std::unique_ptr<SignalGenerator>(new CloseAboveEmaGenerator(options, period));
  }
  std::string_view name() const override { return "close_above_ema_generator"; }

 private:
  CloseAboveEmaGenerator(BarGeneratorOptions options, int period)
      : BarDrivenGenerator(std::move(options)), period_(period), variant_(std::to_string(period)) {}

  // Called once per bar, per ticker in time order.
  void ProcessBar(const Bar& bar, std::vector<Signal>* out) override {
    auto [it, fresh] = state_.try_emplace(bar.ticker, State{Ema(period_), false});
    State& st = it->second;
    const std::optional<double> ema = st.ema.Update(bar.close);  // nullopt while warming up
    const bool above = ema && bar.close > *ema;
    const bool crossed = above && !st.was_above && st.ema.count() > period_;
    st.was_above = above;
    if (!crossed) return;
    BarSignalSpec spec;
    spec.source = name();
    spec.signal_type = "close_above_ema";
    spec.variant = variant_;  // a view: part of the deterministic signal_id
    spec.bias = Bias::kBullish;
    spec.confidence = 0.6;
    spec.reasoning = "Close " + FormatPrice(bar.close) + " crossed above its " +
                     std::to_string(period_) + "-bar EMA " + FormatPrice(*ema);
    spec.metadata = {{"ema_period", period_}, {"ema", *ema}};  // + current_price, bar_date
    out->push_back(MakeBarSignal(bar, std::move(spec)));
  }

  struct State {
    Ema ema;
    bool was_above;
  };
  int period_;
  std::string variant_;  // outlives every BarSignalSpec that views it
  std::unordered_map<std::string, State> state_;
};

}  // namespace sigflow
// [/example]
