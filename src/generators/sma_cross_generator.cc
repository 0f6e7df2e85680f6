#include "generators/sma_cross_generator.h"

#include "generators/bar_signal.h"
#include "generators/generator_config.h"

namespace sigflow {

SmaCrossGenerator::SmaCrossGenerator(Cross direction, BarGeneratorOptions options, Params params)
    : BarDrivenGenerator(std::move(options)),
      direction_(direction),
      params_(std::move(params)),
      variant_(std::to_string(params_.sma_short) + "/" + std::to_string(params_.sma_long) + "/" +
               params_.timeframe) {}

std::string_view SmaCrossGenerator::name() const {
  return direction_ == Cross::kAbove ? "golden_cross_generator" : "death_cross_generator";
}

Status SmaCrossGenerator::ReadConfig(const char* type, const nlohmann::json& config,
                                     BarGeneratorOptions* options, Params* params) {
  ConfigReader r(type, config);
  options->tickers = r.Tickers("tickers");
  options->interval = r.Seconds("interval_seconds", 300);
  params->sma_short = r.Int("sma_short", 50, 1, 1000);
  params->sma_long = r.Int("sma_long", 200, 2, 5000);
  params->timeframe = r.String("timeframe", "D", {"D"});
  params->lookback_days = r.Int("lookback_days", 5, 1, 365);
  params->confidence = r.Number("confidence", 0.85, 0, 1);
  options->live_recent_bars = params->lookback_days;
  Status s = r.Finish();
  if (s.ok() && params->sma_short >= params->sma_long) {
    return Status::InvalidArgument(
        std::string(type) + ": sma_short (" + std::to_string(params->sma_short) +
        ") must be below sma_long (" + std::to_string(params->sma_long) + ")");
  }
  return s;
}

Result<std::unique_ptr<SignalGenerator>> GoldenCrossGenerator::Create(
    const nlohmann::json& config) {
  BarGeneratorOptions options;
  Params params;
  if (Status s = ReadConfig("golden_cross", config, &options, &params); !s.ok()) return s;
  return std::unique_ptr<SignalGenerator>(
      new GoldenCrossGenerator(Cross::kAbove, std::move(options), std::move(params)));
}

Result<std::unique_ptr<SignalGenerator>> DeathCrossGenerator::Create(const nlohmann::json& config) {
  BarGeneratorOptions options;
  Params params;
  if (Status s = ReadConfig("death_cross", config, &options, &params); !s.ok()) return s;
  return std::unique_ptr<SignalGenerator>(
      new DeathCrossGenerator(Cross::kBelow, std::move(options), std::move(params)));
}

void SmaCrossGenerator::ProcessBar(const Bar& bar, std::vector<Signal>* out) {
  auto it = state_.find(bar.ticker);
  if (it == state_.end()) {
    it = state_.emplace(bar.ticker, TickerState{SmaCross(params_.sma_short, params_.sma_long), 0})
             .first;
  }
  TickerState& st = it->second;
  const int64_t prev_ts_ms = st.prev_ts_ms;
  st.prev_ts_ms = bar.ts_ms;
  if (st.cross.Update(bar.close) != direction_) return;

  const bool golden = direction_ == Cross::kAbove;
  const double s = *st.cross.short_sma(), l = *st.cross.long_sma();
  const double ps = *st.cross.prev_short_sma(), pl = *st.cross.prev_long_sma();
  const std::string ns = std::to_string(params_.sma_short), nl = std::to_string(params_.sma_long);
  BarSignalSpec spec;
  spec.source = name();
  spec.signal_type = golden ? "golden_cross" : "death_cross";
  spec.variant = variant_;
  spec.bias = golden ? Bias::kBullish : Bias::kBearish;
  spec.confidence = params_.confidence;
  spec.reasoning = ns + "-day SMA crossed " + (golden ? "above " : "below ") + nl + "-day SMA on " +
                   FormatBarDate(bar.ts_ms) + ": SMA" + ns + " " + FormatPrice(s) +
                   (golden ? " > " : " < ") + "SMA" + nl + " " + FormatPrice(l) + ", after " +
                   FormatPrice(ps) + (golden ? " <= " : " >= ") + FormatPrice(pl) + " on " +
                   FormatBarDate(prev_ts_ms) + "; close " + FormatPrice(bar.close);
  spec.metadata = {{"sma_short", params_.sma_short},
                   {"sma_long", params_.sma_long},
                   {"timeframe", params_.timeframe},
                   {"lookback_days", params_.lookback_days},
                   {"sma_short_value", s},
                   {"sma_long_value", l},
                   {"prev_sma_short_value", ps},
                   {"prev_sma_long_value", pl},
                   {"prev_bar_date", FormatBarDate(prev_ts_ms)}};
  out->push_back(MakeBarSignal(bar, std::move(spec)));
}

}  // namespace sigflow
