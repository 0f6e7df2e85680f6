// RandomSignalJson: a seeded generator of signal payloads, for the decoder's differential test
// (signal_fast_decode_random_test.cc) and the fuzz target's seeds. Test support only.
//
// The same seed gives the same sequence on every platform (a 64-bit Mersenne Twister with its
// output reduced by hand, no std:: distributions). Not thread-safe; one per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/signal.h"

namespace sigflow::internal {

class RandomSignalJson {
 public:
  explicit RandomSignalJson(uint64_t seed) : rng_(seed) {}

  // A signal the full decoder accepts, spelled in one of the many ways the contract allows: keys
  // in any order and with whitespace anywhere (or none), both ticker shapes and the bias map,
  // "bias" or "signal" in any case, lower-case and punctuated tickers, repeated tickers,
  // confidence as a fraction or a percentage in integer, decimal and exponent forms, timestamps
  // as ISO-8601 variants or epoch seconds, null and unknown fields, repeated keys whose last
  // occurrence is valid, escapes and non-ASCII text, and metadata of every JSON type.
  std::string ValidSpelling();

  // A Signal like those the product's generators write: ASCII text, 1-3 distinct tickers,
  // confidence in hundredths, flat metadata (computed doubles included) as the decoder
  // re-serialises it. Its EncodeSignal form
  // is the traffic the fast path exists for.
  Signal TypicalSignal();

  // `s` after 1-4 random byte edits: insert, delete, replace, flip a bit, truncate, duplicate or
  // swap, with bytes drawn mostly from JSON's structural and number characters and from UTF-8
  // edge bytes.
  std::string Mutate(std::string s);

  uint64_t Below(uint64_t n) { return rng_() % n; }  // n > 0; the modulo bias is irrelevant here
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  std::string Gap();  // whitespace between tokens, per the current payload's style
  // A JSON string decoding to min_bytes..max_bytes bytes; controls (escaped) only when allowed.
  std::string StringText(size_t min_bytes, size_t max_bytes, bool allow_controls);
  std::string TickerText(std::string_view symbol);
  std::string BiasText();
  std::string ConfidenceText();
  std::string TimestampText();
  std::string NumberText();
  std::string AnyValue(int depth);
  std::string Object(std::vector<std::string> members);
  std::string Member(std::string_view key, std::string_view value);
  std::string TickerObject(std::string_view symbol, bool for_map);
  std::string_view Pick(std::initializer_list<std::string_view> options);

  std::mt19937_64 rng_;
  int whitespace_style_ = 0;  // 0: none, 1: now and then, 2: everywhere
};

}  // namespace sigflow::internal
