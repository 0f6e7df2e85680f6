// SignalDecoder / EncodeSignal: the one place where signal JSON becomes a Signal and back.
//
// Accepted shapes (seeds 000-002 and 004):
//   {"tickers": [{"ticker": "AAPL", "signal"|"bias": "BULLISH", "confidence": 85,
//                 "reasoning": ".."}]}
//   {"tickers": ["AAPL"], "bias": {"AAPL": {"ticker": "AAPL", "bias": "BULLISH",
//                                           "confidence": 0.85, "reasoning": ".."}}}
// plus the optional fields signal_id (non-empty string <= 128 bytes, generated when absent),
// timestamp (epoch seconds, integer or fractional, or ISO-8601 text; now when absent),
// signal_type, source (strings) and metadata (an object). Confidence above 1 is a percentage and
// is divided by 100. Tickers are normalised to upper case and must follow core/ticker.h (1 to
// kMaxTickerBytes characters from [A-Z0-9.^=/-], starting with a letter, a digit or '^' as in
// ^GSPC); a ticker repeated in one signal is kept once. Unknown top-level fields are ignored
// (generators add their own).
//
// Details of the decoding contract:
//  - Input: at most kMaxSignalBytes bytes of UTF-8 JSON holding exactly one object (whitespace
//    around it is allowed, anything else after it is malformed_json). Nesting deeper than
//    kMaxSignalDepth levels, invalid UTF-8 and integers outside int64/uint64 are malformed_json.
//  - A field whose value is null counts as absent, at every level. When a key repeats in one
//    object, its last occurrence wins (as Python's json module does).
//  - signal_id: a string of 1..kMaxSignalIdBytes bytes without control characters.
//  - timestamp: a number is epoch seconds (fractions rounded to the millisecond); text is parsed by
//    ParseIso8601 (core/time_format.h). Accepted range: 1970-01-01T00:00:00Z to
//    9999-12-31T23:59:59.999Z. Absent: the decoder's clock, read once per signal.
//  - signal_type, source: strings of at most kMaxSignalLabelBytes bytes (they end up as log
//    fields and metric labels); absent means "".
//  - metadata: an object, re-serialised compactly (key order and repeated keys kept, numbers in
//    shortest round-trip form, a float with an integral value keeps a ".0"); absent means "{}".
//  - tickers: 1..kMaxTickersPerSignal entries, counted before duplicates are dropped. An entry is
//    a ticker string or an object with "ticker". When a ticker repeats, its first entry wins.
//  - bias (the map): at most kMaxTickersPerSignal entries, keys are tickers (normalised like the
//    list). An entry is a per-ticker object as above or a bare bias string ("BULLISH"). A map
//    entry fills in what the list entry for the same ticker left unspecified; entries for tickers
//    not in the list are validated, then ignored (the list says which tickers a signal is about).
//    A list ticker with no map entry keeps its bias unspecified. An entry's "ticker", when given,
//    must name its key.
//  - per-ticker fields: "bias" and "signal" are synonyms (both given: they must agree); values are
//    BULLISH, BEARISH or NEUTRAL in any case. "confidence" is a number in [0, 100]; "reasoning" a
//    string.
//  - Reason codes by cause: wrong type of signal_type, source, metadata, tickers (not an array),
//    the bias map (not an object) or reasoning -> invalid_field; wrong type of signal_id,
//    timestamp, ticker, bias or confidence -> that field's own code. When several things are wrong,
//    the first found is reported (signal_id, timestamp, signal_type, source, metadata, tickers,
//    bias map).
//
// EncodeSignal writes one canonical form: the first shape with "bias" per ticker, timestamp as
// ISO-8601 UTC, keys in a fixed order. Decode(Encode(s)) == s for every Signal that Decode can
// produce (strings valid UTF-8, metadata_json a compact JSON object as Decode writes it). Invalid
// UTF-8 in a string is written as U+FFFD and a non-finite confidence as null, so the output is
// always valid JSON; an empty metadata_json is written as {}.
//
// A SignalDecoder reuses its parser buffers (about 1 MiB, allocated once by the constructor, which
// throws std::bad_alloc if it cannot): keep one per thread; it is not thread-safe. In steady
// state Decode allocates only when a string of the Signal it fills must grow, when it generates
// a signal_id, and when it reports an error.
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

// Limits of the decoder beyond those of core/signal.h.
inline constexpr size_t kMaxSignalLabelBytes = 128;  // signal_type, source
inline constexpr size_t kMaxSignalDepth = 64;        // nesting of objects/arrays, metadata included

class SignalDecoder {
 public:
  // `clock` supplies the timestamp of signals that carry none; it must outlive the decoder.
  explicit SignalDecoder(const Clock* clock = SystemClock::Default());
  ~SignalDecoder();
  SignalDecoder(const SignalDecoder&) = delete;
  SignalDecoder& operator=(const SignalDecoder&) = delete;

  // Decodes `raw` into `*out` (whose previous contents are overwritten). Returns true on success;
  // on failure returns false, fills `*error` (when not null) and leaves `*out` unspecified but
  // valid (it can be reused for the next call). `raw` need not be padded or null-terminated.
  // A signal without signal_id gets `fallback_id` when given (the dispatcher passes the record's
  // topic:partition:offset, so a redelivered record keeps its identity), else a random UUID.
  bool Decode(std::string_view raw, Signal* out, DecodeError* error,
              std::string_view fallback_id = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends the canonical JSON of `signal` to `*out` (no trailing newline).
void EncodeSignal(const Signal& signal, std::string* out);
std::string EncodeSignal(const Signal& signal);

}  // namespace sigflow
