// Internals of the signal codec (core/signal_codec.h), shared by its two decoding paths and
// exposed so that tests can hold the paths against each other. Nothing outside src/core/ should
// include this header; the contract is core/signal_codec.h.
//
// SignalDecoder::Decode first tries DecodeCommonSignal, a single-pass parser for the subset of
// JSON that real signals use, and falls back to FullSignalDecoder (simdjson DOM, every rule of the
// contract, every error message) for anything outside that subset. The fast path never reports an
// error: on any doubt it declines, and the full decoder decides. So its only obligation is that
// whenever it accepts a payload, the full decoder would accept it too and produce the same Signal.
// Both paths therefore share the field rules below.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/signal.h"
#include "core/signal_codec.h"

namespace sigflow::internal {

inline constexpr int64_t kMaxTimestampMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

// ---------------------------------------------------------------------------------------------
// Field rules (the contract's, in one place for both paths)

// BULLISH, BEARISH or NEUTRAL in any ASCII case; nullopt otherwise. Unlike ParseBias it does not
// go through the C library's locale-dependent toupper, which was a visible cost per field.
inline std::optional<Bias> ParseBiasAscii(std::string_view s) {
  if (s.size() != 7) return std::nullopt;
  // The only bytes c with (c | 0x20) == some lower-case letter are that letter and its upper
  // case, so one OR per byte compares case-insensitively against the lower-case names.
  const auto is = [s](const char* lower) {
    for (size_t i = 0; i < 7; ++i) {
      if ((s[i] | 0x20) != lower[i]) return false;
    }
    return true;
  };
  if (is("bullish")) return Bias::kBullish;
  if (is("bearish")) return Bias::kBearish;
  if (is("neutral")) return Bias::kNeutral;
  return std::nullopt;
}

// signal_id: 1..kMaxSignalIdBytes bytes without control characters.
inline bool IsValidSignalId(std::string_view s) {
  if (s.empty() || s.size() > kMaxSignalIdBytes) return false;
  // No early exit: the loop then vectorises, and valid ids (nearly all) are read whole anyway.
  unsigned bad = 0;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    bad |= static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c == 0x7F);
  }
  return bad == 0;
}

// A confidence as written (0..1, or a percentage 0..100) normalised to [0, 1]; nullopt when out
// of range (NaN included).
inline std::optional<double> NormalizeConfidence(double v) {
  if (!(v >= 0.0 && v <= 100.0)) return std::nullopt;
  if (v > 1.0) v /= 100.0;
  return v + 0.0;  // -0 -> +0
}

// A timestamp written as epoch seconds, in milliseconds; nullopt outside [0, kMaxTimestampMs].
// Integer seconds are simdjson's INT64 values, fractional ones its DOUBLE values (any number with
// a fraction or an exponent, "1733875200.0" and "1.7e9" included), rounded to the nearest
// millisecond (halves away from zero), ...999.5 and above kept at the last millisecond.
inline std::optional<int64_t> TimestampMsFromIntegerSeconds(int64_t seconds) {
  if (seconds < 0 || seconds > kMaxTimestampMs / 1000) return std::nullopt;
  return seconds * 1000;
}

inline std::optional<int64_t> TimestampMsFromFractionalSeconds(double seconds) {
  const double scaled = seconds * 1000.0;
  if (!(scaled >= 0.0 && scaled <= static_cast<double>(kMaxTimestampMs) + 0.5)) {
    return std::nullopt;
  }
  return std::min(std::llround(scaled), static_cast<long long>(kMaxTimestampMs));
}

// ---------------------------------------------------------------------------------------------
// JSON writing (signal_codec.cc)

// Appends `s` (valid UTF-8) with JSON escapes, without quotes.
void AppendEscapedUtf8(std::string_view s, std::string* out);

// Shortest text that parses back to exactly `v`, with ".0" when integral; null when not finite.
void AppendDouble(double v, std::string* out);

void AppendInt64(int64_t v, std::string* out);
void AppendUint64(uint64_t v, std::string* out);

// ---------------------------------------------------------------------------------------------
// The two decoding paths

// Bytes DecodeCommonSignal reads after the payload: a NUL, then bytes of any value.
inline constexpr size_t kFastDecodePadding = 16;

// The fast path (signal_fast_decode.cc). `padded` is the payload, and the kFastDecodePadding bytes
// after it must be readable, the first of them NUL. Returns true when it decoded the payload into
// `*out` exactly as FullSignalDecoder would have (reading `clock` once when the signal has no
// timestamp, generating a signal_id like it); returns false when the payload lies outside the
// subset it handles or is invalid, having left `*out` unspecified but valid and read no clock.
bool DecodeCommonSignal(std::string_view padded, Signal* out, std::string_view fallback_id,
                        const Clock& clock);

// SignalDecoder without its fast path: simdjson DOM, the reference for every rule and message.
// Same contract as SignalDecoder (construction allocates the parser buffers, throws
// std::bad_alloc on failure; one per thread).
class FullSignalDecoder {
 public:
  explicit FullSignalDecoder(const Clock* clock = SystemClock::Default());
  ~FullSignalDecoder();
  FullSignalDecoder(const FullSignalDecoder&) = delete;
  FullSignalDecoder& operator=(const FullSignalDecoder&) = delete;

  bool Decode(std::string_view raw, Signal* out, DecodeError* error,
              std::string_view fallback_id = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow::internal
