#include "work/risk_manager.h"

#include <algorithm>

#include "work/agent_config.h"

namespace sigflow {
namespace {

struct Candidate {
  std::string ticker;
  std::string action;
  double confidence = 0;
  std::string rule;
};

// The market_data_agent entry of `ticker`, or nullptr.
const nlohmann::json* MarketEntry(const nlohmann::json* market, const std::string& ticker) {
  if (market == nullptr) return nullptr;
  auto tickers = market->find("tickers");
  if (tickers == market->end()) return nullptr;
  auto it = tickers->find(ticker);
  return it == tickers->end() ? nullptr : &*it;
}

}  // namespace

Status RiskManager::ValidateConfig(const nlohmann::json& config) const {
  using namespace agent_config;
  if (Status s = CheckKeys(config, kType,
                           {"max_trades_per_execution", "min_confidence", "allowed_actions",
                            "blocked_tickers", "max_bar_age_hours", "max_recent_vol"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckInteger(config, "max_trades_per_execution", 1, 1000); !s.ok()) return s;
  if (Status s = CheckNumber(config, "min_confidence", 0, 1); !s.ok()) return s;
  if (Status s = CheckStringArray(config, "allowed_actions", true); !s.ok()) return s;
  if (Status s = CheckStringArray(config, "blocked_tickers", false); !s.ok()) return s;
  for (const char* key : {"max_bar_age_hours", "max_recent_vol"}) {
    if (Status s = CheckPositive(config, key); !s.ok()) return s;
  }
  return Status::Ok();
}

Status RiskManager::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  auto earlier = agent_config::EarlierOutput(context, kType, "strategy_agent", "decisions");
  if (!earlier.ok()) return earlier.status();
  const nlohmann::json* strategy = *earlier;
  const nlohmann::json* market = context.FindOutput("market_data_agent");
  const nlohmann::json& config = context.config;
  nlohmann::json limits = {
      {"max_trades_per_execution", config.value("max_trades_per_execution", 5)},
      {"min_confidence", config.value("min_confidence", 0.0)},
      {"allowed_actions",
       config.value("allowed_actions",
                    nlohmann::json::array({"BUY_STOCK", "BUY_CALL", "BUY_PUT", "SELL_PREMIUM"}))},
      {"blocked_tickers", config.value("blocked_tickers", nlohmann::json::array())},
      {"max_bar_age_hours", config.value("max_bar_age_hours", nlohmann::json(nullptr))},
      {"max_recent_vol", config.value("max_recent_vol", nlohmann::json(nullptr))}};
  auto contains = [](const nlohmann::json& list, const std::string& text, bool upper) {
    for (const auto& item : list) {
      const std::string value = item.get<std::string>();
      if ((upper ? agent_config::Upper(value) : value) == text) return true;
    }
    return false;
  };

  std::vector<Candidate> passed;
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& [ticker, decision] : (*strategy)["decisions"].items()) {
    if (!decision.value("trade", false)) continue;
    Candidate c{ticker, decision.value("action", ""), decision.value("confidence", 0.0),
                decision.value("rule", "")};
    std::string reason;
    const nlohmann::json* entry = MarketEntry(market, ticker);
    if (contains(limits["blocked_tickers"], ticker, true)) {
      reason = "blocked_ticker";
    } else if (!contains(limits["allowed_actions"], c.action, false)) {
      reason = "action_not_allowed";
    } else if (c.confidence < limits["min_confidence"].get<double>()) {
      reason = "below_min_confidence";
    } else if (market != nullptr && entry == nullptr) {
      reason = "no_market_data";
    } else if (entry != nullptr && !limits["max_bar_age_hours"].is_null() &&
               market->value("as_of", int64_t{0}) - (*entry)["bar"].value("ts", int64_t{0}) >
                   limits["max_bar_age_hours"].get<double>() * 3'600'000) {
      reason = "stale_bar";
    } else if (entry != nullptr && !limits["max_recent_vol"].is_null() &&
               (*entry)["features"].is_object() && (*entry)["features"]["recent_vol"].is_number() &&
               (*entry)["features"]["recent_vol"].get<double>() >
                   limits["max_recent_vol"].get<double>()) {
      reason = "volatility_above_max";
    }
    if (reason.empty()) {
      passed.push_back(std::move(c));
    } else {
      rejected.push_back({{"ticker", ticker}, {"action", c.action}, {"reason", reason}});
    }
  }
  std::stable_sort(passed.begin(), passed.end(), [](const Candidate& a, const Candidate& b) {
    return a.confidence > b.confidence;  // ties keep ticker order
  });
  const size_t max_trades = limits["max_trades_per_execution"].get<size_t>();
  nlohmann::json approved = nlohmann::json::array();
  for (size_t i = 0; i < passed.size(); ++i) {
    const Candidate& c = passed[i];
    if (i >= max_trades) {
      rejected.push_back(
          {{"ticker", c.ticker}, {"action", c.action}, {"reason", "max_trades_per_execution"}});
      continue;
    }
    approved.push_back({{"ticker", c.ticker},
                        {"action", c.action},
                        {"confidence", c.confidence},
                        {"rule", c.rule}});
  }
  *output = {
      {"approved", std::move(approved)}, {"rejected", std::move(rejected)}, {"limits", limits}};
  return Status::Ok();
}

}  // namespace sigflow
