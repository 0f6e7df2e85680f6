// Helpers every benchmark shares: elapsed wall time and the median of repeated measurements.
// Header-only; no state. Median sorts a copy, and returns 0 for no values.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace sigflow {

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The middle value, or the mean of the two middle values of an even count.
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace sigflow
