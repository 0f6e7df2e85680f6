#include "work/bias_agent.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <string>
#include <unordered_set>

namespace sigflow {
namespace {

std::string ToUpper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

struct TickerAggregate {
  int bullish = 0;
  int bearish = 0;
  int neutral = 0;
  int unspecified = 0;
  double net_score = 0;
  double confidence_sum = 0;
  nlohmann::json signal_ids = nlohmann::json::array();
  nlohmann::json reasoning = nlohmann::json::array();

  int entries() const { return bullish + bearish + neutral + unspecified; }
};

}  // namespace

Status BiasAgent::ValidateConfig(const nlohmann::json& config) const {
  if (!config.is_object()) return Status::InvalidArgument("config must be an object");
  for (const auto& [key, value] : config.items()) {
    if (key != "neutral_band") {
      return Status::InvalidArgument("config." + key + " is not a bias_agent setting");
    }
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
      return Status::InvalidArgument("config.neutral_band must be a number >= 0");
    }
  }
  return Status::Ok();
}

Status BiasAgent::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  const double band = context.config.value("neutral_band", kDefaultNeutralBand);

  std::unordered_set<std::string> watched;
  for (const auto& ticker : context.pipeline.scanner_tickers) watched.insert(ToUpper(ticker));

  std::map<std::string, TickerAggregate> per_ticker;  // sorted: stable output order
  int signals_used = 0;
  for (const Signal& signal : context.signals) {
    bool used = false;
    for (const TickerSignal& entry : signal.tickers) {
      if (!watched.contains(entry.ticker)) continue;  // decoded tickers are upper case
      used = true;
      TickerAggregate& agg = per_ticker[entry.ticker];
      const double c = entry.confidence.value_or(kUnspecifiedConfidence);
      switch (entry.bias) {
        case Bias::kBullish:
          ++agg.bullish;
          agg.net_score += c;
          break;
        case Bias::kBearish:
          ++agg.bearish;
          agg.net_score -= c;
          break;
        case Bias::kNeutral:
          ++agg.neutral;
          break;
        case Bias::kUnspecified:
          ++agg.unspecified;
          break;
      }
      agg.confidence_sum += c;
      agg.signal_ids.push_back(signal.signal_id);
      if (!entry.reasoning.empty()) agg.reasoning.push_back(entry.reasoning);
    }
    if (used) ++signals_used;
  }

  nlohmann::json tickers = nlohmann::json::object();
  for (auto& [ticker, agg] : per_ticker) {
    std::string_view bias = "NEUTRAL";
    if (agg.net_score > band) bias = "BULLISH";
    if (agg.net_score < -band) bias = "BEARISH";
    tickers[ticker] = {
        {"bias", bias},
        {"net_score", agg.net_score},
        {"mean_confidence", agg.confidence_sum / agg.entries()},
        {"counts",
         {{"BULLISH", agg.bullish},
          {"BEARISH", agg.bearish},
          {"NEUTRAL", agg.neutral},
          {"UNSPECIFIED", agg.unspecified}}},
        {"entries", agg.entries()},
        {"signal_ids", std::move(agg.signal_ids)},
        {"reasoning", std::move(agg.reasoning)},
    };
  }
  *output = {
      {"tickers", std::move(tickers)}, {"signals_used", signals_used}, {"neutral_band", band}};
  return Status::Ok();
}

}  // namespace sigflow
