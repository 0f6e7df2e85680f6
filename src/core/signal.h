// Signal: one market signal as it travels the bus, after decoding and validation.
//
// A Signal is a plain value. Every field has passed validation once decoded (see
// signal_codec.h): signal_id is 1..kMaxSignalIdBytes bytes, tickers are upper-case symbols with
// no duplicates, confidence (when present) lies in [0, 1]. The decoder reuses the strings of the
// Signal it fills, so a batch can keep one Signal per slot and avoid per-signal allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigflow {

inline constexpr size_t kMaxSignalIdBytes = 128;
inline constexpr size_t kMaxTickerBytes = 16;
inline constexpr size_t kMaxTickersPerSignal = 64;
inline constexpr size_t kMaxSignalBytes = 64 * 1024;

enum class Bias : uint8_t { kUnspecified, kBullish, kBearish, kNeutral };

std::string_view BiasName(Bias bias);                  // "BULLISH", ... ; "" for kUnspecified
std::optional<Bias> ParseBias(std::string_view text);  // case-insensitive; nullopt if unknown

struct TickerSignal {
  std::string ticker;
  Bias bias = Bias::kUnspecified;
  std::optional<double> confidence;  // normalised to [0, 1]
  std::string reasoning;
};

struct Signal {
  std::string signal_id;
  int64_t timestamp_ms = 0;  // epoch milliseconds, UTC
  std::string signal_type;
  std::string source;
  std::vector<TickerSignal> tickers;
  std::string metadata_json = "{}";  // a JSON object, re-serialised compactly

  // Ticker symbols in signal order.
  std::vector<std::string_view> TickerSymbols() const;
};

}  // namespace sigflow
