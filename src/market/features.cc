#include "market/features.h"

#include <algorithm>
#include <cassert>

#include "core/time_format.h"

namespace sigflow {

Status FeatureOptions::Validate() const {
  std::string errors;
  auto check = [&errors](bool ok, const std::string& what) {
    if (!ok) errors += (errors.empty() ? "" : "; ") + what;
  };
  check(sma_short >= 1, "sma_short must be >= 1, got " + std::to_string(sma_short));
  check(sma_long > sma_short, "sma_long must be > sma_short, got " + std::to_string(sma_long));
  check(ema >= 1, "ema must be >= 1, got " + std::to_string(ema));
  check(atr >= 1, "atr must be >= 1, got " + std::to_string(atr));
  check(vol_short >= 2, "vol_short must be >= 2, got " + std::to_string(vol_short));
  check(recent_vol >= vol_short,
        "recent_vol must be >= vol_short, got " + std::to_string(recent_vol));
  if (errors.empty()) return Status::Ok();
  return Status::InvalidArgument("feature options: " + errors);
}

FeatureComputer::FeatureComputer(std::string ticker, const FeatureOptions& options,
                                 const Clock* clock)
    : ticker_(std::move(ticker)),
      options_(options),
      clock_(clock),
      sma_short_(std::max(options.sma_short, 1)),
      sma_long_(std::max(options.sma_long, 1)),
      ema_(std::max(options.ema, 1)),
      atr_(std::max(options.atr, 1)),
      vol_(std::max(options.vol_short, 2), std::max({options.recent_vol, options.vol_short, 2})) {
  assert(options.Validate().ok());
}

Status FeatureComputer::Update(const Bar& bar, Features* out) {
  if (bar.ticker != ticker_) {
    return Status::InvalidArgument("feature computer for " + ticker_ + " got a bar of " +
                                   bar.ticker);
  }
  if (last_ts_ms_ && bar.ts_ms <= *last_ts_ms_) {
    return Status::Error("out_of_order", ticker_ + " bar at " + FormatIso8601(bar.ts_ms) +
                                             " does not come after " + FormatIso8601(*last_ts_ms_));
  }
  last_ts_ms_ = bar.ts_ms;
  ++bars_;
  Features f;
  f.ticker = ticker_;
  f.ts_ms = bar.ts_ms;
  f.close = bar.close;
  f.bars = bars_;
  f.sma_short = sma_short_.Update(bar.close);
  f.sma_long = sma_long_.Update(bar.close);
  f.ema = ema_.Update(bar.close);
  f.atr = atr_.Update(bar);
  f.vol_ratio = vol_.Update(bar.close);
  f.recent_vol = vol_.long_volatility();
  if (f.sma_short && f.sma_long) f.trend = ClassifyTrend(bar.close, *f.sma_short, *f.sma_long);
  f.computed_at_ms = clock_->NowMs();
  *out = std::move(f);
  return Status::Ok();
}

}  // namespace sigflow
