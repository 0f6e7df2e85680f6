// bench_match: runs RunMatchBench (match_bench.h) and prints its JSON object on one line.
// Progress goes to stderr. The same benchmark is `sigflow bench match`.
#include <CLI/CLI.hpp>
#include <iostream>

#include "bench/match_bench.h"

int main(int argc, char** argv) {
  sigflow::MatchBenchOptions options;
  CLI::App app("Matching benchmark: sigflow's batch matcher against the seeds' scan");
  app.add_option("--pipelines", options.pipelines, "pipelines in the index")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--tickers", options.tickers, "distinct tickers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--signals", options.signals, "signals per run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-size", options.batch_size, "signals per batch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", options.seed, "workload random seed")->capture_default_str();
  app.add_option("--repetitions", options.repetitions, "sigflow runs (the median is reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--scan-budget", options.scan_budget_seconds,
                 "seconds allowed for the seeds' scan before it is sampled")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  std::cout << sigflow::RunMatchBench(options, &std::cerr).dump() << std::endl;
  return 0;
}
