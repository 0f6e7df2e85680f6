// `sigflow execute`: the execution dispatcher (seed 003) as a role of its own.
#include <csignal>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/csv_market.h"
#include "cli/open_store.h"
#include "cli/store_market_view.h"
#include "core/time_format.h"
#include "obs/log.h"
#include "risk/execution_dispatcher.h"

namespace sigflow {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }

struct ExecuteFlags {
  std::string store, every, config, bars, as_of, duration;
  bool once = false, drain = false, json = false;
};

void PrintRun(const RunReport& r, bool json) {
  if (json) {
    nlohmann::json line = {{"run_id", r.run.run_id},
                           {"pulled_count", r.run.pulled_count},
                           {"simulated_count", r.run.simulated_count},
                           {"skipped_count", r.run.skipped_count},
                           {"failed_count", r.run.failed_count},
                           {"summary", nlohmann::json::parse(r.run.run_summary_json)}};
    std::cout << line.dump() << std::endl;
    return;
  }
  std::cout << "run " << r.run.run_id << ": pulled " << r.run.pulled_count << ", simulated "
            << r.run.simulated_count << ", skipped " << r.run.skipped_count << ", failed "
            << r.run.failed_count << " (trading state " << TradingStateName(r.trading_state)
            << ", reaped " << r.reaped.released + r.reaped.failed << ")";
  for (const auto& [reason, n] : r.skip_reasons) std::cout << "; " << reason << " " << n;
  std::cout << std::endl;
}

int RunExecute(const ExecuteFlags& flags) {
  constexpr char kCommand[] = "sigflow execute";
  if (flags.once == !flags.every.empty()) {
    std::cerr << kCommand << ": give exactly one of --once and --every (e.g. --every 60s)\n";
    return kExitUsage;
  }
  std::chrono::milliseconds period{0}, duration{0};
  if (!flags.every.empty()) {
    auto parsed = ParseDuration(flags.every);
    if (!parsed || parsed->count() <= 0) {
      std::cerr << kCommand << ": --every: expected a duration like 60s or 500ms, got '"
                << flags.every << "'\n";
      return kExitUsage;
    }
    period = *parsed;
  }
  if (!flags.duration.empty()) {
    auto parsed = ParseDuration(flags.duration);
    if (!parsed) {
      std::cerr << kCommand << ": --duration: expected a duration like 5m, got '" << flags.duration
                << "'\n";
      return kExitUsage;
    }
    duration = *parsed;
  }
  auto config = flags.config.empty() ? Result<ExecutionConfig>(ExecutionConfig{})
                                     : ExecutionConfig::FromFile(flags.config);
  if (!config.ok()) {
    std::cerr << kCommand << ": bad --config:\n" << config.status().message() << "\n";
    return kExitUsage;
  }
  auto broker = MakeBroker(*config);
  if (!broker.ok()) {
    std::cerr << kCommand << ": " << broker.status().message() << "\n";
    return kExitUsage;
  }
  // The decision clock: now, or fixed at --as-of (deciding on history as it stood then).
  std::unique_ptr<ManualClock> fixed_clock;
  if (!flags.as_of.empty()) {
    auto ms = ParseIso8601(flags.as_of);
    if (!ms) {
      std::cerr << kCommand << ": --as-of: expected a date or time like 2020-03-16, got '"
                << flags.as_of << "'\n";
      return kExitUsage;
    }
    fixed_clock = std::make_unique<ManualClock>(*ms);
  }
  auto opened = OpenLedgerOrPrint(flags.store, kCommand);
  if (!opened.ledger) return opened.exit_code;
  // Market data: the store's bars and features by default, or a CSV file with --bars.
  std::unique_ptr<MarketView> market;
  if (flags.bars.empty()) {
    MarketStore* stored = MarketStoreOf(opened.store.get());
    if (stored == nullptr) {
      std::cerr << kCommand << ": this store keeps no market data; pass --bars FILE.csv\n";
      return kExitUsage;
    }
    market = std::make_unique<StoreMarketView>(stored);
    log::Info("market_data_source",
              {{"source", "store"}, {"tables", {"lane_telemetry", "lane_features"}}});
  } else {
    auto view = std::make_unique<InMemoryMarketView>();
    auto loaded = LoadCsvMarket(flags.bars, view.get());
    if (!loaded.ok()) {
      std::cerr << kCommand << ": --bars: " << loaded.status().message() << "\n";
      return kExitUsage;
    }
    std::string tickers;
    for (const auto& t : loaded->tickers) tickers += (tickers.empty() ? "" : ",") + t;
    log::Info("market_data_loaded", {{"source", "csv"},
                                     {"file", flags.bars},
                                     {"tickers", tickers},
                                     {"bars", loaded->bars},
                                     {"first", FormatIso8601(loaded->first_ms)},
                                     {"last", FormatIso8601(loaded->last_ms)}});
    market = std::move(view);
  }
  const Clock* clock =
      fixed_clock ? static_cast<const Clock*>(fixed_clock.get()) : SystemClock::Default();
  ExecutionDispatcher dispatcher(opened.ledger.get(), market.get(), broker->get(), *config, clock);

  if (flags.once) {
    while (true) {
      auto report = dispatcher.RunOnce();
      if (!report.ok()) {
        std::cerr << kCommand << ": the run stopped: " << report.status().ToString() << "\n";
        return kExitFailure;
      }
      PrintRun(*report, flags.json);
      if (!flags.drain || report->run.pulled_count < config->max_signals_per_run) break;
    }
    return kExitOk;
  }
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  std::thread stopper;
  std::atomic<bool> done{false};
  if (duration.count() > 0) {
    stopper = std::thread([&] {
      const auto deadline = std::chrono::steady_clock::now() + duration;
      while (!done && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      g_stop = true;
    });
  }
  dispatcher.RunEvery(period, g_stop);
  done = true;
  if (stopper.joinable()) stopper.join();
  const auto& p = dispatcher.probe();
  std::cout << "execute: " << p.runs.load() << " runs, claimed " << p.claimed.load()
            << ", simulated " << p.simulated.load() << ", skipped " << p.skipped.load()
            << ", failed " << p.failed.load() << std::endl;
  return p.run_failures.load() > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void AddExecuteCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ExecuteFlags>();
  auto* cmd = app.add_subcommand(
      "execute",
      "Run the execution dispatcher (seed 003): claim PENDING recommendations, evaluate the risk\n"
      "gates, fill those that pass on the simulated broker and append them to the ledger.\n"
      "Bars and features are read from the store (lane_telemetry, lane_features; see `sigflow "
      "bars`)\n"
      "unless --bars names a CSV file.\n"
      "Example: sigflow execute --once --bars data/sp500_2000_2020_daily.csv --as-of 2020-03-16");
  cmd->add_flag("--once", flags->once, "one run, then exit");
  cmd->add_option("--every", flags->every, "a run every period (e.g. 60s) until Ctrl-C");
  cmd->add_flag("--drain", flags->drain,
                "with --once: run again while a run claims max_signals_per_run");
  cmd->add_option("--duration", flags->duration, "with --every: stop after this long");
  cmd->add_option("--config", flags->config,
                  "JSON file of seed 003 config keys, merged over the defaults");
  cmd->add_option("--bars", flags->bars,
                  "market data from a CSV of bars (market/bar_csv.h layouts) instead of the "
                  "store's lane_telemetry / lane_features");
  cmd->add_option("--as-of", flags->as_of,
                  "decide at this fixed time (the decision clock) instead of now");
  cmd->add_option("--store", flags->store, "store: a SQLite file or a PostgreSQL URL");
  cmd->add_flag("--json", flags->json, "print each run as one JSON line");
  cmd->callback([flags, exit_code] { *exit_code = RunExecute(*flags); });
}

}  // namespace sigflow
