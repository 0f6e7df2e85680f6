// `sigflow recommendations add | list` (a recommendation by hand, for tests and demos) and
// `sigflow trading-state show | set`.

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/ledger_json.h"
#include "cli/open_store.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

struct RecommendationAddFlags {
  std::string store, ticker, action, created_at, pipeline_id, reason = R"({"rule":"manual"})";
  double confidence = -1;
  int64_t pipeline_execution_id = 0;
  std::vector<std::string> signal_ids;
};

int RunRecommendationAdd(const RecommendationAddFlags& flags) {
  constexpr char kCommand[] = "sigflow recommendations add";
  Recommendation r;
  r.ticker = flags.ticker;
  auto action = ParseTradeAction(flags.action);
  if (!action) {
    std::cerr << kCommand << ": --action: expected BUY_STOCK, BUY_CALL, BUY_PUT or SELL_PREMIUM, "
              << "got '" << flags.action << "'\n";
    return kExitUsage;
  }
  r.action = *action;
  r.confidence = flags.confidence;
  r.created_at_ms = SystemClock::Default()->NowMs();
  if (!flags.created_at.empty()) {
    auto ms = ParseIso8601(flags.created_at);
    if (!ms) {
      std::cerr << kCommand << ": --created-at: expected a date or time like "
                << "2024-03-04T15:00:00Z, got '" << flags.created_at << "'\n";
      return kExitUsage;
    }
    r.created_at_ms = *ms;
  }
  r.pipeline_id = flags.pipeline_id;
  r.pipeline_execution_id = flags.pipeline_execution_id;
  r.signal_ids = flags.signal_ids;
  r.reason_json = flags.reason;
  // Checked before opening anything, so that a typo costs nothing.
  Recommendation checked = r;
  if (Status valid = ValidateNewRecommendation(&checked); !valid.ok()) {
    std::cerr << kCommand << ": " << valid.message() << "\n";
    return kExitUsage;
  }
  auto opened = OpenLedgerOrPrint(flags.store, kCommand);
  if (!opened.ledger) return opened.exit_code;
  auto added = opened.ledger->AddRecommendation(r);
  if (!added.ok()) {
    std::cerr << kCommand << ": " << added.status().message() << "\n";
    return added.status().code() == "invalid_argument" ? kExitUsage : kExitFailure;
  }
  std::cout << added->id << "\n";
  return kExitOk;
}

struct RecommendationListFlags {
  std::string store, status, ticker;
  int limit = 50;
  bool json = false;
};

int RunRecommendationList(const RecommendationListFlags& flags) {
  constexpr char kCommand[] = "sigflow recommendations list";
  RecommendationFilter filter;
  filter.ticker = flags.ticker;
  filter.limit = flags.limit;
  if (!flags.status.empty()) {
    filter.status = ParseRecommendationStatus(flags.status);
    if (!filter.status) {
      std::cerr << kCommand << ": --status: expected PENDING, PROCESSING, SIMULATED, SKIPPED "
                << "or FAILED, got '" << flags.status << "'\n";
      return kExitUsage;
    }
  }
  auto opened = OpenLedgerOrPrint(flags.store, kCommand);
  if (!opened.ledger) return opened.exit_code;
  auto list = opened.ledger->ListRecommendations(filter);
  if (!list.ok()) {
    std::cerr << kCommand << ": " << list.status().ToString() << "\n";
    return kExitFailure;
  }
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *list) out.push_back(RecommendationToJson(r));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-8s  %-24s  %-8s  %-12s  %5s  %-10s  %s\n", "ID", "CREATED", "TICKER", "ACTION",
              "CONF", "STATUS", "REASON");
  for (const auto& r : *list) {
    std::printf("%-8lld  %-24s  %-8s  %-12s  %5.2f  %-10s  %s\n", static_cast<long long>(r.id),
                FormatIso8601(r.created_at_ms).c_str(), r.ticker.c_str(),
                std::string(TradeActionName(r.action)).c_str(), r.confidence,
                std::string(RecommendationStatusName(r.status)).c_str(), r.failure_reason.c_str());
  }
  return kExitOk;
}

struct StateFlags {
  std::string store, state, reason, by;
  bool json = false;
};

int RunShow(const StateFlags& flags) {
  constexpr char kCommand[] = "sigflow trading-state show";
  auto opened = OpenLedgerOrPrint(flags.store, kCommand);
  if (!opened.ledger) return opened.exit_code;
  auto history = opened.ledger->ListTradingStates(10);
  if (!history.ok()) {
    std::cerr << kCommand << ": " << history.status().ToString() << "\n";
    return kExitFailure;
  }
  const TradingStateRecord current = history->empty() ? TradingStateRecord{} : history->front();
  if (flags.json) {
    nlohmann::json out = TradingStateToJson(current);
    out["history"] = nlohmann::json::array();
    for (const auto& h : *history) out["history"].push_back(TradingStateToJson(h));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%s\n", std::string(TradingStateName(current.state)).c_str());
  if (history->empty()) {
    std::printf("  (never set: ACTIVE by default)\n");
    return kExitOk;
  }
  for (const auto& h : *history) {
    std::printf("  %-24s  %-8s  by %s: %s\n", FormatIso8601(h.changed_at_ms).c_str(),
                std::string(TradingStateName(h.state)).c_str(), h.changed_by.c_str(),
                h.reason.c_str());
  }
  return kExitOk;
}

int RunSet(const StateFlags& flags) {
  constexpr char kCommand[] = "sigflow trading-state set";
  auto state = ParseTradingState(flags.state);
  if (!state) {
    std::cerr << kCommand << ": STATE: expected ACTIVE, REDUCING or HALTED, got '" << flags.state
              << "'\n";
    return kExitUsage;
  }
  TradingStateRecord change{*state, flags.reason, flags.by, SystemClock::Default()->NowMs()};
  if (change.changed_by.empty()) {
    const char* user = std::getenv("USER");
    change.changed_by = user != nullptr && *user != '\0' ? user : "cli";
  }
  if (change.reason.empty()) {
    std::cerr << kCommand << ": --reason: say why (it is recorded with the change)\n";
    return kExitUsage;
  }
  auto opened = OpenLedgerOrPrint(flags.store, kCommand);
  if (!opened.ledger) return opened.exit_code;
  if (Status s = opened.ledger->SetTradingState(change); !s.ok()) {
    std::cerr << kCommand << ": " << s.ToString() << "\n";
    return kExitFailure;
  }
  std::printf("%s\n", std::string(TradingStateName(change.state)).c_str());
  return kExitOk;
}

}  // namespace

void AddRecommendationCommands(CLI::App& app, int* exit_code) {
  auto* recs = app.add_subcommand("recommendations",
                                  "Recommendations awaiting (or past) the execution dispatcher");
  recs->require_subcommand(1);
  auto add_flags = std::make_shared<RecommendationAddFlags>();
  auto* add = recs->add_subcommand(
      "add",
      "Write a PENDING recommendation by hand, as the order_manager agent would; prints "
      "its id");
  add->add_option("--store", add_flags->store, "store: a SQLite file or a PostgreSQL URL");
  add->add_option("--ticker", add_flags->ticker, "ticker symbol")->required();
  add->add_option("--action", add_flags->action, "BUY_STOCK, BUY_CALL, BUY_PUT or SELL_PREMIUM")
      ->required();
  add->add_option("--confidence", add_flags->confidence, "in [0, 1]")->required();
  add->add_option("--created-at", add_flags->created_at,
                  "when it was made (default now); the dispatcher claims those within "
                  "lookback_window_minutes of its clock");
  add->add_option("--pipeline-id", add_flags->pipeline_id, "the recommending pipeline");
  add->add_option("--execution-id", add_flags->pipeline_execution_id, "its execution (id)");
  add->add_option("--signal-id", add_flags->signal_ids, "a triggering signal (repeatable)");
  add->add_option("--reason", add_flags->reason, "the explanation: a JSON object")
      ->capture_default_str();
  add->callback([add_flags, exit_code] { *exit_code = RunRecommendationAdd(*add_flags); });

  auto list_flags = std::make_shared<RecommendationListFlags>();
  auto* list = recs->add_subcommand("list", "List recommendations, newest first");
  list->add_option("--store", list_flags->store, "store: a SQLite file or a PostgreSQL URL");
  list->add_option("--status", list_flags->status, "only this status");
  list->add_option("--ticker", list_flags->ticker, "only this ticker");
  list->add_option("--limit", list_flags->limit, "at most this many; 0 for all")
      ->capture_default_str();
  list->add_flag("--json", list_flags->json, "print JSON");
  list->callback([list_flags, exit_code] { *exit_code = RunRecommendationList(*list_flags); });

  auto* state = app.add_subcommand(
      "trading-state",
      "The trading state: ACTIVE, REDUCING (only exposure-reducing fills) or HALTED (no fills, "
      "and the trigger dispatcher wakes no pipeline)");
  state->require_subcommand(1);
  auto show_flags = std::make_shared<StateFlags>();
  auto* show = state->add_subcommand("show", "The current state and its latest changes");
  show->add_option("--store", show_flags->store, "store: a SQLite file or a PostgreSQL URL");
  show->add_flag("--json", show_flags->json, "print JSON");
  show->callback([show_flags, exit_code] { *exit_code = RunShow(*show_flags); });
  auto set_flags = std::make_shared<StateFlags>();
  auto* set = state->add_subcommand("set", "Change the state (recorded with who and why)");
  set->add_option("STATE", set_flags->state, "ACTIVE, REDUCING or HALTED")->required();
  set->add_option("--reason", set_flags->reason, "why (required)");
  set->add_option("--by", set_flags->by, "who (default $USER)");
  set->add_option("--store", set_flags->store, "store: a SQLite file or a PostgreSQL URL");
  set->callback([set_flags, exit_code] { *exit_code = RunSet(*set_flags); });
}

}  // namespace sigflow
