// JSON views of the execution side (recommendations, fills, runs, the trading state, the
// analytics) for `--json` output. Stored JSON documents (reason, risk_gate_json, explain_json,
// ...) are embedded as JSON, not as strings. Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "store/ledger_store.h"

namespace sigflow {

nlohmann::json RecommendationToJson(const Recommendation& r);
nlohmann::json LedgerEntryToJson(const LedgerEntry& e);
nlohmann::json RunToJson(const DispatcherRun& run);
nlohmann::json TradingStateToJson(const TradingStateRecord& record);
nlohmann::json GateSkipStatsToJson(const GateSkipStats& stats);
nlohmann::json PositionStatsToJson(const std::vector<ActionPositionStats>& rows);

}  // namespace sigflow
