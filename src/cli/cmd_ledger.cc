// `sigflow ledger list`, `sigflow runs list`, `sigflow stats gates | positions`: seed 003's
// analysis questions as commands, each with --json.
#include <cstdio>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/ledger_json.h"
#include "cli/open_store.h"
#include "cli/time_range_flags.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

struct QueryFlags {
  std::string store;
  bool json = false;
  int limit = 50;
  std::string ticker;
  TimeRangeFlags range;
};

void AddCommon(CLI::App* cmd, QueryFlags* flags) {
  cmd->add_option("--store", flags->store, "store: a SQLite file or a PostgreSQL URL");
  cmd->add_flag("--json", flags->json, "print JSON");
}

void AddRange(CLI::App* cmd, QueryFlags* flags, const char* what) {
  cmd->add_option("--since", flags->range.since,
                  std::string("first ") + what +
                      " time, inclusive (2024-03-04 or "
                      "2024-03-04T15:00:00Z, UTC)");
  cmd->add_option("--until", flags->range.until, std::string("last ") + what + " time, exclusive");
  cmd->add_flag("--today", flags->range.today, "the current UTC day");
}

// The shape of every command here: parse the range, open the ledger, run one query, print it
// as JSON (--json) or as text.
template <typename T>
int RunQuery(const QueryFlags& flags, const char* command,
             const std::function<Result<T>(LedgerStore*, const TimeRange&)>& query,
             const std::function<nlohmann::json(const T&)>& to_json,
             const std::function<void(const T&)>& print) {
  auto range = ParseTimeRange(flags.range, SystemClock::Default()->NowMs());
  if (!range.ok()) {
    std::cerr << command << ": " << range.status().message() << "\n";
    return kExitUsage;
  }
  auto opened = OpenLedgerOrPrint(flags.store, command);
  if (!opened.ledger) return opened.exit_code;
  auto result = query(opened.ledger.get(), *range);
  if (!result.ok()) {
    std::cerr << command << ": " << result.status().ToString() << "\n";
    return kExitFailure;
  }
  if (flags.json) {
    std::cout << to_json(*result).dump(2) << "\n";
  } else {
    print(*result);
  }
  return kExitOk;
}

template <typename T>
nlohmann::json JsonArray(const std::vector<T>& items, nlohmann::json (*one)(const T&)) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(one(item));
  return out;
}

int RunLedgerList(const QueryFlags& flags) {
  using Fills = std::vector<LedgerEntry>;
  return RunQuery<Fills>(
      flags, "sigflow ledger list",
      [&](LedgerStore* ledger, const TimeRange& range) {
        return ledger->ListLedger({range, flags.ticker, flags.limit});
      },
      [](const Fills& fills) { return JsonArray(fills, LedgerEntryToJson); },
      [](const Fills& fills) {
        std::printf("%-24s  %-8s  %-12s  %10s  %12s  %12s  %10s  %10s  %6s  %s\n", "SIMULATED_TS",
                    "TICKER", "ACTION", "ENTRY", "QTY", "NOTIONAL", "STOP", "TARGET", "RECO",
                    "MODE");
        for (const auto& f : fills) {
          std::printf("%-24s  %-8s  %-12s  %10.4f  %12.4f  %12.2f  %10.4f  %10.4f  %6lld  %s\n",
                      FormatIso8601(f.simulated_ts_ms).c_str(), f.ticker.c_str(),
                      std::string(TradeActionName(f.action)).c_str(), f.entry_price, f.qty,
                      f.notional, f.stop_loss_price, f.take_profit_price,
                      static_cast<long long>(f.recommendation_id),
                      std::string(ExecutionModeName(f.execution_mode)).c_str());
        }
      });
}

int RunRunsList(const QueryFlags& flags) {
  using Runs = std::vector<DispatcherRun>;
  return RunQuery<Runs>(
      flags, "sigflow runs list",
      [&](LedgerStore* ledger, const TimeRange&) { return ledger->ListRuns(flags.limit); },
      [](const Runs& runs) { return JsonArray(runs, RunToJson); },
      [](const Runs& runs) {
        std::printf("%-36s  %-24s  %-24s  %6s  %9s  %7s  %6s\n", "RUN_ID", "STARTED", "FINISHED",
                    "PULLED", "SIMULATED", "SKIPPED", "FAILED");
        for (const auto& r : runs) {
          std::printf(
              "%-36s  %-24s  %-24s  %6lld  %9lld  %7lld  %6lld\n", r.run_id.c_str(),
              FormatIso8601(r.started_at_ms).c_str(),
              r.finished_at_ms > 0 ? FormatIso8601(r.finished_at_ms).c_str() : "(unfinished)",
              static_cast<long long>(r.pulled_count), static_cast<long long>(r.simulated_count),
              static_cast<long long>(r.skipped_count), static_cast<long long>(r.failed_count));
        }
      });
}

void PrintCounts(const char* title, const std::vector<std::pair<std::string, int64_t>>& counts) {
  std::printf("\n%s\n", title);
  for (const auto& [name, n] : counts) {
    std::printf("  %-28s %8lld\n", name.c_str(), static_cast<long long>(n));
  }
}

int RunStatsGates(const QueryFlags& flags) {
  return RunQuery<GateSkipStats>(
      flags, "sigflow stats gates",
      [](LedgerStore* ledger, const TimeRange& range) { return ledger->CountGateSkips(range); },
      GateSkipStatsToJson,
      [](const GateSkipStats& stats) {
        std::printf("skipped recommendations: %lld\n", static_cast<long long>(stats.skipped));
        PrintCounts("failed, by gate (a recommendation may fail several)", stats.failed_by_gate);
        PrintCounts("skipped, by deciding reason", stats.by_reason);
      });
}

int RunStatsPositions(const QueryFlags& flags) {
  using Rows = std::vector<ActionPositionStats>;
  return RunQuery<Rows>(
      flags, "sigflow stats positions",
      [](LedgerStore* ledger, const TimeRange& range) { return ledger->PositionsByAction(range); },
      PositionStatsToJson,
      [](const Rows& rows) {
        std::printf("%-12s  %6s  %12s  %14s  %12s  %16s\n", "ACTION", "COUNT", "AVG_QTY",
                    "AVG_NOTIONAL", "AVG_ENTRY", "TOTAL_NOTIONAL");
        for (const auto& r : rows) {
          std::printf("%-12s  %6lld  %12.4f  %14.2f  %12.4f  %16.2f\n",
                      std::string(TradeActionName(r.action)).c_str(),
                      static_cast<long long>(r.count), r.avg_qty, r.avg_notional, r.avg_entry,
                      r.total_notional);
        }
      });
}

}  // namespace

void AddLedgerCommands(CLI::App& app, int* exit_code) {
  auto* ledger =
      app.add_subcommand("ledger", "The immutable ledger of fills (dispatch_executions)");
  ledger->require_subcommand(1);
  auto ledger_flags = std::make_shared<QueryFlags>();
  auto* list = ledger->add_subcommand("list", "List fills, newest first (by simulated_ts)");
  AddCommon(list, ledger_flags.get());
  AddRange(list, ledger_flags.get(), "simulated_ts");
  list->add_option("--ticker", ledger_flags->ticker, "only this ticker");
  list->add_option("--limit", ledger_flags->limit, "at most this many; 0 for all")
      ->capture_default_str();
  list->callback([ledger_flags, exit_code] { *exit_code = RunLedgerList(*ledger_flags); });

  auto* runs = app.add_subcommand("runs", "Execution dispatcher runs (dispatcher_runs)");
  runs->require_subcommand(1);
  auto runs_flags = std::make_shared<QueryFlags>();
  auto* runs_list = runs->add_subcommand("list", "List runs, newest first");
  AddCommon(runs_list, runs_flags.get());
  runs_list->add_option("--limit", runs_flags->limit, "at most this many; 0 for all")
      ->capture_default_str();
  runs_list->callback([runs_flags, exit_code] { *exit_code = RunRunsList(*runs_flags); });

  auto* stats = app.add_subcommand("stats", "Seed 003's analysis questions over the ledger");
  stats->require_subcommand(1);
  auto gates_flags = std::make_shared<QueryFlags>();
  auto* gates = stats->add_subcommand(
      "gates",
      "Skip counts by gate and by deciding reason, for recommendations processed in a "
      "period (default: all time)");
  AddCommon(gates, gates_flags.get());
  AddRange(gates, gates_flags.get(), "processed_at");
  gates->callback([gates_flags, exit_code] { *exit_code = RunStatsGates(*gates_flags); });
  auto positions_flags = std::make_shared<QueryFlags>();
  auto* positions =
      stats->add_subcommand("positions",
                            "Average qty, notional and entry by action, for fills in a period (by "
                            "simulated_ts; default: all time)");
  AddCommon(positions, positions_flags.get());
  AddRange(positions, positions_flags.get(), "simulated_ts");
  positions->callback(
      [positions_flags, exit_code] { *exit_code = RunStatsPositions(*positions_flags); });
}

}  // namespace sigflow
