#include "market/moving_average.h"

#include <algorithm>
#include <cassert>

namespace sigflow {

Ema::Ema(int period) : period_(std::max(period, 1)), k_(2.0 / (period_ + 1.0)) {
  assert(period >= 1);
}

std::optional<double> Ema::Update(double x) {
  ++count_;
  if (count_ < period_) {
    value_ += x;
    return std::nullopt;
  }
  if (count_ == period_) {
    value_ = (value_ + x) / period_;
  } else {
    value_ = ((x - value_) * k_) + value_;
  }
  return value_;
}

}  // namespace sigflow
