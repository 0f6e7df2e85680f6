#include "cli/demo_pipelines.h"

#include "obs/log.h"
#include "work/agent_registry.h"
#include "work/validating_store.h"

namespace sigflow {

Result<int> SeedDemoPipelinesIfEmpty(Store* store) {
  auto existing = store->ListPipelines();
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) return 0;
  // Saved through the same check as every pipeline: an unknown agent type would be refused.
  AgentRegistry registry;
  if (Status s = RegisterBuiltinAgents(&registry); !s.ok()) return s;
  PipelineValidatingStore validated(store, &registry);
  struct Demo {
    const char* name;
    std::vector<std::string> tickers;
    TriggerMode mode;
    const char* config;
  };
  const Demo demos[] = {
      {"[demo] AAPL Momentum Trader", {"AAPL", "MSFT"}, TriggerMode::kSignal, kDemoAgentChain},
      {"[demo] Tech Scanner", {"GOOGL", "AMZN", "MSFT"}, TriggerMode::kSignal, kDemoAgentChain},
      {"[demo] Chip Watcher", {"NVDA", "AMD", "INTC"}, TriggerMode::kSignal, kDemoAgentChain},
      {"[demo] Banks", {"JPM"}, TriggerMode::kSignal, kDemoAgentChain},
      // The 30 Dow stocks of the bundled history, which the default `sigflow run` replays.
      {"[demo] Dow Tech & Telecom",
       {"IBM", "HWP", "INTC", "MSFT", "T", "SBC", "EK"},
       TriggerMode::kSignal,
       kDemoAgentChain},
      {"[demo] Dow Industrials",
       {"AA", "BA", "CAT", "DD", "GE", "GM", "HON", "IP", "MMM", "UTX", "XOM"},
       TriggerMode::kSignal,
       kDemoAgentChain},
      {"[demo] Dow Consumer & Finance",
       {"AXP", "C", "JPM", "KO", "MCD", "MO", "PG", "WMT", "DIS", "HD", "JNJ", "MRK"},
       TriggerMode::kSignal,
       kDemoAgentChain},
      {"[demo] Daily Scanner (periodic, not woken by signals)",
       {"SPY"},
       TriggerMode::kPeriodic,
       kDemoPeriodicChain},
  };
  int added = 0;
  for (const auto& d : demos) {
    Pipeline p;
    p.name = d.name;
    p.description = "demo pipeline seeded by `sigflow run` into an empty store";
    p.user_id = "demo";
    p.trigger_mode = d.mode;
    p.scanner_tickers = d.tickers;
    p.config_json = d.config;
    auto result = validated.AddPipeline(std::move(p));
    if (!result.ok()) return result.status();
    ++added;
  }
  log::Info("demo_pipelines_seeded", {{"pipelines_count", added}});
  return added;
}

}  // namespace sigflow
