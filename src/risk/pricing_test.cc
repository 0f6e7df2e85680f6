// Seed 003's pricing, stop and sizing formulas against hand-computed examples (the arithmetic is
// in the comments), both directions, with and without the 25% cap.
#include "risk/pricing.h"

#include <gtest/gtest.h>

namespace sigflow {
namespace {

// Relative tolerance: the formulas are a handful of IEEE operations.
#define EXPECT_CLOSE(actual, expected) EXPECT_NEAR(actual, expected, 1e-9 * std::abs(expected))

PricingInputs SeedDefaults(double close, int direction) {
  PricingInputs in;
  in.close = close;
  in.direction = direction;
  in.slippage_bps = 5;
  in.stop_mult = 2.0;
  in.risk_reward = 2.0;
  in.paper_equity = 100000;
  in.max_risk_per_trade_pct = 0.02;
  in.max_position_pct = 0.25;
  return in;
}

TEST(PricingTest, EntryIsCloseTimesOnePlusSlippage) {
  EXPECT_CLOSE(EntryPrice(100, 5), 100.05);        // 100 * 1.0005
  EXPECT_CLOSE(EntryPrice(187.42, 5), 187.51371);  // 187.42 * 1.0005
  EXPECT_DOUBLE_EQ(EntryPrice(50, 0), 50);
}

// close 100, recent_vol 1%: entry 100.05, distance 100.05 * 0.01 * 2 = 2.001; the risk budget
// 2,000 buys 2000 / 2.001 = 999.50 shares = 100,000 of notional, so the 25% cap decides:
// 25,000 / 100.05 = 249.8751 shares.
TEST(PricingTest, LongWithTheTwentyFivePercentCap) {
  PricingInputs in = SeedDefaults(100, +1);
  in.recent_vol = 0.01;
  auto order = PriceOrder(in);
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_CLOSE(order->entry, 100.05);
  EXPECT_CLOSE(order->stop_distance, 2.001);
  EXPECT_CLOSE(order->stops.stop_loss, 98.049);     // 100.05 - 2.001
  EXPECT_CLOSE(order->stops.take_profit, 104.052);  // 100.05 + 2 * 2.001
  EXPECT_CLOSE(order->sizing.risk_budget, 2000);
  EXPECT_CLOSE(order->sizing.risk_per_share, 2.001);
  EXPECT_CLOSE(order->sizing.uncapped_qty, 999.500249875062);  // 2000 / 2.001
  EXPECT_TRUE(order->sizing.position_capped);
  EXPECT_CLOSE(order->sizing.qty, 249.875062468766);  // 25000 / 100.05
  EXPECT_CLOSE(order->sizing.notional, 25000);
}

TEST(PricingTest, BearishMirrorsTheStopsWithTheCap) {
  PricingInputs in = SeedDefaults(100, -1);
  in.recent_vol = 0.01;
  auto order = PriceOrder(in);
  ASSERT_TRUE(order.ok());
  EXPECT_CLOSE(order->stops.stop_loss, 102.051);   // 100.05 + 2.001
  EXPECT_CLOSE(order->stops.take_profit, 96.048);  // 100.05 - 2 * 2.001
  EXPECT_CLOSE(order->sizing.qty, 249.875062468766);
  EXPECT_CLOSE(order->sizing.notional, 25000);
}

// close 200, recent_vol 5%: entry 200.1, distance 200.1 * 0.05 * 2 = 20.01; qty 2000 / 20.01 =
// 99.95 shares = 20,000 of notional, under the 25,000 cap.
TEST(PricingTest, LongAndBearishUnderTheCap) {
  PricingInputs in = SeedDefaults(200, +1);
  in.recent_vol = 0.05;
  auto up = PriceOrder(in);
  ASSERT_TRUE(up.ok());
  EXPECT_CLOSE(up->entry, 200.1);
  EXPECT_CLOSE(up->stop_distance, 20.01);
  EXPECT_CLOSE(up->stops.stop_loss, 180.09);
  EXPECT_CLOSE(up->stops.take_profit, 240.12);
  EXPECT_FALSE(up->sizing.position_capped);
  EXPECT_CLOSE(up->sizing.qty, 99.9500249875062);
  EXPECT_CLOSE(up->sizing.notional, 20000);
  in.direction = -1;
  auto down = PriceOrder(in);
  ASSERT_TRUE(down.ok());
  EXPECT_CLOSE(down->stops.stop_loss, 220.11);
  EXPECT_CLOSE(down->stops.take_profit, 160.08);
  EXPECT_CLOSE(down->sizing.qty, 99.9500249875062);
}

// Uncapped notional = 2000 / (recent_vol * 2): the cap binds above 25,000, i.e. below 4%.
TEST(PricingTest, TheCapBindsExactlyBelowFourPercentVolatility) {
  PricingInputs in = SeedDefaults(100, +1);
  in.recent_vol = 0.039;  // 2000 / 0.078 = 25,641 > 25,000
  auto capped = PriceOrder(in);
  ASSERT_TRUE(capped.ok());
  EXPECT_TRUE(capped->sizing.position_capped);
  EXPECT_CLOSE(capped->sizing.notional, 25000);
  in.recent_vol = 0.041;  // 2000 / 0.082 = 24,390.24 < 25,000
  auto free = PriceOrder(in);
  ASSERT_TRUE(free.ok());
  EXPECT_FALSE(free->sizing.position_capped);
  EXPECT_CLOSE(free->sizing.notional, 2000 / 0.082);
}

// The ATR option: distance = ATR 1.5 * 2 = 3.0 (not scaled by the entry).
TEST(PricingTest, AtrStopDistanceOption) {
  PricingInputs in = SeedDefaults(100, +1);
  in.atr_model = true;
  in.atr = 1.5;
  auto up = PriceOrder(in);
  ASSERT_TRUE(up.ok());
  EXPECT_CLOSE(up->stop_distance, 3.0);
  EXPECT_CLOSE(up->stops.stop_loss, 97.05);
  EXPECT_CLOSE(up->stops.take_profit, 106.05);
  EXPECT_CLOSE(up->sizing.uncapped_qty, 2000.0 / 3.0);
  EXPECT_CLOSE(up->sizing.qty, 25000 / 100.05);  // 666.67 shares = 66,700 > the cap
  in.direction = -1;
  auto down = PriceOrder(in);
  ASSERT_TRUE(down.ok());
  EXPECT_CLOSE(down->stops.stop_loss, 103.05);
  EXPECT_CLOSE(down->stops.take_profit, 94.05);
}

// REDUCING: never more notional than the exposure being reduced (5,000 of the 20,000).
TEST(PricingTest, MaxNotionalCapsBelowThePositionCap) {
  PricingInputs in = SeedDefaults(200, -1);
  in.recent_vol = 0.05;
  in.max_notional = 5000;
  auto order = PriceOrder(in);
  ASSERT_TRUE(order.ok());
  EXPECT_TRUE(order->sizing.notional_capped);
  EXPECT_FALSE(order->sizing.position_capped);
  EXPECT_CLOSE(order->sizing.qty, 5000 / 200.1);
  EXPECT_CLOSE(order->sizing.notional, 5000);
}

TEST(PricingTest, UnpriceableOrdersAreErrors) {
  PricingInputs in = SeedDefaults(100, +1);
  in.recent_vol = 0;
  auto zero = PriceOrder(in);
  EXPECT_EQ(zero.status().code(), "invalid_argument");
  EXPECT_NE(zero.status().message().find("recent_vol=0"), std::string::npos);
  in.recent_vol = 0.6;  // distance 120.06 > entry 100.05: the stop would be negative
  EXPECT_NE(PriceOrder(in).status().message().find("below zero"), std::string::npos);
  in = SeedDefaults(100, -1);
  in.recent_vol = 0.3;  // distance 60.03: take profit 100.05 - 120.06 < 0
  EXPECT_NE(PriceOrder(in).status().message().find("below zero"), std::string::npos);
  in = SeedDefaults(0, +1);
  in.recent_vol = 0.01;
  EXPECT_NE(PriceOrder(in).status().message().find("close"), std::string::npos);
  in = SeedDefaults(100, 0);
  in.recent_vol = 0.01;
  EXPECT_FALSE(PriceOrder(in).ok());
  in = SeedDefaults(100, +1);
  in.recent_vol = 0.01;
  in.max_notional = 0;
  EXPECT_NE(PriceOrder(in).status().message().find("quantity"), std::string::npos);
}

}  // namespace
}  // namespace sigflow
