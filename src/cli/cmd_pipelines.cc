// `sigflow pipelines add | list | remove`.
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/open_store.h"
#include "cli/pipeline_json.h"
#include "core/time_format.h"
#include "work/agent_registry.h"

namespace sigflow {
namespace {

struct PipelineAddFlags {
  std::string store, name, description, user_id, tickers, trigger_mode = "signal", config;
  bool inactive = false;
};

std::vector<std::string> SplitTickers(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

int RunPipelineAdd(const PipelineAddFlags& flags) {
  auto mode = ParseTriggerMode(flags.trigger_mode);
  if (!mode) {
    std::cerr << "sigflow pipelines add: --trigger-mode: expected 'signal' or 'periodic', got '"
              << flags.trigger_mode << "'\n";
    return kExitUsage;
  }
  Pipeline p;
  p.name = flags.name;
  p.description = flags.description;
  p.user_id = flags.user_id;
  p.trigger_mode = *mode;
  p.is_active = !flags.inactive;
  p.config_json = flags.config.empty() ? kDefaultPipelineConfig : flags.config;
  auto tickers = ParseTickerList(SplitTickers(flags.tickers));
  if (!tickers.ok()) {
    std::cerr << "sigflow pipelines add: --tickers: " << tickers.status().message() << "\n";
    return kExitUsage;
  }
  p.scanner_tickers = std::move(tickers).value();
  AgentRegistry agents;
  if (Status s = RegisterBuiltinAgents(&agents); !s.ok()) {
    std::cerr << "sigflow pipelines add: " << s.ToString() << "\n";
    return kExitFailure;
  }
  if (Status valid = agents.Validate(p.config_json); !valid.ok()) {
    std::cerr << "sigflow pipelines add: --config: " << valid.message() << "\n";
    return kExitUsage;
  }
  auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
  if (!settings) return kExitUsage;
  auto store = OpenStoreOrPrint(*settings);
  if (!store) return kExitFailure;
  auto added = store->AddPipeline(std::move(p));
  if (!added.ok()) {
    std::cerr << "sigflow pipelines add: " << added.status().message() << "\n";
    return added.status().code() == "invalid_argument" ? kExitUsage : kExitFailure;
  }
  std::cout << added->id << "\n";
  return kExitOk;
}

struct PipelineListFlags {
  std::string store;
  bool json = false;
};

int RunPipelineList(const PipelineListFlags& flags) {
  auto settings = LoadSettingsOrPrint(SettingFlags{flags.store, std::nullopt});
  if (!settings) return kExitUsage;
  auto store = OpenStoreOrPrint(*settings);
  if (!store) return kExitFailure;
  auto pipelines = store->ListPipelines();
  if (!pipelines.ok()) {
    std::cerr << "sigflow pipelines list: " << pipelines.status().ToString() << "\n";
    return kExitFailure;
  }
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : *pipelines) out.push_back(PipelineToJson(p));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-36s  %-8s  %-6s  %-24s  %s\n", "ID", "MODE", "ACTIVE", "NAME", "TICKERS");
  for (const auto& p : *pipelines) {
    std::string tickers;
    for (const auto& t : p.scanner_tickers) tickers += (tickers.empty() ? "" : ",") + t;
    std::printf("%-36s  %-8s  %-6s  %-24s  %s\n", p.id.c_str(),
                std::string(TriggerModeName(p.trigger_mode)).c_str(), p.is_active ? "yes" : "no",
                p.name.c_str(), tickers.c_str());
  }
  return kExitOk;
}

int RunRemove(const std::string& store_flag, const std::string& id) {
  auto settings = LoadSettingsOrPrint(SettingFlags{store_flag, std::nullopt});
  if (!settings) return kExitUsage;
  auto store = OpenStoreOrPrint(*settings);
  if (!store) return kExitFailure;
  Status status = store->RemovePipeline(id);
  if (status.code() == "not_found") {
    std::cerr << "sigflow pipelines remove: no pipeline with id '" << id
              << "' (see `sigflow pipelines list`)\n";
    return kExitFailure;
  }
  if (!status.ok()) {
    std::cerr << "sigflow pipelines remove: " << status.ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "removed " << id << "\n";
  return kExitOk;
}

}  // namespace

void AddPipelinesCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("pipelines", "Add, list and remove pipelines");
  cmd->require_subcommand(1);

  auto add = std::make_shared<PipelineAddFlags>();
  auto* add_cmd = cmd->add_subcommand(
      "add",
      "Add a pipeline; prints its id.\nExample: sigflow pipelines add --name 'AAPL Trader' "
      "--tickers AAPL,MSFT");
  add_cmd->add_option("--name", add->name, "pipeline name")->required();
  add_cmd->add_option("--tickers", add->tickers,
                      "comma-separated scanner tickers (required for signal mode)");
  add_cmd
      ->add_option("--trigger-mode", add->trigger_mode,
                   "signal (woken by signals) or periodic (runs on its schedule)")
      ->capture_default_str();
  add_cmd->add_flag("--inactive", add->inactive, "store it inactive (never woken)");
  add_cmd->add_option("--description", add->description, "free text");
  add_cmd->add_option("--user-id", add->user_id, "owner id");
  add_cmd->add_option(
      "--config", add->config,
      std::string("pipeline config JSON with \"nodes\" (default: ") + kDefaultPipelineConfig + ")");
  add_cmd->add_option("--store", add->store, "store database file (default ./data/sigflow.db)");
  add_cmd->callback([add, exit_code] { *exit_code = RunPipelineAdd(*add); });

  auto list = std::make_shared<PipelineListFlags>();
  auto* list_cmd = cmd->add_subcommand("list", "List every pipeline");
  list_cmd->add_flag("--json", list->json, "print a JSON array");
  list_cmd->add_option("--store", list->store, "store database file (default ./data/sigflow.db)");
  list_cmd->callback([list, exit_code] { *exit_code = RunPipelineList(*list); });

  auto remove_id = std::make_shared<std::string>();
  auto remove_store = std::make_shared<std::string>();
  auto* remove_cmd = cmd->add_subcommand("remove", "Remove a pipeline by id");
  remove_cmd->add_option("id", *remove_id, "pipeline id")->required();
  remove_cmd->add_option("--store", *remove_store,
                         "store database file (default ./data/sigflow.db)");
  remove_cmd->callback(
      [remove_id, remove_store, exit_code] { *exit_code = RunRemove(*remove_store, *remove_id); });
}

}  // namespace sigflow
