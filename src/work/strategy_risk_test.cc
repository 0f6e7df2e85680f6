// strategy_agent and risk_manager: their rules at and around each threshold, over hand-made
// bias readings (no store).
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "work/agent_chain_test_util.h"
#include "work/risk_manager.h"
#include "work/strategy_agent.h"

namespace sigflow {
namespace {

using testing_util::AgentChain;
using testing_util::SignalPipeline;

nlohmann::json Reading(const char* bias, double confidence) {
  return {{"combined_bias", bias}, {"confidence", confidence}};
}

// The strategy's decision for one ticker whose combined reading is (bias, confidence).
nlohmann::json Decide(const char* bias, double confidence, nlohmann::json config = {}) {
  AgentChain chain(SignalPipeline({"AAPL"}), {});
  chain.Inject("bias_agent", {{"tickers", {{"AAPL", Reading(bias, confidence)}}}});
  StrategyAgent agent;
  if (config.is_null()) config = nlohmann::json::object();
  Status s = chain.Run(agent, config);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return s.ok() ? chain.last()["decisions"]["AAPL"] : nlohmann::json();
}

TEST(StrategyAgentTest, DefaultRulesAtEachThreshold) {
  EXPECT_EQ(Decide("BULLISH", 0.49)["action"], "NO_TRADE");
  EXPECT_EQ(Decide("BULLISH", 0.49)["rule"], "below_min_confidence");
  EXPECT_EQ(Decide("BULLISH", 0.5)["action"], "BUY_STOCK");  // at min_confidence: trades
  EXPECT_EQ(Decide("BULLISH", 0.79)["action"], "BUY_STOCK");
  EXPECT_EQ(Decide("BULLISH", 0.8)["action"], "BUY_CALL");  // at strong_confidence
  EXPECT_EQ(Decide("BULLISH", 0.8)["rule"], "strong_bullish");
  EXPECT_EQ(Decide("BEARISH", 0.6)["action"], "BUY_PUT");
  EXPECT_EQ(Decide("BEARISH", 0.9)["rule"], "strong_bearish");
  EXPECT_EQ(Decide("NEUTRAL", 0.9)["action"], "NO_TRADE");
  EXPECT_EQ(Decide("NEUTRAL", 0.9)["trade"], false);
  EXPECT_EQ(Decide("BULLISH", 0.6)["confidence"], 0.6);
}

TEST(StrategyAgentTest, ConfiguredRules) {
  const nlohmann::json config = {{"min_confidence", 0.3},
                                 {"strong_confidence", 0.95},
                                 {"bullish", "BUY_CALL"},
                                 {"bearish", "NO_TRADE"},
                                 {"neutral", "SELL_PREMIUM"}};
  EXPECT_EQ(Decide("BULLISH", 0.3, config)["action"], "BUY_CALL");
  EXPECT_EQ(Decide("BULLISH", 0.29, config)["action"], "NO_TRADE");
  EXPECT_EQ(Decide("BEARISH", 0.5, config)["action"], "NO_TRADE");
  EXPECT_EQ(Decide("BEARISH", 0.5, config)["trade"], false);
  EXPECT_EQ(Decide("NEUTRAL", 0.7, config)["action"], "SELL_PREMIUM");
}

TEST(StrategyAgentTest, ValidatesItsConfigAndNeedsABiasNode) {
  StrategyAgent agent;
  EXPECT_TRUE(agent.ValidateConfig(nlohmann::json::object()).ok());
  EXPECT_EQ(agent.ValidateConfig({{"bullish", "SELL_SHORT"}}).message(),
            "config.bullish must be one of BUY_STOCK, BUY_CALL, BUY_PUT, SELL_PREMIUM, NO_TRADE");
  EXPECT_EQ(agent.ValidateConfig({{"min_confidence", 1.5}}).message(),
            "config.min_confidence must be a number in [0, 1]");
  EXPECT_EQ(agent.ValidateConfig({{"min_confidence", 0.9}}).message(),
            "config.strong_confidence must be >= config.min_confidence");
  EXPECT_EQ(agent.ValidateConfig({{"rules", 1}}).message(),
            "config.rules is not a strategy_agent setting");
  AgentChain chain(SignalPipeline({"AAPL"}), {});
  EXPECT_EQ(chain.Run(agent).code(), "failed_precondition");
}

// risk_manager over strategy decisions {ticker: (action, confidence)}.
nlohmann::json Check(const std::vector<std::tuple<std::string, std::string, double>>& decisions,
                     const nlohmann::json& config, const nlohmann::json* market = nullptr) {
  AgentChain chain(SignalPipeline({"AAPL"}), {});
  if (market != nullptr) chain.Inject("market_data_agent", *market);
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [ticker, action, confidence] : decisions) {
    d[ticker] = {{"action", action},
                 {"trade", action != "NO_TRADE"},
                 {"confidence", confidence},
                 {"rule", "bullish"}};
  }
  chain.Inject("strategy_agent", {{"decisions", d}});
  RiskManager agent;
  Status s = chain.Run(agent, config);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return s.ok() ? chain.last() : nlohmann::json();
}

std::string ReasonOf(const nlohmann::json& out, const std::string& ticker) {
  for (const auto& r : out["rejected"]) {
    if (r["ticker"] == ticker) return r["reason"];
  }
  return "";
}

TEST(RiskManagerTest, PipelineChecksEachWithItsReason) {
  const nlohmann::json config = {{"blocked_tickers", {"tsla"}},
                                 {"allowed_actions", {"BUY_STOCK", "BUY_PUT"}},
                                 {"min_confidence", 0.6}};
  auto out = Check({{"TSLA", "BUY_STOCK", 0.9},
                    {"AAPL", "BUY_CALL", 0.9},
                    {"MSFT", "BUY_STOCK", 0.59},
                    {"NVDA", "BUY_STOCK", 0.6},
                    {"AMD", "NO_TRADE", 0.9}},
                   config);
  EXPECT_EQ(ReasonOf(out, "TSLA"), "blocked_ticker");
  EXPECT_EQ(ReasonOf(out, "AAPL"), "action_not_allowed");
  EXPECT_EQ(ReasonOf(out, "MSFT"), "below_min_confidence");
  ASSERT_EQ(out["approved"].size(), 1u);  // NVDA at the threshold; AMD had no trade
  EXPECT_EQ(out["approved"][0]["ticker"], "NVDA");
  EXPECT_EQ(out["rejected"].size(), 3u);
}

TEST(RiskManagerTest, KeepsTheMostConfidentUpToTheLimit) {
  auto out = Check({{"A", "BUY_STOCK", 0.6},
                    {"B", "BUY_STOCK", 0.9},
                    {"C", "BUY_PUT", 0.7},
                    {"D", "BUY_STOCK", 0.9}},
                   {{"max_trades_per_execution", 2}});
  ASSERT_EQ(out["approved"].size(), 2u);
  EXPECT_EQ(out["approved"][0]["ticker"], "B");  // 0.9, then ticker order
  EXPECT_EQ(out["approved"][1]["ticker"], "D");
  EXPECT_EQ(ReasonOf(out, "C"), "max_trades_per_execution");
  EXPECT_EQ(ReasonOf(out, "A"), "max_trades_per_execution");
}

TEST(RiskManagerTest, MarketDataChecks) {
  const int64_t day = kDayMs;
  const nlohmann::json market = {
      {"as_of", 10 * day},
      {"tickers",
       {{"OLD", {{"bar", {{"ts", 8 * day}}}, {"features", {{"recent_vol", 0.01}}}}},
        {"EDGE", {{"bar", {{"ts", 9 * day}}}, {"features", {{"recent_vol", 0.05}}}}},
        {"WILD", {{"bar", {{"ts", 10 * day}}}, {"features", {{"recent_vol", 0.051}}}}},
        {"BARE", {{"bar", {{"ts", 10 * day}}}, {"features", nullptr}}}}},
      {"missing", {"GONE"}}};
  auto out = Check({{"OLD", "BUY_STOCK", 0.9},
                    {"EDGE", "BUY_STOCK", 0.9},
                    {"WILD", "BUY_STOCK", 0.9},
                    {"BARE", "BUY_STOCK", 0.9},
                    {"GONE", "BUY_STOCK", 0.9}},
                   {{"max_bar_age_hours", 24}, {"max_recent_vol", 0.05}}, &market);
  EXPECT_EQ(ReasonOf(out, "OLD"), "stale_bar");
  EXPECT_EQ(ReasonOf(out, "WILD"), "volatility_above_max");
  EXPECT_EQ(ReasonOf(out, "GONE"), "no_market_data");
  ASSERT_EQ(out["approved"].size(), 2u);  // EDGE at both limits; BARE left to the gates
}

TEST(RiskManagerTest, ValidatesItsConfig) {
  RiskManager agent;
  EXPECT_EQ(agent.ValidateConfig({{"max_trades_per_execution", 0}}).message(),
            "config.max_trades_per_execution must be an integer in [1, 1000]");
  EXPECT_EQ(agent.ValidateConfig({{"allowed_actions", {"BUY_STOCK", "SHORT"}}}).code(),
            "invalid_argument");
  EXPECT_EQ(agent.ValidateConfig({{"max_recent_vol", 0}}).message(),
            "config.max_recent_vol must be a number > 0");
  EXPECT_EQ(agent.ValidateConfig({{"limit", 1}}).message(),
            "config.limit is not a risk_manager setting");
}

}  // namespace
}  // namespace sigflow
