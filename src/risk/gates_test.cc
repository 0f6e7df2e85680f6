// Every gate at its threshold and one step either side of it, and the report over all gates.
#include "risk/gates.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sigflow {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

TEST(GatesTest, ConfidencePassesAtAndAboveTheMinimum) {
  EXPECT_TRUE(CheckConfidence(0.70, 0.70).passed());  // at the threshold
  EXPECT_TRUE(CheckConfidence(std::nextafter(0.70, 1.0), 0.70).passed());
  EXPECT_TRUE(CheckConfidence(0.71, 0.70).passed());
  const GateCheck below = CheckConfidence(0.62, 0.70);
  EXPECT_EQ(below.reason, GateReason::kConfidenceBelowMin);
  EXPECT_EQ(below.text, "CONFIDENCE_BELOW_MIN: observed=0.62 threshold=0.70");
  const GateCheck just_below = CheckConfidence(std::nextafter(0.70, 0.0), 0.70);
  EXPECT_FALSE(just_below.passed());
  // Never printed as its threshold: the text keeps every digit that differs.
  EXPECT_EQ(CheckConfidence(0.695, 0.70).text,
            "CONFIDENCE_BELOW_MIN: observed=0.695 threshold=0.70");
  EXPECT_EQ(below.ToJson()["observed"], 0.62);
  EXPECT_EQ(below.ToJson()["threshold"], 0.70);
  EXPECT_EQ(below.ToJson()["passed"], false);
}

TEST(GatesTest, ActionMustBeAllowed) {
  const std::vector<TradeAction> seed = {TradeAction::kBuyCall, TradeAction::kBuyPut,
                                         TradeAction::kBuyStock};
  for (TradeAction a : seed) EXPECT_TRUE(CheckActionAllowed(a, seed).passed());
  const GateCheck premium = CheckActionAllowed(TradeAction::kSellPremium, seed);
  EXPECT_EQ(premium.reason, GateReason::kActionNotAllowed);
  EXPECT_EQ(premium.text,
            "ACTION_NOT_ALLOWED: observed=SELL_PREMIUM threshold=BUY_CALL|BUY_PUT|BUY_STOCK");
  EXPECT_FALSE(CheckActionAllowed(TradeAction::kBuyStock, {TradeAction::kBuyPut}).passed());
  EXPECT_EQ(CheckActionAllowed(TradeAction::kBuyStock, {}).text,
            "ACTION_NOT_ALLOWED: observed=BUY_STOCK threshold=none");
}

TEST(GatesTest, BarFreshnessPassesUpToTheMaximumAge) {
  auto bar_aged = [](int64_t age_ms) { return MarketBar{kNow - age_ms, 100.0}; };
  EXPECT_TRUE(CheckBarFreshness(bar_aged(120'000), kNow, 120).passed());  // at the threshold
  EXPECT_TRUE(CheckBarFreshness(bar_aged(119'999), kNow, 120).passed());
  const GateCheck stale = CheckBarFreshness(bar_aged(120'001), kNow, 120);
  EXPECT_EQ(stale.reason, GateReason::kBarStale);
  EXPECT_EQ(stale.text, "BAR_STALE: observed=120.001 threshold=120");
  EXPECT_DOUBLE_EQ(stale.ToJson()["observed"].get<double>(), 120.001);
  EXPECT_EQ(stale.ToJson()["bar_ts"], kNow - 120'001);
  const GateCheck missing = CheckBarFreshness(std::nullopt, kNow, 120);
  EXPECT_EQ(missing.reason, GateReason::kBarMissing);
  EXPECT_EQ(missing.text, "BAR_MISSING: observed=none threshold=120");
  EXPECT_TRUE(missing.ToJson()["observed"].is_null());
}

TEST(GatesTest, FeatureFreshnessPassesUpToTheMaximumAge) {
  auto computed = [](int64_t age_ms) {
    MarketFeatures f;
    f.ts_ms = kNow - 60'000;
    f.computed_at_ms = kNow - age_ms;
    f.recent_vol = 0.01;
    return f;
  };
  const auto vol = StopDistanceModel::kRecentVol;
  EXPECT_TRUE(CheckFeatureFreshness(computed(300'000), vol, kNow, 300).passed());
  EXPECT_TRUE(CheckFeatureFreshness(computed(299'999), vol, kNow, 300).passed());
  const GateCheck stale = CheckFeatureFreshness(computed(300'001), vol, kNow, 300);
  EXPECT_EQ(stale.reason, GateReason::kFeaturesStale);
  EXPECT_EQ(stale.text, "FEATURES_STALE: observed=300.001 threshold=300");
  EXPECT_EQ(CheckFeatureFreshness(std::nullopt, vol, kNow, 300).text,
            "FEATURES_MISSING: observed=none threshold=300");
  // The stop model's own feature must be there: the ATR model needs atr.
  const GateCheck no_atr = CheckFeatureFreshness(computed(0), StopDistanceModel::kAtr, kNow, 300);
  EXPECT_EQ(no_atr.reason, GateReason::kFeaturesMissing);
  EXPECT_EQ(no_atr.text, "FEATURES_MISSING: observed=no atr threshold=300");
}

TEST(GatesTest, TickerDailyLimitPassesBelowTheMaximum) {
  EXPECT_TRUE(CheckTickerDailyLimit(0, 2).passed());
  EXPECT_TRUE(CheckTickerDailyLimit(1, 2).passed());  // one below the threshold
  const GateCheck at = CheckTickerDailyLimit(2, 2);   // at the threshold: the limit is reached
  EXPECT_EQ(at.reason, GateReason::kTickerDailyLimitReached);
  EXPECT_EQ(at.text, "TICKER_DAILY_LIMIT_REACHED: observed=2 threshold=2");
  EXPECT_FALSE(CheckTickerDailyLimit(3, 2).passed());
  EXPECT_FALSE(CheckTickerDailyLimit(0, 0).passed());  // 0 allows none
}

TEST(GatesTest, TickerRecommendationRatePassesUpToTheMaximum) {
  EXPECT_TRUE(CheckTickerRecommendationRate(4, 5, 60).passed());
  EXPECT_TRUE(CheckTickerRecommendationRate(5, 5, 60).passed());  // at the threshold
  const GateCheck over = CheckTickerRecommendationRate(6, 5, 60);
  EXPECT_EQ(over.reason, GateReason::kTickerRateExceeded);
  EXPECT_EQ(over.text, "TICKER_RATE_EXCEEDED: observed=6 threshold=5");
  EXPECT_EQ(over.ToJson()["window_seconds"], 60);
}

TEST(GatesTest, TradingState) {
  EXPECT_TRUE(CheckTradingState(TradingState::kActive, TradeAction::kBuyStock, 0).passed());
  const GateCheck halted = CheckTradingState(TradingState::kHalted, TradeAction::kBuyStock, 0);
  EXPECT_EQ(halted.reason, GateReason::kTradingHalted);
  EXPECT_EQ(halted.text, "trading_halted: observed=HALTED threshold=ACTIVE");
  // REDUCING: only against the open exposure.
  EXPECT_TRUE(CheckTradingState(TradingState::kReducing, TradeAction::kBuyPut, 25000).passed());
  EXPECT_TRUE(CheckTradingState(TradingState::kReducing, TradeAction::kBuyStock, -100).passed());
  EXPECT_TRUE(CheckTradingState(TradingState::kReducing, TradeAction::kBuyCall, -100).passed());
  const GateCheck adds = CheckTradingState(TradingState::kReducing, TradeAction::kBuyStock, 25000);
  EXPECT_EQ(adds.reason, GateReason::kTradingReducing);
  EXPECT_EQ(adds.text,
            "trading_reducing: observed=BUY_STOCK (direction +1) on open exposure 25000.00 "
            "threshold=an action against the open exposure");
  EXPECT_FALSE(CheckTradingState(TradingState::kReducing, TradeAction::kBuyPut, 0).passed());
  EXPECT_FALSE(CheckTradingState(TradingState::kReducing, TradeAction::kSellPremium, 100).passed());
}

TEST(GatesTest, EvaluateRecordsEveryGateAndTheFirstFailureDecides) {
  ExecutionConfig config;
  Recommendation r;
  r.ticker = "AAPL";
  r.action = TradeAction::kSellPremium;
  r.confidence = 0.5;
  GateInputs in;
  in.recommendation = &r;
  in.now_ms = kNow;
  in.bar = MarketBar{kNow - 1000, 100};
  in.activity.executions_today = 2;
  GateReport report = EvaluateGates(in, config);
  ASSERT_EQ(report.checks.size(), 7u);
  EXPECT_FALSE(report.passed());
  ASSERT_NE(report.first_failure(), nullptr);
  EXPECT_EQ(report.first_failure()->gate, "confidence");
  const auto json = report.ToJson();
  std::vector<std::string> gates;
  for (const auto& [gate, check] : json.items()) gates.push_back(gate);
  EXPECT_EQ(gates, (std::vector<std::string>{"trading_state", "confidence", "action_allowed",
                                             "bar_freshness", "feature_freshness",
                                             "ticker_daily_limit", "ticker_recommendation_rate"}));
  EXPECT_EQ(json["trading_state"]["passed"], true);
  EXPECT_EQ(json["confidence"]["passed"], false);
  EXPECT_EQ(json["action_allowed"]["passed"], false);
  EXPECT_EQ(json["bar_freshness"]["passed"], true);
  EXPECT_EQ(json["feature_freshness"]["reason"], "FEATURES_MISSING: observed=none threshold=300");
  EXPECT_EQ(json["ticker_daily_limit"]["observed"], 2);
  EXPECT_EQ(json["ticker_daily_limit"]["threshold"], 2);
  EXPECT_EQ(json["ticker_recommendation_rate"]["passed"], true);

  in.trading_state = TradingState::kHalted;
  report = EvaluateGates(in, config);
  EXPECT_EQ(report.first_failure()->text, "trading_halted: observed=HALTED threshold=ACTIVE");
}

TEST(GatesTest, FormatDecimalKeepsWhatDiffers) {
  EXPECT_EQ(FormatDecimal(0.7, 2), "0.70");
  EXPECT_EQ(FormatDecimal(0.62, 2), "0.62");
  EXPECT_EQ(FormatDecimal(0.695, 2), "0.695");
  EXPECT_EQ(FormatDecimal(120, 0), "120");
  EXPECT_EQ(FormatDecimal(120.5, 0), "120.5");
  EXPECT_EQ(FormatDecimal(-4000, 2), "-4000.00");
}

}  // namespace
}  // namespace sigflow
