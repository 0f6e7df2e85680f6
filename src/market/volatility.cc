#include "market/volatility.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace sigflow {

ReturnVolatility::ReturnVolatility(int period) : stats_(std::max(period, 2)) {
  assert(period >= 2);
}

std::optional<double> ReturnVolatility::Update(double close) {
  assert(close > 0);
  if (prev_close_) stats_.Push(std::log(close / *prev_close_));
  prev_close_ = close;
  return value();
}

std::optional<double> ReturnVolatility::value() const {
  if (!ready()) return std::nullopt;
  return std::sqrt(stats_.variance());
}

VolRatio::VolRatio(int short_period, int long_period) : short_(short_period), long_(long_period) {
  assert(short_period <= long_period);
}

std::optional<double> VolRatio::Update(double close) {
  short_.Update(close);
  long_.Update(close);
  return value();
}

std::optional<double> VolRatio::value() const {
  const std::optional<double> s = short_.value();
  const std::optional<double> l = long_.value();
  if (!s || !l) return std::nullopt;
  return *l > 0 ? *s / *l : 1.0;
}

}  // namespace sigflow
