#include "store/ledger_rows.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sigflow::ledger_rows {
namespace {

Result<std::vector<std::string>> ParseIds(std::string_view text) {
  std::vector<std::string> out;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array())
    return Status::Internal("signal_ids is not a JSON array: " + std::string(text));
  for (const auto& item : json) {
    if (!item.is_string()) return Status::Internal("signal_ids holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool IsJsonObject(std::string_view text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false).is_object();
}

}  // namespace

Result<Recommendation> ReadRecommendation(const LedgerRow& row) {
  Recommendation r;
  r.id = row.Int(0);
  r.created_at_ms = row.Int(1);
  r.ticker = row.Text(2);
  auto action = ParseTradeAction(row.Text(3));
  if (!action)
    return Status::Internal("dispatch_recommendations.action: " + std::string(row.Text(3)));
  r.action = *action;
  r.confidence = row.Double(4);
  r.pipeline_id = row.Text(5);
  r.pipeline_execution_id = row.Int(6);
  auto ids = ParseIds(row.Text(7));
  if (!ids.ok()) return ids.status();
  r.signal_ids = std::move(ids).value();
  r.reason_json = row.Text(8);
  auto status = ParseRecommendationStatus(row.Text(9));
  if (!status)
    return Status::Internal("dispatch_recommendations.status: " + std::string(row.Text(9)));
  r.status = *status;
  r.attempts = static_cast<int>(row.Int(10));
  r.claimed_at_ms = row.Int(11);
  r.processed_at_ms = row.Int(12);
  r.dispatcher_run_id = row.Text(13);
  r.failure_reason = row.Text(14);
  r.risk_gate_json = row.Text(15);
  return r;
}

Result<LedgerEntry> ReadLedgerEntry(const LedgerRow& row) {
  LedgerEntry e;
  e.execution_id = row.Text(0);
  e.recommendation_id = row.Int(1);
  e.dispatcher_run_id = row.Text(2);
  e.ticker = row.Text(3);
  auto action = ParseTradeAction(row.Text(4));
  if (!action) return Status::Internal("dispatch_executions.action: " + std::string(row.Text(4)));
  e.action = *action;
  e.decision_ts_ms = row.Int(5);
  e.simulated_ts_ms = row.Int(6);
  e.entry_price = row.Double(7);
  e.fill_model = row.Text(8);
  e.slippage_bps = row.Double(9);
  e.qty = row.Double(10);
  e.notional = row.Double(11);
  e.stop_loss_price = row.Double(12);
  e.take_profit_price = row.Double(13);
  e.max_hold_minutes = static_cast<int>(row.Int(14));
  auto mode = ParseExecutionMode(row.Text(15));
  if (!mode)
    return Status::Internal("dispatch_executions.execution_mode: " + std::string(row.Text(15)));
  e.execution_mode = *mode;
  e.explain_json = row.Text(16);
  e.risk_json = row.Text(17);
  e.sim_json = row.Text(18);
  return e;
}

DispatcherRun ReadRun(const LedgerRow& row) {
  DispatcherRun run;
  run.run_id = row.Text(0);
  run.started_at_ms = row.Int(1);
  run.finished_at_ms = row.Int(2);
  run.pulled_count = row.Int(3);
  run.processed_count = row.Int(4);
  run.simulated_count = row.Int(5);
  run.skipped_count = row.Int(6);
  run.failed_count = row.Int(7);
  run.run_config_json = row.Text(8);
  run.run_summary_json = row.IsNull(9) ? "{}" : std::string(row.Text(9));
  return run;
}

Result<TradingStateRecord> ReadTradingState(const LedgerRow& row) {
  TradingStateRecord record;
  auto state = ParseTradingState(row.Text(0));
  if (!state) return Status::Internal("trading_state_changes.state: " + std::string(row.Text(0)));
  record.state = *state;
  record.reason = row.Text(1);
  record.changed_by = row.Text(2);
  record.changed_at_ms = row.Int(3);
  return record;
}

Result<ActionPositionStats> ReadPositionStats(const LedgerRow& row) {
  ActionPositionStats stats;
  auto action = ParseTradeAction(row.Text(0));
  if (!action) return Status::Internal("dispatch_executions.action: " + std::string(row.Text(0)));
  stats.action = *action;
  stats.count = row.Int(1);
  stats.avg_qty = row.Double(2);
  stats.avg_notional = row.Double(3);
  stats.avg_entry = row.Double(4);
  stats.total_notional = row.Double(5);
  return stats;
}

void SortByAction(std::vector<ActionPositionStats>* rows) {
  std::sort(rows->begin(), rows->end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.action) < static_cast<int>(b.action);
  });
}

void AddCount(std::string_view key, int64_t count, LedgerCounts* counts) {
  if (key == "fills") {
    counts->fills = count;
  } else if (key == "runs") {
    counts->runs = count;
  } else if (auto status = ParseRecommendationStatus(key)) {
    switch (*status) {
      case RecommendationStatus::kPending:
        counts->pending = count;
        break;
      case RecommendationStatus::kProcessing:
        counts->processing = count;
        break;
      case RecommendationStatus::kSimulated:
        counts->simulated = count;
        break;
      case RecommendationStatus::kSkipped:
        counts->skipped = count;
        break;
      case RecommendationStatus::kFailed:
        counts->failed = count;
        break;
    }
  }
}

Status CheckSettlement(const Recommendation& claimed, const Settlement& s) {
  if (!IsFinal(s.status)) {
    return Status::InvalidArgument("settlement: status " +
                                   std::string(RecommendationStatusName(s.status)) +
                                   " is not final (SIMULATED, SKIPPED or FAILED)");
  }
  if (!s.risk_gate_json.empty() && !IsJsonObject(s.risk_gate_json)) {
    return Status::InvalidArgument("settlement: risk_gate_json must be a JSON object");
  }
  const bool simulated = s.status == RecommendationStatus::kSimulated;
  if (simulated != s.fill.has_value()) {
    return Status::InvalidArgument(simulated ? "settlement: SIMULATED without a fill"
                                             : "settlement: a fill for a recommendation that is "
                                               "not SIMULATED");
  }
  if (!simulated) return Status::Ok();
  const LedgerEntry& f = *s.fill;
  if (f.recommendation_id != claimed.id || f.ticker != claimed.ticker ||
      f.action != claimed.action) {
    return Status::InvalidArgument(
        "settlement: the fill is for another recommendation, ticker "
        "or action");
  }
  if (f.execution_id.empty() || f.dispatcher_run_id.empty()) {
    return Status::InvalidArgument("settlement: the fill needs execution_id and dispatcher_run_id");
  }
  for (const std::string* doc : {&f.explain_json, &f.risk_json, &f.sim_json}) {
    if (!IsJsonObject(*doc)) {
      return Status::InvalidArgument(
          "settlement: explain_json, risk_json and sim_json must be "
          "JSON objects");
    }
  }
  return Status::Ok();
}

Status CheckTradingStateChange(const TradingStateRecord& change) {
  if (change.reason.empty()) return Status::InvalidArgument("reason: must not be empty");
  if (change.changed_by.empty()) return Status::InvalidArgument("changed_by: must not be empty");
  if (change.changed_at_ms <= 0) return Status::InvalidArgument("changed_at: must be positive");
  return Status::Ok();
}

std::string SignalIdsJson(const std::vector<std::string>& ids) {
  return nlohmann::json(ids).dump();
}

void SortCounts(std::vector<std::pair<std::string, int64_t>>* counts) {
  std::sort(counts->begin(), counts->end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
}

}  // namespace sigflow::ledger_rows
