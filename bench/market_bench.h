// Market benchmarks: indicator updates per second, and a whole replay of real history through
// the bar-driven generators, each beside a naive baseline measured in the same run.
//
// RunIndicatorBench: a seeded random walk of `updates` daily bars (OHLC around a log-normal
// close) fed one bar at a time to each indicator: Sma(50), Sma(200), Ema(20), Atr(14),
// ReturnVolatility(20), and the whole FeatureComputer (every feature of a row). The baseline,
// naive_sma200, recomputes the 200-bar window's sum from scratch on every bar (what a script
// that slices a list per bar does), on the first `naive_updates` bars; ratio = sma200 / naive.
//
// RunReplayBench: the bars of `file` (default the bundled S&P 500 2000-2020) fed `repetitions`
// times to fresh instances of the four bar-driven generators (golden and death cross,
// volatility breakout, price level), with and without encoding every signal to its JSON line;
// then the golden and death cross generators alone (cross_generators_bars_per_sec) against a
// naive replay that detects the same crosses by recomputing both SMAs from scratch per bar
// (naive_cross_bars_per_sec); crosses_agree says both found the same crosses on the same bars.
//
// Both report medians of `repetitions` runs as one JSON object; rates are per second of wall
// time on one thread. Not for concurrent use with other benchmarks. Invalid options (zero
// counts, an unreadable file) are std::invalid_argument / std::runtime_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace sigflow {

struct IndicatorBenchOptions {
  size_t updates = 2'000'000;      // bars per indicator per run
  size_t naive_updates = 200'000;  // bars for the from-scratch baseline
  uint64_t seed = 42;
  int repetitions = 5;
};

struct ReplayBenchOptions {
  std::string file = "data/sp500_2000_2020_daily.csv";
  int repetitions = 25;  // a run over the S&P file takes milliseconds: many, for a stable median
};

nlohmann::json RunIndicatorBench(const IndicatorBenchOptions& options);
nlohmann::json RunReplayBench(const ReplayBenchOptions& options);

}  // namespace sigflow
