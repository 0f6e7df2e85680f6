#include "core/recommendation.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/ticker.h"

namespace sigflow {

Status ValidateNewRecommendation(Recommendation* r) {
  auto ticker = NormalizeTicker(r->ticker);
  if (!ticker)
    return Status::InvalidArgument("ticker: \"" + r->ticker + "\" is not a ticker symbol");
  r->ticker = *ticker;
  if (!std::isfinite(r->confidence) || r->confidence < 0 || r->confidence > 1) {
    return Status::InvalidArgument("confidence: must be a number in [0, 1], got " +
                                   std::to_string(r->confidence));
  }
  if (r->created_at_ms <= 0) {
    return Status::InvalidArgument("created_at: must be a positive epoch time in milliseconds");
  }
  if (r->pipeline_execution_id < 0) {
    return Status::InvalidArgument("pipeline_execution_id: must be >= 0");
  }
  if (r->reason_json.empty()) r->reason_json = "{}";
  auto reason = nlohmann::json::parse(r->reason_json, nullptr, /*allow_exceptions=*/false);
  if (!reason.is_object()) return Status::InvalidArgument("reason: must be a JSON object");
  for (const auto& id : r->signal_ids) {
    if (id.empty()) return Status::InvalidArgument("signal_ids: an id is empty");
  }
  return Status::Ok();
}

}  // namespace sigflow
