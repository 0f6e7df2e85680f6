#include "bench/match_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bench/bench_stats.h"
#include "core/pipeline.h"
#include "core/signal.h"
#include "core/signal_codec.h"
#include "trigger/batch_matcher.h"
#include "trigger/dispatcher_options.h"
#include "trigger/pipeline_index.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Results are folded in here so that the optimiser cannot drop the work that produced them.
volatile uint64_t g_match_sink = 0;

// Wall time, and the CPU time of this (single-threaded) process: on a shared machine the wall
// time also counts the time the thread waited for a core, the CPU time does not.
struct WallAndCpuSeconds {
  double wall = 0;
  double cpu = 0;
};

class Stopwatch {
 public:
  WallAndCpuSeconds Elapsed() const {
    return {SecondsSince(wall_),
            static_cast<double>(std::clock() - cpu_) / static_cast<double>(CLOCKS_PER_SEC)};
  }

 private:
  SteadyClock::time_point wall_ = SteadyClock::now();
  std::clock_t cpu_ = std::clock();
};

// SplitMix64: small, fast, and the same sequence on every platform and standard library (the
// std distributions are not), so a seed names one workload everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  size_t Below(size_t n) {  // uniform in [0, n), n >= 1
    return std::min(n - 1, static_cast<size_t>(Uniform01() * static_cast<double>(n)));
  }

 private:
  uint64_t state_;
};

// Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s.
class ZipfSampler {
 public:
  ZipfSampler(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    for (double& c : cdf_) c /= sum;
  }
  uint32_t Draw(Rng& rng) const {
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), rng.Uniform01());
    return static_cast<uint32_t>(std::min<size_t>(it - cdf_.begin(), cdf_.size() - 1));
  }

 private:
  std::vector<double> cdf_;
};

// k distinct Zipf-drawn ranks (k <= n).
void DrawDistinct(size_t k, const ZipfSampler& zipf, Rng& rng, std::vector<uint32_t>* out) {
  out->clear();
  while (out->size() < k) {
    const uint32_t r = zipf.Draw(rng);
    if (std::find(out->begin(), out->end(), r) == out->end()) out->push_back(r);
  }
}

// A version-4 UUID in canonical text form, from the workload's generator.
std::string MakeUuid(Rng& rng) {
  const uint64_t hi = (rng.Next() & ~0xF000ull) | 0x4000ull;
  const uint64_t lo = (rng.Next() & ~(3ull << 62)) | (2ull << 62);
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return text;
}

// n distinct upper-case symbols of 1-5 letters (longer once the short ones run out).
std::vector<std::string> MakeSymbols(size_t n, Rng& rng) {
  std::vector<std::string> symbols;
  std::unordered_set<std::string> seen;
  size_t min_length = 1;
  int failures = 0;
  while (symbols.size() < n) {
    std::string s(min_length + rng.Below(5), 'A');
    for (char& c : s) c = static_cast<char>('A' + rng.Below(26));
    if (seen.insert(s).second) {
      symbols.push_back(std::move(s));
      failures = 0;
    } else if (++failures > 64) {
      ++min_length;
      failures = 0;
    }
  }
  return symbols;
}

struct Workload {
  std::vector<std::string> symbols;  // by popularity rank
  std::vector<Pipeline> pipelines;
  std::string payload_bytes;  // every signal's JSON, back to back
  std::vector<size_t> payload_offsets;

  size_t signal_count() const { return payload_offsets.size() - 1; }
  std::string_view payload(size_t i) const {
    return std::string_view(payload_bytes)
        .substr(payload_offsets[i], payload_offsets[i + 1] - payload_offsets[i]);
  }
};

Workload MakeWorkload(const MatchBenchOptions& options) {
  Workload w;
  Rng rng(options.seed);
  w.symbols = MakeSymbols(options.tickers, rng);
  const ZipfSampler zipf(options.tickers, 1.0);
  std::vector<uint32_t> ranks;

  w.pipelines.reserve(options.pipelines);
  for (size_t i = 0; i < options.pipelines; ++i) {
    Pipeline p;
    p.id = MakeUuid(rng);
    p.name = "bench pipeline " + std::to_string(i);
    p.trigger_mode = TriggerMode::kSignal;
    DrawDistinct(std::min<size_t>(1 + rng.Below(5), options.tickers), zipf, rng, &ranks);
    for (uint32_t r : ranks) p.scanner_tickers.push_back(w.symbols[r]);
    w.pipelines.push_back(std::move(p));
  }

  // The seed's shape: {"signal_id", "timestamp", "signal_type", "source", "tickers": [{"ticker",
  // "bias", "confidence"}], "metadata"}, as EncodeSignal writes it.
  constexpr Bias kBiases[] = {Bias::kBullish, Bias::kBearish, Bias::kNeutral};
  Signal signal;
  signal.signal_type = "mock";
  signal.source = "bench";
  signal.metadata_json = "{}";
  w.payload_offsets.reserve(options.signals + 1);
  w.payload_offsets.push_back(0);
  for (size_t i = 0; i < options.signals; ++i) {
    signal.signal_id = MakeUuid(rng);
    signal.timestamp_ms = 1733875200000 + static_cast<int64_t>(i);
    DrawDistinct(std::min<size_t>(1 + rng.Below(3), options.tickers), zipf, rng, &ranks);
    signal.tickers.clear();
    for (uint32_t r : ranks) {
      TickerSignal t;
      t.ticker = w.symbols[r];
      t.bias = kBiases[rng.Below(3)];
      t.confidence = static_cast<double>(50 + rng.Below(50)) / 100.0;
      signal.tickers.push_back(std::move(t));
    }
    EncodeSignal(signal, &w.payload_bytes);
    w.payload_offsets.push_back(w.payload_bytes.size());
  }
  return w;
}

// The signal_ids seen in the current batch: open addressing over views into the batch's
// Signals, cleared in O(1) per batch by a generation stamp.
class BatchIdSet {
 public:
  void Reset(size_t batch_size) {
    size_t capacity = 16;
    while (capacity < 2 * batch_size) capacity *= 2;
    if (capacity > keys_.size()) {
      keys_.assign(capacity, {});
      stamps_.assign(capacity, 0);
      gen_ = 0;
    }
    if (++gen_ == 0) {
      std::fill(stamps_.begin(), stamps_.end(), 0);
      gen_ = 1;
    }
  }
  // True when `id` was not in the set (it is now); `id` must stay valid until Reset().
  bool Insert(std::string_view id) {
    const size_t mask = keys_.size() - 1;
    for (size_t i = std::hash<std::string_view>()(id) & mask;; i = (i + 1) & mask) {
      if (stamps_[i] != gen_) {
        stamps_[i] = gen_;
        keys_[i] = id;
        return true;
      }
      if (keys_[i] == id) return false;
    }
  }

 private:
  std::vector<std::string_view> keys_;
  std::vector<uint32_t> stamps_;
  uint32_t gen_ = 0;
};

// CPU time of the calling thread, in nanoseconds: the phase split of a run is taken per batch,
// and on a shared machine wall time would also count the time the thread waited for a core.
uint64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Where a run's CPU time went, summed over its batches.
struct PhaseNanos {
  uint64_t decode = 0;  // decoding and the batch's signal_id dedupe
  uint64_t add = 0;     // BatchMatcher::Begin and AddSignal
  uint64_t finish = 0;  // BatchMatcher::Finish
  uint64_t read = 0;    // reading every candidate and every per-signal count
};

struct SigflowRun {
  WallAndCpuSeconds seconds;
  PhaseNanos phases;
  uint64_t matches = 0;     // sum of per-signal match counts
  uint64_t candidates = 0;  // sum over batches
  uint64_t batches = 0;
  uint64_t checksum = 0;  // folds every candidate in, so nothing is optimised away
  uint64_t undecodable = 0;
  BatchMatcher::Stats stats;
};

// The measured path: what the dispatcher does for a batch before it talks to the store.
// `matcher` is fresh (cold intersection cache) or left by a previous run (warm).
SigflowRun RunSigflow(const Workload& w, const PipelineIndex& index, size_t batch_size,
                      BatchMatcher& matcher, std::vector<uint32_t>* counts) {
  SignalDecoder decoder;
  const BatchMatcher::Stats before = matcher.stats();
  BatchIdSet ids;
  std::vector<Signal> slots(batch_size);
  std::vector<uint8_t> fresh(batch_size);  // per slot: decoded and not a repeated signal_id
  std::vector<std::string_view> symbols;
  DecodeError error;
  SigflowRun run;
  const size_t n = w.signal_count();
  const Stopwatch timer;
  uint64_t t0 = ThreadCpuNanos();
  for (size_t first = 0; first < n; first += batch_size) {
    const size_t last = std::min(n, first + batch_size);
    ids.Reset(batch_size);
    for (size_t i = first; i < last; ++i) {
      Signal& signal = slots[i - first];
      if (!decoder.Decode(w.payload(i), &signal, &error)) {  // would be dead-lettered
        ++run.undecodable;
        fresh[i - first] = 0;
        continue;
      }
      fresh[i - first] = ids.Insert(signal.signal_id) ? 1 : 0;
    }
    const uint64_t t1 = ThreadCpuNanos();
    matcher.Begin(index);
    for (size_t i = 0; i < last - first; ++i) {
      symbols.clear();
      if (fresh[i]) {
        for (const TickerSignal& t : slots[i].tickers) symbols.push_back(t.ticker);
      }
      matcher.AddSignal(symbols);
    }
    const uint64_t t2 = ThreadCpuNanos();
    matcher.Finish();
    const uint64_t t3 = ThreadCpuNanos();
    const auto candidates = matcher.candidates();
    run.candidates += candidates.size();
    for (const BatchMatcher::Candidate& c : candidates) {
      run.checksum += (uint64_t{c.pipeline} << 20) ^ c.first_signal;
    }
    for (uint32_t s = 0; s < matcher.signal_count(); ++s) {
      run.matches += matcher.matched_count(s);
      if (counts != nullptr) counts->push_back(matcher.matched_count(s));
    }
    ++run.batches;
    const uint64_t t4 = ThreadCpuNanos();
    run.phases.decode += t1 - t0;
    run.phases.add += t2 - t1;
    run.phases.finish += t3 - t2;
    run.phases.read += t4 - t3;
    t0 = t4;
  }
  run.seconds = timer.Elapsed();
  run.stats = matcher.stats();
  run.stats.combination_lookups -= before.combination_lookups;
  run.stats.intersection_lookups -= before.intersection_lookups;
  run.stats.intersection_misses -= before.intersection_misses;
  run.stats.intersections_uncached -= before.intersections_uncached;
  run.stats.direct_unions -= before.direct_unions;
  g_match_sink = g_match_sink + run.checksum;
  return run;
}

// Every signal's tickers, decoded once: for timing the matcher alone.
struct DecodedTickers {
  std::vector<std::string> symbols;  // all signals' tickers, in order
  std::vector<std::string_view> views;
  std::vector<size_t> begins;  // signal i's tickers are views[begins[i] .. begins[i + 1])
};

DecodedTickers DecodeTickers(const Workload& w) {
  DecodedTickers d;
  SignalDecoder decoder;
  Signal signal;
  DecodeError error;
  d.begins.push_back(0);
  for (size_t i = 0; i < w.signal_count(); ++i) {
    if (decoder.Decode(w.payload(i), &signal, &error)) {
      for (const TickerSignal& t : signal.tickers) d.symbols.push_back(t.ticker);
    }
    d.begins.push_back(d.symbols.size());
  }
  d.views.assign(d.symbols.begin(), d.symbols.end());
  return d;
}

// Begin, AddSignal, Finish and reading the results, with a fresh matcher; no decoding.
WallAndCpuSeconds RunMatchOnly(const DecodedTickers& d, const PipelineIndex& index,
                               size_t batch_size) {
  BatchMatcher matcher;
  const size_t n = d.begins.size() - 1;
  uint64_t sink = 0;
  const Stopwatch timer;
  for (size_t first = 0; first < n; first += batch_size) {
    matcher.Begin(index);
    for (size_t i = first; i < std::min(n, first + batch_size); ++i) {
      matcher.AddSignal(std::span(d.views).subspan(d.begins[i], d.begins[i + 1] - d.begins[i]));
    }
    matcher.Finish();
    for (const BatchMatcher::Candidate& c : matcher.candidates()) {
      sink += (uint64_t{c.pipeline} << 20) ^ c.first_signal;
    }
    for (uint32_t s = 0; s < matcher.signal_count(); ++s) sink += matcher.matched_count(s);
  }
  const WallAndCpuSeconds seconds = timer.Elapsed();
  g_match_sink = g_match_sink + sink;
  return seconds;
}

WallAndCpuSeconds RunDecodeOnly(const Workload& w) {
  SignalDecoder decoder;
  Signal signal;
  DecodeError error;
  uint64_t sink = 0;
  const Stopwatch timer;
  for (size_t i = 0; i < w.signal_count(); ++i) {
    if (decoder.Decode(w.payload(i), &signal, &error)) sink += signal.tickers.size();
  }
  const WallAndCpuSeconds seconds = timer.Elapsed();
  g_match_sink = g_match_sink + sink;
  return seconds;
}

// The seeds' algorithm: for every signal, every pipeline, intersect the ticker sets. Batches and
// drops duplicate ids like the sigflow path; records each signal's count and each batch's
// candidates with their first signal (the cheapest bookkeeping: no per-match lists).
WallAndCpuSeconds RunScan(const Workload& w,
                          const std::vector<std::unordered_set<std::string>>& sets, size_t count,
                          size_t batch_size, std::vector<uint32_t>* counts) {
  SignalDecoder decoder;
  BatchIdSet ids;
  std::vector<Signal> slots(batch_size);
  std::vector<uint32_t> stamp(sets.size(), 0);
  std::vector<uint32_t> first_signal(sets.size(), 0);
  DecodeError error;
  uint32_t gen = 0;
  counts->clear();
  const Stopwatch timer;
  for (size_t first = 0; first < count; first += batch_size) {
    const size_t last = std::min(count, first + batch_size);
    ids.Reset(batch_size);
    ++gen;
    for (size_t i = first; i < last; ++i) {
      Signal& signal = slots[i - first];
      uint32_t matched = 0;
      if (decoder.Decode(w.payload(i), &signal, &error) && ids.Insert(signal.signal_id)) {
        for (uint32_t p = 0; p < sets.size(); ++p) {
          bool hit = false;
          for (const TickerSignal& t : signal.tickers) {
            if (sets[p].count(t.ticker) != 0) {
              hit = true;
              break;
            }
          }
          if (!hit) continue;
          ++matched;
          if (stamp[p] != gen) {
            stamp[p] = gen;
            first_signal[p] = static_cast<uint32_t>(i - first);
          }
        }
      }
      counts->push_back(matched);
    }
  }
  const WallAndCpuSeconds seconds = timer.Elapsed();
  uint64_t sink = 0;
  for (size_t p = 0; p < sets.size(); ++p) sink += stamp[p] == gen ? first_signal[p] : 0;
  g_match_sink = g_match_sink + sink;
  return seconds;
}

double Round1(double x) { return std::round(x * 10) / 10; }

}  // namespace

nlohmann::json RunMatchBench(const MatchBenchOptions& options, std::ostream* progress) {
  if (options.pipelines == 0 || options.tickers == 0 || options.signals == 0 ||
      options.batch_size == 0 || options.repetitions < 1) {
    throw std::invalid_argument(
        "RunMatchBench: pipelines, tickers, signals, batch_size and repetitions must be >= 1");
  }
  auto say = [progress](const std::string& line) {
    if (progress != nullptr) *progress << "bench match: " << line << std::endl;
  };

  say("generating " + std::to_string(options.pipelines) + " pipelines, " +
      std::to_string(options.tickers) + " tickers, " + std::to_string(options.signals) +
      " signals (seed " + std::to_string(options.seed) + ")");
  auto phase = SteadyClock::now();
  const Workload w = MakeWorkload(options);
  say("workload ready in " + std::to_string(SecondsSince(phase)) + " s (" +
      std::to_string(w.payload_bytes.size() / options.signals) + " bytes per signal)");
  // What a cache refresh that finds the pipelines changed costs, off the hot path.
  const Stopwatch build_timer;
  const auto index = PipelineIndex::Build(w.pipelines);
  const WallAndCpuSeconds build_seconds = build_timer.Elapsed();
  say("index built in " + std::to_string(build_seconds.cpu) + " s of CPU (" +
      std::to_string(index->combination_count()) + " combination counts, " +
      std::to_string(index->wide_pipeline_count()) + " wide pipelines)");

  const WallAndCpuSeconds decode_seconds = RunDecodeOnly(w);
  WallAndCpuSeconds match_only_seconds;
  {
    const DecodedTickers decoded = DecodeTickers(w);
    match_only_seconds = RunMatchOnly(decoded, *index, options.batch_size);
  }

  std::vector<double> rates;
  std::vector<SigflowRun> runs;
  std::vector<uint32_t> sigflow_counts;
  sigflow_counts.reserve(options.signals);
  std::vector<double> cpu_rates;
  double warm_rate = 0;
  uint64_t warm_misses = 0;
  for (int r = 0; r < options.repetitions; ++r) {
    BatchMatcher matcher;  // fresh: each run starts cold, as right after a snapshot swap
    runs.push_back(
        RunSigflow(w, *index, options.batch_size, matcher, r == 0 ? &sigflow_counts : nullptr));
    rates.push_back(static_cast<double>(options.signals) / runs.back().seconds.wall);
    cpu_rates.push_back(static_cast<double>(options.signals) / runs.back().seconds.cpu);
    say("sigflow run " + std::to_string(r + 1) + "/" + std::to_string(options.repetitions) + ": " +
        std::to_string(std::llround(rates.back())) + " signals/s");
    if (r + 1 == options.repetitions) {
      // Once more with the cache this run filled: the steady state of a long-lived snapshot.
      const SigflowRun warm = RunSigflow(w, *index, options.batch_size, matcher, nullptr);
      warm_rate = static_cast<double>(options.signals) / warm.seconds.wall;
      warm_misses = warm.stats.intersection_misses;
      say("sigflow run with a warm cache: " + std::to_string(std::llround(warm_rate)) +
          " signals/s");
    }
  }
  const double median_rate = Median(rates);
  const SigflowRun& run = runs.front();

  // The scan: a pilot sizes the sample so that the measured run fits the budget.
  std::vector<std::unordered_set<std::string>> sets;
  sets.reserve(w.pipelines.size());
  for (const Pipeline& p : w.pipelines)
    sets.emplace_back(p.scanner_tickers.begin(), p.scanner_tickers.end());
  std::vector<uint32_t> scan_counts;
  const double pilot_target = std::min(1.0, options.scan_budget_seconds / 10);
  size_t sample = std::min<size_t>(options.signals, 4);
  WallAndCpuSeconds scan_seconds = RunScan(w, sets, sample, options.batch_size, &scan_counts);
  while (scan_seconds.wall < pilot_target && sample < options.signals) {
    sample = std::min(options.signals, sample * 4);
    scan_seconds = RunScan(w, sets, sample, options.batch_size, &scan_counts);
  }
  const double per_signal = scan_seconds.wall / static_cast<double>(sample);
  const size_t budget_signals = std::max<size_t>(
      1, static_cast<size_t>(options.scan_budget_seconds / std::max(per_signal, 1e-12)));
  const size_t target = std::min(options.signals, budget_signals);
  if (target > sample) {
    say("seeds' scan on " + std::to_string(target) + " of " + std::to_string(options.signals) +
        " signals (~" + std::to_string(std::llround(per_signal * double(target))) + " s)");
    sample = target;
    scan_seconds = RunScan(w, sets, sample, options.batch_size, &scan_counts);
  }
  const double scan_rate = static_cast<double>(sample) / scan_seconds.wall;
  const double scan_cpu_rate = static_cast<double>(sample) / scan_seconds.cpu;
  const bool agrees = std::equal(scan_counts.begin(), scan_counts.end(), sigflow_counts.begin());
  say("seeds' scan: " + std::to_string(std::llround(scan_rate)) + " signals/s over " +
      std::to_string(sample) + " signals");

  const SigflowRun& median_run =
      runs[static_cast<size_t>(std::min_element(rates.begin(), rates.end(),
                                                [&](double a, double b) {
                                                  return std::abs(a - median_rate) <
                                                         std::abs(b - median_rate);
                                                }) -
                               rates.begin())];
  const double signals = static_cast<double>(options.signals);
  nlohmann::json sigflow_runs = nlohmann::json::array();
  for (double rate : rates) sigflow_runs.push_back(std::llround(rate));

  const size_t dispatcher_batch = TriggerDispatcherOptions().batch_size;
  std::string note =
      "one thread, batches of " + std::to_string(options.batch_size) +
      " signals (--batch-size; the trigger dispatcher's default BATCH_SIZE is " +
      std::to_string(dispatcher_batch) +
      "). sigflow: decode + drop duplicate signal_ids in the batch + BatchMatcher (candidates "
      "with first signal, exact per-signal match counts), a fresh matcher per run (as after a "
      "snapshot swap), median of " +
      std::to_string(options.repetitions) +
      " runs; sigflow_warm_signals_per_sec: one more run reusing the last run's matcher; "
      "*_cpu_* rates divide by CPU time instead of wall time (they leave out waiting for a core "
      "on a shared machine); cpu_ns_per_signal splits the median run's CPU time. scan: decode + "
      "the seeds' per-signal scan of every pipeline's unordered_set<string>, per-signal counts "
      "and per-batch candidates only (no per-match lists), " +
      (sample < options.signals
           ? "sampled on the first " + std::to_string(sample) +
                 " signals because the full scan would exceed " +
                 std::to_string(std::llround(options.scan_budget_seconds)) + " s"
           : std::string("on every signal")) +
      "; its per-signal counts " + (agrees ? "equal" : "DIFFER FROM") + " sigflow's.";

  nlohmann::json out = {
      {"bench", "match"},
      {"pipelines", options.pipelines},
      {"tickers", options.tickers},
      {"signals", options.signals},
      {"batch_size", options.batch_size},
      {"seed", options.seed},
      {"mean_matches_per_signal", Round1(static_cast<double>(run.matches) / signals)},
      {"mean_candidates_per_batch",
       Round1(static_cast<double>(run.candidates) / static_cast<double>(run.batches))},
      {"sigflow_signals_per_sec", std::llround(median_rate)},
      {"sigflow_runs", sigflow_runs},
      {"sigflow_cpu_signals_per_sec", std::llround(Median(cpu_rates))},
      {"sigflow_warm_signals_per_sec", std::llround(warm_rate)},
      {"decode_signals_per_sec", std::llround(signals / decode_seconds.wall)},
      {"decode_cpu_signals_per_sec", std::llround(signals / decode_seconds.cpu)},
      {"match_only_signals_per_sec", std::llround(signals / match_only_seconds.wall)},
      {"match_only_cpu_signals_per_sec", std::llround(signals / match_only_seconds.cpu)},
      {"index",
       {{"build_cpu_seconds", std::round(build_seconds.cpu * 1000) / 1000},
        {"combination_counts", index->combination_count()},
        {"wide_pipelines", index->wide_pipeline_count()}}},
      {"scan_signals_per_sec", Round1(scan_rate)},
      {"scan_sampled_signals", sample},
      {"scan_agrees", agrees},
      {"undecodable", run.undecodable},
      {"ratio", Round1(median_rate / scan_rate)},
      {"scan_cpu_signals_per_sec", Round1(scan_cpu_rate)},
      {"cpu_ratio", Round1(Median(cpu_rates) / scan_cpu_rate)},
      {"cache",
       {{"combination_lookups_per_signal",
         Round1(static_cast<double>(median_run.stats.combination_lookups) / signals)},
        {"intersection_lookups_per_signal",
         Round1(static_cast<double>(median_run.stats.intersection_lookups) / signals)},
        {"intersection_misses", median_run.stats.intersection_misses},
        {"intersections_uncached_per_signal",
         Round1(static_cast<double>(median_run.stats.intersections_uncached) / signals)},
        {"direct_unions", median_run.stats.direct_unions},
        {"warm_intersection_misses", warm_misses}}},
      {"cpu_ns_per_signal",
       {{"decode_and_dedupe", Round1(static_cast<double>(median_run.phases.decode) / signals)},
        {"add_signals", Round1(static_cast<double>(median_run.phases.add) / signals)},
        {"finish", Round1(static_cast<double>(median_run.phases.finish) / signals)},
        {"read_results", Round1(static_cast<double>(median_run.phases.read) / signals)}}},
      {"note", note},
  };
  return out;
}

}  // namespace sigflow
