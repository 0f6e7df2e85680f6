// Property tests: every incremental indicator against a direct (non-incremental) computation,
// written plainly here, on long random series and on the real S&P 500 closes. Tolerance: 1e-9
// relative (observed errors are around 1e-13).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "market/atr.h"
#include "market/csv_bar_source.h"
#include "market/moving_average.h"
#include "market/rolling_extremes.h"
#include "market/volatility.h"

namespace sigflow {
namespace {

constexpr double kRelTol = 1e-9;

void ExpectClose(double got, long double want, const char* what, size_t i) {
  const long double scale = std::max<long double>(std::fabs(want), 1e-300L);
  ASSERT_LE(std::fabs(got - want) / scale, kRelTol)
      << what << " at " << i << ": got " << got << " want " << static_cast<double>(want);
}

long double DirectMean(const std::vector<double>& xs, size_t end, size_t n) {
  long double sum = 0;
  for (size_t j = end + 1 - n; j <= end; ++j) sum += xs[j];
  return sum / n;
}

// A random walk with drift changes and occasional jumps, always positive.
std::vector<double> RandomWalk(uint64_t seed, size_t length, double start) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.02);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> xs;
  double x = start;
  for (size_t i = 0; i < length; ++i) {
    x *= std::exp(step(rng) + (unit(rng) < 0.001 ? 0.5 * (unit(rng) - 0.5) : 0.0));
    xs.push_back(x);
  }
  return xs;
}

TEST(IndicatorPropertyTest, SmaMatchesDirectMeanOnLongRandomSeries) {
  for (uint64_t seed : {1, 2, 3}) {
    const std::vector<double> xs = RandomWalk(seed, 50000, 1000.0 * seed);
    for (size_t n : {1, 2, 7, 50, 200}) {
      Sma sma(static_cast<int>(n));
      for (size_t i = 0; i < xs.size(); ++i) {
        auto v = sma.Update(xs[i]);
        ASSERT_EQ(v.has_value(), i + 1 >= n);
        if (v) ExpectClose(*v, DirectMean(xs, i, n), "sma", i);
      }
    }
  }
}

TEST(IndicatorPropertyTest, SmaRecoversAfterAHugeSpikeLeavesTheWindow) {
  std::vector<double> xs(1000, 100.0);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] += 0.01 * static_cast<double>(i % 7);
  for (size_t spike : {299, 300, 310}) {  // newest at a re-summation, oldest, in between
    std::vector<double> ys = xs;
    ys[spike] = 1e12;
    Sma sma(20);
    for (size_t i = 0; i < ys.size(); ++i) {
      auto v = sma.Update(ys[i]);
      if (v) ExpectClose(*v, DirectMean(ys, i, 20), "sma", i);
    }
  }
}

TEST(IndicatorPropertyTest, EmaMatchesClosedForm) {
  const std::vector<double> xs = RandomWalk(7, 5000, 50.0);
  const size_t n = 20;
  const long double k = 2.0L / (n + 1);
  Ema ema(static_cast<int>(n));
  for (size_t i = 0; i < xs.size(); ++i) {
    auto v = ema.Update(xs[i]);
    ASSERT_EQ(v.has_value(), i + 1 >= n);
    if (!v || i % 97 != 0) continue;
    // ema[i] = seed * (1-k)^(i-n+1) + sum_{j=n}^{i} k (1-k)^(i-j) x[j], seed = mean(x[0..n-1]).
    long double want =
        DirectMean(xs, n - 1, n) * std::pow(1 - k, static_cast<long double>(i - n + 1));
    for (size_t j = n; j <= i; ++j)
      want += k * std::pow(1 - k, static_cast<long double>(i - j)) * xs[j];
    ExpectClose(*v, want, "ema", i);
  }
}

TEST(IndicatorPropertyTest, AtrMatchesDirectWilderRecursion) {
  const std::vector<double> close = RandomWalk(11, 20000, 80.0);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> wick(0.0, 0.02);
  std::vector<double> high, low;
  for (double c : close) {
    high.push_back(c * (1 + wick(rng)));
    low.push_back(c * (1 - wick(rng)));
  }
  const size_t n = 14;
  std::vector<long double> tr(close.size(), 0);
  for (size_t i = 1; i < close.size(); ++i) {
    tr[i] = std::max({static_cast<long double>(high[i]) - low[i],
                      std::fabs(static_cast<long double>(close[i - 1]) - high[i]),
                      std::fabs(static_cast<long double>(close[i - 1]) - low[i])});
  }
  Atr atr(static_cast<int>(n));
  long double want = 0;
  for (size_t i = 0; i < close.size(); ++i) {
    auto v = atr.Update(high[i], low[i], close[i]);
    ASSERT_EQ(v.has_value(), i >= n) << i;
    if (i < n) continue;
    if (i == n) {
      for (size_t j = 1; j <= n; ++j) want += tr[j];
      want /= n;
    } else {
      want = (want * (n - 1) + tr[i]) / n;
    }
    ExpectClose(*v, want, "atr", i);
  }
}

TEST(IndicatorPropertyTest, VolatilityMatchesTwoPassStdev) {
  const std::vector<double> xs = RandomWalk(13, 20000, 20.0);
  for (size_t n : {2, 5, 20, 60}) {
    ReturnVolatility vol(static_cast<int>(n));
    for (size_t i = 0; i < xs.size(); ++i) {
      auto v = vol.Update(xs[i]);
      ASSERT_EQ(v.has_value(), i >= n);
      if (!v) continue;
      std::vector<long double> r;
      for (size_t j = i + 1 - n; j <= i; ++j)
        r.push_back(std::log(static_cast<long double>(xs[j]) / xs[j - 1]));
      long double mean = 0, ss = 0;
      for (auto x : r) mean += x;
      mean /= n;
      for (auto x : r) ss += (x - mean) * (x - mean);
      ExpectClose(*v, std::sqrt(ss / (n - 1)), "vol", i);
    }
  }
}

TEST(IndicatorPropertyTest, RollingExtremesMatchDirectScan) {
  const std::vector<double> xs = RandomWalk(17, 20000, 10.0);
  const size_t n = 20;
  RollingMax hi(static_cast<int>(n));
  RollingMin lo(static_cast<int>(n));
  for (size_t i = 0; i < xs.size(); ++i) {
    auto h = hi.Update(xs[i]);
    auto l = lo.Update(xs[i]);
    ASSERT_EQ(h.has_value(), i + 1 >= n);
    if (!h) continue;
    auto first = xs.begin() + static_cast<std::ptrdiff_t>(i + 1 - n);
    auto last = xs.begin() + static_cast<std::ptrdiff_t>(i + 1);
    ASSERT_EQ(*h, *std::max_element(first, last));
    ASSERT_EQ(*l, *std::min_element(first, last));
  }
}

TEST(IndicatorPropertyTest, SmaOverTwentyYearsOfSp500MatchesDirectSums) {
  auto source = CsvBarSource::Open(std::string(SIGFLOW_DATA_DIR) + "/sp500_2000_2020_daily.csv");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<double> closes;
  for (const Bar& b : (*source)->bars()) closes.push_back(b.close);
  ASSERT_EQ(closes.size(), 5105u);
  for (size_t n : {50, 200}) {
    Sma sma(static_cast<int>(n));
    for (size_t i = 0; i < closes.size(); ++i) {
      auto v = sma.Update(closes[i]);
      if (v) ExpectClose(*v, DirectMean(closes, i, n), "sma", i);
    }
  }
}

}  // namespace
}  // namespace sigflow
