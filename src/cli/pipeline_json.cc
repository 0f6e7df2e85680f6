#include "cli/pipeline_json.h"

#include <algorithm>

#include "core/ticker.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

nlohmann::json ParseOrText(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

nlohmann::json TimeOrNull(int64_t ms) {
  return ms == 0 ? nlohmann::json() : nlohmann::json(FormatIso8601(ms));
}

}  // namespace

nlohmann::json PipelineToJson(const Pipeline& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"user_id", p.user_id},
          {"trigger_mode", TriggerModeName(p.trigger_mode)},
          {"scanner_tickers", p.scanner_tickers},
          {"is_active", p.is_active},
          {"config", ParseOrText(p.config_json)},
          {"created_at", TimeOrNull(p.created_at_ms)},
          {"updated_at", TimeOrNull(p.updated_at_ms)}};
}

nlohmann::json ExecutionToJson(const Execution& e) {
  return {{"id", e.id},
          {"pipeline_id", e.pipeline_id},
          {"status", ExecutionStatusName(e.status)},
          {"triggered_by_signal", e.triggered_by_signal},
          {"signal_ids", e.signal_ids},
          {"result", ParseOrText(e.result_json)},
          {"error", e.error.empty() ? nlohmann::json() : nlohmann::json(e.error)},
          {"attempts", e.attempts},
          {"created_at", TimeOrNull(e.created_at_ms)},
          {"started_at", TimeOrNull(e.started_at_ms)},
          {"finished_at", TimeOrNull(e.finished_at_ms)}};
}

Result<std::vector<std::string>> ParseTickerList(const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  for (const auto& s : symbols) {
    auto normalized = NormalizeTicker(s);
    if (!normalized) return Status::InvalidArgument("'" + s + "' is not a ticker symbol");
    if (std::find(out.begin(), out.end(), *normalized) == out.end()) out.push_back(*normalized);
  }
  return out;
}

}  // namespace sigflow
