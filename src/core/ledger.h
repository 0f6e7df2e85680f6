// LedgerEntry and DispatcherRun: the rows of seed 003's `dispatch_executions` (the immutable
// ledger of fills) and `dispatcher_runs` (one row per execution-dispatcher run).
//
// Times: decision_ts and simulated_ts are decision-clock times (during a replay, the replayed
// bar's time, so daily limits and positions follow market time); started_at / finished_at are
// wall-clock times of the run. All epoch milliseconds, UTC. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/recommendation.h"

namespace sigflow {

enum class ExecutionMode : uint8_t { kSimulated, kReal };

std::string_view ExecutionModeName(ExecutionMode mode);  // "SIMULATED" | "REAL"
std::optional<ExecutionMode> ParseExecutionMode(std::string_view text);

// One fill. Written once (UNIQUE recommendation_id); the database refuses UPDATE and DELETE.
struct LedgerEntry {
  std::string execution_id;  // UUID
  int64_t recommendation_id = 0;
  std::string dispatcher_run_id;  // the run that filled it
  std::string ticker;
  TradeAction action = TradeAction::kBuyStock;
  int64_t decision_ts_ms = 0;   // when the gates decided
  int64_t simulated_ts_ms = 0;  // when the fill happened
  double entry_price = 0;
  std::string fill_model;  // "close+slip"
  double slippage_bps = 0;
  double qty = 0;
  double notional = 0;  // qty * entry_price
  double stop_loss_price = 0;
  double take_profit_price = 0;
  int max_hold_minutes = 0;
  ExecutionMode execution_mode = ExecutionMode::kSimulated;
  std::string explain_json = "{}";  // the recommendation and why it was made
  std::string risk_json = "{}";     // every gate, and the sizing inputs and limits used
  std::string sim_json = "{}";      // the bar and features priced from, and each formula's inputs
};

// One run of the execution dispatcher. Opened with run_id, started_at and run_config_json;
// closed once with the counts, finished_at and run_summary_json.
struct DispatcherRun {
  std::string run_id;  // UUID
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;   // 0 while the run is open (or when it died before closing)
  int64_t pulled_count = 0;     // recommendations claimed
  int64_t processed_count = 0;  // simulated + skipped + failed
  int64_t simulated_count = 0;
  int64_t skipped_count = 0;
  int64_t failed_count = 0;
  std::string run_config_json = "{}";   // the whole configuration the run used
  std::string run_summary_json = "{}";  // reaper counts, skip reasons, timings, trading state
};

}  // namespace sigflow
