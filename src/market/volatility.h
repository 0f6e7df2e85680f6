// Volatility of returns, and vol_ratio (seed 003's `recent_vol` and `vol_ratio` features).
//
// ReturnVolatility(n): the sample standard deviation (divisor n - 1) of the last n LOG returns,
//   r[t] = ln(close[t] / close[t-1]). Per bar, not annualized (multiply by sqrt(252) for daily
//   bars). Log returns were chosen because they add up over bars and are symmetric for up and
//   down moves; for daily moves they differ from simple returns by well under 1%. Being a
//   fraction of price, the value feeds stop distances directly (stop = entry * recent_vol * 2).
//   The first value comes after n + 1 closes (n returns). O(1) amortized (rolling_stats.h);
//   constant prices give exactly 0. Gaps in dates are not special: a return is from one bar to
//   the next.
// VolRatio(short, long): ReturnVolatility(short) / ReturnVolatility(long) over the same closes;
//   > 1 when recent moves are larger than usual. Ready when the long one is; when the long
//   volatility is 0 the short one is 0 too (its window is inside the long one) and the ratio is
//   defined as 1 (no change of regime).
// Preconditions: closes finite and > 0; 2 <= period, short <= long (asserted). Not thread-safe.
#pragma once

#include <optional>

#include "market/rolling_stats.h"

namespace sigflow {

class ReturnVolatility {
 public:
  explicit ReturnVolatility(int period);

  std::optional<double> Update(double close);
  bool ready() const { return stats_.full(); }
  std::optional<double> value() const;
  int period() const { return stats_.window(); }

 private:
  std::optional<double> prev_close_;
  RollingStats stats_;
};

class VolRatio {
 public:
  VolRatio(int short_period, int long_period);

  std::optional<double> Update(double close);
  bool ready() const { return long_.ready(); }
  std::optional<double> value() const;
  std::optional<double> short_volatility() const { return short_.value(); }
  std::optional<double> long_volatility() const { return long_.value(); }

 private:
  ReturnVolatility short_;
  ReturnVolatility long_;
};

}  // namespace sigflow
