// Decoding Finnhub's /stock/candle answer into bars. Pure functions, thread-safe.
//
// The documented format: {"c":[closes],"h":[highs],"l":[lows],"o":[opens],"t":[unix seconds],
// "v":[volumes],"s":"ok"}, or {"s":"no_data"} when there is nothing in the range. Daily candles
// are stamped at 00:00 UTC of their day: `t` is floored to the UTC day (bar.h's convention) so
// that a vendor stamping the session open or close still yields one bar per date.
//
// Errors, naming the ticker: `bad_bar_data` for malformed JSON, a missing or non-array field,
// arrays of different lengths, a non-number, times not strictly ascending (after flooring), an
// `s` other than "ok"/"no_data", or a candle ValidateBar refuses (its index and date named); an
// object with an "error" key (how Finnhub reports refusals) is `invalid_argument` carrying it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "market/bar.h"

namespace sigflow {

struct FinnhubCandles {
  bool no_data = false;  // "s":"no_data"
  std::vector<Bar> bars;
};

Result<FinnhubCandles> ParseFinnhubCandles(std::string_view body, const std::string& ticker);

}  // namespace sigflow
