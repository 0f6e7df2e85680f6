#include "risk/simulated_broker.h"

#include <gtest/gtest.h>

namespace sigflow {
namespace {

OrderRequest Order(const Recommendation& r, double close, double recent_vol) {
  OrderRequest order;
  order.recommendation = &r;
  order.bar = MarketBar{1'000'000, close};
  order.features.ts_ms = 1'000'000;
  order.features.computed_at_ms = 1'000'500;
  order.features.recent_vol = recent_vol;
  order.features.atr = 1.5;
  order.decision_ts_ms = 1'060'000;
  return order;
}

Recommendation Rec(TradeAction action) {
  Recommendation r;
  r.id = 1;
  r.ticker = "AAPL";
  r.action = action;
  r.confidence = 0.8;
  return r;
}

TEST(SimulatedBrokerTest, FillsBySeedFormulasAndRecordsTheirInputs) {
  SimulatedBroker broker{ExecutionConfig{}};
  const Recommendation r = Rec(TradeAction::kBuyCall);
  auto fill = broker.Execute(Order(r, 100, 0.01));
  ASSERT_TRUE(fill.ok()) << fill.status().ToString();
  const LedgerEntry& e = fill->entry;
  EXPECT_NEAR(e.entry_price, 100.05, 1e-9);
  EXPECT_NEAR(e.stop_loss_price, 98.049, 1e-9);
  EXPECT_NEAR(e.take_profit_price, 104.052, 1e-9);
  EXPECT_NEAR(e.notional, 25000, 1e-6);
  EXPECT_NEAR(e.qty, 25000 / 100.05, 1e-9);
  EXPECT_EQ(e.max_hold_minutes, 240);
  EXPECT_EQ(e.fill_model, "close+slip");
  EXPECT_EQ(e.slippage_bps, 5);
  EXPECT_EQ(e.execution_mode, ExecutionMode::kSimulated);
  EXPECT_EQ(e.decision_ts_ms, 1'060'000);
  EXPECT_EQ(e.simulated_ts_ms, 1'060'000);
  EXPECT_EQ(fill->sim["bar"]["close"], 100);
  EXPECT_EQ(fill->sim["features"]["recent_vol"], 0.01);
  EXPECT_EQ(fill->sim["stops"]["direction"], "long");
  EXPECT_NEAR(fill->sim["stops"]["stop_distance"].get<double>(), 2.001, 1e-12);
  EXPECT_EQ(fill->sizing["position_capped"], true);
  EXPECT_EQ(fill->sizing["risk_budget"], 2000);
}

TEST(SimulatedBrokerTest, PutsAreStoppedAboveTheEntry) {
  SimulatedBroker broker{ExecutionConfig{}};
  const Recommendation r = Rec(TradeAction::kBuyPut);
  auto fill = broker.Execute(Order(r, 200, 0.05));
  ASSERT_TRUE(fill.ok());
  EXPECT_NEAR(fill->entry.stop_loss_price, 220.11, 1e-9);
  EXPECT_NEAR(fill->entry.take_profit_price, 160.08, 1e-9);
  EXPECT_NEAR(fill->entry.notional, 20000, 1e-6);
  EXPECT_EQ(fill->sim["stops"]["direction"], "short");
}

TEST(SimulatedBrokerTest, AtrModelAndNotionalCap) {
  ExecutionConfig config;
  config.stop_distance_model = StopDistanceModel::kAtr;
  SimulatedBroker broker{config};
  const Recommendation r = Rec(TradeAction::kBuyStock);
  OrderRequest order = Order(r, 100, 0.01);
  order.max_notional = 1000;
  auto fill = broker.Execute(order);
  ASSERT_TRUE(fill.ok());
  EXPECT_NEAR(fill->entry.stop_loss_price, 97.05, 1e-9);
  EXPECT_NEAR(fill->entry.notional, 1000, 1e-9);
  EXPECT_EQ(fill->sizing["notional_capped"], true);
  EXPECT_EQ(fill->sizing["max_notional"], 1000);
}

TEST(SimulatedBrokerTest, WhatCannotBePricedIsAnError) {
  SimulatedBroker broker{ExecutionConfig{}};
  const Recommendation premium = Rec(TradeAction::kSellPremium);
  EXPECT_NE(broker.Execute(Order(premium, 100, 0.01)).status().message().find("directional"),
            std::string::npos);
  const Recommendation r = Rec(TradeAction::kBuyStock);
  EXPECT_EQ(broker.Execute(Order(r, 100, 0.0)).status().code(), "invalid_argument");
}

}  // namespace
}  // namespace sigflow
