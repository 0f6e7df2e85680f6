// RollingStats: mean and sample variance of the last `window` values, numerically stable.
//
// The building block of the SMA and of return volatility. Each Push() is O(1) amortized: running
// sums are kept with Neumaier compensation (so a huge value leaving the window does not wipe out
// the small ones), the variance from sums of deviations around a shift (a recent value, so the
// formula does not cancel), and once every `window` pushes all sums are recomputed from the
// stored window (an O(window) pass), so rounding drift cannot accumulate over a long series.
// A window of constant values has a variance of exactly 0 from the next re-summation on (and from
// the start when the series starts constant), and a mean equal to that value within an ulp.
// Not thread-safe (a value type used by one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sigflow {

// Neumaier's compensated (improved Kahan) summation.
class CompensatedSum {
 public:
  void Add(double x);
  double value() const { return sum_ + compensation_; }
  void Reset() { sum_ = compensation_ = 0; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

class RollingStats {
 public:
  // Precondition: window >= 1.
  explicit RollingStats(int window);

  // Precondition: x is finite.
  void Push(double x);

  int window() const { return static_cast<int>(ring_.size()); }
  int64_t count() const { return count_; }  // values pushed so far
  size_t size() const { return size_; }     // values in the window now
  bool full() const { return size_ == ring_.size(); }
  // Mean of the values in the window. Precondition: size() >= 1.
  double mean() const;
  // Sample variance (divides by size() - 1), clamped at 0. Precondition: size() >= 2.
  double variance() const;

 private:
  void Resum();

  std::vector<double> ring_;
  size_t next_ = 0;  // slot the next value goes to (the oldest one once full)
  size_t size_ = 0;
  int64_t count_ = 0;
  size_t since_resum_ = 0;
  double shift_ = 0;
  CompensatedSum raw_sum_;  // sum of x
  CompensatedSum sum_;      // sum of (x - shift_)
  CompensatedSum sum_sq_;   // sum of (x - shift_)^2
};

}  // namespace sigflow
