#include "risk/execution_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "risk/broker.h"
#include "testing/temp_dir.h"

namespace sigflow {
namespace {

using testing::TempDir;

TEST(ExecutionConfigTest, DefaultsAreSeed003s) {
  auto config = ExecutionConfig::FromJson(nlohmann::json::object());
  ASSERT_TRUE(config.ok());
  const auto json = config->ToJson();
  // Seed 003, "Key Configuration Parameters", verbatim.
  const auto seed = nlohmann::json::parse(R"({
    "max_signals_per_run": 10, "max_trades_per_ticker_per_day": 2, "confidence_min": 0.70,
    "lookback_window_minutes": 60, "processing_ttl_minutes": 10,
    "max_bar_age_seconds": 120, "max_feature_age_seconds": 300,
    "allowed_actions": ["BUY_CALL", "BUY_PUT", "BUY_STOCK"],
    "paper_equity": 100000.0, "max_risk_per_trade_pct": 0.02, "default_slippage_bps": 5,
    "fill_model": "close+slip",
    "stop_loss_atr_mult": 2.0, "take_profit_risk_reward": 2.0, "max_hold_minutes": 240})");
  for (const auto& [key, value] : seed.items()) {
    ASSERT_TRUE(json.contains(key)) << key;
    EXPECT_EQ(nlohmann::json::parse(json[key].dump()), value) << key;
  }
  EXPECT_EQ(json["execution_mode"], "SIMULATED");
  EXPECT_EQ(json["stop_distance_model"], "recent_vol");
  EXPECT_EQ(json["max_position_pct"], 0.25);
}

TEST(ExecutionConfigTest, OverridesMergeOverTheDefaults) {
  auto config = ExecutionConfig::FromJson({{"confidence_min", 0.75},
                                           {"allowed_actions", {"BUY_STOCK"}},
                                           {"max_signals_per_run", 50.0},
                                           {"stop_distance_model", "atr"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_DOUBLE_EQ(config->confidence_min, 0.75);
  EXPECT_EQ(config->allowed_actions, std::vector<TradeAction>{TradeAction::kBuyStock});
  EXPECT_EQ(config->max_signals_per_run, 50);
  EXPECT_EQ(config->stop_distance_model, StopDistanceModel::kAtr);
  EXPECT_EQ(config->max_trades_per_ticker_per_day, 2);  // untouched
  // ToJson is a complete config: it loads back to the same values.
  auto again = ExecutionConfig::FromJson(nlohmann::json::parse(config->ToJson().dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToJson(), config->ToJson());
}

TEST(ExecutionConfigTest, EveryBadKeyIsNamedAtOnce) {
  auto config = ExecutionConfig::FromJson({{"confidence_min", 1.5},
                                           {"max_signals_per_run", 10.5},
                                           {"confidance_min", 0.7},
                                           {"allowed_actions", {"BUY_STOCK", "SELL_STOCK"}},
                                           {"fill_model", "mid"},
                                           {"paper_equity", "lots"},
                                           {"execution_mode", "PAPER"},
                                           {"max_hold_minutes", true}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), "invalid_argument");
  const std::string& m = config.status().message();
  for (const char* line :
       {"confidence_min: must be a number in [0, 1], got 1.5",
        "max_signals_per_run: must be an integer >= 1 and <= 100000, got 10.5",
        "confidance_min: unknown key", "allowed_actions: unknown action \"SELL_STOCK\"",
        "fill_model: must be \"close+slip\"", "paper_equity: must be a number > 0, got \"lots\"",
        "execution_mode: must be \"SIMULATED\" or \"REAL\", got \"PAPER\"",
        "max_hold_minutes: must be an integer >= 1"}) {
    EXPECT_NE(m.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << m;
  }
}

TEST(ExecutionConfigTest, SellPremiumCannotBeAllowed) {
  auto config = ExecutionConfig::FromJson({{"allowed_actions", {"BUY_STOCK", "SELL_PREMIUM"}}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("allowed_actions: SELL_PREMIUM cannot be allowed"),
            std::string::npos);
}

TEST(ExecutionConfigTest, RealModeLoadsButNoBrokerIsMadeForIt) {
  auto config = ExecutionConfig::FromJson({{"execution_mode", "REAL"}});
  ASSERT_TRUE(config.ok());
  auto broker = MakeBroker(*config);
  ASSERT_FALSE(broker.ok());
  EXPECT_NE(broker.status().message().find("no real broker adapter is configured"),
            std::string::npos);
  config->execution_mode = ExecutionMode::kSimulated;
  auto simulated = MakeBroker(*config);
  ASSERT_TRUE(simulated.ok());
  EXPECT_EQ((*simulated)->mode(), ExecutionMode::kSimulated);
}

TEST(ExecutionConfigTest, FilesAndTheirErrorsNameThePath) {
  TempDir dir("sigflow-exec-config-");
  const std::string path = dir.File("execution.json");
  {
    std::ofstream out(path);
    out << R"({"confidence_min": 0.8, "max_trades_per_ticker_per_day": 3})";
  }
  auto config = ExecutionConfig::FromFile(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_DOUBLE_EQ(config->confidence_min, 0.8);
  EXPECT_EQ(config->max_trades_per_ticker_per_day, 3);
  {
    std::ofstream out(path);
    out << "{not json";
  }
  auto broken = ExecutionConfig::FromFile(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find(path), std::string::npos);
  {
    std::ofstream out(path);
    out << "[1, 2]";
  }
  EXPECT_NE(ExecutionConfig::FromFile(path).status().message().find("JSON object"),
            std::string::npos);
  std::filesystem::remove(path);
  EXPECT_EQ(ExecutionConfig::FromFile(path).status().code(), "not_found");
}

}  // namespace
}  // namespace sigflow
