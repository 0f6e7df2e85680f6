// FeatureComputer: warm-up, definitions, ordering errors, gaps in dates, computed_at.
#include "market/features.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/time_format.h"
#include "market/csv_bar_source.h"

namespace sigflow {
namespace {

FeatureOptions Small() {
  FeatureOptions o;
  o.sma_short = 2;
  o.sma_long = 4;
  o.ema = 3;
  o.atr = 2;
  o.vol_short = 2;
  o.recent_vol = 3;
  return o;
}

TEST(FeatureOptionsTest, ValidateReportsEveryError) {
  FeatureOptions o;
  o.sma_short = 0;
  o.sma_long = 0;
  o.atr = 0;
  o.vol_short = 1;
  Status s = o.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), "invalid_argument");
  for (const char* key : {"sma_short", "sma_long", "atr", "vol_short"}) {
    EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
  }
  EXPECT_TRUE(FeatureOptions{}.Validate().ok());
}

TEST(FeatureComputerTest, FeaturesAppearOnlyAfterWarmUp) {
  ManualClock clock(1700000000000);
  FeatureComputer fc("AAPL", Small(), &clock);
  const double closes[] = {10, 11, 12, 13, 12, 14};
  Features f;
  for (int i = 0; i < 6; ++i) {
    clock.AdvanceMs(5);
    ASSERT_TRUE(fc.Update(CloseOnlyBar("AAPL", i * kDayMs, closes[i]), &f).ok());
    EXPECT_EQ(f.ts_ms, i * kDayMs);
    EXPECT_EQ(f.computed_at_ms, 1700000000000 + 5 * (i + 1));
    EXPECT_EQ(f.bars, i + 1);
    EXPECT_EQ(f.sma_short.has_value(), i >= 1);
    EXPECT_EQ(f.sma_long.has_value(), i >= 3);
    EXPECT_EQ(f.ema.has_value(), i >= 2);
    EXPECT_EQ(f.atr.has_value(), i >= 2);
    EXPECT_EQ(f.recent_vol.has_value(), i >= 3);
    EXPECT_EQ(f.vol_ratio.has_value(), i >= 3);
    EXPECT_EQ(f.trend.has_value(), i >= 3);
    EXPECT_EQ(f.complete(), i >= 3);
  }
  EXPECT_EQ(f.close, 14);
  EXPECT_DOUBLE_EQ(*f.sma_short, 13);
  EXPECT_DOUBLE_EQ(*f.sma_long, 12.75);
  EXPECT_EQ(*f.trend, Trend::kUp);  // 14 > 13 > 12.75
  EXPECT_DOUBLE_EQ(*f.atr, 1.5);    // TRs 1 1 1 1 2: mean(1, 1), (1+1)/2, (1+1)/2, (1+2)/2
}

TEST(FeatureComputerTest, RejectsOtherTickersAndOutOfOrderBars) {
  FeatureComputer fc("AAPL", Small());
  Features f;
  ASSERT_TRUE(fc.Update(CloseOnlyBar("AAPL", 2 * kDayMs, 10), &f).ok());
  EXPECT_EQ(fc.Update(CloseOnlyBar("MSFT", 3 * kDayMs, 10), &f).code(), "invalid_argument");
  Status s = fc.Update(CloseOnlyBar("AAPL", 2 * kDayMs, 10), &f);
  EXPECT_EQ(s.code(), "out_of_order");
  EXPECT_NE(s.message().find("1970-01-03"), std::string::npos) << s.message();
  EXPECT_EQ(fc.Update(CloseOnlyBar("AAPL", kDayMs, 10), &f).code(), "out_of_order");
  EXPECT_EQ(f.bars, 1);  // failed updates change nothing
}

// Indicators count bars, not calendar days: the same closes with weekend and holiday gaps give
// the same features as on consecutive days.
TEST(FeatureComputerTest, GapsInDatesDoNotChangeTheValues) {
  FeatureComputer packed("X", Small()), gapped("X", Small());
  const double closes[] = {10, 11, 9, 12, 13, 12.5, 14, 13};
  const int64_t gaps[] = {0, 1, 4, 5, 6, 7, 11, 12};  // day numbers
  Features a, b;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(packed.Update(CloseOnlyBar("X", i * kDayMs, closes[i]), &a).ok());
    ASSERT_TRUE(gapped.Update(CloseOnlyBar("X", gaps[i] * kDayMs, closes[i]), &b).ok());
  }
  EXPECT_EQ(a.sma_long, b.sma_long);
  EXPECT_EQ(a.ema, b.ema);
  EXPECT_EQ(a.atr, b.atr);
  EXPECT_EQ(a.recent_vol, b.recent_vol);
  EXPECT_EQ(a.vol_ratio, b.vol_ratio);
}

// Interleaved tickers (a wide file) give each ticker exactly what its own computer gives, and an
// out-of-order bar of one ticker is refused without touching the others.
TEST(FeatureBookTest, InterleavedTickersMatchSeparateComputers) {
  ManualClock clock(5);
  FeatureBook book(Small(), &clock);
  FeatureComputer a("A", Small(), &clock), b("B", Small(), &clock);
  const double closes_a[] = {10, 11, 9, 12, 13, 12.5};
  const double closes_b[] = {50, 49, 52, 51, 55, 54};
  for (int i = 0; i < 6; ++i) {
    Features from_book_a, from_book_b, alone_a, alone_b;
    ASSERT_TRUE(book.Update(CloseOnlyBar("A", i * kDayMs, closes_a[i]), &from_book_a).ok());
    ASSERT_TRUE(book.Update(CloseOnlyBar("B", i * kDayMs, closes_b[i]), &from_book_b).ok());
    ASSERT_TRUE(a.Update(CloseOnlyBar("A", i * kDayMs, closes_a[i]), &alone_a).ok());
    ASSERT_TRUE(b.Update(CloseOnlyBar("B", i * kDayMs, closes_b[i]), &alone_b).ok());
    EXPECT_EQ(from_book_a.sma_long, alone_a.sma_long) << i;
    EXPECT_EQ(from_book_a.atr, alone_a.atr) << i;
    EXPECT_EQ(from_book_b.ema, alone_b.ema) << i;
    EXPECT_EQ(from_book_b.vol_ratio, alone_b.vol_ratio) << i;
    EXPECT_EQ(from_book_b.bars, i + 1);
  }
  Features row;
  EXPECT_EQ(book.Update(CloseOnlyBar("A", 2 * kDayMs, 10), &row).code(), "out_of_order");
  EXPECT_TRUE(book.Update(CloseOnlyBar("B", 6 * kDayMs, 53), &row).ok());
  EXPECT_EQ(row.bars, 7);
}

TEST(FeatureComputerTest, ConstantPricesGiveFlatTrendZeroAtrAndVol) {
  FeatureComputer fc("X");
  Features f;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(fc.Update(Bar{"X", i * kDayMs, 7, 7, 7, 7, 1000, true}, &f).ok());
  }
  ASSERT_TRUE(f.complete());
  EXPECT_DOUBLE_EQ(*f.sma_short, 7);
  EXPECT_DOUBLE_EQ(*f.sma_long, 7);
  EXPECT_DOUBLE_EQ(*f.ema, 7);
  EXPECT_EQ(*f.atr, 0);
  EXPECT_EQ(*f.recent_vol, 0);
  EXPECT_EQ(*f.vol_ratio, 1);
  EXPECT_EQ(*f.trend, Trend::kFlat);
}

TEST(FeatureComputerTest, RunsOverTheSp500File) {
  auto source = CsvBarSource::Open(std::string(SIGFLOW_DATA_DIR) + "/sp500_2000_2020_daily.csv");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  FeatureComputer fc("SP500");
  Features f;
  int complete = 0;
  for (const Bar& bar : (*source)->bars()) {
    ASSERT_TRUE(fc.Update(bar, &f).ok());
    complete += f.complete();
  }
  EXPECT_EQ(complete, 5105 - 49);  // sma_long (50) is the last to warm up
  EXPECT_EQ(FormatIso8601(f.ts_ms), "2020-04-17T00:00:00Z");
  EXPECT_GT(*f.recent_vol, 0.01);  // spring 2020: daily moves of several percent
  EXPECT_LT(*f.recent_vol, 0.10);
  EXPECT_GT(*f.atr, 0);
}

}  // namespace
}  // namespace sigflow
