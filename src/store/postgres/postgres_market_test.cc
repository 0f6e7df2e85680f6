// The MarketStore contract on the PostgreSQL store (cases in store/market_store_test_cases.h),
// each test in a schema of its own on the ctest fixture's server.
#include <gtest/gtest.h>

#include "store/market_store_test_cases.h"
#include "store/postgres/postgres_test_util.h"

namespace sigflow::testing {
namespace {

class PostgresMarketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestPostgresUrl() == nullptr) GTEST_SKIP() << "SIGFLOW_TEST_POSTGRES_URL is not set";
    schema_ = std::make_unique<TestSchema>();
    store_ = schema_->Open(&clock_);
    ASSERT_NE(store_, nullptr);
    market_ = MarketStoreOf(store_.get());
    ASSERT_NE(market_, nullptr);
  }
  void TearDown() override {
    store_.reset();  // close the connections before the schema is dropped
    schema_.reset();
  }

  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<TestSchema> schema_;
  std::unique_ptr<Store> store_;
  MarketStore* market_ = nullptr;
};

TEST_F(PostgresMarketStoreTest, UpsertBarsIsIdempotent) {
  CaseUpsertBarsIsIdempotent(market_, &clock_);
}
TEST_F(PostgresMarketStoreTest, BarsRoundTripBitForBit) { CaseBarsRoundTripBitForBit(market_); }
TEST_F(PostgresMarketStoreTest, LatestBarsAndRanges) { CaseLatestBarsAndRanges(market_); }
TEST_F(PostgresMarketStoreTest, BadBarsAreRefusedWhole) { CaseBadBarsAreRefusedWhole(market_); }
TEST_F(PostgresMarketStoreTest, FeaturesKeepTheirComputationTime) {
  CaseFeaturesKeepTheirComputationTime(market_);
}
TEST_F(PostgresMarketStoreTest, TwentyYearsOfSp500) {
  CaseTwentyYearsOfSp500(market_, SIGFLOW_DATA_DIR);
}
TEST_F(PostgresMarketStoreTest, ConcurrentWritersOverlap) { CaseConcurrentWritersOverlap(market_); }

TEST_F(PostgresMarketStoreTest, MigrationTwoCreatesTheMarketTables) {
  const std::string in_schema = " AND schemaname = '" + schema_->name() + "'";
  EXPECT_EQ(schema_->QueryInt("SELECT count(*) FROM pg_tables WHERE tablename IN "
                              "('lane_telemetry', 'lane_features')" +
                              in_schema),
            2);
  EXPECT_EQ(schema_->QueryInt("SELECT count(*) FROM schema_migrations WHERE version = 2"), 1);
}

}  // namespace
}  // namespace sigflow::testing
