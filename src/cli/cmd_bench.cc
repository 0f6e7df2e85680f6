// `sigflow bench match | indicators | replay | execute | pipeline`: the benchmarks
// (bench/match_bench.h, bench/execute_bench.h), each printing one JSON line on stdout.
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <limits>

#include "bench/execute_bench.h"
#include "bench/market_bench.h"
#include "bench/match_bench.h"
#include "cli/adapters.h"
#include "cli/commands.h"
#include "cli/open_store.h"

namespace sigflow {
namespace {

struct ExecuteBenchFlags {
  std::string store;
  ExecuteBenchOptions options;
};

int RunExecuteBenchCommand(const ExecuteBenchFlags& flags) {
  constexpr char kCommand[] = "sigflow bench execute";
  const ExecuteBenchOptions& o = flags.options;
  if (o.recommendations == 0 || o.tickers == 0 || o.batch <= 0 || o.dispatchers <= 0 ||
      o.repetitions <= 0) {
    std::cerr << kCommand << ": --recommendations, --tickers, --batch, --dispatchers and "
              << "--repetitions must be positive\n";
    return kExitUsage;
  }
  // Without --store: a fresh SQLite file in a temporary directory, removed afterwards.
  std::string temp_dir;
  std::string store = flags.store;
  if (store.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sigflow-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << kCommand << ": cannot create a temporary directory\n";
      return kExitFailure;
    }
    temp_dir = pattern;
    store = temp_dir + "/bench.db";
  }
  auto settings = LoadSettingsOrPrint(SettingFlags{store, std::nullopt});
  if (!settings) return kExitUsage;
  const std::string backend = IsPostgresStore(settings->store_path) ? "postgres" : "sqlite";
  auto open = [&]() -> Result<BenchLedger> {
    auto s = OpenStore(*settings);
    if (!s.ok()) return s.status();
    auto ledger = OpenLedger(s->get(), *settings);
    if (!ledger.ok()) return ledger.status();
    return BenchLedger{std::move(s).value(), std::move(ledger).value()};
  };
  auto result = RunExecuteBench(o, backend, open, &std::cerr);
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  if (!result.ok()) {
    std::cerr << kCommand << ": " << result.status().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << result->dump() << std::endl;
  return kExitOk;
}

}  // namespace

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

  auto indicators = std::make_shared<IndicatorBenchOptions>();
  auto* ind = cmd->add_subcommand(
      "indicators",
      "Indicator updates per second (SMA 50/200, EMA 20, ATR 14, volatility 20, a whole feature\n"
      "row) on a seeded random walk, beside a from-scratch 200-bar SMA, one JSON line.");
  ind->add_option("--updates", indicators->updates, "bars per indicator per run")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  ind->add_option("--naive-updates", indicators->naive_updates, "bars for the naive baseline")
      ->check(CLI::Range(size_t{200}, std::numeric_limits<size_t>::max()))
      ->capture_default_str();
  ind->add_option("--seed", indicators->seed, "random walk seed")->capture_default_str();
  ind->add_option("--repetitions", indicators->repetitions, "runs of each (median)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  ind->callback([indicators, exit_code] {
    std::cout << RunIndicatorBench(*indicators).dump() << std::endl;
    *exit_code = kExitOk;
  });

  auto replay = std::make_shared<ReplayBenchOptions>();
  auto* rep = cmd->add_subcommand(
      "replay",
      "A whole CSV of history through the four bar-driven generators (bars/s), with and without\n"
      "encoding the signals, beside a naive replay recomputing the SMAs per bar, one JSON line.");
  rep->add_option("--file", replay->file, "CSV of daily bars")->capture_default_str();
  rep->add_option("--repetitions", replay->repetitions, "runs of each (median)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  rep->callback([replay, exit_code] {
    try {
      std::cout << RunReplayBench(*replay).dump() << std::endl;
      *exit_code = kExitOk;
    } catch (const std::exception& e) {
      std::cerr << "sigflow bench replay: " << e.what() << "\n";
      *exit_code = kExitFailure;
    }
  });
  auto exec = std::make_shared<ExecuteBenchFlags>();
  auto* execute = cmd->add_subcommand(
      "execute",
      "Recommendations claimed, gated and filled per second by the execution dispatcher, on the\n"
      "store given (default: a fresh temporary SQLite file; a PostgreSQL URL for PostgreSQL).");
  execute->add_option("--store", exec->store, "a SQLite file or a PostgreSQL URL");
  execute->add_option("--recommendations", exec->options.recommendations, "per repetition")
      ->capture_default_str();
  execute->add_option("--tickers", exec->options.tickers, "distinct tickers")
      ->capture_default_str();
  execute->add_option("--batch", exec->options.batch, "max_signals_per_run")->capture_default_str();
  execute
      ->add_option("--dispatchers", exec->options.dispatchers,
                   "dispatchers racing, each on its own connection")
      ->capture_default_str();
  execute->add_option("--repetitions", exec->options.repetitions, "runs (the median is reported)")
      ->capture_default_str();
  execute->callback([exec, exit_code] { *exit_code = RunExecuteBenchCommand(*exec); });
  AddPipelineBenchCommand(*cmd, exit_code);
}

}  // namespace sigflow
