// The demo pipelines `sigflow run` seeds into an empty store, so a first run shows signals
// waking pipelines and their recommendations reaching the ledger. Each is labelled "[demo]" with
// user_id "demo"; remove them with `sigflow pipelines remove ID`.
//
// The signal-mode demos run the seeds' agent chain (kDemoAgentChain): market data as of the
// signal, bias combined with the trend, a strategy, the pipeline's risk checks, and the order
// manager writing PENDING recommendations for the execution dispatcher. Three of them watch the
// 30 Dow stocks of the bundled history that the default `sigflow run` replays; the periodic demo
// runs every 5 minutes from its time_trigger (no signal wakes it).
#pragma once

#include "core/status.h"
#include "store/store.h"

namespace sigflow {

inline constexpr char kDemoAgentChain[] =
    R"({"nodes":[{"agent_type":"market_data_agent","config":{}},)"
    R"({"agent_type":"bias_agent","config":{"trend_weight":0.3}},)"
    R"({"agent_type":"strategy_agent","config":{"min_confidence":0.5}},)"
    R"({"agent_type":"risk_manager","config":{"max_trades_per_execution":3}},)"
    R"({"agent_type":"order_manager","config":{}}]})";

inline constexpr char kDemoPeriodicChain[] =
    R"({"nodes":[{"agent_type":"time_trigger","config":{"interval_seconds":300}},)"
    R"({"agent_type":"market_data_agent","config":{}},)"
    R"({"agent_type":"bias_agent","config":{}}]})";

// Adds the demo pipelines when the store has no pipeline at all. Returns how many were added.
Result<int> SeedDemoPipelinesIfEmpty(Store* store);

}  // namespace sigflow
