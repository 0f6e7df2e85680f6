#include "market/finnhub/finnhub_candles.h"

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "market/bar_validation.h"

namespace sigflow {
namespace {

Status Bad(const std::string& ticker, const std::string& what) {
  return Status::Error("bad_bar_data", "Finnhub candles for " + ticker + ": " + what);
}

}  // namespace

Result<FinnhubCandles> ParseFinnhubCandles(std::string_view body, const std::string& ticker) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Bad(ticker, "the answer is not JSON: '" + std::string(body.substr(0, 120)) + "'");
  }
  if (!json.is_object()) return Bad(ticker, "the answer is not a JSON object");
  if (auto error = json.find("error"); error != json.end()) {
    return Status::InvalidArgument(
        "Finnhub refused the candles of " + ticker + ": " +
        (error->is_string() ? error->get<std::string>() : error->dump()));
  }
  const auto s = json.find("s");
  if (s == json.end() || !s->is_string()) return Bad(ticker, "no status field \"s\"");
  FinnhubCandles out;
  if (*s == "no_data") {
    out.no_data = true;
    return out;
  }
  if (*s != "ok") return Bad(ticker, "status \"s\" is " + s->dump() + ", expected \"ok\"");

  const char* const kFields[] = {"t", "o", "h", "l", "c", "v"};
  const nlohmann::json* arrays[6];
  for (int i = 0; i < 6; ++i) {
    const auto it = json.find(kFields[i]);
    if (it == json.end() || !it->is_array()) {
      return Bad(ticker, std::string("field \"") + kFields[i] + "\" is missing or not an array");
    }
    arrays[i] = &*it;
  }
  const size_t n = arrays[0]->size();
  for (int i = 1; i < 6; ++i) {
    if (arrays[i]->size() != n) {
      return Bad(ticker, std::string("field \"") + kFields[i] + "\" has " +
                             std::to_string(arrays[i]->size()) + " values but \"t\" has " +
                             std::to_string(n));
    }
  }
  out.bars.reserve(n);
  for (size_t row = 0; row < n; ++row) {
    double v[6];
    for (int i = 0; i < 6; ++i) {
      const nlohmann::json& cell = (*arrays[i])[row];
      if (!cell.is_number()) {
        return Bad(ticker, std::string("\"") + kFields[i] + "\"[" + std::to_string(row) + "] is " +
                               cell.dump() + ", not a number");
      }
      v[i] = cell.get<double>();
    }
    const int64_t seconds = (*arrays[0])[row].is_number_integer() ? (*arrays[0])[row].get<int64_t>()
                                                                  : static_cast<int64_t>(v[0]);
    int64_t ts_ms = seconds * 1000;
    ts_ms -= ((ts_ms % kDayMs) + kDayMs) % kDayMs;  // floor to the UTC day
    Bar bar{ticker, ts_ms, v[1], v[2], v[3], v[4], v[5], true};
    if (Status valid = ValidateBar(bar); !valid.ok()) {
      return Bad(ticker, "candle " + std::to_string(row) + ": " + valid.message());
    }
    if (!out.bars.empty() && ts_ms <= out.bars.back().ts_ms) {
      return Bad(ticker, "candle " + std::to_string(row) + " (" +
                             FormatIso8601(ts_ms).substr(0, 10) +
                             ") does not come after the previous day");
    }
    out.bars.push_back(std::move(bar));
  }
  return out;
}

}  // namespace sigflow
