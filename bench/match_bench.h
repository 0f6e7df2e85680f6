// RunMatchBench: how fast the trigger dispatcher's matching core turns signal payloads into
// wake candidates, against the seeds' algorithm (scan every pipeline, intersect ticker sets).
//
// The workload is generated deterministically from `seed`: `tickers` random symbols with Zipf
// popularity (s = 1: the r-th most popular is drawn with probability ~ 1/r); `pipelines`
// signal-mode pipelines, each watching 1-5 distinct tickers; `signals` signals, each naming 1-3
// distinct tickers, with unique signal_ids, encoded once up front to the canonical JSON of
// EncodeSignal. Both sides then run on one thread over the same payloads, in batches of
// `batch_size`:
//   sigflow: decode (SignalDecoder) the batch, drop duplicate signal_ids within it, then
//            BatchMatcher (AddSignal, Finish), and read every candidate and every per-signal
//            match count;
//   scan:    decode, then for every signal test every pipeline's std::unordered_set<std::string>
//            (the seeds' dict of sets) for each of the signal's tickers.
// The scan's per-signal counts are checked against sigflow's (scan_agrees).
//
// Output: one JSON object (see RunMatchBench). Progress lines go to `progress` when not null.
// Not thread-safe to call concurrently with other benchmarks (it measures wall time on the
// calling thread). Runs for about repetitions * sigflow time + scan_budget_seconds + setup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>

namespace sigflow {

struct MatchBenchOptions {
  size_t pipelines = 100000;  // signal-mode pipelines in the snapshot
  size_t tickers = 10000;     // ticker universe (Zipf popularity over it)
  size_t signals = 1000000;   // signals per measured run
  // Signals per BatchMatcher batch: the dispatcher's BATCH_SIZE under a flood. Not the
  // dispatcher's default (20): at 100,000 pipelines a batch of 20 wakes ~56,000 of them, and
  // emitting those candidates alone bounds the rate (BENCHMARKS.md); the JSON note names both.
  size_t batch_size = 1000;
  uint64_t seed = 42;   // the whole workload is a function of the options and this
  int repetitions = 5;  // sigflow runs; the median rate is reported
  // The scan costs O(pipelines) per signal. When scanning every signal would take longer than
  // this, only the first K signals are scanned (K is reported as scan_sampled_signals).
  double scan_budget_seconds = 10;
};

// Runs the benchmark and returns one JSON object with: bench ("match"), pipelines, tickers,
// signals, batch_size, seed, mean_matches_per_signal, mean_candidates_per_batch,
// sigflow_signals_per_sec (median of runs that each start with a cold intersection cache),
// sigflow_runs (every run's rate), sigflow_warm_signals_per_sec (one more run with the matcher
// the last run left), decode_signals_per_sec (decoding alone) and match_only_signals_per_sec
// (BatchMatcher alone on pre-decoded tickers, fresh matcher), with their CPU-time variants,
// cpu_ns_per_signal (the median run's CPU time split into decoding with dedupe, AddSignal,
// Finish and reading the results), index (PipelineIndex::Build's CPU time, its combination
// counts and wide pipelines), for scale, scan_signals_per_sec,
// scan_sampled_signals, scan_agrees, undecodable (0 unless the codec rejects its own output),
// ratio (sigflow / scan), sigflow_cpu_signals_per_sec, scan_cpu_signals_per_sec and cpu_ratio
// (the same rates over process CPU time instead of wall time, which on a shared machine also
// counts waiting for a core), cache (the median run's lookups of combination counts and the
// wide pipelines' intersection-cache counters) and note.
// Requires pipelines, tickers, signals, batch_size and repetitions >= 1; throws
// std::invalid_argument otherwise.
nlohmann::json RunMatchBench(const MatchBenchOptions& options, std::ostream* progress);

}  // namespace sigflow
