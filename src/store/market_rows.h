// The checks both MarketStore implementations run before writing (market_store.h,
// "Validation"): each row valid, no (ticker, ts_ms) twice in one call. Header-only so that the
// store seam stays an interface library; private to the store implementations.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/ticker.h"
#include "core/time_format.h"
#include "market/bar_validation.h"

namespace sigflow::market_rows {

// Rows are Bar or Features: anything with `ticker` and `ts_ms`, and a Validate function.
template <typename Row, typename Validate>
Status CheckRows(std::span<const Row> rows, const char* what, Validate validate) {
  struct KeyHash {
    size_t operator()(const std::pair<std::string_view, int64_t>& k) const {
      return std::hash<std::string_view>()(k.first) * 31 + std::hash<int64_t>()(k.second);
    }
  };
  std::unordered_map<std::pair<std::string_view, int64_t>, size_t, KeyHash> seen;
  seen.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string index = std::string(what) + "[" + std::to_string(i) + "]: ";
    if (Status s = validate(rows[i]); !s.ok()) return Status::InvalidArgument(index + s.message());
    auto [it, fresh] =
        seen.emplace(std::make_pair(std::string_view(rows[i].ticker), rows[i].ts_ms), i);
    if (!fresh) {
      return Status::InvalidArgument(index + rows[i].ticker + " " + FormatIso8601(rows[i].ts_ms) +
                                     " repeats " + what + "[" + std::to_string(it->second) +
                                     "] in the same call");
    }
  }
  return Status::Ok();
}

inline Status CheckBars(std::span<const Bar> bars) {
  return CheckRows(bars, "bars", [](const Bar& b) { return ValidateBar(b); });
}

inline Status CheckFeatures(std::span<const Features> rows) {
  return CheckRows(rows, "features", [](const Features& f) { return ValidateFeatures(f); });
}

// A query's ticker, normalised; `invalid_argument` when it is not a symbol.
inline Result<std::string> QueryTicker(std::string_view ticker) {
  auto normalized = NormalizeTicker(ticker);
  if (!normalized) {
    return Status::InvalidArgument("'" + std::string(ticker) + "' is not a ticker symbol");
  }
  return std::move(*normalized);
}

inline Status CheckLimit(int limit) {
  if (limit >= 1) return Status::Ok();
  return Status::InvalidArgument("limit must be >= 1, got " + std::to_string(limit));
}

}  // namespace sigflow::market_rows
