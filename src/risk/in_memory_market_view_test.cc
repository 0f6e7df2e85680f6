#include "risk/in_memory_market_view.h"

#include <gtest/gtest.h>

namespace sigflow {
namespace {

TEST(InMemoryMarketViewTest, LatestAsOfNeverLooksAhead) {
  InMemoryMarketView view;
  view.PutBar("AAPL", {3000, 103});
  view.PutBar("AAPL", {1000, 101});
  view.PutBar("AAPL", {2000, 102});
  view.PutBar("AAPL", {2000, 102.5});  // replaces
  auto at = [&](int64_t t) { return view.LatestBar("AAPL", t); };
  EXPECT_FALSE(at(999)->has_value());
  EXPECT_EQ((*at(1000))->close, 101);
  EXPECT_EQ((*at(2999))->close, 102.5);
  EXPECT_EQ((*at(1'000'000))->close, 103);
  EXPECT_FALSE(view.LatestBar("MSFT", 5000)->has_value());
}

TEST(InMemoryMarketViewTest, FeaturesAreVisibleOnceComputed) {
  InMemoryMarketView view;
  view.PutFeatures("AAPL", {1000, 1500, 0.01, 1.2});
  view.PutFeatures("AAPL", {2000, 4000, 0.02, std::nullopt});  // computed late
  EXPECT_EQ((*view.LatestFeatures("AAPL", 3000))->ts_ms, 1000);
  auto later = view.LatestFeatures("AAPL", 4000);
  ASSERT_TRUE(later.ok() && later->has_value());
  EXPECT_EQ((*later)->recent_vol, 0.02);
  EXPECT_FALSE((*later)->atr.has_value());
}

TEST(InMemoryMarketViewTest, FailNextFailsOnce) {
  InMemoryMarketView view;
  view.FailNext("feed down");
  auto failed = view.LatestBar("AAPL", 1);
  EXPECT_EQ(failed.status().code(), "unavailable");
  EXPECT_EQ(failed.status().message(), "feed down");
  EXPECT_TRUE(view.LatestBar("AAPL", 1).ok());
}

}  // namespace
}  // namespace sigflow
