#include "work/bias_agent.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

#include "work/agent_config.h"

namespace sigflow {
namespace {

// The trend feature market_data_agent found for `ticker`, if any.
std::optional<std::string> TrendOf(const nlohmann::json* market, const std::string& ticker) {
  if (market == nullptr) return std::nullopt;
  auto tickers = market->find("tickers");
  if (tickers == market->end() || !tickers->is_object()) return std::nullopt;
  auto entry = tickers->find(ticker);
  if (entry == tickers->end()) return std::nullopt;
  auto features = entry->find("features");
  if (features == entry->end() || !features->is_object()) return std::nullopt;
  auto trend = features->find("trend");
  if (trend == features->end() || !trend->is_string()) return std::nullopt;
  return trend->get<std::string>();
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
  if (Status s = agent_config::CheckKeys(config, kType, {"neutral_band", "trend_weight"});
      !s.ok()) {
    return s;
  }
  if (auto it = config.find("neutral_band"); it != config.end()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
      return Status::InvalidArgument("config.neutral_band must be a number >= 0");
    }
  }
  return agent_config::CheckNumber(config, "trend_weight", 0, 1);
}

Status BiasAgent::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  const double band = context.config.value("neutral_band", kDefaultNeutralBand);
  const double trend_weight = context.config.value("trend_weight", kDefaultTrendWeight);
  const nlohmann::json* market = context.FindOutput("market_data_agent");

  std::unordered_set<std::string> watched;
  for (const auto& ticker : context.pipeline.scanner_tickers)
    watched.insert(agent_config::Upper(ticker));

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
  auto classify = [band](double score) -> std::string_view {
    if (score > band) return "BULLISH";
    if (score < -band) return "BEARISH";
    return "NEUTRAL";
  };
  for (auto& [ticker, agg] : per_ticker) {
    const std::string_view bias = classify(agg.net_score);
    const double signal_score = agg.net_score / agg.entries();
    const std::optional<std::string> trend = TrendOf(market, ticker);
    double combined = signal_score;
    double trend_score = 0;
    if (trend) {
      if (*trend == "UP") trend_score = 1;
      if (*trend == "DOWN") trend_score = -1;
      combined = (1 - trend_weight) * signal_score + trend_weight * trend_score;
    }
    const std::string_view combined_bias = classify(combined);
    // How sure the combination is: its magnitude, or for a neutral reading how sure the signals
    // were of it (a confident NEUTRAL is what premium selling wants).
    const double confidence = combined_bias == "NEUTRAL" ? agg.confidence_sum / agg.entries()
                                                         : std::min(1.0, std::fabs(combined));
    tickers[ticker] = {
        {"signal_score", signal_score},
        {"trend", trend ? nlohmann::json(*trend) : nlohmann::json(nullptr)},
        {"trend_score", trend_score},
        {"combined_score", combined},
        {"combined_bias", combined_bias},
        {"confidence", confidence},
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
  *output = {{"tickers", std::move(tickers)},
             {"signals_used", signals_used},
             {"neutral_band", band},
             {"trend_weight", trend_weight},
             {"market_data", market != nullptr}};
  return Status::Ok();
}

}  // namespace sigflow
