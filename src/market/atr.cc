#include "market/atr.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace sigflow {

std::optional<double> TrueRange::Update(double high, double low, double close) {
  if (prev_close_) {
    double greatest = high - low;
    const double to_high = std::fabs(*prev_close_ - high);
    if (to_high > greatest) greatest = to_high;
    const double to_low = std::fabs(*prev_close_ - low);
    if (to_low > greatest) greatest = to_low;
    value_ = greatest;
  }
  prev_close_ = close;
  return value_;
}

Atr::Atr(int period) : period_(std::max(period, 1)) { assert(period >= 1); }

std::optional<double> Atr::Update(double high, double low, double close) {
  const std::optional<double> tr = tr_.Update(high, low, close);
  if (!tr) return std::nullopt;
  ++trs_;
  if (trs_ < period_) {
    value_ += *tr;
    return std::nullopt;
  }
  if (trs_ == period_) {
    value_ = (value_ + *tr) / period_;
  } else {
    value_ *= period_ - 1;
    value_ += *tr;
    value_ /= period_;
  }
  return value_;
}

}  // namespace sigflow
