// The MarketStore contract (store/market_store.h) as test bodies, run on both stores by
// sqlite/sqlite_market_test.cc and postgres/postgres_market_test.cc, so that the two
// implementations are held to exactly the same outcomes. Each case gets a fresh, empty store and
// the ManualClock it was opened with.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "market/csv_bar_source.h"
#include "market/features.h"
#include "store/market_store.h"

namespace sigflow::testing {

inline constexpr int64_t kJan2Ms = 1'577'923'200'000;  // 2020-01-02T00:00:00Z

inline Bar MakeBar(const std::string& ticker, int day, double close) {
  return Bar{ticker, kJan2Ms + day * kDayMs, close - 1, close + 2, close - 3,
             close,  1000.0 + day,           true};
}

inline std::vector<Bar> MakeBars(const std::string& ticker, int days) {
  std::vector<Bar> out;
  for (int d = 0; d < days; ++d) out.push_back(MakeBar(ticker, d, 100 + d));
  return out;
}

inline void ExpectSameBar(const Bar& got, const Bar& want) {
  EXPECT_EQ(got.ticker, want.ticker);
  EXPECT_EQ(got.ts_ms, want.ts_ms);
  // Bit for bit: EXPECT_EQ on doubles is exact.
  EXPECT_EQ(got.open, want.open);
  EXPECT_EQ(got.high, want.high);
  EXPECT_EQ(got.low, want.low);
  EXPECT_EQ(got.close, want.close);
  EXPECT_EQ(got.volume, want.volume);
  EXPECT_EQ(got.has_ohlc, want.has_ohlc);
}

// Ingesting the same bars twice writes nothing the second time (ingested_at included); a
// corrected bar is rewritten and restamped.
inline void CaseUpsertBarsIsIdempotent(MarketStore* store, ManualClock* clock) {
  const std::vector<Bar> bars = MakeBars("AAPL", 3);
  auto first = store->UpsertBars(bars);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->inserted, 3);
  EXPECT_EQ(first->updated, 0);
  EXPECT_EQ(first->unchanged, 0);
  const int64_t first_ingest = clock->NowMs();

  clock->AdvanceMs(60'000);
  auto again = store->UpsertBars(bars);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 3);

  std::vector<Bar> corrected = {bars[1]};
  corrected[0].close += 0.25;
  clock->AdvanceMs(60'000);
  auto fixed = store->UpsertBars(corrected);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->updated, 1);
  EXPECT_EQ(fixed->inserted + fixed->unchanged, 0);

  auto stored = store->LatestBars("AAPL", MarketStore::kNoLimitMs, 10);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), 3u);
  ExpectSameBar((*stored)[0].bar, bars[0]);
  ExpectSameBar((*stored)[1].bar, corrected[0]);
  ExpectSameBar((*stored)[2].bar, bars[2]);
  EXPECT_EQ((*stored)[0].ingested_at_ms, first_ingest);
  EXPECT_EQ((*stored)[1].ingested_at_ms, clock->NowMs());
  EXPECT_EQ((*stored)[2].ingested_at_ms, first_ingest);
}

// Awkward doubles and close-only bars come back exactly as written.
inline void CaseBarsRoundTripBitForBit(MarketStore* store) {
  std::vector<Bar> bars = {
      Bar{"^GSPC", kJan2Ms, 0.1 + 0.2, 3258.139892578125, 1e-300, 1.0000000000000002, 3.4e18, true},
      CloseOnlyBar("BRK.B", kJan2Ms, 228.91000366210938),
      Bar{"X", kJan2Ms + kDayMs, 5e-324 * 4, std::nextafter(2.0, 3.0), 5e-324 * 2, 1.5, 0.0, true},
  };
  ASSERT_TRUE(store->UpsertBars(bars).ok());
  for (const Bar& want : bars) {
    auto got = store->ReadBars(want.ticker, want.ts_ms, want.ts_ms);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), 1u) << want.ticker;
    ExpectSameBar((*got)[0], want);
  }
}

inline void CaseLatestBarsAndRanges(MarketStore* store) {
  ASSERT_TRUE(store->UpsertBars(MakeBars("MSFT", 10)).ok());
  ASSERT_TRUE(store->UpsertBars(MakeBars("AAPL", 4)).ok());

  auto last3 = store->LatestBars("msft", kJan2Ms + 5 * kDayMs, 3);  // query ticker normalised
  ASSERT_TRUE(last3.ok()) << last3.status().ToString();
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ((*last3)[0].bar.ts_ms, kJan2Ms + 3 * kDayMs);  // ascending, ending at day 5
  EXPECT_EQ((*last3)[2].bar.ts_ms, kJan2Ms + 5 * kDayMs);

  auto latest = store->LatestBar("MSFT");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->bar.close, 109);
  auto before_any = store->LatestBar("MSFT", kJan2Ms - 1);
  ASSERT_TRUE(before_any.ok());
  EXPECT_FALSE(before_any->has_value());
  auto unknown = store->LatestBar("NOPE");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto range = store->ReadBars("MSFT", kJan2Ms + 2 * kDayMs, kJan2Ms + 4 * kDayMs);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->size(), 3u);  // inclusive at both ends
  EXPECT_EQ(range->front().close, 102);
  EXPECT_EQ(range->back().close, 104);

  auto series = store->ListBarSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].ticker, "AAPL");
  EXPECT_EQ((*series)[0].bars, 4);
  EXPECT_EQ((*series)[1].ticker, "MSFT");
  EXPECT_EQ((*series)[1].first_ts_ms, kJan2Ms);
  EXPECT_EQ((*series)[1].last_ts_ms, kJan2Ms + 9 * kDayMs);

  EXPECT_EQ(store->LatestBars("MSFT", MarketStore::kNoLimitMs, 0).status().code(),
            "invalid_argument");
  EXPECT_EQ(store->LatestBars("not a ticker", MarketStore::kNoLimitMs, 1).status().code(),
            "invalid_argument");
}

// A bad row anywhere refuses the whole call: nothing is written.
inline void CaseBadBarsAreRefusedWhole(MarketStore* store) {
  std::vector<Bar> bars = MakeBars("AAPL", 3);
  bars[2].high = bars[2].low - 1;
  auto refused = store->UpsertBars(bars);
  EXPECT_EQ(refused.status().code(), "invalid_argument");
  EXPECT_NE(refused.status().message().find("bars[2]"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("below low"), std::string::npos);

  bars = MakeBars("AAPL", 3);
  bars.push_back(bars[1]);
  auto repeated = store->UpsertBars(bars);
  EXPECT_EQ(repeated.status().code(), "invalid_argument");
  EXPECT_NE(repeated.status().message().find("repeats bars[1]"), std::string::npos)
      << repeated.status().message();

  bars = MakeBars("aapl", 1);  // not normalised
  EXPECT_EQ(store->UpsertBars(bars).status().code(), "invalid_argument");
  bars = MakeBars("AAPL", 1);
  bars[0].volume = std::nan("");
  EXPECT_EQ(store->UpsertBars(bars).status().code(), "invalid_argument");

  auto series = store->ListBarSeries();
  ASSERT_TRUE(series.ok());
  EXPECT_TRUE(series->empty());
}

inline Features MakeFeatures(const std::string& ticker, int day, int64_t computed_at_ms) {
  Features f;
  f.ticker = ticker;
  f.ts_ms = kJan2Ms + day * kDayMs;
  f.computed_at_ms = computed_at_ms;
  f.close = 100.125 + day;
  f.bars = 200 + day;
  f.sma_short = 101.0 / 3;
  f.sma_long = 99.5;
  f.ema = 0.1 + 0.7;
  f.atr = 2.718281828459045;
  f.recent_vol = 0.012345678901234567;
  f.vol_ratio = 1.25;
  f.trend = Trend::kUp;
  return f;
}

inline void ExpectSameFeatures(const Features& got, const Features& want) {
  EXPECT_EQ(got.ticker, want.ticker);
  EXPECT_EQ(got.ts_ms, want.ts_ms);
  EXPECT_EQ(got.computed_at_ms, want.computed_at_ms);
  EXPECT_EQ(got.close, want.close);
  EXPECT_EQ(got.bars, want.bars);
  EXPECT_EQ(got.sma_short, want.sma_short);
  EXPECT_EQ(got.sma_long, want.sma_long);
  EXPECT_EQ(got.ema, want.ema);
  EXPECT_EQ(got.atr, want.atr);
  EXPECT_EQ(got.recent_vol, want.recent_vol);
  EXPECT_EQ(got.vol_ratio, want.vol_ratio);
  EXPECT_EQ(got.trend, want.trend);
}

// Features keep their computation time, NULL for what was not warmed up, and a recomputation
// replaces the row (computed_at included): what the feature-freshness gate reads.
inline void CaseFeaturesKeepTheirComputationTime(MarketStore* store) {
  Features warming = MakeFeatures("AAPL", 0, 1'000);
  warming.sma_long.reset();
  warming.atr.reset();
  warming.trend.reset();
  const Features ready = MakeFeatures("AAPL", 1, 2'000);
  const Features other = MakeFeatures("MSFT", 1, 2'500);
  const std::vector<Features> rows = {warming, ready, other};
  auto written = store->UpsertFeatures(rows);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(*written, 3);

  auto both = store->LatestFeatures("AAPL", MarketStore::kNoLimitMs, 5);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->size(), 2u);
  ExpectSameFeatures((*both)[0], warming);
  ExpectSameFeatures((*both)[1], ready);

  Features recomputed = ready;
  recomputed.computed_at_ms = 9'000;
  recomputed.trend = Trend::kFlat;
  const std::vector<Features> again = {recomputed};
  ASSERT_TRUE(store->UpsertFeatures(again).ok());
  auto latest = store->LatestFeature("AAPL");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  ExpectSameFeatures(**latest, recomputed);
  auto at_day0 = store->LatestFeature("AAPL", kJan2Ms);
  ASSERT_TRUE(at_day0.ok());
  ASSERT_TRUE(at_day0->has_value());
  ExpectSameFeatures(**at_day0, warming);

  Features bad = MakeFeatures("AAPL", 5, 1);
  bad.atr = INFINITY;
  const std::vector<Features> refused = {bad};
  EXPECT_EQ(store->UpsertFeatures(refused).status().code(), "invalid_argument");
  auto count = store->LatestFeatures("AAPL", MarketStore::kNoLimitMs, 10);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->size(), 2u);
}

// The bundled S&P 500 history (more rows than one PostgreSQL statement chunk) ingested twice,
// then its features computed and stored.
inline void CaseTwentyYearsOfSp500(MarketStore* store, const std::string& data_dir) {
  auto source = CsvBarSource::Open(data_dir + "/sp500_2000_2020_daily.csv");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const std::vector<Bar>& bars = (*source)->bars();
  auto first = store->UpsertBars(bars);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->inserted, static_cast<int64_t>(bars.size()));
  auto second = store->UpsertBars(bars);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->unchanged, static_cast<int64_t>(bars.size()));
  EXPECT_EQ(second->inserted + second->updated, 0);

  auto all = store->ReadBars("SP500", 0, MarketStore::kNoLimitMs);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), bars.size());
  for (size_t i = 0; i < bars.size(); i += 97) ExpectSameBar((*all)[i], bars[i]);
  ExpectSameBar(all->back(), bars.back());

  ManualClock computed(1'700'000'000'000);
  FeatureComputer computer("SP500", FeatureOptions{}, &computed);
  std::vector<Features> rows(bars.size());
  for (size_t i = 0; i < bars.size(); ++i) ASSERT_TRUE(computer.Update(bars[i], &rows[i]).ok());
  auto written = store->UpsertFeatures(rows);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto latest = store->LatestFeature("SP500");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  ExpectSameFeatures(**latest, rows.back());
}

// Writers racing over the same keys neither fail nor lose a row.
inline void CaseConcurrentWritersOverlap(MarketStore* store) {
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int round = 0; round < 5; ++round) {
        std::vector<Bar> bars;
        for (int d = 0; d < 50; ++d) bars.push_back(MakeBar("RACE", d + w * 10, 100 + d));
        if (!store->UpsertBars(bars).ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto series = store->ListBarSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].bars, 80);  // days 0 .. 79
}

}  // namespace sigflow::testing
