// RollingMax / RollingMin: the highest (lowest) of the last n values, O(1) amortized per update.
//
// A monotonic deque: each value enters once and leaves once. Used for resistance (the highest
// high of the previous n bars) and support (the lowest low). Ready once n values have been seen;
// nothing is yielded before. Preconditions: period >= 1 (asserted), finite inputs.
// Not thread-safe (one owner).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>

namespace sigflow {

template <typename Better>  // Better(a, b): a should replace b as the extreme
class RollingExtreme {
 public:
  explicit RollingExtreme(int period) : period_(std::max(period, 1)) { assert(period >= 1); }

  std::optional<double> Update(double x) {
    while (!window_.empty() && !Better()(window_.back().second, x)) window_.pop_back();
    window_.emplace_back(count_, x);
    ++count_;
    if (window_.front().first <= count_ - 1 - period_) window_.pop_front();
    return value();
  }
  bool ready() const { return count_ >= period_; }
  std::optional<double> value() const {
    return ready() ? std::optional<double>(window_.front().second) : std::nullopt;
  }
  int period() const { return static_cast<int>(period_); }

 private:
  int64_t period_;
  int64_t count_ = 0;
  std::deque<std::pair<int64_t, double>> window_;  // (index, value), values strictly "better"
};

using RollingMax = RollingExtreme<std::greater<double>>;
using RollingMin = RollingExtreme<std::less<double>>;

}  // namespace sigflow
