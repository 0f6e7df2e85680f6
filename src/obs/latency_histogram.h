// LatencyHistogram: a fixed-size, log-bucketed histogram of durations in microseconds, for
// percentiles (p50/p99/p99.9) without keeping every sample.
//
// Buckets grow by ~4.4% (16 sub-buckets per power of two), so a reported percentile is within
// that of the true value. Record() and Percentile() are thread-safe (relaxed atomics; a
// percentile read during concurrent recording sees some consistent-enough snapshot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sigflow {

class LatencyHistogram {
 public:
  void Record(int64_t micros);
  // Adds every sample of `other` (e.g. one histogram per thread, summed for a report).
  void Merge(const LatencyHistogram& other);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The smallest recorded bucket value below which `fraction` (0..1) of samples fall; 0 if empty.
  int64_t PercentileMicros(double fraction) const;
  int64_t MaxMicros() const { return max_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kSubBits = 4;
  static constexpr int kBuckets = 64 << kSubBits;
  static int BucketOf(uint64_t v);
  static uint64_t BucketUpper(int b);

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace sigflow
