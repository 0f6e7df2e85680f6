// FeatureValuesJson: a Features row's indicator values as one JSON object, the shape every
// consumer of lane_features shows (`sigflow bars features --json`, market_data_agent's output).
//
// Keys: close, sma_short, sma_long, ema, atr, recent_vol, vol_ratio (null while the indicator is
// not warmed up) and trend (its name, or null). The row's identity and times (ticker, ts,
// computed_at) are left to the caller, which formats them for its own readers.
#pragma once

#include <nlohmann/json.hpp>

#include "market/features.h"

namespace sigflow {

nlohmann::json FeatureValuesJson(const Features& features);

}  // namespace sigflow
