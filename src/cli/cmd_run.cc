// `sigflow run | dispatch | work | generate`: long-running roles, alone or all in one process.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "cli/demo_pipelines.h"
#include "cli/demo_replay.h"
#include "cli/live_generators.h"
#include "cli/open_store.h"
#include "cli/replay.h"
#include "cli/run_execution.h"
#include "cli/runtime.h"

namespace sigflow {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnSignal(int) { g_interrupted.store(true); }

struct RoleFlags {
  std::string store;
  std::string duration;
  std::optional<int> workers;
  bool json = false;
  bool no_demo = false;
  bool refresh_bars = false;  // live generate/run
  bool mock = false;
};

void PrintSummary(const RunSummary& s, bool json, RunExecution* execution = nullptr) {
  const auto trades = execution ? std::optional(execution->Summary()) : std::nullopt;
  if (json) {
    nlohmann::json j = {{"seconds", s.seconds},
                        {"signals_published", s.signals_published},
                        {"signals_consumed", s.signals_consumed},
                        {"signals_dead_lettered", s.signals_dead_lettered},
                        {"pipelines_matched", s.pipelines_matched},
                        {"pipelines_enqueued", s.pipelines_enqueued},
                        {"pipelines_skipped_running", s.pipelines_skipped_running},
                        {"pipelines_duplicate", s.pipelines_duplicate},
                        {"pipelines_trading_halted", s.pipelines_trading_halted},
                        {"executions_completed", s.executions_completed},
                        {"executions_failed", s.executions_failed},
                        {"executions_scheduled", s.executions_scheduled},
                        {"batches", s.batches},
                        {"latency_p50_ms", s.latency_p50_ms},
                        {"latency_p99_ms", s.latency_p99_ms}};
    if (trades) j.update(trades->ToJson());
    std::cout << j.dump() << std::endl;
    return;
  }
  std::printf(
      "sigflow summary after %.1f s\n"
      "  signals     published %llu  consumed %llu  dead-lettered %llu\n"
      "  pipelines   matched %llu  enqueued %llu  skipped_running %llu  duplicate %llu  "
      "trading_halted %llu\n"
      "  executions  completed %llu  failed %llu  scheduled (periodic) %llu\n"
      "  latency     signal -> execution created: p50 %.2f ms  p99 %.2f ms\n",
      s.seconds, static_cast<unsigned long long>(s.signals_published),
      static_cast<unsigned long long>(s.signals_consumed),
      static_cast<unsigned long long>(s.signals_dead_lettered),
      static_cast<unsigned long long>(s.pipelines_matched),
      static_cast<unsigned long long>(s.pipelines_enqueued),
      static_cast<unsigned long long>(s.pipelines_skipped_running),
      static_cast<unsigned long long>(s.pipelines_duplicate),
      static_cast<unsigned long long>(s.pipelines_trading_halted),
      static_cast<unsigned long long>(s.executions_completed),
      static_cast<unsigned long long>(s.executions_failed),
      static_cast<unsigned long long>(s.executions_scheduled), s.latency_p50_ms, s.latency_p99_ms);
  std::fflush(stdout);
  if (trades) RunExecution::PrintSummary(*trades);
}

// `sigflow run --replay`: the replay publishes on this thread while the runtime's dispatcher
// and workers take the signals through the whole path; then everything published is drained.
int ReplayThroughRuntime(Runtime* runtime, const Settings& settings, Replay* replay,
                         bool store_bars, RunExecution* execution) {
  auto producer = OpenProducer(settings);
  if (!producer.ok()) {
    std::cerr << "sigflow: " << producer.status().message() << "\n";
    return kExitFailure;
  }
  auto emit = EncodingEmit(producer->get(), [runtime](size_t n) { runtime->NotePublished(n); });
  // Each replayed day's signals run through the pipelines, then the dispatcher decides on that
  // day's clock, before the next day is fed.
  replay->set_settle([runtime, execution](int64_t time_ms) {
    runtime->Drain(std::chrono::seconds(60));
    if (execution != nullptr) execution->SettleAt(time_ms);
  });
  const int code = replay->Run(emit, store_bars ? MarketStoreOf(runtime->store()) : nullptr);
  // A replay publishes far faster than pipelines run: allow a minute to drain.
  if (code == kExitOk && !g_interrupted.load()) runtime->Drain(std::chrono::seconds(60));
  if (execution != nullptr) execution->Finish();
  return code;
}

int RunRoles(const RoleFlags& flags, RuntimeRoles roles, bool seed_demo,
             const ReplayFlags* replay_flags = nullptr) {
  // Zero (the default for the single roles) runs until Ctrl-C.
  std::chrono::milliseconds duration{0};
  if (!flags.duration.empty()) {
    auto parsed = ParseDuration(flags.duration);
    if (!parsed) {
      std::cerr << "sigflow: --duration: expected a duration like 20s, 500ms or 2m, got '"
                << flags.duration << "'\n";
      return kExitUsage;
    }
    duration = *parsed;
  }
  auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, flags.workers});
  if (!settings) return kExitUsage;
  std::unique_ptr<Replay> replay;
  if (replay_flags != nullptr) {
    int code = kExitOk;
    replay = Replay::Load(*replay_flags, &code);
    if (!replay) return code;
    roles.generate = false;  // the replay is the generator
  }
  auto runtime = Runtime::Start(*settings, roles);
  if (!runtime.ok()) {
    std::cerr << "sigflow: " << runtime.status().message() << "\n";
    return kExitFailure;
  }
  if (seed_demo) {
    auto seeded = SeedDemoPipelinesIfEmpty((*runtime)->store());
    if (!seeded.ok()) {
      std::cerr << "sigflow: cannot seed the demo pipelines: " << seeded.status().ToString()
                << "\n";
      return kExitFailure;
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  // `sigflow run` (every role) also runs the execution dispatcher: recommendations to the ledger.
  std::unique_ptr<RunExecution> execution;
  if (roles.dispatch && roles.work && (roles.generate || replay)) {
    auto created = RunExecution::Create((*runtime)->store(), (*runtime)->ledger());
    if (!created.ok()) {
      std::cerr << "sigflow: " << created.status().message() << "\n";
      return kExitFailure;
    }
    execution = std::move(created).value();
  }
  if (replay) {
    const int code = ReplayThroughRuntime(runtime->get(), *settings, replay.get(),
                                          replay_flags->store_bars, execution.get());
    (*runtime)->Stop();
    const RunSummary summary = (*runtime)->Summary();
    PrintSummary(summary, flags.json, execution.get());
    // A replay's signal ids are a function of the history, so replaying into a store that has
    // seen it before wakes nothing; say so rather than leave an all-zero summary unexplained.
    if (summary.pipelines_matched > 0 && summary.pipelines_duplicate == summary.pipelines_matched) {
      std::cerr << "sigflow run: every replayed signal was already in " << settings->store_path
                << " (this history was replayed into it before), so nothing new was woken; "
                   "remove that file or pass --store NEW_FILE to run the replay afresh\n";
    }
    return code;
  }
  if (execution) execution->StartLive(std::chrono::seconds(1));
  const auto deadline = duration.count() > 0 ? std::chrono::steady_clock::now() + duration
                                             : std::chrono::steady_clock::time_point::max();
  while (!g_interrupted.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Finish what was started: signals already published are dispatched and their executions run.
  if (!g_interrupted.load()) (*runtime)->Drain(std::chrono::seconds(10));
  (*runtime)->Stop();
  if (execution) execution->Finish();
  PrintSummary((*runtime)->Summary(), flags.json, execution.get());
  return kExitOk;
}

// --generators when given (live mode's choice); empty: SIGFLOW_GENERATORS or its default.
std::vector<std::string> GivenGenerators(const CLI::App& cmd, const ReplayFlags& flags) {
  return cmd.get_option("--generators")->count() > 0 ? flags.generators
                                                     : std::vector<std::string>();
}

void AddReplayOptions(CLI::App* cmd, ReplayFlags* replay, const char* what) {
  cmd->add_option("--replay", replay->file,
                  std::string(what) +
                      ". Files: Date,Open,High,Low,Close,Volume, or Date + one close column per "
                      "ticker");
  cmd->add_option("--ticker", replay->ticker,
                  "replay: the ticker of an OHLCV file (default: from its name), or the one "
                  "column of a wide file to replay");
  cmd->add_option("--from", replay->from,
                  "replay: first date whose signals are emitted, YYYY-MM-DD (earlier bars still "
                  "warm the indicators up)");
  cmd->add_option("--to", replay->to, "replay: last date, YYYY-MM-DD");
  cmd->add_option("--generators", replay->generators, GeneratorsFlagHelp())->delimiter(',');
  cmd->add_flag("--store-bars", replay->store_bars,
                "replay: also store every bar and its features in the store (lane_telemetry, "
                "lane_features)");
}

CLI::App* AddRole(CLI::App& app, const char* name, const char* description,
                  std::shared_ptr<RoleFlags> flags, bool with_workers) {
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_option("--store", flags->store, "store database file (default ./data/sigflow.db)");
  cmd->add_option("--duration", flags->duration,
                  flags->duration.empty()
                      ? "stop after this long (e.g. 20s, 2m); default: until Ctrl-C"
                      : "stop after this long (e.g. 20s, 2m; 0 = until Ctrl-C)")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "print the exit summary as one JSON line");
  if (with_workers) cmd->add_option("--workers", flags->workers, "worker threads (default 2)");
  if (std::string(name) != "dispatch" && std::string(name) != "work") {
    cmd->add_flag("--refresh-bars", flags->refresh_bars,
                  "live: fetch the watchlist's new daily bars from Finnhub into the store "
                  "(FINNHUB_API_KEY, 60 calls/min) as often as the bar-driven generators check");
  }
  return cmd;
}

}  // namespace

void AddRunCommands(CLI::App& app, int* exit_code) {
  auto run = std::make_shared<RoleFlags>();
  run->duration = "20s";  // the demo ends by itself; --duration 0 keeps it running
  auto* run_cmd = AddRole(
      app, "run",
      "Run every role in one process on the embedded store: generators, the trigger dispatcher,\n"
      "the workers (the pipelines' agents) and the execution dispatcher (risk gates, simulated\n"
      "fills, the ledger). An empty store is seeded with demo pipelines. Prints a summary on "
      "exit.\n"
      "With none of --replay, --mock, --duration, --generators, --refresh-bars: replays the\n"
      "bundled 30 Dow stocks' year 2000 on the replay clock and ends with ledger rows.\n"
      "With one of --mock, --duration, --generators or --refresh-bars: the live generators (as in\n"
      "`sigflow generate`; the mock one every 1 s unless MOCK_GENERATOR_INTERVAL_SECONDS is set)\n"
      "until --duration.",
      run, /*with_workers=*/true);
  run_cmd->add_flag("--no-demo", run->no_demo, "do not seed demo pipelines into an empty store");
  run_cmd->add_flag("--mock", run->mock,
                    "run the live generators (the mock among them) instead of the demo replay");
  auto* duration_option = run_cmd->get_option("--duration");
  auto run_replay = std::make_shared<ReplayFlags>();
  AddReplayOptions(run_cmd, run_replay.get(),
                   "instead of the mock generator, replay this CSV of daily bars through the "
                   "whole path (generators, dispatcher, workers), drain, print the summary and "
                   "exit; --duration is ignored");
  run_cmd->callback([run, run_cmd, run_replay, exit_code, duration_option] {
    RuntimeRoles roles{true, true, true, std::chrono::milliseconds(1000)};
    roles.generators = GivenGenerators(*run_cmd, *run_replay);
    roles.refresh_bars = run->refresh_bars;
    const bool live =
        run->mock || duration_option->count() > 0 || !roles.generators.empty() || run->refresh_bars;
    if (run_replay->file.empty() && !live) {
      if (auto file = FindDemoHistory()) {
        *run_replay = DemoReplayFlags(*file);
      } else {
        std::cerr << "sigflow run: the bundled history (data/" << kDemoHistoryFile
                  << ") is not here; running the live generators instead\n";
      }
    }
    *exit_code =
        RunRoles(*run, roles, !run->no_demo, run_replay->file.empty() ? nullptr : run_replay.get());
  });

  auto dispatch = std::make_shared<RoleFlags>();
  AddRole(app, "dispatch",
          "Run the trigger dispatcher alone: consume signals, wake matching pipelines.", dispatch,
          false)
      ->callback([dispatch, exit_code] {
        *exit_code = RunRoles(*dispatch, RuntimeRoles{true, false, false}, false);
      });

  auto work = std::make_shared<RoleFlags>();
  AddRole(app, "work", "Run workers alone: claim queued executions and run their pipelines.", work,
          true)
      ->callback([work, exit_code] {
        *exit_code = RunRoles(*work, RuntimeRoles{false, true, false}, false);
      });

  auto generate = std::make_shared<RoleFlags>();
  auto replay = std::make_shared<ReplayFlags>();
  auto* generate_cmd = AddRole(
      app, "generate",
      "Run the signal generators live, each on its own thread and interval, and publish to the\n"
      "bus (or print with --stdout). The watchlist comes from WATCHLIST_CONFIG_PATH. The\n"
      "bar-driven generators read the watchlist tickers' daily bars from the store (fill it\n"
      "with `sigflow bars ingest` or `sigflow bars fetch`, before or while this runs) and emit\n"
      "each cross or breakout once, on the tick after its bar arrives. Intervals:\n"
      "MOCK_GENERATOR_INTERVAL_SECONDS (60), GOLDEN_CROSS_CHECK_INTERVAL_SECONDS (300),\n"
      "DEATH_CROSS_CHECK_INTERVAL_SECONDS, VOLATILITY_BREAKOUT_CHECK_INTERVAL_SECONDS,\n"
      "PRICE_LEVEL_CHECK_INTERVAL_SECONDS (300 each).\n"
      "With --replay, run the bar-driven generators over a CSV of history as fast as possible\n"
      "instead, printing one JSON signal per line (or publishing with --to-bus).\n"
      "Examples: sigflow generate --generators golden_cross,death_cross --stdout\n"
      "          sigflow generate --replay data/sp500_2000_2020_daily.csv --generators "
      "golden_cross,death_cross",
      generate, false);
  AddReplayOptions(generate_cmd, replay.get(),
                   "run the bar-driven generators over this CSV of daily bars as fast as "
                   "possible, printing one JSON signal per line (or publishing with --to-bus)");
  generate_cmd->add_flag("--to-bus", replay->to_bus, "replay: publish to the bus, not stdout");
  generate_cmd->add_flag("--stdout", replay->to_stdout,
                         "live: print one JSON signal per line instead of publishing to the bus");
  generate_cmd->callback([generate, generate_cmd, replay, exit_code] {
    if (!replay->file.empty()) {
      replay->store = generate->store;
      *exit_code = RunReplay(*replay);
      return;
    }
    RuntimeRoles roles{false, false, true};
    roles.generators = GivenGenerators(*generate_cmd, *replay);
    roles.generators_to_stdout = replay->to_stdout;
    roles.refresh_bars = generate->refresh_bars;
    *exit_code = RunRoles(*generate, roles, false);
  });
}

}  // namespace sigflow
