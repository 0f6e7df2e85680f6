// MarketView: what the execution dispatcher reads about a ticker's market — its latest bar and
// its latest features — declared here so that the risk module depends on no table or adapter.
//
// The production adapter reads seed 003's `lane_telemetry` (bars) and `lane_features`; tests and
// benchmarks use InMemoryMarketView (in_memory_market_view.h). `as_of_ms` is the decision clock's
// now: a view must never return a row from after it, so a replay sees the history as it was at
// the replayed time, not the file's last bar.
//
// Thread-safety: implementations must be safe to call from any thread. Failures (the data
// source is unreachable) are returned as a Status, never thrown; "no row" is not a failure
// (nullopt), it is what the freshness gates report as BAR_MISSING / FEATURES_MISSING.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace sigflow {

// A bar as the pricing needs it.
struct MarketBar {
  int64_t ts_ms = 0;  // the bar's time (its start), epoch ms UTC
  double close = 0;
};

// A feature row as the gates and stops need it; a feature that is not warmed up is nullopt.
struct MarketFeatures {
  int64_t ts_ms = 0;                 // the time of the bar the features were computed from
  int64_t computed_at_ms = 0;        // when they were computed (the feature-freshness gate's age)
  std::optional<double> recent_vol;  // stdev of recent log returns, a fraction of price
  std::optional<double> atr;         // average true range, in price units
};

class MarketView {
 public:
  virtual ~MarketView() = default;
  // The ticker's bar with the greatest ts_ms <= as_of_ms, or nullopt when there is none.
  virtual Result<std::optional<MarketBar>> LatestBar(std::string_view ticker, int64_t as_of_ms) = 0;
  // The ticker's feature row with the greatest ts_ms <= as_of_ms (among those with
  // computed_at_ms <= as_of_ms), or nullopt when there is none.
  virtual Result<std::optional<MarketFeatures>> LatestFeatures(std::string_view ticker,
                                                               int64_t as_of_ms) = 0;
};

}  // namespace sigflow
