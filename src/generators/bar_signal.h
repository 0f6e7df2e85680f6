// Building the seed-format signal a bar-driven generator emits for one ticker on one bar.
//
// The signal carries: one ticker with bias, confidence and a `reasoning` a trader can check (it
// quotes the numbers); metadata_json with the generator's parameters, the indicator values,
// `current_price` (the bar's close) and `bar_date`; timestamp = the bar's time; signal_type and
// source as given.
//
// The signal_id is deterministic: a name-based UUID (version 8 layout) of the source, the
// generator's variant (its parameters, e.g. "50/200"), the ticker and the bar time. Replaying
// the same history twice therefore yields the same ids, and the dispatcher's unique
// (pipeline, signal) pairs make the second replay wake nothing twice; a different configuration
// yields different ids. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/signal.h"
#include "market/bar.h"

namespace sigflow {

struct BarSignalSpec {
  std::string_view source;       // e.g. "golden_cross_generator"
  std::string_view signal_type;  // e.g. "golden_cross"
  std::string_view variant;      // the parameters that change what is detected, e.g. "50/200"
  Bias bias = Bias::kNeutral;
  double confidence = 0;  // [0, 1]
  std::string reasoning;
  nlohmann::json metadata;  // an object; current_price and bar_date are added
};

Signal MakeBarSignal(const Bar& bar, BarSignalSpec spec);

std::string BarSignalId(std::string_view source, std::string_view variant, std::string_view ticker,
                        int64_t ts_ms);

// "1234.57": two decimals, for reasoning text (metadata keeps full precision).
std::string FormatPrice(double value);
// "2003-05-12": the UTC date of a bar time.
std::string FormatBarDate(int64_t ts_ms);

}  // namespace sigflow
