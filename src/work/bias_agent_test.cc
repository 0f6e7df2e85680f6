#include "work/bias_agent.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace sigflow {
namespace {

TickerSignal Entry(std::string ticker, Bias bias, std::optional<double> confidence,
                   std::string reasoning = "") {
  TickerSignal t;
  t.ticker = std::move(ticker);
  t.bias = bias;
  t.confidence = confidence;
  t.reasoning = std::move(reasoning);
  return t;
}

Signal MakeSignal(std::string id, std::vector<TickerSignal> tickers) {
  Signal s;
  s.signal_id = std::move(id);
  s.signal_type = "test";
  s.tickers = std::move(tickers);
  return s;
}

// Runs a BiasAgent for a pipeline watching `watched` over `signals` with node config `config`.
class BiasAgentTest : public ::testing::Test {
 protected:
  Status Run(std::vector<std::string> watched, std::vector<Signal> signals,
             nlohmann::json config = nlohmann::json::object()) {
    pipeline_.id = "p1";
    pipeline_.name = "bias test";
    pipeline_.trigger_mode = TriggerMode::kSignal;
    pipeline_.scanner_tickers = std::move(watched);
    signals_ = std::move(signals);
    payloads_.assign(signals_.size(), "{}");
    config_ = std::move(config);
    const AgentContext context{
        .pipeline = pipeline_,
        .execution = execution_,
        .signals = signals_,
        .signal_payloads = payloads_,
        .node_index = 0,
        .config = config_,
        .previous = previous_,
    };
    output_ = nlohmann::json::object();
    return agent_.Run(context, &output_);
  }

  BiasAgent agent_;
  Pipeline pipeline_;
  Execution execution_;
  std::vector<Signal> signals_;
  std::vector<std::string> payloads_;
  nlohmann::json config_;
  std::vector<NodeOutput> previous_;
  nlohmann::json output_;
};

TEST_F(BiasAgentTest, AggregatesConfidenceWeightedNetScore) {
  // Hand-computed: net = 0.8 + 0.6 - 0.9 = 0.5 > 0.1 -> BULLISH; mean = 2.3 / 3.
  ASSERT_TRUE(Run({"AAPL"}, {MakeSignal("s1", {Entry("AAPL", Bias::kBullish, 0.8, "golden cross")}),
                             MakeSignal("s2", {Entry("AAPL", Bias::kBullish, 0.6, "")}),
                             MakeSignal("s3", {Entry("AAPL", Bias::kBearish, 0.9, "bad news")})})
                  .ok());
  const auto& aapl = output_["tickers"]["AAPL"];
  EXPECT_EQ(aapl["bias"], "BULLISH");
  EXPECT_NEAR(aapl["net_score"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(aapl["mean_confidence"].get<double>(), 2.3 / 3, 1e-9);
  EXPECT_EQ(aapl["counts"]["BULLISH"], 2);
  EXPECT_EQ(aapl["counts"]["BEARISH"], 1);
  EXPECT_EQ(aapl["counts"]["NEUTRAL"], 0);
  EXPECT_EQ(aapl["counts"]["UNSPECIFIED"], 0);
  EXPECT_EQ(aapl["entries"], 3);
  EXPECT_EQ(aapl["signal_ids"], nlohmann::json({"s1", "s2", "s3"}));
  EXPECT_EQ(aapl["reasoning"], nlohmann::json({"golden cross", "bad news"}));  // empty skipped
  EXPECT_EQ(output_["signals_used"], 3);
  EXPECT_EQ(output_["neutral_band"], 0.1);
}

TEST_F(BiasAgentTest, NetScoreWithinDefaultBandIsNeutral) {
  // 0.55 - 0.5 = 0.05, inside the default band of 0.1.
  ASSERT_TRUE(Run({"MSFT"}, {MakeSignal("s1", {Entry("MSFT", Bias::kBullish, 0.55)}),
                             MakeSignal("s2", {Entry("MSFT", Bias::kBearish, 0.5)})})
                  .ok());
  EXPECT_EQ(output_["tickers"]["MSFT"]["bias"], "NEUTRAL");
  EXPECT_NEAR(output_["tickers"]["MSFT"]["net_score"].get<double>(), 0.05, 1e-9);
}

TEST_F(BiasAgentTest, NeutralBandIsConfigurableAndInclusive) {
  const std::vector<Signal> signals = {MakeSignal("s1", {Entry("AAPL", Bias::kBullish, 0.5)})};
  ASSERT_TRUE(Run({"AAPL"}, signals, {{"neutral_band", 0.6}}).ok());
  EXPECT_EQ(output_["tickers"]["AAPL"]["bias"], "NEUTRAL");
  ASSERT_TRUE(Run({"AAPL"}, signals, {{"neutral_band", 0.5}}).ok());  // |0.5| <= 0.5
  EXPECT_EQ(output_["tickers"]["AAPL"]["bias"], "NEUTRAL");
  ASSERT_TRUE(Run({"AAPL"}, signals, {{"neutral_band", 0}}).ok());
  EXPECT_EQ(output_["tickers"]["AAPL"]["bias"], "BULLISH");
  EXPECT_EQ(output_["neutral_band"], 0);
}

TEST_F(BiasAgentTest, NetScoreBelowMinusBandIsBearish) {
  // -0.7 + 0.2 + 0 (NEUTRAL 0.9) = -0.5.
  ASSERT_TRUE(Run({"TSLA"}, {MakeSignal("s1", {Entry("TSLA", Bias::kBearish, 0.7)}),
                             MakeSignal("s2", {Entry("TSLA", Bias::kBullish, 0.2)}),
                             MakeSignal("s3", {Entry("TSLA", Bias::kNeutral, 0.9)})})
                  .ok());
  const auto& tsla = output_["tickers"]["TSLA"];
  EXPECT_EQ(tsla["bias"], "BEARISH");
  EXPECT_NEAR(tsla["net_score"].get<double>(), -0.5, 1e-9);
  EXPECT_EQ(tsla["counts"]["NEUTRAL"], 1);
  EXPECT_NEAR(tsla["mean_confidence"].get<double>(), 0.6, 1e-9);
}

TEST_F(BiasAgentTest, UnspecifiedConfidenceCountsAsHalf) {
  // BULLISH without confidence = +0.5; an entry without bias adds 0 and confidence 0.5.
  ASSERT_TRUE(Run({"AAPL"}, {MakeSignal("s1", {Entry("AAPL", Bias::kBullish, std::nullopt)}),
                             MakeSignal("s2", {Entry("AAPL", Bias::kUnspecified, std::nullopt)})})
                  .ok());
  const auto& aapl = output_["tickers"]["AAPL"];
  EXPECT_NEAR(aapl["net_score"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(aapl["mean_confidence"].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(aapl["counts"]["UNSPECIFIED"], 1);
  EXPECT_EQ(aapl["bias"], "BULLISH");
}

TEST_F(BiasAgentTest, IgnoresTickersThePipelineDoesNotWatch) {
  ASSERT_TRUE(Run({"AAPL", "googl"},  // watched tickers compare case-insensitively
                  {MakeSignal("s1", {Entry("AAPL", Bias::kBullish, 0.9),
                                     Entry("NVDA", Bias::kBearish, 1.0)}),
                   MakeSignal("s2", {Entry("NVDA", Bias::kBearish, 1.0)}),
                   MakeSignal("s3", {Entry("GOOGL", Bias::kBearish, 0.4)})})
                  .ok());
  EXPECT_EQ(output_["signals_used"], 2);  // s2 names no watched ticker
  ASSERT_EQ(output_["tickers"].size(), 2u);
  EXPECT_FALSE(output_["tickers"].contains("NVDA"));
  EXPECT_NEAR(output_["tickers"]["AAPL"]["net_score"].get<double>(), 0.9, 1e-9);
  EXPECT_EQ(output_["tickers"]["GOOGL"]["bias"], "BEARISH");
}

TEST_F(BiasAgentTest, NoSignalsGivesEmptyTickers) {
  ASSERT_TRUE(Run({"AAPL"}, {}).ok());
  EXPECT_EQ(output_["tickers"], nlohmann::json::object());
  EXPECT_EQ(output_["signals_used"], 0);
}

TEST_F(BiasAgentTest, RejectsBadConfig) {
  EXPECT_EQ(agent_.ValidateConfig({{"neutral_band", -0.1}}).code(), "invalid_argument");
  EXPECT_EQ(agent_.ValidateConfig({{"neutral_band", "wide"}}).code(), "invalid_argument");
  Status typo = agent_.ValidateConfig({{"neutral_bnad", 0.2}});
  EXPECT_EQ(typo.code(), "invalid_argument");
  EXPECT_NE(typo.message().find("neutral_bnad"), std::string::npos) << typo.message();
  EXPECT_TRUE(agent_.ValidateConfig(nlohmann::json::object()).ok());
  EXPECT_FALSE(Run({"AAPL"}, {}, {{"neutral_band", -1}}).ok());
}

}  // namespace
}  // namespace sigflow
