#include "market/rolling_stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace sigflow {

void CompensatedSum::Add(double x) {
  const double t = sum_ + x;
  if (std::fabs(sum_) >= std::fabs(x)) {
    compensation_ += (sum_ - t) + x;
  } else {
    compensation_ += (x - t) + sum_;
  }
  sum_ = t;
}

RollingStats::RollingStats(int window) : ring_(static_cast<size_t>(std::max(window, 1))) {
  assert(window >= 1);
}

void RollingStats::Push(double x) {
  if (count_ == 0) shift_ = x;
  if (full()) {
    raw_sum_.Add(-ring_[next_]);
    const double old = ring_[next_] - shift_;
    sum_.Add(-old);
    sum_sq_.Add(-old * old);
  } else {
    ++size_;
  }
  ring_[next_] = x;
  next_ = next_ + 1 == ring_.size() ? 0 : next_ + 1;
  ++count_;
  raw_sum_.Add(x);
  const double d = x - shift_;
  sum_.Add(d);
  sum_sq_.Add(d * d);
  if (++since_resum_ >= ring_.size()) Resum();
}

void RollingStats::Resum() {
  since_resum_ = 0;
  shift_ = ring_[next_ == 0 ? ring_.size() - 1 : next_ - 1];  // the newest value
  raw_sum_.Reset();
  sum_.Reset();
  sum_sq_.Reset();
  size_t i = full() ? next_ : 0;  // oldest first
  for (size_t n = 0; n < size_; ++n) {
    raw_sum_.Add(ring_[i]);
    const double d = ring_[i] - shift_;
    sum_.Add(d);
    sum_sq_.Add(d * d);
    i = i + 1 == ring_.size() ? 0 : i + 1;
  }
}

double RollingStats::mean() const {
  assert(size_ >= 1);
  return raw_sum_.value() / static_cast<double>(size_);
}

double RollingStats::variance() const {
  assert(size_ >= 2);
  const double n = static_cast<double>(size_);
  const double s = sum_.value();
  return std::max(0.0, (sum_sq_.value() - s * s / n) / (n - 1));
}

}  // namespace sigflow
