// Ticker symbols: the one rule for what a symbol is, shared by the decoder, the CLI and the
// watchlist loader.
//
// A symbol is 1..kMaxTickerBytes characters from [A-Z0-9.^=/-], starting with a letter, digit or
// '^' (index symbols such as ^GSPC). Lower-case input is upper-cased.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sigflow {

// The normalised symbol, or nullopt when `text` is not a valid ticker.
std::optional<std::string> NormalizeTicker(std::string_view text);

}  // namespace sigflow
