// FeatureComputer: the per-ticker features of seed 003's `lane_features`, one bar at a time.
//
// One FeatureComputer per ticker, fed that ticker's bars in strictly ascending time. Each
// accepted bar yields a Features row: the indicators that are warmed up, nullopt for the others
// (a value is never emitted before its indicator is ready). `computed_at_ms` is the Clock's time
// when the row was computed: the freshness gates compare it with now, while `ts_ms` is the bar's
// own time. Definitions (see each indicator's header):
//   sma_short, sma_long   Sma(FeatureOptions::sma_short / sma_long) of closes
//   ema                   Ema(ema), SMA-seeded
//   atr                   Atr(atr), Wilder, TA-Lib seed
//   recent_vol            ReturnVolatility(recent_vol): stdev of the last n log returns, per bar
//   vol_ratio             ReturnVolatility(vol_short) / recent_vol (1 when both are 0)
//   trend                 ClassifyTrend(close, sma_short, sma_long)
// Update() fails (and changes nothing) on a bar of another ticker (`invalid_argument`) or one not
// after the previous bar (`out_of_order`). Not thread-safe (one owner); the clock must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "market/atr.h"
#include "market/bar.h"
#include "market/moving_average.h"
#include "market/trend.h"
#include "market/volatility.h"

namespace sigflow {

struct FeatureOptions {
  int sma_short = 20;   // bars; >= 1 and < sma_long
  int sma_long = 50;    // bars
  int ema = 20;         // bars; >= 1
  int atr = 14;         // bars; >= 1 (the TA-Lib default)
  int vol_short = 5;    // returns; >= 2 and <= recent_vol
  int recent_vol = 20;  // returns: about a trading month of daily bars

  // Every violated rule, in one `invalid_argument`.
  Status Validate() const;
};

struct Features {
  std::string ticker;
  int64_t ts_ms = 0;           // the bar's time
  int64_t computed_at_ms = 0;  // when this row was computed (Clock)
  double close = 0;
  int64_t bars = 0;  // bars seen for this ticker, this one included
  std::optional<double> sma_short;
  std::optional<double> sma_long;
  std::optional<double> ema;
  std::optional<double> atr;
  std::optional<double> recent_vol;
  std::optional<double> vol_ratio;
  std::optional<Trend> trend;

  // True when every feature has a value.
  bool complete() const {
    return sma_short && sma_long && ema && atr && recent_vol && vol_ratio && trend;
  }
};

class FeatureComputer {
 public:
  // Precondition: options.Validate().ok() (asserted; invalid periods are clamped).
  explicit FeatureComputer(std::string ticker, const FeatureOptions& options = {},
                           const Clock* clock = SystemClock::Default());

  Status Update(const Bar& bar, Features* out);

  const std::string& ticker() const { return ticker_; }
  const FeatureOptions& options() const { return options_; }
  std::optional<int64_t> last_ts_ms() const { return last_ts_ms_; }

 private:
  std::string ticker_;
  FeatureOptions options_;
  const Clock* clock_;
  Sma sma_short_;
  Sma sma_long_;
  Ema ema_;
  Atr atr_;
  VolRatio vol_;
  int64_t bars_ = 0;
  std::optional<int64_t> last_ts_ms_;
};

// FeatureBook: one FeatureComputer per ticker, created on a ticker's first bar, for streams in
// which tickers interleave (a replay of a wide file, an ingestion of several series). Each
// ticker's bars must still come in strictly ascending time (FeatureComputer::Update's errors).
// Not thread-safe (one owner); the clock must outlive it.
class FeatureBook {
 public:
  explicit FeatureBook(const FeatureOptions& options = {},
                       const Clock* clock = SystemClock::Default())
      : options_(options), clock_(clock) {}

  Status Update(const Bar& bar, Features* out) {
    auto it = computers_.find(bar.ticker);
    if (it == computers_.end()) {
      it = computers_.emplace(bar.ticker, FeatureComputer(bar.ticker, options_, clock_)).first;
    }
    return it->second.Update(bar, out);
  }

 private:
  FeatureOptions options_;
  const Clock* clock_;
  std::map<std::string, FeatureComputer, std::less<>> computers_;
};

}  // namespace sigflow
