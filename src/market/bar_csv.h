// Parsing bar CSV text: the two layouts sigflow reads, detected from the header.
//
// (a) OHLCV, one ticker:  Date,Open,High,Low,Close,Volume   (names case-insensitive, this order)
// (b) wide, close-only:   Date,AA,AXP,T,...                 (one close column per ticker)
// The first header cell must be `Date`. A header whose cells after Date are exactly
// Open,High,Low,Close,Volume is (a); a header naming any of those columns otherwise is rejected
// as a malformed OHLCV header; anything else is (b), each cell a ticker (core/ticker.h rule).
//
// Rows: `YYYY-MM-DD` then one field per header column, comma-separated, no quoting; spaces around
// a field are ignored; blank lines are skipped; a UTF-8 BOM and CRLF line ends are accepted.
// Dates must be strictly ascending; each row's bars are stamped at that date's 00:00 UTC.
// In (a) every field is required: prices finite and > 0, volume finite and >= 0, high >= low.
// In (b) an empty cell means "no bar that day for that ticker" (not listed yet, delisted, or a
// holiday on its exchange); a non-empty cell must be a finite price > 0. Bars from (b) are
// close-only (bar.h).
//
// Errors: `bad_bar_data`, message "<name>:<line>: <what is wrong>", the first error found.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "market/bar.h"

namespace sigflow {

enum class BarCsvFormat { kOhlcv, kWideClose };

struct ParsedBarCsv {
  BarCsvFormat format = BarCsvFormat::kOhlcv;
  std::vector<std::string> tickers;  // (a): the one ticker; (b): the header's, in column order
  std::vector<Bar> bars;             // ascending ts; same-day bars in column order
};

// `name` is used only in error messages (normally the file path); `ohlcv_ticker` names the
// ticker of an OHLCV file (it must be a valid symbol; ignored for wide files).
Result<ParsedBarCsv> ParseBarCsv(std::string_view text, std::string_view name,
                                 std::string_view ohlcv_ticker);

}  // namespace sigflow
