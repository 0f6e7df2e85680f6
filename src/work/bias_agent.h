// BiasAgent (agent_type "bias_agent"): what the triggering signals say about each watched ticker.
//
// For every ticker of the pipeline (scanner_tickers, compared case-insensitively) that appears in
// at least one triggering signal, the agent aggregates the signals' per-ticker bias entries:
//   counts         entries per bias: BULLISH, BEARISH, NEUTRAL, and UNSPECIFIED (no bias given)
//   net_score      sum over entries of +c (BULLISH), -c (BEARISH), 0 (NEUTRAL or no bias), where c
//                  is the entry's confidence in [0, 1]; an entry without a confidence counts as
//                  c = 0.5 (undecided), here and in mean_confidence
//   mean_confidence  the mean of c over the entries
//   bias           "BULLISH" when net_score > neutral_band, "BEARISH" when net_score <
//                  -neutral_band, else "NEUTRAL" (the band is inclusive)
//   entries        number of entries; signal_ids the signals they came from, in order
//   reasoning      the entries' non-empty reasoning strings, in signal order
// Combined with the trend (when a market_data_agent node ran before this one and found the
// ticker's trend feature, market/trend.h):
//   signal_score   net_score / entries, in [-1, 1]
//   trend          "UP" | "DOWN" | "FLAT", or null without market data; trend_score +1 / -1 / 0
//   combined_score (1 - trend_weight) * signal_score + trend_weight * trend_score; signal_score
//                  alone when no trend is known
//   combined_bias  combined_score classified with the same neutral band
//   confidence     min(1, |combined_score|), or mean_confidence when combined_bias is NEUTRAL
// These are what strategy_agent decides on.
// Output: {"tickers": {"AAPL": {...}}, "signals_used": N, "neutral_band": b, "trend_weight": w,
// "market_data": bool} where N counts the signals that named at least one watched ticker, b and w
// are the values applied and market_data says whether a market_data_agent output was found. Tickers
// the pipeline does not watch are ignored; a watched ticker no signal names is left out. No signals
// (a periodic run) gives {"tickers": {}, "signals_used": 0}.
//
// Config: {"neutral_band": number >= 0 (default 0.1), "trend_weight": number in [0, 1] (default
// 0.3)}. Any other key is rejected.
// Stateless, so thread-safe.
#pragma once

#include "work/agent.h"

namespace sigflow {

class BiasAgent final : public Agent {
 public:
  static constexpr std::string_view kType = "bias_agent";
  static constexpr double kDefaultNeutralBand = 0.1;
  static constexpr double kUnspecifiedConfidence = 0.5;
  static constexpr double kDefaultTrendWeight = 0.3;

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;
};

}  // namespace sigflow
