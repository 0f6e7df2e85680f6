#include "cli/ledger_json.h"

#include "core/time_format.h"

namespace sigflow {
namespace {

// A stored document as JSON; null when absent (or, defensively, when it does not parse).
nlohmann::json Document(const std::string& text) {
  if (text.empty()) return nullptr;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return json.is_discarded() ? nlohmann::json(nullptr) : json;
}

// "" and 0 mean "none" in the domain types: null in JSON.
nlohmann::json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
nlohmann::json OrNull(int64_t n) { return n == 0 ? nlohmann::json(nullptr) : nlohmann::json(n); }

nlohmann::json Time(int64_t ms) { return ms > 0 ? nlohmann::json(FormatIso8601(ms)) : nullptr; }

nlohmann::json Counts(const std::vector<std::pair<std::string, int64_t>>& counts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, n] : counts) out.push_back({{"name", name}, {"count", n}});
  return out;
}

}  // namespace

nlohmann::json RecommendationToJson(const Recommendation& r) {
  return {{"id", r.id},
          {"created_at", Time(r.created_at_ms)},
          {"ticker", r.ticker},
          {"action", TradeActionName(r.action)},
          {"confidence", r.confidence},
          {"pipeline_id", OrNull(r.pipeline_id)},
          {"pipeline_execution_id", OrNull(r.pipeline_execution_id)},
          {"signal_ids", r.signal_ids},
          {"reason", Document(r.reason_json)},
          {"status", RecommendationStatusName(r.status)},
          {"attempts", r.attempts},
          {"claimed_at", Time(r.claimed_at_ms)},
          {"processed_at", Time(r.processed_at_ms)},
          {"dispatcher_run_id", OrNull(r.dispatcher_run_id)},
          {"failure_reason", OrNull(r.failure_reason)},
          {"risk_gate_json", Document(r.risk_gate_json)}};
}

nlohmann::json LedgerEntryToJson(const LedgerEntry& e) {
  return {{"execution_id", e.execution_id},
          {"recommendation_id", e.recommendation_id},
          {"dispatcher_run_id", e.dispatcher_run_id},
          {"ticker", e.ticker},
          {"action", TradeActionName(e.action)},
          {"decision_ts", Time(e.decision_ts_ms)},
          {"simulated_ts", Time(e.simulated_ts_ms)},
          {"entry_price", e.entry_price},
          {"fill_model", e.fill_model},
          {"slippage_bps", e.slippage_bps},
          {"qty", e.qty},
          {"notional", e.notional},
          {"stop_loss_price", e.stop_loss_price},
          {"take_profit_price", e.take_profit_price},
          {"max_hold_minutes", e.max_hold_minutes},
          {"execution_mode", ExecutionModeName(e.execution_mode)},
          {"explain_json", Document(e.explain_json)},
          {"risk_json", Document(e.risk_json)},
          {"sim_json", Document(e.sim_json)}};
}

nlohmann::json RunToJson(const DispatcherRun& run) {
  return {{"run_id", run.run_id},
          {"started_at", Time(run.started_at_ms)},
          {"finished_at", Time(run.finished_at_ms)},
          {"pulled_count", run.pulled_count},
          {"processed_count", run.processed_count},
          {"simulated_count", run.simulated_count},
          {"skipped_count", run.skipped_count},
          {"failed_count", run.failed_count},
          {"run_config_json", Document(run.run_config_json)},
          {"run_summary_json", Document(run.run_summary_json)}};
}

nlohmann::json TradingStateToJson(const TradingStateRecord& record) {
  return {{"state", TradingStateName(record.state)},
          {"reason", OrNull(record.reason)},
          {"changed_by", OrNull(record.changed_by)},
          {"changed_at", Time(record.changed_at_ms)}};
}

nlohmann::json GateSkipStatsToJson(const GateSkipStats& stats) {
  return {{"skipped", stats.skipped},
          {"failed_by_gate", Counts(stats.failed_by_gate)},
          {"by_reason", Counts(stats.by_reason)}};
}

nlohmann::json PositionStatsToJson(const std::vector<ActionPositionStats>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"action", TradeActionName(r.action)},
                   {"count", r.count},
                   {"avg_qty", r.avg_qty},
                   {"avg_notional", r.avg_notional},
                   {"avg_entry", r.avg_entry},
                   {"total_notional", r.total_notional}});
  }
  return out;
}

}  // namespace sigflow
