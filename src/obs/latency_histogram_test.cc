#include "obs/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace sigflow {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.PercentileMicros(0.5), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 0; v < 10; ++v) h.Record(v);
  EXPECT_EQ(h.PercentileMicros(0.0), 0);
  EXPECT_EQ(h.PercentileMicros(0.5), 5);
  EXPECT_EQ(h.PercentileMicros(0.99), 9);
}

TEST(LatencyHistogramTest, PercentilesWithinBucketPrecisionOfSortedSamples) {
  LatencyHistogram h;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  std::vector<int64_t> samples;
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(dist(rng));
    samples.push_back(v);
    h.Record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(samples[static_cast<size_t>(q * samples.size())]);
    const double got = static_cast<double>(h.PercentileMicros(q));
    EXPECT_GE(got, exact * 0.999) << q;
    EXPECT_LE(got, exact * 1.07 + 1) << q;
  }
  EXPECT_EQ(h.MaxMicros(), samples.back());
}

}  // namespace
}  // namespace sigflow
