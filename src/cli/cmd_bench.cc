// `sigflow bench match`: the matching benchmark (bench/match_bench.h), one JSON line on stdout.
#include <iostream>

#include "bench/match_bench.h"
#include "cli/commands.h"

namespace sigflow {

void AddBenchCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("bench", "Benchmarks; each prints one JSON line");
  cmd->require_subcommand(1);
  auto options = std::make_shared<MatchBenchOptions>();
  auto* match = cmd->add_subcommand(
      "match",
      "Decode, match and dedupe signals against pipelines in one process (one core), and the\n"
      "seeds' scan-every-pipeline algorithm on the same Zipf workload, side by side.");
  match->add_option("--pipelines", options->pipelines, "pipelines in the index")
      ->capture_default_str();
  match->add_option("--tickers", options->tickers, "distinct tickers")->capture_default_str();
  match->add_option("--signals", options->signals, "signals to match")->capture_default_str();
  match->add_option("--batch-size", options->batch_size, "signals per batch")
      ->capture_default_str();
  match->add_option("--seed", options->seed, "workload random seed")->capture_default_str();
  match->add_option("--repetitions", options->repetitions, "runs of the sigflow path (median)")
      ->capture_default_str();
  match
      ->add_option("--scan-budget", options->scan_budget_seconds,
                   "seconds allowed for the seeds' scan before it is sampled")
      ->capture_default_str();
  match->callback([options, exit_code] {
    if (options->pipelines == 0 || options->tickers == 0 || options->signals == 0 ||
        options->batch_size == 0) {
      std::cerr << "sigflow bench match: --pipelines, --tickers, --signals and --batch-size must "
                   "be positive\n";
      *exit_code = kExitUsage;
      return;
    }
    std::cout << RunMatchBench(*options, &std::cerr).dump() << std::endl;
    *exit_code = kExitOk;
  });
}

}  // namespace sigflow
