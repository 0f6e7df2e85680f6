// Hand-computed cases for the indicators, in TA-Lib's conventions, and their edge cases:
// warm-up, constant prices, period 1.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "market/atr.h"
#include "market/moving_average.h"
#include "market/rolling_extremes.h"
#include "market/sma_cross.h"
#include "market/trend.h"
#include "market/volatility.h"

namespace sigflow {
namespace {

TEST(SmaTest, HandComputedThreeBar) {
  Sma sma(3);
  EXPECT_FALSE(sma.Update(1).has_value());
  EXPECT_FALSE(sma.Update(2).has_value());
  EXPECT_FALSE(sma.ready());
  EXPECT_DOUBLE_EQ(*sma.Update(3), 2.0);  // first value at index n-1
  EXPECT_TRUE(sma.ready());
  EXPECT_DOUBLE_EQ(*sma.Update(10), 5.0);  // (2+3+10)/3
  EXPECT_DOUBLE_EQ(*sma.Update(4), 17.0 / 3);
  EXPECT_EQ(sma.count(), 5);
}

TEST(SmaTest, PeriodOneIsTheValue) {
  Sma sma(1);
  EXPECT_DOUBLE_EQ(*sma.Update(7.25), 7.25);
  EXPECT_DOUBLE_EQ(*sma.Update(-3.5), -3.5);
}

TEST(SmaTest, ConstantSeriesIsThatConstant) {
  for (double c : {0.1, 1455.219971, 3.0e-7, 98765.4321}) {
    Sma sma(50);
    for (int i = 0; i < 1000; ++i) {
      auto v = sma.Update(c);
      if (i < 49) {
        EXPECT_FALSE(v.has_value());
      } else {
        ASSERT_TRUE(v.has_value());
        EXPECT_DOUBLE_EQ(*v, c) << "index " << i;
      }
    }
  }
}

TEST(EmaTest, SeededWithSmaThenSmoothed) {
  Ema ema(3);  // k = 0.5
  EXPECT_DOUBLE_EQ(ema.k(), 0.5);
  EXPECT_FALSE(ema.Update(1).has_value());
  EXPECT_FALSE(ema.Update(2).has_value());
  EXPECT_DOUBLE_EQ(*ema.Update(3), 2.0);   // SMA of the first 3, at index 2
  EXPECT_DOUBLE_EQ(*ema.Update(10), 6.0);  // (10 - 2) * 0.5 + 2
  EXPECT_DOUBLE_EQ(*ema.Update(4), 5.0);   // (4 - 6) * 0.5 + 6
}

TEST(EmaTest, FourBarPeriodUsesTwoOverNPlusOne) {
  Ema ema(4);  // k = 0.4
  for (double x : {2.0, 4.0, 6.0}) EXPECT_FALSE(ema.Update(x).has_value());
  EXPECT_DOUBLE_EQ(*ema.Update(8), 5.0);
  EXPECT_DOUBLE_EQ(*ema.Update(10), 7.0);  // (10 - 5) * 0.4 + 5
  EXPECT_DOUBLE_EQ(*ema.Update(0), 4.2);   // (0 - 7) * 0.4 + 7
}

TEST(EmaTest, ConstantSeriesIsThatConstant) {
  Ema ema(10);
  for (int i = 0; i < 500; ++i) {
    auto v = ema.Update(42.5);
    if (i >= 9) {
      EXPECT_DOUBLE_EQ(*v, 42.5);
    }
  }
}

TEST(TrueRangeTest, FirstBarHasNoPreviousCloseAndGapsCount) {
  TrueRange tr;
  EXPECT_FALSE(tr.Update(10, 8, 9).has_value());
  EXPECT_DOUBLE_EQ(*tr.Update(12, 9, 11), 3.0);     // high - low = |9 - 12|
  EXPECT_DOUBLE_EQ(*tr.Update(11, 10, 10.5), 1.0);  // high - low; |11 - 10| ties
  EXPECT_DOUBLE_EQ(*tr.Update(15, 11, 14), 4.5);    // gap up: |10.5 - 15|
  EXPECT_DOUBLE_EQ(*tr.Update(13, 12, 12.5), 2.0);  // gap down: |14 - 12|
}

// TR: -, 3, 1, 4.5, 2, 2. ATR(3): first at index 3 = mean(3, 1, 4.5) = 17/6, then Wilder.
TEST(AtrTest, TaLibSeedAndWilderSmoothing) {
  Atr atr(3);
  EXPECT_FALSE(atr.Update(10, 8, 9).has_value());
  EXPECT_FALSE(atr.Update(12, 9, 11).has_value());
  EXPECT_FALSE(atr.Update(11, 10, 10.5).has_value());
  EXPECT_FALSE(atr.ready());
  EXPECT_NEAR(*atr.Update(15, 11, 14), 17.0 / 6, 1e-15);
  EXPECT_TRUE(atr.ready());
  EXPECT_NEAR(*atr.Update(13, 12, 12.5), 23.0 / 9, 1e-15);  // (17/6 * 2 + 2) / 3
  EXPECT_NEAR(*atr.Update(14, 12, 13), 64.0 / 27, 1e-15);   // (23/9 * 2 + 2) / 3
  EXPECT_DOUBLE_EQ(*atr.true_range(), 2.0);
}

TEST(AtrTest, PeriodOneIsTrueRange) {
  Atr atr(1);
  EXPECT_FALSE(atr.Update(10, 8, 9).has_value());
  EXPECT_DOUBLE_EQ(*atr.Update(12, 9, 11), 3.0);
  EXPECT_DOUBLE_EQ(*atr.Update(11, 10, 10.5), 1.0);
}

TEST(AtrTest, ConstantPricesGiveZero) {
  Atr atr(14);
  for (int i = 0; i < 100; ++i) {
    auto v = atr.Update(Bar{"X", i, 50, 50, 50, 50, 0, true});
    if (i < 14) {
      EXPECT_FALSE(v.has_value()) << i;
    } else {
      EXPECT_EQ(*v, 0.0);
    }
  }
}

TEST(AtrTest, CloseOnlyBarsUseCloseToCloseMoves) {
  Atr atr(2);
  atr.Update(CloseOnlyBar("X", 0, 100));
  atr.Update(CloseOnlyBar("X", 1, 103));                          // TR 3
  EXPECT_DOUBLE_EQ(*atr.Update(CloseOnlyBar("X", 2, 102)), 2.0);  // mean(3, 1)
}

TEST(VolatilityTest, SampleStdevOfLogReturns) {
  ReturnVolatility vol(2);
  EXPECT_FALSE(vol.Update(100).has_value());
  EXPECT_FALSE(vol.Update(110).has_value());  // one return only
  const double a = std::log(1.1), b = std::log(99.0 / 110);
  EXPECT_NEAR(*vol.Update(99), std::fabs(a - b) / std::sqrt(2.0), 1e-15);
}

TEST(VolatilityTest, ConstantPricesGiveExactlyZeroAndRatioOne) {
  VolRatio ratio(5, 20);
  for (int i = 0; i < 200; ++i) {
    auto v = ratio.Update(1234.5);
    if (i < 20) {
      EXPECT_FALSE(v.has_value()) << i;  // the long window needs 21 closes
    } else {
      EXPECT_EQ(*ratio.long_volatility(), 0.0);
      EXPECT_EQ(*ratio.short_volatility(), 0.0);
      EXPECT_EQ(*v, 1.0);
    }
  }
}

TEST(VolatilityTest, RatioAboveOneWhenRecentMovesAreLarger) {
  VolRatio ratio(3, 10);
  double price = 100;
  for (int i = 0; i < 30; ++i) ratio.Update(price *= (i % 2 ? 1.001 : 0.999));
  for (int i = 0; i < 3; ++i) ratio.Update(price *= (i % 2 ? 1.05 : 0.95));
  EXPECT_GT(*ratio.value(), 1.5);
}

TEST(TrendTest, StackedAveragesOrFlat) {
  EXPECT_EQ(ClassifyTrend(110, 105, 100), Trend::kUp);
  EXPECT_EQ(ClassifyTrend(90, 95, 100), Trend::kDown);
  EXPECT_EQ(ClassifyTrend(104, 105, 100), Trend::kFlat);  // close below the short average
  EXPECT_EQ(ClassifyTrend(100, 100, 100), Trend::kFlat);
  EXPECT_EQ(TrendName(Trend::kUp), "UP");
  EXPECT_EQ(ParseTrend("DOWN"), Trend::kDown);
  EXPECT_FALSE(ParseTrend("down").has_value());
}

TEST(RollingExtremeTest, HighestAndLowestOfLastN) {
  RollingMax hi(3);
  RollingMin lo(3);
  const std::vector<double> xs = {5, 1, 4, 2, 8, 3, 3, 0};
  const std::vector<double> want_hi = {0, 0, 5, 4, 8, 8, 8, 3};
  const std::vector<double> want_lo = {0, 0, 1, 1, 2, 2, 3, 0};
  for (size_t i = 0; i < xs.size(); ++i) {
    auto h = hi.Update(xs[i]);
    auto l = lo.Update(xs[i]);
    if (i < 2) {
      EXPECT_FALSE(h.has_value());
      EXPECT_FALSE(l.has_value());
      continue;
    }
    EXPECT_EQ(*h, want_hi[i]) << i;
    EXPECT_EQ(*l, want_lo[i]) << i;
  }
}

TEST(SmaCrossTest, RuleIsStrictOnTheCrossingBarOnly) {
  EXPECT_EQ(DetectCross(1, 2, 3, 2), Cross::kAbove);
  EXPECT_EQ(DetectCross(2, 2, 3, 2), Cross::kAbove);  // leaving a touch
  EXPECT_EQ(DetectCross(1, 2, 2, 2), Cross::kNone);   // touching is not crossing
  EXPECT_EQ(DetectCross(3, 2, 4, 2), Cross::kNone);
  EXPECT_EQ(DetectCross(3, 2, 1, 2), Cross::kBelow);
  EXPECT_EQ(DetectCross(2, 2, 1, 2), Cross::kBelow);
}

// SMA(2) vs SMA(4) over closes 10 10 10 10 9 (both ready at index 3), then up.
TEST(SmaCrossTest, NeedsBothAveragesReadyOnThePreviousBar) {
  SmaCross cross(2, 4);
  const std::vector<double> closes = {10, 10, 10, 10, 9, 8, 12, 14};
  std::vector<Cross> got;
  for (double c : closes) got.push_back(cross.Update(c));
  // index 4: short 9.5 < long 9.75 after equal at 3 -> below; index 6: short 10 > long 9.75.
  const std::vector<Cross> want = {Cross::kNone,  Cross::kNone, Cross::kNone,  Cross::kNone,
                                   Cross::kBelow, Cross::kNone, Cross::kAbove, Cross::kNone};
  EXPECT_EQ(got, want);
  EXPECT_DOUBLE_EQ(*cross.prev_short_sma(), 10.0);
  EXPECT_DOUBLE_EQ(*cross.short_sma(), 13.0);
}

}  // namespace
}  // namespace sigflow
