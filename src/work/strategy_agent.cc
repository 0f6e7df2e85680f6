#include "work/strategy_agent.h"

#include "work/agent_config.h"

namespace sigflow {

Status StrategyAgent::ValidateConfig(const nlohmann::json& config) const {
  using namespace agent_config;
  if (Status s = CheckKeys(config, kType,
                           {"min_confidence", "strong_confidence", "bullish", "strong_bullish",
                            "bearish", "strong_bearish", "neutral"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckNumber(config, "min_confidence", 0, 1); !s.ok()) return s;
  if (Status s = CheckNumber(config, "strong_confidence", 0, 1); !s.ok()) return s;
  for (const char* key : {"bullish", "strong_bullish", "bearish", "strong_bearish", "neutral"}) {
    if (Status s = CheckAction(config, key, /*allow_no_trade=*/true); !s.ok()) return s;
  }
  const nlohmann::json rules = Rules(config);
  if (rules["strong_confidence"].get<double>() < rules["min_confidence"].get<double>()) {
    return Status::InvalidArgument("config.strong_confidence must be >= config.min_confidence");
  }
  return Status::Ok();
}

nlohmann::json StrategyAgent::Rules(const nlohmann::json& config) {
  return {{"min_confidence", config.value("min_confidence", 0.5)},
          {"strong_confidence", config.value("strong_confidence", 0.8)},
          {"bullish", config.value("bullish", "BUY_STOCK")},
          {"strong_bullish", config.value("strong_bullish", "BUY_CALL")},
          {"bearish", config.value("bearish", "BUY_PUT")},
          {"strong_bearish", config.value("strong_bearish", "BUY_PUT")},
          {"neutral", config.value("neutral", std::string(agent_config::kNoTrade))}};
}

Status StrategyAgent::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  auto earlier = agent_config::EarlierOutput(context, kType, "bias_agent", "tickers");
  if (!earlier.ok()) return earlier.status();
  const nlohmann::json* bias = *earlier;
  const nlohmann::json rules = Rules(context.config);
  const double min_confidence = rules["min_confidence"];
  const double strong = rules["strong_confidence"];
  nlohmann::json decisions = nlohmann::json::object();
  int trades = 0;
  for (const auto& [ticker, reading] : (*bias)["tickers"].items()) {
    const std::string b = reading.value("combined_bias", reading.value("bias", "NEUTRAL"));
    const double c = reading.value("confidence", 0.0);
    std::string rule;
    if (c < min_confidence) {
      rule = "below_min_confidence";
    } else if (b == "BULLISH") {
      rule = c >= strong ? "strong_bullish" : "bullish";
    } else if (b == "BEARISH") {
      rule = c >= strong ? "strong_bearish" : "bearish";
    } else {
      rule = "neutral";
    }
    const std::string action = rule == "below_min_confidence" ? std::string(agent_config::kNoTrade)
                                                              : rules[rule].get<std::string>();
    const bool trade = action != agent_config::kNoTrade;
    trades += trade ? 1 : 0;
    decisions[ticker] = {
        {"action", action}, {"trade", trade}, {"confidence", c}, {"bias", b}, {"rule", rule}};
  }
  *output = {{"decisions", std::move(decisions)}, {"trades", trades}, {"rules", rules}};
  return Status::Ok();
}

}  // namespace sigflow
