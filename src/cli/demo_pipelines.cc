#include "cli/demo_pipelines.h"

#include "cli/pipeline_json.h"
#include "obs/log.h"

namespace sigflow {

Result<int> SeedDemoPipelinesIfEmpty(Store* store) {
  auto existing = store->ListPipelines();
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) return 0;
  struct Demo {
    const char* name;
    std::vector<std::string> tickers;
    TriggerMode mode;
  };
  const Demo demos[] = {
      {"[demo] AAPL Momentum Trader", {"AAPL", "MSFT"}, TriggerMode::kSignal},
      {"[demo] Tech Scanner", {"GOOGL", "AMZN", "MSFT"}, TriggerMode::kSignal},
      {"[demo] Chip Watcher", {"NVDA", "AMD", "INTC"}, TriggerMode::kSignal},
      {"[demo] Banks", {"JPM"}, TriggerMode::kSignal},
      {"[demo] Daily Scanner (periodic, not woken by signals)", {"SPY"}, TriggerMode::kPeriodic},
  };
  int added = 0;
  for (const auto& d : demos) {
    Pipeline p;
    p.name = d.name;
    p.description = "demo pipeline seeded by `sigflow run` into an empty store";
    p.user_id = "demo";
    p.trigger_mode = d.mode;
    p.scanner_tickers = d.tickers;
    p.config_json = kDefaultPipelineConfig;
    auto result = store->AddPipeline(std::move(p));
    if (!result.ok()) return result.status();
    ++added;
  }
  log::Info("demo_pipelines_seeded", {{"pipelines_count", added}});
  return added;
}

}  // namespace sigflow
