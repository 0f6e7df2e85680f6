#include "bench/market_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "bench/bench_stats.h"
#include "core/signal_codec.h"
#include "core/time_format.h"
#include "generators/bar_driven_generator.h"
#include "generators/generator_registry.h"
#include "market/atr.h"
#include "market/csv_bar_source.h"
#include "market/features.h"
#include "market/moving_average.h"
#include "market/sma_cross.h"
#include "market/volatility.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Runs `body` `repetitions` times; returns the median of items / seconds.
double MedianRate(int repetitions, size_t items, const std::function<void()>& body) {
  std::vector<double> rates;
  for (int r = 0; r < repetitions; ++r) {
    const auto started = SteadyClock::now();
    body();
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    rates.push_back(static_cast<double>(items) / std::max(seconds, 1e-9));
  }
  return Median(rates);
}

std::vector<Bar> RandomWalk(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0003, 0.012);
  std::uniform_real_distribution<double> wick(0.0, 0.01);
  std::vector<Bar> bars(n);
  double close = 100;
  for (size_t i = 0; i < n; ++i) {
    const double open = close;
    close = open * std::exp(step(rng));
    const double high = std::max(open, close) * (1 + wick(rng));
    const double low = std::min(open, close) * (1 - wick(rng));
    bars[i] = Bar{"BENCH", static_cast<int64_t>(i) * kDayMs, open, high, low, close, 1e6, true};
  }
  return bars;
}

// Keeps the optimiser from dropping a loop whose result is otherwise unused.
volatile double g_market_sink = 0;

double NaiveSma(const std::vector<Bar>& bars, size_t end, size_t n) {
  double sum = 0;
  for (size_t j = end + 1 - n; j <= end; ++j) sum += bars[j].close;
  return sum / static_cast<double>(n);
}

long Round(double v) { return std::lround(v); }

}  // namespace

nlohmann::json RunIndicatorBench(const IndicatorBenchOptions& o) {
  if (o.updates == 0 || o.naive_updates < 200 || o.repetitions < 1) {
    throw std::invalid_argument("updates >= 1, naive_updates >= 200 and repetitions >= 1");
  }
  const std::vector<Bar> bars = RandomWalk(std::max(o.updates, o.naive_updates), o.seed);
  auto each = [&](auto make, auto update) {
    return MedianRate(o.repetitions, o.updates, [&] {
      auto indicator = make();
      double acc = 0;
      for (size_t i = 0; i < o.updates; ++i) acc += update(indicator, bars[i]).value_or(0);
      g_market_sink = acc;
    });
  };
  const double sma50 =
      each([] { return Sma(50); }, [](Sma& s, const Bar& b) { return s.Update(b.close); });
  const double sma200 =
      each([] { return Sma(200); }, [](Sma& s, const Bar& b) { return s.Update(b.close); });
  const double ema20 =
      each([] { return Ema(20); }, [](Ema& e, const Bar& b) { return e.Update(b.close); });
  const double atr14 =
      each([] { return Atr(14); }, [](Atr& a, const Bar& b) { return a.Update(b); });
  const double vol20 = each([] { return ReturnVolatility(20); },
                            [](ReturnVolatility& v, const Bar& b) { return v.Update(b.close); });
  ManualClock clock(0);
  const double features = MedianRate(o.repetitions, o.updates, [&] {
    FeatureComputer computer("BENCH", FeatureOptions{}, &clock);
    Features row;
    double acc = 0;
    for (size_t i = 0; i < o.updates; ++i) {
      computer.Update(bars[i], &row);
      acc += row.sma_long.value_or(0);
    }
    g_market_sink = acc;
  });
  const size_t naive_n = o.naive_updates - 199;
  const double naive = MedianRate(o.repetitions, naive_n, [&] {
    double acc = 0;
    for (size_t i = 199; i < o.naive_updates; ++i) acc += NaiveSma(bars, i, 200);
    g_market_sink = acc;
  });
  return {{"bench", "indicators"},
          {"updates", o.updates},
          {"repetitions", o.repetitions},
          {"seed", o.seed},
          {"sma50_updates_per_sec", Round(sma50)},
          {"sma200_updates_per_sec", Round(sma200)},
          {"ema20_updates_per_sec", Round(ema20)},
          {"atr14_updates_per_sec", Round(atr14)},
          {"vol20_updates_per_sec", Round(vol20)},
          {"feature_rows_per_sec", Round(features)},
          {"naive_sma200_updates_per_sec", Round(naive)},
          {"naive_updates", naive_n},
          {"ratio_sma200_vs_naive", std::round(sma200 / naive * 10) / 10}};
}

nlohmann::json RunReplayBench(const ReplayBenchOptions& o) {
  if (o.repetitions < 1) throw std::invalid_argument("repetitions >= 1");
  auto source = CsvBarSource::Open(o.file);
  if (!source.ok()) throw std::runtime_error(source.status().message());
  const std::vector<Bar>& bars = (*source)->bars();
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  const std::vector<std::string> all = {"golden_cross", "death_cross", "volatility_breakout",
                                        "price_level"};
  const std::vector<std::string> crosses_only = {"golden_cross", "death_cross"};
  auto make_generators = [&](const std::vector<std::string>& types) {
    std::vector<std::unique_ptr<BarDrivenGenerator>> out;
    for (const std::string& type : types) {
      auto g = registry.Create(type, nlohmann::json::object());
      out.emplace_back(dynamic_cast<BarDrivenGenerator*>(std::move(g).value().release()));
    }
    return out;
  };
  size_t signals = 0;
  // (ticker, bar time) of each golden or death cross found.
  using CrossAt = std::pair<std::string, int64_t>;
  std::vector<CrossAt> generator_crosses;
  auto replay = [&](const std::vector<std::string>& types, bool encode) {
    auto generators = make_generators(types);
    std::vector<Signal> out;
    std::string payload;
    signals = 0;
    generator_crosses.clear();
    for (size_t i = 0; i < bars.size(); ++i) {
      for (auto& g : generators) g->OnBar(bars[i], &out);
      for (const Signal& s : out) {
        if (s.signal_type == "golden_cross" || s.signal_type == "death_cross") {
          generator_crosses.emplace_back(s.tickers[0].ticker, s.timestamp_ms);
        }
        if (encode) {
          payload.clear();
          EncodeSignal(s, &payload);
          g_market_sink = static_cast<double>(payload.size());
        }
      }
      signals += out.size();
      out.clear();
    }
  };
  const double crosses_rate =
      MedianRate(o.repetitions, bars.size(), [&] { replay(crosses_only, false); });
  const double encoded_rate = MedianRate(o.repetitions, bars.size(), [&] { replay(all, true); });
  const double generators_rate =
      MedianRate(o.repetitions, bars.size(), [&] { replay(all, false); });

  // The naive replay: each ticker's bars apart, both SMAs summed from scratch on every bar.
  std::map<std::string, std::vector<Bar>> by_ticker;
  for (const Bar& b : bars) by_ticker[b.ticker].push_back(b);
  std::vector<CrossAt> naive_crosses;
  const double naive_rate = MedianRate(o.repetitions, bars.size(), [&] {
    naive_crosses.clear();
    for (const auto& [ticker, series] : by_ticker) {
      for (size_t t = 200; t < series.size(); ++t) {
        const Cross c = DetectCross(NaiveSma(series, t - 1, 50), NaiveSma(series, t - 1, 200),
                                    NaiveSma(series, t, 50), NaiveSma(series, t, 200));
        if (c != Cross::kNone) naive_crosses.emplace_back(ticker, series[t].ts_ms);
      }
    }
  });
  std::sort(naive_crosses.begin(), naive_crosses.end());
  std::sort(generator_crosses.begin(), generator_crosses.end());
  return {{"bench", "replay"},
          {"file", o.file},
          {"bars", bars.size()},
          {"tickers", (*source)->Tickers().size()},
          {"repetitions", o.repetitions},
          {"generators", all},
          {"signals", signals},
          {"crosses", generator_crosses.size()},
          {"replay_bars_per_sec", Round(generators_rate)},
          {"replay_encoded_bars_per_sec", Round(encoded_rate)},
          {"replay_seconds", bars.size() / generators_rate},
          {"cross_generators_bars_per_sec", Round(crosses_rate)},
          {"naive_cross_bars_per_sec", Round(naive_rate)},
          {"crosses_agree", naive_crosses == generator_crosses},
          {"ratio_cross_generators_vs_naive", std::round(crosses_rate / naive_rate * 10) / 10}};
}

}  // namespace sigflow
