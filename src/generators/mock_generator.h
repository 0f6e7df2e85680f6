// MockSignalGenerator: random test signals (seed 004), for development and demos.
//
// Config keys (all optional):
//   tickers               list of symbols; default the watchlist given by the caller
//   emission_probability  0..1, the chance that each ticker emits on each tick (default 0.3)
//   bias_options          allowed biases (default ["BULLISH", "BEARISH", "NEUTRAL"])
//   interval_seconds      seconds between ticks (default MOCK_GENERATOR_INTERVAL_SECONDS or 60)
//   seed                  random seed (default: random), for reproducible runs
// Each emitting ticker yields one signal (signal_type "mock", source "mock_generator") with a
// confidence drawn uniformly from [0.5, 0.95].
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "generators/generator.h"

namespace sigflow {

class MockSignalGenerator final : public SignalGenerator {
 public:
  static Result<std::unique_ptr<SignalGenerator>> Create(const nlohmann::json& config);

  std::string_view name() const override { return "mock_generator"; }
  std::chrono::milliseconds interval() const override { return interval_; }
  Status Generate(int64_t now_ms, std::vector<Signal>* out) override;

 private:
  std::vector<std::string> tickers_;
  double emission_probability_ = 0.3;
  std::vector<Bias> bias_options_;
  std::chrono::milliseconds interval_{60000};
  std::mt19937_64 rng_;
};

}  // namespace sigflow
