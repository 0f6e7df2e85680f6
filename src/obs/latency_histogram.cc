#include "obs/latency_histogram.h"

#include <bit>

namespace sigflow {

int LatencyHistogram::BucketOf(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;
  const int sub = static_cast<int>((v >> shift) & ((1u << kSubBits) - 1));
  return ((shift + 1) << kSubBits) + sub;
}

uint64_t LatencyHistogram::BucketUpper(int b) {
  if (b < (1 << kSubBits)) return static_cast<uint64_t>(b);
  const int shift = (b >> kSubBits) - 1;
  const uint64_t sub = static_cast<uint64_t>(b & ((1 << kSubBits) - 1));
  return (((1ULL << kSubBits) | sub) << shift) + ((1ULL << shift) - 1);
}

void LatencyHistogram::Record(int64_t micros) {
  const uint64_t v = micros < 0 ? 0 : static_cast<uint64_t>(micros);
  buckets_[BucketOf(v)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  int64_t prev = max_.load(std::memory_order_relaxed);
  while (static_cast<int64_t>(v) > prev &&
         !max_.compare_exchange_weak(prev, static_cast<int64_t>(v), std::memory_order_relaxed)) {
  }
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int b = 0; b < kBuckets; ++b) {
    buckets_[b].fetch_add(other.buckets_[b].load(std::memory_order_relaxed),
                          std::memory_order_relaxed);
  }
  count_.fetch_add(other.count(), std::memory_order_relaxed);
  int64_t prev = max_.load(std::memory_order_relaxed);
  const int64_t theirs = other.MaxMicros();
  while (theirs > prev && !max_.compare_exchange_weak(prev, theirs, std::memory_order_relaxed)) {
  }
}

int64_t LatencyHistogram::PercentileMicros(double fraction) const {
  const uint64_t total = count();
  if (total == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(fraction * static_cast<double>(total));
  if (rank >= total) rank = total - 1;
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[b].load(std::memory_order_relaxed);
    if (seen > rank) {
      const int64_t upper = static_cast<int64_t>(BucketUpper(b));
      return upper < MaxMicros() ? upper : MaxMicros();
    }
  }
  return MaxMicros();
}

}  // namespace sigflow
