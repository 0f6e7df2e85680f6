// True range and ATR with Wilder smoothing, updated one bar at a time (TA-Lib conventions).
//
// TrueRange: TR[t] = max(high[t] - low[t], |close[t-1] - high[t]|, |close[t-1] - low[t]|).
//   The first bar has no previous close: it yields no TR (TA-Lib's TRANGE starts at index 1).
// Atr(n), as TA-Lib's TA_ATR (checked against its source, ta_func/ta_ATR.c, with no unstable
//   period set): the lookback is n, so the first ATR is at index n (after n + 1 bars) and equals
//   the plain mean of TR[1..n] (summed in input order, then divided by n); afterwards
//   ATR[t] = (ATR[t-1] * (n - 1) + TR[t]) / n, computed in that order. With n = 1 the ATR is the
//   TR itself. Bar TR[0] (no previous close) is never used.
// Close-only bars (high = low = close) give TR = |close - previous close|.
// Gaps in dates are not special: a bar's previous close is the previous bar's, whatever the
// calendar distance (a weekend or a holiday is one bar apart, as in TA-Lib).
// Nothing is yielded before warm-up. Preconditions: period >= 1 (asserted), finite prices,
// high >= low. Not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <optional>

#include "market/bar.h"

namespace sigflow {

class TrueRange {
 public:
  // The TR of this bar, or nullopt for the first bar.
  std::optional<double> Update(double high, double low, double close);
  bool ready() const { return value_.has_value(); }
  std::optional<double> value() const { return value_; }

 private:
  std::optional<double> prev_close_;
  std::optional<double> value_;
};

class Atr {
 public:
  explicit Atr(int period);

  std::optional<double> Update(double high, double low, double close);
  std::optional<double> Update(const Bar& bar) { return Update(bar.high, bar.low, bar.close); }
  bool ready() const { return trs_ >= period_; }
  std::optional<double> value() const {
    return ready() ? std::optional<double>(value_) : std::nullopt;
  }
  // The latest bar's true range (nullopt on the first bar).
  std::optional<double> true_range() const { return tr_.value(); }
  int period() const { return period_; }

 private:
  TrueRange tr_;
  int period_;
  int64_t trs_ = 0;   // true ranges seen
  double value_ = 0;  // the seed sum during warm-up, then the ATR
};

}  // namespace sigflow
