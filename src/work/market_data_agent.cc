#include "work/market_data_agent.h"

#include "market/features_json.h"
#include "work/agent_config.h"

namespace sigflow {
namespace {

nlohmann::json FeaturesJson(const Features& f) {
  nlohmann::json json = FeatureValuesJson(f);
  json["ts"] = f.ts_ms;
  json["computed_at"] = f.computed_at_ms;
  return json;
}

}  // namespace

Status MarketDataAgent::ValidateConfig(const nlohmann::json& config) const {
  if (Status s = agent_config::CheckKeys(config, kType, {"lookback_bars"}); !s.ok()) return s;
  return agent_config::CheckInteger(config, "lookback_bars", 1, kMaxLookback);
}

Status MarketDataAgent::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  if (services_.market == nullptr) {
    return Status::Error("failed_precondition", "no market store is configured for this worker");
  }
  const int lookback = context.config.value("lookback_bars", 1);
  const int64_t as_of = DecisionTimeMs(context, services_.clock);
  nlohmann::json tickers = nlohmann::json::object();
  nlohmann::json missing = nlohmann::json::array();
  for (const std::string& ticker : context.pipeline.scanner_tickers) {
    auto bars = services_.market->LatestBars(ticker, as_of, lookback);
    if (!bars.ok()) return bars.status();
    if (bars->empty()) {
      missing.push_back(ticker);
      continue;
    }
    const Bar& last = bars->back().bar;
    nlohmann::json entry = {{"bar",
                             {{"ts", last.ts_ms},
                              {"open", last.open},
                              {"high", last.high},
                              {"low", last.low},
                              {"close", last.close},
                              {"volume", last.volume}}}};
    if (lookback > 1) {
      nlohmann::json series = nlohmann::json::array();
      for (const StoredBar& b : *bars)
        series.push_back({{"ts", b.bar.ts_ms}, {"close", b.bar.close}});
      entry["bars"] = std::move(series);
    }
    // The newest rows at or before as_of; one computed after as_of did not exist yet.
    auto rows = services_.market->LatestFeatures(ticker, as_of, 4);
    if (!rows.ok()) return rows.status();
    entry["features"] = nullptr;
    for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
      if (it->computed_at_ms <= as_of) {
        entry["features"] = FeaturesJson(*it);
        break;
      }
    }
    tickers[agent_config::Upper(ticker)] = std::move(entry);
  }
  *output = {{"as_of", as_of}, {"tickers", std::move(tickers)}, {"missing", std::move(missing)}};
  return Status::Ok();
}

}  // namespace sigflow
