// `sigflow executions list`.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/open_store.h"
#include "cli/pipeline_json.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

struct ExecutionListFlags {
  std::string store;
  bool json = false;
  int limit = 50;
};

int RunExecutionList(const ExecutionListFlags& flags) {
  auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
  if (!settings) return kExitUsage;
  auto store = OpenStoreOrPrint(*settings);
  if (!store) return kExitFailure;
  auto executions = store->ListExecutions(flags.limit);
  if (!executions.ok()) {
    std::cerr << "sigflow executions list: " << executions.status().ToString() << "\n";
    return kExitFailure;
  }
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : *executions) out.push_back(ExecutionToJson(e));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-8s  %-36s  %-9s  %-8s  %-24s  %s\n", "ID", "PIPELINE", "STATUS", "SIGNALS",
              "CREATED", "ERROR");
  for (const auto& e : *executions) {
    std::printf("%-8lld  %-36s  %-9s  %-8zu  %-24s  %s\n", static_cast<long long>(e.id),
                e.pipeline_id.c_str(), std::string(ExecutionStatusName(e.status)).c_str(),
                e.signal_ids.size(), FormatIso8601(e.created_at_ms).c_str(), e.error.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddExecutionsCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("executions", "Inspect pipeline executions");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<ExecutionListFlags>();
  auto* list = cmd->add_subcommand("list", "List executions, newest first");
  list->add_flag("--json", flags->json, "print a JSON array");
  list->add_option("--limit", flags->limit, "at most this many; 0 for all")->capture_default_str();
  list->add_option("--store", flags->store, "store database file (default ./data/sigflow.db)");
  list->callback([flags, exit_code] { *exit_code = RunExecutionList(*flags); });
}

}  // namespace sigflow
