// The seeds' agent chain on a real (SQLite) store: market_data_agent reads bars and features as
// of the signal's time, bias_agent combines the signals with the trend, strategy_agent and
// risk_manager decide, order_manager writes PENDING recommendations whose explanation links the
// execution, the signals and the features. Also: the Store path refuses unknown agent types.
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "work/agent_chain_test_util.h"
#include "work/bias_agent.h"
#include "work/market_data_agent.h"
#include "work/order_manager.h"
#include "work/risk_manager.h"
#include "work/strategy_agent.h"
#include "work/validating_store.h"

namespace sigflow {
namespace {

using testing_util::AgentChain;
using testing_util::MakeTickerSignal;
using testing_util::SignalPipeline;

constexpr int64_t kT0 = 18'000 * kDayMs;  // 2019-04-14

class AgentChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto ledger = OpenSqliteLedger(store_.get());
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(ledger).value();
    market_ = MarketStoreOf(store_.get());
    services_ = AgentServices{market_, ledger_.get(), &clock_};
  }

  // One bar a day for `days` days from kT0 and a feature row each, computed at the bar's time
  // (+ `late_ms`), with the given trend.
  void PutHistory(const std::string& ticker, int days, Trend trend, int64_t late_ms = 0) {
    std::vector<Bar> bars;
    std::vector<Features> features;
    for (int i = 0; i < days; ++i) {
      const int64_t ts = kT0 + i * kDayMs;
      bars.push_back(CloseOnlyBar(ticker, ts, 100 + i));
      Features f;
      f.ticker = ticker;
      f.ts_ms = ts;
      f.computed_at_ms = ts + late_ms;
      f.close = 100 + i;
      f.bars = i + 1;
      f.recent_vol = 0.02;
      f.atr = 2.5;
      f.trend = trend;
      features.push_back(f);
    }
    ASSERT_TRUE(market_->UpsertBars(bars).ok());
    ASSERT_TRUE(market_->UpsertFeatures(features).ok());
  }

  ManualClock clock_{kT0 + 100 * kDayMs};
  std::unique_ptr<Store> store_;
  std::unique_ptr<LedgerStore> ledger_;
  MarketStore* market_ = nullptr;
  AgentServices services_;
};

TEST_F(AgentChainTest, MarketDataIsReadAsOfTheSignalsTime) {
  PutHistory("AAPL", 10, Trend::kUp);
  PutHistory("MSFT", 10, Trend::kDown, /*late_ms=*/kDayMs + 1);  // each row computed a day late
  const int64_t signal_ts = kT0 + 4 * kDayMs;                    // the 5th bar
  AgentChain chain(SignalPipeline({"AAPL", "MSFT", "IBM"}),
                   {MakeTickerSignal("s1", signal_ts, "AAPL", Bias::kBullish, 0.8)});
  MarketDataAgent agent(services_);
  ASSERT_TRUE(chain.Run(agent, {{"lookback_bars", 3}}).ok());
  const nlohmann::json& out = chain.last();
  EXPECT_EQ(out["as_of"], signal_ts);  // not the clock's now, 100 days later
  EXPECT_EQ(out["tickers"]["AAPL"]["bar"]["ts"], signal_ts);
  EXPECT_EQ(out["tickers"]["AAPL"]["bar"]["close"], 104);
  EXPECT_EQ(out["tickers"]["AAPL"]["bars"].size(), 3u);
  EXPECT_EQ(out["tickers"]["AAPL"]["features"]["trend"], "UP");
  EXPECT_EQ(out["tickers"]["AAPL"]["features"]["computed_at"], signal_ts);
  // MSFT's newest rows were computed after as_of: the newest visible one is two bars back.
  EXPECT_EQ(out["tickers"]["MSFT"]["features"]["ts"], signal_ts - 2 * kDayMs);
  EXPECT_EQ(out["missing"], nlohmann::json::array({"IBM"}));

  // A periodic run (no signals) reads as of the clock.
  AgentChain periodic(SignalPipeline({"AAPL"}), {});
  ASSERT_TRUE(periodic.Run(agent).ok());
  EXPECT_EQ(periodic.last()["as_of"], clock_.NowMs());
  EXPECT_EQ(periodic.last()["tickers"]["AAPL"]["bar"]["close"], 109);
  EXPECT_FALSE(periodic.last()["tickers"]["AAPL"].contains("bars"));

  EXPECT_EQ(agent.ValidateConfig({{"lookback_bars", 0}}).message(),
            "config.lookback_bars must be an integer in [1, 500]");
  MarketDataAgent unwired(AgentServices{});
  EXPECT_EQ(periodic.Run(unwired).code(), "failed_precondition");
}

TEST_F(AgentChainTest, BiasCombinesSignalsWithTheTrend) {
  PutHistory("AAPL", 5, Trend::kUp);
  PutHistory("MSFT", 5, Trend::kDown);
  const int64_t ts = kT0 + 4 * kDayMs;
  AgentChain chain(SignalPipeline({"AAPL", "MSFT"}),
                   {MakeTickerSignal("s1", ts, "AAPL", Bias::kBullish, 0.8),
                    MakeTickerSignal("s2", ts, "MSFT", Bias::kBullish, 0.8)});
  MarketDataAgent market(services_);
  BiasAgent bias;
  ASSERT_TRUE(chain.Run(market).ok());
  ASSERT_TRUE(chain.Run(bias, {{"trend_weight", 0.25}}).ok());
  const nlohmann::json& t = chain.last()["tickers"];
  // With the trend: 0.75 * 0.8 + 0.25 * 1; against it: 0.75 * 0.8 - 0.25.
  EXPECT_DOUBLE_EQ(t["AAPL"]["combined_score"].get<double>(), 0.85);
  EXPECT_DOUBLE_EQ(t["AAPL"]["confidence"].get<double>(), 0.85);
  EXPECT_EQ(t["AAPL"]["combined_bias"], "BULLISH");
  EXPECT_DOUBLE_EQ(t["MSFT"]["combined_score"].get<double>(), 0.35);
  EXPECT_EQ(t["MSFT"]["trend"], "DOWN");
  EXPECT_EQ(t["MSFT"]["bias"], "BULLISH");  // the signals alone
  EXPECT_EQ(chain.last()["market_data"], true);

  // Without market data the signals decide alone.
  AgentChain alone(SignalPipeline({"AAPL"}),
                   {MakeTickerSignal("s1", ts, "AAPL", Bias::kBearish, 0.6)});
  ASSERT_TRUE(alone.Run(bias).ok());
  EXPECT_DOUBLE_EQ(alone.last()["tickers"]["AAPL"]["combined_score"].get<double>(), -0.6);
  EXPECT_EQ(alone.last()["tickers"]["AAPL"]["trend"], nullptr);
}

TEST_F(AgentChainTest, TheWholeChainWritesExplainedPendingRecommendations) {
  PutHistory("AAPL", 5, Trend::kUp);
  PutHistory("MSFT", 5, Trend::kDown);
  const int64_t ts = kT0 + 4 * kDayMs;
  AgentChain chain(SignalPipeline({"AAPL", "MSFT"}),
                   {MakeTickerSignal("s1", ts, "AAPL", Bias::kBullish, 0.9),
                    MakeTickerSignal("s2", ts, "MSFT", Bias::kBullish, 0.5)});
  MarketDataAgent market(services_);
  BiasAgent bias;
  StrategyAgent strategy;
  RiskManager risk;
  OrderManager orders(services_);
  ASSERT_TRUE(chain.Run(market).ok());
  ASSERT_TRUE(chain.Run(bias).ok());
  ASSERT_TRUE(chain.Run(strategy).ok());
  ASSERT_TRUE(chain.Run(risk).ok());
  ASSERT_TRUE(chain.Run(orders).ok());
  // AAPL: 0.7 * 0.9 + 0.3 = 0.93 -> strong bullish, BUY_CALL. MSFT: 0.7 * 0.5 - 0.3 = 0.05,
  // inside the neutral band -> NEUTRAL -> no trade.
  ASSERT_EQ(chain.last()["written"], 1);
  auto listed = ledger_->ListRecommendations({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  const Recommendation& r = listed->front();
  EXPECT_EQ(r.status, RecommendationStatus::kPending);
  EXPECT_EQ(r.ticker, "AAPL");
  EXPECT_EQ(r.action, TradeAction::kBuyCall);
  EXPECT_DOUBLE_EQ(r.confidence, 0.93);
  EXPECT_EQ(r.created_at_ms, ts);
  EXPECT_EQ(r.pipeline_id, "pipe-1");
  EXPECT_EQ(r.pipeline_execution_id, 42);
  EXPECT_EQ(r.signal_ids, (std::vector<std::string>{"s1", "s2"}));
  const auto reason = nlohmann::json::parse(r.reason_json);
  EXPECT_EQ(reason["rule"], "strong_bullish");
  EXPECT_EQ(reason["execution_id"], 42);
  ASSERT_EQ(reason["signals"].size(), 1u);
  EXPECT_EQ(reason["signals"][0]["signal_id"], "s1");
  EXPECT_EQ(reason["signals"][0]["bias"], "BULLISH");
  EXPECT_EQ(reason["features"]["ts"], ts);
  EXPECT_EQ(reason["features"]["recent_vol"], 0.02);
  EXPECT_EQ(reason["bias"]["trend"], "UP");
  EXPECT_EQ(reason["strategy"]["action"], "BUY_CALL");
}

TEST_F(AgentChainTest, OrderManagerNeedsRiskManagerAndALedger) {
  AgentChain chain(SignalPipeline({"AAPL"}), {});
  OrderManager orders(services_);
  EXPECT_EQ(chain.Run(orders).code(), "failed_precondition");
  chain.Inject("risk_manager", {{"approved", nlohmann::json::array()}});
  OrderManager unwired(AgentServices{});
  EXPECT_EQ(chain.Run(unwired).code(), "failed_precondition");
  EXPECT_EQ(orders.ValidateConfig({{"qty", 1}}).message(),
            "config.qty is not a order_manager setting");
}

TEST_F(AgentChainTest, TheStorePathRefusesUnknownAgentTypes) {
  AgentRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAgents(&registry, services_).ok());
  PipelineValidatingStore store(store_.get(), &registry);
  Pipeline p = SignalPipeline({"AAPL"});
  p.id.clear();
  p.config_json = R"({"nodes": [{"agent_type": "bias_agent"}, {"agent_type": "oracle"}]})";
  auto refused = store.AddPipeline(p);
  EXPECT_EQ(refused.status().code(), "invalid_argument");
  EXPECT_TRUE(refused.status().message().starts_with(
      "invalid pipeline config: unknown agent_type 'oracle' at node 1 (known: "))
      << refused.status().message();
  EXPECT_TRUE(store_->ListPipelines()->empty());
  p.config_json = R"({"nodes": [{"agent_type": "market_data_agent"}, {"agent_type": "bias_agent"},
                                {"agent_type": "strategy_agent"}, {"agent_type": "risk_manager"},
                                {"agent_type": "order_manager"}]})";
  EXPECT_TRUE(store.AddPipeline(p).ok());
  EXPECT_EQ(store_->ListPipelines()->size(), 1u);
}

}  // namespace
}  // namespace sigflow
