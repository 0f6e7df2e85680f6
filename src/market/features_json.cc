#include "market/features_json.h"

namespace sigflow {
namespace {

nlohmann::json OrNull(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json FeatureValuesJson(const Features& f) {
  return {{"close", f.close},
          {"sma_short", OrNull(f.sma_short)},
          {"sma_long", OrNull(f.sma_long)},
          {"ema", OrNull(f.ema)},
          {"atr", OrNull(f.atr)},
          {"recent_vol", OrNull(f.recent_vol)},
          {"vol_ratio", OrNull(f.vol_ratio)},
          {"trend", f.trend ? nlohmann::json(TrendName(*f.trend)) : nlohmann::json(nullptr)}};
}

}  // namespace sigflow
