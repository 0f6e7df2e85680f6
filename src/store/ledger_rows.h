// What the LedgerStore implementations share, whatever the database: reading a row into the
// domain types (through LedgerRow, which each backend implements over its own result type), and
// checking a Settlement before it is written. Private to store/ (sqlite/ and postgres/).
//
// Column orders: every query that reads a whole row lists the columns in the order of the
// k*Fields comments below (each backend spells the casts it needs). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/ledger_store.h"

namespace sigflow::ledger_rows {

// One row of a result, columns 0-based.
class LedgerRow {
 public:
  virtual ~LedgerRow() = default;
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;  // 0 for NULL
  virtual double Double(int column) const = 0;
  virtual std::string_view Text(int column) const = 0;  // "" for NULL
};

// id, created_at, ticker, action, confidence, pipeline_id, pipeline_execution_id, signal_ids,
// reason, status, attempts, claimed_at, processed_at, dispatcher_run_id, failure_reason,
// risk_gate_json
Result<Recommendation> ReadRecommendation(const LedgerRow& row);

// execution_id, recommendation_id, dispatcher_run_id, ticker, action, decision_ts, simulated_ts,
// entry_price, fill_model, slippage_bps, qty, notional, stop_loss_price, take_profit_price,
// max_hold_minutes, execution_mode, explain_json, risk_json, sim_json
Result<LedgerEntry> ReadLedgerEntry(const LedgerRow& row);

// run_id, started_at, finished_at, pulled_count, processed_count, simulated_count,
// skipped_count, failed_count, run_config_json, run_summary_json
DispatcherRun ReadRun(const LedgerRow& row);

// state, reason, changed_by, changed_at
Result<TradingStateRecord> ReadTradingState(const LedgerRow& row);

// action, count, avg(qty), avg(notional), avg(entry_price), sum(notional)
Result<ActionPositionStats> ReadPositionStats(const LedgerRow& row);
// Orders per-action rows as TradeAction is ordered.
void SortByAction(std::vector<ActionPositionStats>* rows);

// Adds one (key, count) row of a counts query to `counts`: a recommendation status name, or
// "fills" / "runs". Unknown keys are ignored.
void AddCount(std::string_view key, int64_t count, LedgerCounts* counts);

// `invalid_argument` unless the settlement can end `claimed`: a final status, a fill exactly
// when SIMULATED, for this recommendation, ticker and action, with a JSON object in each of its
// documents and in risk_gate_json (when given).
Status CheckSettlement(const Recommendation& claimed, const Settlement& settlement);

// `invalid_argument` unless the change can be recorded (see LedgerStore::SetTradingState).
Status CheckTradingStateChange(const TradingStateRecord& change);

// The JSON array of `ids`.
std::string SignalIdsJson(const std::vector<std::string>& ids);

// Sorts counts most first, then by name (GateSkipStats' order).
void SortCounts(std::vector<std::pair<std::string, int64_t>>* counts);

}  // namespace sigflow::ledger_rows
