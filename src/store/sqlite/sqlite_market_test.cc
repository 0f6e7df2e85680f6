// The MarketStore contract on the SQLite store (cases in store/market_store_test_cases.h), plus
// what is SQLite's own: the bars survive reopening the file.
#include <gtest/gtest.h>

#include "store/market_store_test_cases.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow::testing {
namespace {

class SqliteMarketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(dir_.File("market.db"), &clock_);
    ASSERT_NE(store_, nullptr);
    market_ = MarketStoreOf(store_.get());
    ASSERT_NE(market_, nullptr);
  }

  TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<Store> store_;
  MarketStore* market_ = nullptr;
};

TEST_F(SqliteMarketStoreTest, UpsertBarsIsIdempotent) {
  CaseUpsertBarsIsIdempotent(market_, &clock_);
}
TEST_F(SqliteMarketStoreTest, BarsRoundTripBitForBit) { CaseBarsRoundTripBitForBit(market_); }
TEST_F(SqliteMarketStoreTest, LatestBarsAndRanges) { CaseLatestBarsAndRanges(market_); }
TEST_F(SqliteMarketStoreTest, BadBarsAreRefusedWhole) { CaseBadBarsAreRefusedWhole(market_); }
TEST_F(SqliteMarketStoreTest, FeaturesKeepTheirComputationTime) {
  CaseFeaturesKeepTheirComputationTime(market_);
}
TEST_F(SqliteMarketStoreTest, TwentyYearsOfSp500) {
  CaseTwentyYearsOfSp500(market_, SIGFLOW_DATA_DIR);
}
TEST_F(SqliteMarketStoreTest, ConcurrentWritersOverlap) { CaseConcurrentWritersOverlap(market_); }

TEST_F(SqliteMarketStoreTest, BarsSurviveReopening) {
  ASSERT_TRUE(market_->UpsertBars(MakeBars("AAPL", 5)).ok());
  store_.reset();
  auto reopened = OpenOrDie(dir_.File("market.db"), &clock_);
  ASSERT_NE(reopened, nullptr);
  auto latest = MarketStoreOf(reopened.get())->LatestBar("AAPL");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->bar.close, 104);
}

}  // namespace
}  // namespace sigflow::testing
