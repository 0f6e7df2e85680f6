// SmaCross: detects a short SMA crossing a long SMA, bar by bar (golden and death crosses).
//
// The crossing rule, exact and shared by every generator:
//   a cross ABOVE at bar t (golden cross): short[t-1] <= long[t-1] and short[t] > long[t];
//   a cross BELOW at bar t (death cross):  short[t-1] >= long[t-1] and short[t] < long[t];
// where both SMAs must be ready at t-1 and at t. So the first bar that can cross is the one after
// the long SMA's first value (index long_period, 0-based). Touching (equal SMAs) is not a cross;
// leaving a touch is (a bar with short == long followed by short > long is a cross above).
// O(1) amortized per update. Preconditions: periods >= 1 (asserted), finite closes.
// Not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "market/moving_average.h"

namespace sigflow {

enum class Cross : uint8_t { kNone, kAbove, kBelow };

// The rule above, for one pair of consecutive values of a fast and a slow series.
Cross DetectCross(double prev_fast, double prev_slow, double fast, double slow);
std::string_view CrossName(Cross cross);  // "NONE", "ABOVE", "BELOW"

class SmaCross {
 public:
  SmaCross(int short_period, int long_period) : short_(short_period), long_(long_period) {}

  // Feeds one close; returns the cross on this bar.
  Cross Update(double close);
  bool ready() const { return long_.ready() && short_.ready(); }
  std::optional<double> short_sma() const { return short_.value(); }
  std::optional<double> long_sma() const { return long_.value(); }
  // The SMAs on the previous bar (nullopt until both were ready then).
  std::optional<double> prev_short_sma() const { return prev_short_; }
  std::optional<double> prev_long_sma() const { return prev_long_; }
  int short_period() const { return short_.period(); }
  int long_period() const { return long_.period(); }

 private:
  Sma short_;
  Sma long_;
  std::optional<double> prev_short_;
  std::optional<double> prev_long_;
};

}  // namespace sigflow
