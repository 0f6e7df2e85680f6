// SignalDecoder / EncodeSignal: the one place where signal JSON becomes a Signal and back.
//
// Accepted shapes (seeds 000-002 and 004):
//   {"tickers": [{"ticker": "AAPL", "signal"|"bias": "BULLISH", "confidence": 85, "reasoning": ".."}]}
//   {"tickers": ["AAPL"], "bias": {"AAPL": {"ticker": "AAPL", "bias": "BULLISH",
//                                           "confidence": 0.85, "reasoning": ".."}}}
// plus the optional fields signal_id (non-empty string <= 128 bytes, generated when absent),
// timestamp (epoch seconds, integer or fractional, or ISO-8601 text; now when absent),
// signal_type, source (strings) and metadata (an object). Confidence above 1 is a percentage and
// is divided by 100. Tickers are normalised to upper case and must match [A-Z0-9][A-Z0-9.^=/-]*
// up to kMaxTickerBytes; a ticker repeated in one signal is kept once. Unknown top-level fields
// are ignored (generators add their own).
//
// EncodeSignal writes one canonical form: the first shape with "bias" per ticker, timestamp as
// ISO-8601 UTC, keys in a fixed order. Decode(Encode(s)) == s.
//
// A SignalDecoder reuses its parser buffers: keep one per thread; it is not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/signal.h"

namespace sigflow {

// Why a signal was rejected. `code` is one of the stable reason codes below, `message` says
// precisely what was wrong (field, value) for a human.
struct DecodeError {
  std::string_view code;
  std::string message;
};

namespace reason {
inline constexpr std::string_view kPayloadTooLarge = "payload_too_large";
inline constexpr std::string_view kMalformedJson = "malformed_json";
inline constexpr std::string_view kNotAnObject = "not_an_object";
inline constexpr std::string_view kMissingTickers = "missing_tickers";
inline constexpr std::string_view kEmptyTickers = "empty_tickers";
inline constexpr std::string_view kTooManyTickers = "too_many_tickers";
inline constexpr std::string_view kInvalidTicker = "invalid_ticker";
inline constexpr std::string_view kInvalidBias = "invalid_bias";
inline constexpr std::string_view kInvalidConfidence = "invalid_confidence";
inline constexpr std::string_view kInvalidSignalId = "invalid_signal_id";
inline constexpr std::string_view kInvalidTimestamp = "invalid_timestamp";
inline constexpr std::string_view kInvalidField = "invalid_field";  // wrong type for a known field
}  // namespace reason

class SignalDecoder {
 public:
  // `clock` supplies the timestamp of signals that carry none; it must outlive the decoder.
  explicit SignalDecoder(const Clock* clock = SystemClock::Default());
  ~SignalDecoder();
  SignalDecoder(const SignalDecoder&) = delete;
  SignalDecoder& operator=(const SignalDecoder&) = delete;

  // Decodes `raw` into `*out` (whose previous contents are overwritten). Returns true on success;
  // on failure returns false, fills `*error` and leaves `*out` unspecified.
  bool Decode(std::string_view raw, Signal* out, DecodeError* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends the canonical JSON of `signal` to `*out` (no trailing newline).
void EncodeSignal(const Signal& signal, std::string* out);
std::string EncodeSignal(const Signal& signal);

}  // namespace sigflow
