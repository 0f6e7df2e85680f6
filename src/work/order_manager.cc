#include "work/order_manager.h"

#include "work/agent_config.h"

namespace sigflow {
namespace {

// `output`[section][ticker] when it is there, else `fallback`.
nlohmann::json Lookup(const nlohmann::json* output, const char* section, const std::string& ticker,
                      nlohmann::json fallback) {
  if (output == nullptr) return fallback;
  auto s = output->find(section);
  if (s == output->end() || !s->is_object()) return fallback;
  auto t = s->find(ticker);
  return t == s->end() ? fallback : *t;
}

}  // namespace

Status OrderManager::ValidateConfig(const nlohmann::json& config) const {
  return agent_config::CheckKeys(config, kType, {});
}

Status OrderManager::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  auto earlier = agent_config::EarlierOutput(context, kType, "risk_manager", "approved");
  if (!earlier.ok()) return earlier.status();
  const nlohmann::json* risk = *earlier;
  if (services_.ledger == nullptr) {
    return Status::Error("failed_precondition", "no ledger is configured for this worker");
  }
  const nlohmann::json* market = context.FindOutput("market_data_agent");
  const nlohmann::json* bias = context.FindOutput("bias_agent");
  const nlohmann::json* strategy = context.FindOutput("strategy_agent");
  const int64_t decided_at = market != nullptr && market->contains("as_of")
                                 ? (*market)["as_of"].get<int64_t>()
                                 : DecisionTimeMs(context, services_.clock);
  nlohmann::json written = nlohmann::json::array();
  for (const auto& approved : (*risk)["approved"]) {
    const std::string ticker = approved.value("ticker", "");
    auto action = ParseTradeAction(approved.value("action", ""));
    if (!action) {
      return Status::InvalidArgument("risk_manager approved an unknown action for " + ticker);
    }
    nlohmann::json signals = nlohmann::json::array();
    for (const Signal& s : context.signals) {
      for (const TickerSignal& t : s.tickers) {
        if (t.ticker != ticker) continue;
        signals.push_back({{"signal_id", s.signal_id},
                           {"signal_type", s.signal_type},
                           {"bias", BiasName(t.bias)},
                           {"confidence", t.confidence ? nlohmann::json(*t.confidence)
                                                       : nlohmann::json(nullptr)}});
      }
    }
    const nlohmann::json market_entry = Lookup(market, "tickers", ticker, nlohmann::json::object());
    nlohmann::json reason = {
        {"rule", approved.value("rule", "")},
        {"pipeline_id", context.pipeline.id},
        {"execution_id", context.execution.id},
        {"decided_at", decided_at},
        {"signals", std::move(signals)},
        {"features", market_entry.is_object() && market_entry.contains("features") &&
                             market_entry["features"].is_object()
                         ? market_entry["features"]
                         : nlohmann::json::object()},
        {"bias", Lookup(bias, "tickers", ticker, nullptr)},
        {"strategy", Lookup(strategy, "decisions", ticker, nullptr)}};
    Recommendation r;
    r.created_at_ms = decided_at;
    r.ticker = ticker;
    r.action = *action;
    r.confidence = approved.value("confidence", 0.0);
    r.pipeline_id = context.pipeline.id;
    r.pipeline_execution_id = context.execution.id;
    r.signal_ids = context.execution.signal_ids;
    r.reason_json = reason.dump();
    auto added = services_.ledger->AddRecommendation(std::move(r));
    if (!added.ok()) return added.status();
    written.push_back({{"id", added->id},
                       {"ticker", added->ticker},
                       {"action", TradeActionName(added->action)},
                       {"confidence", added->confidence}});
  }
  const size_t n = written.size();
  *output = {{"recommendations", std::move(written)}, {"written", n}};
  return Status::Ok();
}

}  // namespace sigflow
