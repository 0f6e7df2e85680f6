#include "cli/store_market_view.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace sigflow {
namespace {

Features Row(int64_t ts, int64_t computed_at, double vol) {
  Features f;
  f.ticker = "AAPL";
  f.ts_ms = ts;
  f.computed_at_ms = computed_at;
  f.close = 100;
  f.bars = 1;
  f.recent_vol = vol;
  return f;
}

class StoreMarketViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    market_ = MarketStoreOf(store_.get());
    ASSERT_NE(market_, nullptr);
  }
  std::unique_ptr<Store> store_;
  MarketStore* market_ = nullptr;
};

TEST_F(StoreMarketViewTest, BarsAsOfNeverLookAhead) {
  const Bar bars[] = {CloseOnlyBar("AAPL", 1000, 101), CloseOnlyBar("AAPL", 2000, 102),
                      CloseOnlyBar("AAPL", 3000, 103)};
  ASSERT_TRUE(market_->UpsertBars(bars).ok());
  StoreMarketView view(market_);
  EXPECT_FALSE(view.LatestBar("AAPL", 999)->has_value());
  auto mid = view.LatestBar("AAPL", 2999);
  ASSERT_TRUE(mid.ok() && mid->has_value());
  EXPECT_EQ((*mid)->ts_ms, 2000);
  EXPECT_EQ((*mid)->close, 102);
  EXPECT_EQ((*view.LatestBar("AAPL", 1'000'000))->close, 103);
  EXPECT_FALSE(view.LatestBar("MSFT", 5000)->has_value());
  EXPECT_EQ(view.LatestBar("not a ticker!", 5000).status().code(), "invalid_argument");
}

TEST_F(StoreMarketViewTest, FeaturesAreVisibleOnlyOnceComputed) {
  const Features rows[] = {Row(1000, 1000, 0.01), Row(2000, 5000, 0.02)};  // the 2nd computed late
  ASSERT_TRUE(market_->UpsertFeatures(rows).ok());
  StoreMarketView view(market_);
  auto early = view.LatestFeatures("AAPL", 3000);
  ASSERT_TRUE(early.ok() && early->has_value());
  EXPECT_EQ((*early)->ts_ms, 1000);
  EXPECT_EQ((*early)->recent_vol, 0.01);
  EXPECT_FALSE((*early)->atr.has_value());
  auto later = view.LatestFeatures("AAPL", 5000);
  ASSERT_TRUE(later.ok() && later->has_value());
  EXPECT_EQ((*later)->ts_ms, 2000);
  EXPECT_EQ((*later)->computed_at_ms, 5000);
  EXPECT_FALSE(view.LatestFeatures("AAPL", 999)->has_value());
}

TEST_F(StoreMarketViewTest, RowsComputedAfterAsOfAreMissingNotOlder) {
  // Features recomputed on the wall clock (computed_at far after their bars): as of a past time
  // none is visible, so the gate reports them missing instead of using a row from the future.
  std::vector<Features> rows;
  for (int i = 1; i <= StoreMarketView::kFeatureScan + 2; ++i)
    rows.push_back(Row(i * 1000, 1e9, i));
  ASSERT_TRUE(market_->UpsertFeatures(rows).ok());
  StoreMarketView view(market_);
  auto got = view.LatestFeatures("AAPL", 20'000);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

}  // namespace
}  // namespace sigflow
