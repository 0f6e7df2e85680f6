// Moving averages, updated incrementally one value at a time (TA-Lib conventions).
//
// Sma(n): the mean of the last n values. The first value is at index n-1 (0-based), that is
//   after the n-th Update(). O(1) amortized, stable over any length (rolling_stats.h).
// Ema(n): k = 2 / (n + 1). Seeded TA-Lib's default way: the first value, at index n-1, is the
//   SMA of the first n values (summed in input order); afterwards
//   ema = (x - ema_prev) * k + ema_prev, the same operation order as TA-Lib. O(1).
//
// Neither yields a value before warm-up: value() and Update() return nullopt until ready().
// Preconditions: period >= 1 (asserted), inputs finite. Not thread-safe (one owner).
#pragma once

#include <cstdint>
#include <optional>

#include "market/rolling_stats.h"

namespace sigflow {

class Sma {
 public:
  explicit Sma(int period) : stats_(period) {}

  // Adds `x`; returns the SMA including it, or nullopt during warm-up.
  std::optional<double> Update(double x) {
    stats_.Push(x);
    return value();
  }
  bool ready() const { return stats_.full(); }
  std::optional<double> value() const {
    return ready() ? std::optional<double>(stats_.mean()) : std::nullopt;
  }
  int period() const { return stats_.window(); }
  int64_t count() const { return stats_.count(); }

 private:
  RollingStats stats_;
};

class Ema {
 public:
  explicit Ema(int period);

  std::optional<double> Update(double x);
  bool ready() const { return count_ >= period_; }
  std::optional<double> value() const {
    return ready() ? std::optional<double>(value_) : std::nullopt;
  }
  int period() const { return period_; }
  double k() const { return k_; }
  int64_t count() const { return count_; }

 private:
  int period_;
  double k_;
  int64_t count_ = 0;
  double value_ = 0;  // the seed sum during warm-up, then the EMA
};

}  // namespace sigflow
