// DecodeCommonSignal: the signal decoder's fast path (see core/signal_codec_internal.h).
//
// Why a second parser: for a typical signal (~300 bytes, 1-3 tickers) simdjson's DOM parse
// (stage 1, then building the tape) was about 40% of the decoder's instructions before any field
// was read, and walking the tape and validating added the rest; at the 1 M signals/s target a
// signal has ~0.3 us to decode. This parser reads the payload once, validating the JSON and the
// fields as it goes and writing straight into the Signal's reused strings.
//
// It accepts a strict subset of JSON and declines (returns false) on everything else, leaving the
// full decoder to decide. The subset is chosen so that on it, the values read here are provably
// those simdjson would produce:
//  - strings without escapes or control characters (non-ASCII bytes are allowed; the whole
//    payload is then UTF-8-validated with simdjson's own validator before accepting);
//  - integers of at most 19 digits, typed as simdjson types them (INT64, or UINT64 above INT64's
//    maximum; below INT64's minimum simdjson rejects them, and so does this), "-0" declined;
//  - any other JSON number as the double nearest to it, which is what simdjson's correctly
//    rounded parser returns: for m / 10^k with m <= 2^53 and k <= 18 (nearly every decimal
//    written by hand) one division of two exact doubles, itself correctly rounded (Clinger's fast
//    path); for the rest (17 significant digits, as shortest round-trip output often has, and
//    exponents) std::from_chars, declining when it reports a range error (overflow, underflow).
//    The standard lets from_chars return either neighbour of an inexact value; libstdc++'s
//    (fast_float since GCC 12, strtod as its fallback) rounds correctly, and the differential
//    test (signal_fast_decode_test.cc) holds it against simdjson, halfway cases included;
//  - nesting at most kMaxFastDepth levels, known keys at most once per object (the full decoder
//    owns last-wins), no "bias" map;
//  - only valid signals: any rule broken, and the full decoder reports it in its own words.
//
// Speed comes from three things. The payload ends with a NUL sentinel and padding, so no read
// checks for the end (NUL is invalid everywhere in JSON, so whatever meets it declines). Strings
// are scanned eight bytes at a time. And keys are predicted: EncodeSignal's canonical form (what
// generators and the dispatcher put on the bus) has a fixed key order, so before reading a key
// the parser compares the bytes against the one expected next (`"timestamp":"`) with two 8-byte
// loads, and only on a miss scans and looks up the key.
#include <simdjson.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/signal_codec_internal.h"
#include "core/ticker_inplace.h"
#include "core/time_format.h"
#include "core/uuid.h"

namespace sigflow::internal {
namespace {

constexpr int kMaxFastDepth = 16;  // well under kMaxSignalDepth: deeper payloads go the full way

// kStringStop[c]: byte c ends a run of plain string bytes: the closing quote, a backslash, a
// control character (NUL, the sentinel, among them), or a non-ASCII byte (allowed, but noted for
// UTF-8 validation).
constexpr std::array<bool, 256> MakeStringStop() {
  std::array<bool, 256> stop{};
  for (int c = 0; c < 0x20; ++c) stop[c] = true;
  for (int c = 0x80; c < 0x100; ++c) stop[c] = true;
  stop['"'] = true;
  stop['\\'] = true;
  return stop;
}
constexpr std::array<bool, 256> kStringStop = MakeStringStop();

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

uint64_t Load8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// 8..16 bytes of expected text, compared as its first and last eight bytes (they overlap when
// shorter than 16), in the byte order Load8 reads them. A key's expected text is the key, its
// colon and, for string and array values, the value's opening quote or bracket (`opens_value`).
struct Expected {
  uint64_t head = 0, tail = 0;
  size_t size = 0;
  bool opens_value = false;
};

constexpr uint64_t Pack8(std::string_view s) {
  uint64_t x = 0;
  for (size_t i = 0; i < 8; ++i) {
    const uint64_t byte = static_cast<unsigned char>(s[i]);
    x |= byte << (std::endian::native == std::endian::little ? 8 * i : 8 * (7 - i));
  }
  return x;
}

constexpr Expected Expect(std::string_view text) {
  return {Pack8(text), Pack8(text.substr(text.size() - 8)), text.size(), text.back() != ':'};
}

// A number as simdjson types it: INT64, UINT64 (non-negative integers above INT64's maximum) or
// DOUBLE (any number with a fraction or an exponent).
struct Number {
  enum Kind { kInt64, kUint64, kDouble } kind = kInt64;
  int64_t i = 0;   // kInt64
  uint64_t u = 0;  // kUint64
  double d = 0;    // kDouble

  // As the full decoder converts a confidence.
  double AsDouble() const {
    return kind == kInt64 ? static_cast<double>(i) : kind == kUint64 ? static_cast<double>(u) : d;
  }
};

// [start, end), a JSON number that Clinger's fast path does not cover, as the nearest double; false
// when that is out of range. Kept out of line: it is rare, and inlined it crowds the hot path.
[[gnu::cold, gnu::noinline]] bool ParseLongDouble(const char* start, const char* end, double* out) {
  const std::from_chars_result r = std::from_chars(start, end, *out);
  return r.ec == std::errc() && r.ptr == end;
}

// A cursor over the padded payload. Every method returns false to decline: the input is invalid
// or outside the subset, and the caller gives up on the fast path.
class Parser {
 public:
  explicit Parser(std::string_view padded)
      : p_(padded.data()), end_(padded.data() + padded.size()) {}

  bool non_ascii() const { return non_ascii_; }

  bool AtEnd() {
    SkipWhitespace();
    return p_ == end_;
  }

  // Consumes `c` when it is the next token.
  bool Consume(char c) {
    SkipWhitespace();
    if (*p_ != c) return false;
    ++p_;
    return true;
  }

  bool NextIs(char c) {
    SkipWhitespace();
    return *p_ == c;
  }

  // Consumes a null when it is the next token.
  bool ConsumeNull() { return NextIs('n') && Literal("null"); }

  // Consumes `e` when the next bytes (no whitespace skipped) are exactly its text. Reads at most
  // 16 bytes, within the padding; the sentinel NUL makes a match past the end impossible.
  bool ConsumeExpected(const Expected& e) {
    if (Load8(p_) != e.head || Load8(p_ + e.size - 8) != e.tail) return false;
    p_ += e.size;
    return true;
  }

  // A string without escapes; `*out` views its bytes in the payload.
  bool String(std::string_view* out) { return Consume('"') && StringBody(out); }

  // The rest of a string whose opening quote was consumed.
  bool StringBody(std::string_view* out) {
    const char* start = p_;
    for (;;) {
      SkipPlainStringBytes();
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x80) return false;  // an escape, a control character or the end
      non_ascii_ = true;
      ++p_;
    }
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }

  // A JSON number (the grammar checked here; from_chars alone would take "01", "inf" or "1.").
  bool ParseNumber(Number* out) {
    SkipWhitespace();
    const char* const start = p_;
    const char* p = p_;
    const bool negative = *p == '-';
    if (negative) ++p;
    if (!IsDigit(*p)) return false;
    uint64_t mantissa = 0;  // wraps harmlessly on long inputs, which are not read through it
    int digits = 0;
    if (*p == '0') {
      ++p;  // a leading zero stands alone ("01" fails at the caller's next token)
    } else {
      for (; IsDigit(*p); ++p, ++digits) mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
    int fraction_digits = 0;
    if (*p == '.') {
      ++p;
      for (; IsDigit(*p); ++p, ++fraction_digits) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
      }
      if (fraction_digits == 0) return false;
    }
    bool exponent = false;
    if (*p == 'e' || *p == 'E') {
      ++p;
      if (*p == '+' || *p == '-') ++p;
      if (!IsDigit(*p)) return false;
      while (IsDigit(*p)) ++p;
      exponent = true;
    }
    if (fraction_digits == 0 && !exponent) {
      // Up to 19 digits the mantissa did not wrap (10^19 < 2^64); 20 may exceed UINT64.
      constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
      if (digits > 19) return false;
      if (negative && mantissa == 0) return false;  // "-0": simdjson's typing is its own business
      if (negative && mantissa > kInt64Max + 1) return false;  // below INT64: simdjson rejects it
      if (!negative && mantissa > kInt64Max) {
        out->kind = Number::kUint64;
        out->u = mantissa;
      } else {
        out->kind = Number::kInt64;
        out->i = negative ? static_cast<int64_t>(0 - mantissa) : static_cast<int64_t>(mantissa);
      }
    } else if (!exponent && digits + fraction_digits <= 18 && mantissa <= uint64_t{1} << 53) {
      const double d = static_cast<double>(mantissa) / kPow10[fraction_digits];
      out->kind = Number::kDouble;
      out->d = negative ? -d : d;
    } else {
      if (!ParseLongDouble(start, p, &out->d)) return false;
      out->kind = Number::kDouble;
    }
    p_ = p;
    return true;
  }

  // Validates one value. When `out` is not null, appends its compact form exactly as the full
  // decoder's re-serialisation of a parsed element does (for this subset, strings and keys are
  // copied verbatim and numbers written by the same functions).
  bool Value(int depth, std::string* out) {
    SkipWhitespace();
    switch (*p_) {
      case '"': {
        std::string_view s;
        if (!String(&s)) return false;
        if (out != nullptr) AppendQuoted(s, out);
        return true;
      }
      case '{':
      case '[':
        return Container(depth, out);
      case 't':
        return Word("true", out);
      case 'f':
        return Word("false", out);
      case 'n':
        return Word("null", out);
      default: {
        Number n;
        if (!ParseNumber(&n)) return false;
        if (out != nullptr) {
          switch (n.kind) {
            case Number::kInt64:
              AppendInt64(n.i, out);
              break;
            case Number::kUint64:
              AppendUint64(n.u, out);
              break;
            case Number::kDouble:
              AppendDouble(n.d, out);
              break;
          }
        }
        return true;
      }
    }
  }

 private:
  // Compact payloads have no whitespace, so the first test (one compare) usually ends it.
  void SkipWhitespace() {
    while (static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  // Advances p_ to the next byte that kStringStop flags; the sentinel NUL is one. Strings are
  // most of a payload's bytes, so this tests eight at a time: in each 64-bit word, a byte's high
  // bit is set in `stop` when it is '"', '\\', below 0x20 or above 0x7F. The zero-byte tricks can
  // also flag bytes above a flagged one (borrows), never below it, so the lowest flag is exact.
  // Reading past the sentinel stays within the padding.
  void SkipPlainStringBytes() {
    if constexpr (std::endian::native == std::endian::little) {
      constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
      for (;;) {
        const uint64_t x = Load8(p_);
        const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
        const uint64_t stop = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                              (x - kOnes * 0x20) | x;
        const uint64_t flags = stop & kHighs;
        if (flags != 0) {
          p_ += std::countr_zero(flags) / 8;
          return;
        }
        p_ += 8;
      }
    }
    while (!kStringStop[static_cast<unsigned char>(*p_)]) ++p_;
  }

  // An object or array, at *p_.
  bool Container(int depth, std::string* out) {
    const char open = *p_;
    const char close = open == '{' ? '}' : ']';
    if (depth >= kMaxFastDepth) return false;
    ++p_;
    if (out != nullptr) out->push_back(open);
    if (!Consume(close)) {
      bool first = true;
      do {
        if (out != nullptr && !first) out->push_back(',');
        first = false;
        if (open == '{') {
          std::string_view key;
          if (!String(&key) || !Consume(':')) return false;
          if (out != nullptr) {
            AppendQuoted(key, out);
            out->push_back(':');
          }
        }
        if (!Value(depth + 1, out)) return false;
      } while (Consume(','));
      if (!Consume(close)) return false;
    }
    if (out != nullptr) out->push_back(close);
    return true;
  }

  bool Word(std::string_view word, std::string* out) {
    if (!Literal(word)) return false;
    if (out != nullptr) out->append(word);
    return true;
  }

  // `s` has no escapes, no control characters and no '"': its JSON form is itself, quoted.
  static void AppendQuoted(std::string_view s, std::string* out) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
  }

  // `word` (at most 5 bytes) comes next; reading it whole stays within the padding.
  bool Literal(std::string_view word) {
    if (std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  const char* p_;
  const char* end_;
  bool non_ascii_ = false;
};

// Reads the members of one object up to each known key's value, predicting the keys in the order
// of `predicted` (EncodeSignal's). `Field` is an enum whose values 0..N-1 are the predicted keys,
// `kUnknown` is its value for any key not known, and `named` maps a key to its Field.
template <typename Field, Field kUnknown, size_t N>
class MemberReader {
 public:
  enum Next { kDecline, kAbsent, kValue };

  MemberReader(Parser& in, const Expected (&predicted)[N], Field (*named)(std::string_view),
               int depth)
      : in_(in), predicted_(predicted), named_(named), depth_(depth) {}

  // Reads the next member's key and colon. kValue: the value of `*field` comes next, its opening
  // quote or bracket already consumed when `*opened`. kAbsent: the member needs nothing more (an
  // unknown key, its value validated and skipped; or a null value, which counts as absent).
  // kDecline: invalid, or a known key seen before (last-wins is the full decoder's).
  Next Read(Field* field, bool* opened) {
    *opened = false;
    if (expected_ < N && in_.ConsumeExpected(predicted_[expected_])) {
      *field = static_cast<Field>(expected_);
      *opened = predicted_[expected_].opens_value;
    } else {
      std::string_view key;
      if (!in_.String(&key) || !in_.Consume(':')) return kDecline;
      *field = named_(key);
      if (*field == kUnknown) return in_.Value(depth_ + 1, nullptr) ? kAbsent : kDecline;
    }
    const unsigned bit = 1u << *field;
    if ((seen_ & bit) != 0) return kDecline;
    seen_ |= bit;
    expected_ = static_cast<size_t>(*field) + 1;
    return !*opened && in_.ConsumeNull() ? kAbsent : kValue;
  }

 private:
  Parser& in_;
  const Expected (&predicted_)[N];
  Field (*named_)(std::string_view);
  int depth_;  // of the object
  size_t expected_ = 0;
  unsigned seen_ = 0;
};

bool HasTicker(const Signal& s, size_t count, std::string_view ticker) {
  for (size_t i = 0; i < count; ++i) {
    if (s.tickers[i].ticker == ticker) return true;
  }
  return false;
}

// The keys of a per-ticker object; the first four in EncodeSignal's order, each predicted as
// EncodeSignal writes it (with the opening quote of a string value).
enum TickerField { kTicker, kBias, kConfidence, kReasoning, kSignal, kNoTickerField };
constexpr Expected kExpectTicker[] = {Expect("\"ticker\":\""), Expect("\"bias\":\""),
                                      Expect("\"confidence\":"), Expect("\"reasoning\":\"")};

TickerField TickerFieldNamed(std::string_view key) {
  if (key == "ticker") return kTicker;
  if (key == "bias") return kBias;
  if (key == "signal") return kSignal;
  if (key == "confidence") return kConfidence;
  if (key == "reasoning") return kReasoning;
  return kNoTickerField;
}

// One object of the "tickers" list, into `*t`.
bool TickerObject(Parser& in, TickerSignal* t) {
  if (!in.Consume('{') || in.Consume('}')) return false;  // {}: no "ticker"
  MemberReader<TickerField, kNoTickerField, std::size(kExpectTicker)> members(in, kExpectTicker,
                                                                              TickerFieldNamed, 2);
  bool has_ticker = false;
  std::optional<Bias> bias, signal;
  std::optional<double> confidence;
  std::string_view reasoning;
  do {
    TickerField field;
    bool opened;
    const auto next = members.Read(&field, &opened);
    if (next == members.kDecline) return false;
    if (next == members.kAbsent) continue;
    std::string_view s;
    const bool string_open = field != kConfidence && (opened || in.Consume('"'));
    switch (field) {
      case kTicker:
        if (!string_open || !in.StringBody(&s) || !NormalizeTickerInto(s, &t->ticker)) {
          return false;
        }
        has_ticker = true;
        break;
      case kBias:
      case kSignal:
        if (!string_open || !in.StringBody(&s)) return false;
        if (!((field == kBias ? bias : signal) = ParseBiasAscii(s))) return false;
        break;
      case kConfidence: {
        Number n;
        if (!in.ParseNumber(&n) || !(confidence = NormalizeConfidence(n.AsDouble()))) {
          return false;
        }
        break;
      }
      case kReasoning:
        if (!string_open || !in.StringBody(&reasoning)) return false;
        break;
      case kNoTickerField:
        return false;
    }
  } while (in.Consume(','));
  if (!in.Consume('}')) return false;
  if (!has_ticker || (bias && signal && *bias != *signal)) return false;
  t->bias = signal ? *signal : bias.value_or(Bias::kUnspecified);
  t->confidence = confidence;
  // Most entries carry no reasoning, and assign() costs a call into the library even for "".
  if (reasoning.empty()) {
    t->reasoning.clear();
  } else {
    t->reasoning.assign(reasoning);
  }
  return true;
}

// The "tickers" list after its '[', into out->tickers (a repeated ticker keeps its first entry).
bool TickerListBody(Parser& in, Signal* out) {
  if (in.Consume(']')) return false;  // empty
  size_t entries = 0, count = 0;
  do {
    if (++entries > kMaxTickersPerSignal) return false;
    if (count == out->tickers.size()) out->tickers.emplace_back();
    TickerSignal& t = out->tickers[count];  // reused from the previous signal when it had one
    if (in.NextIs('"')) {
      std::string_view s;
      if (!in.String(&s) || !NormalizeTickerInto(s, &t.ticker)) return false;
      t.bias = Bias::kUnspecified;
      t.confidence.reset();
      t.reasoning.clear();
    } else if (!TickerObject(in, &t)) {
      return false;
    }
    if (!HasTicker(*out, count, t.ticker)) ++count;
  } while (in.Consume(','));
  if (!in.Consume(']')) return false;
  out->tickers.resize(count);
  return true;
}

// Epoch seconds, as the full decoder reads them (integers exactly, fractions rounded).
bool NumericTimestamp(Parser& in, std::optional<int64_t>* ms) {
  Number n;
  if (!in.ParseNumber(&n) || n.kind == Number::kUint64) return false;  // UINT64: beyond 9999
  *ms = n.kind == Number::kInt64 ? TimestampMsFromIntegerSeconds(n.i)
                                 : TimestampMsFromFractionalSeconds(n.d);
  return ms->has_value();
}

// The top-level keys; all but "bias" in EncodeSignal's order, each predicted as EncodeSignal
// writes it (with the opening of the value, except for metadata).
enum SignalField {
  kSignalId,
  kTimestamp,
  kSignalType,
  kSource,
  kTickers,
  kMetadata,
  kBiasMap,
  kNoSignalField
};
constexpr Expected kExpectSignal[] = {Expect("\"signal_id\":\""),   Expect("\"timestamp\":\""),
                                      Expect("\"signal_type\":\""), Expect("\"source\":\""),
                                      Expect("\"tickers\":["),      Expect("\"metadata\":")};

SignalField SignalFieldNamed(std::string_view key) {
  if (key == "signal_id") return kSignalId;
  if (key == "timestamp") return kTimestamp;
  if (key == "signal_type") return kSignalType;
  if (key == "source") return kSource;
  if (key == "tickers") return kTickers;
  if (key == "bias") return kBiasMap;
  if (key == "metadata") return kMetadata;
  return kNoSignalField;
}

}  // namespace

bool DecodeCommonSignal(std::string_view padded, Signal* out, std::string_view fallback_id,
                        const Clock& clock) {
  if (padded.size() > kMaxSignalBytes) return false;
  Parser in(padded);
  if (!in.Consume('{')) return false;
  MemberReader<SignalField, kNoSignalField, std::size(kExpectSignal)> members(in, kExpectSignal,
                                                                              SignalFieldNamed, 0);
  std::optional<std::string_view> signal_id;
  std::optional<int64_t> timestamp_ms;
  std::string_view signal_type, source;
  bool has_tickers = false, has_metadata = false;
  if (!in.Consume('}')) {
    do {
      SignalField field;
      bool opened;
      const auto next = members.Read(&field, &opened);
      if (next == members.kDecline) return false;
      if (next == members.kAbsent) continue;
      std::string_view s;
      // signal_id, signal_type and source are strings, and a timestamp may be one.
      const bool string_open = field <= kSource && (opened || in.Consume('"'));
      switch (field) {
        case kSignalId:
          if (!string_open || !in.StringBody(&s) || !IsValidSignalId(s)) return false;
          signal_id = s;
          break;
        case kTimestamp:
          if (string_open) {
            if (!in.StringBody(&s) || !(timestamp_ms = ParseIso8601(s)) || *timestamp_ms < 0 ||
                *timestamp_ms > kMaxTimestampMs) {
              return false;
            }
          } else if (!NumericTimestamp(in, &timestamp_ms)) {
            return false;
          }
          break;
        case kSignalType:
          if (!string_open || !in.StringBody(&signal_type) ||
              signal_type.size() > kMaxSignalLabelBytes) {
            return false;
          }
          break;
        case kSource:
          if (!string_open || !in.StringBody(&source) || source.size() > kMaxSignalLabelBytes) {
            return false;
          }
          break;
        case kTickers:
          if (!(opened || in.Consume('[')) || !TickerListBody(in, out)) return false;
          has_tickers = true;
          break;
        case kMetadata:
          if (!in.NextIs('{')) return false;
          out->metadata_json.clear();
          if (!in.Value(1, &out->metadata_json)) return false;
          has_metadata = true;
          break;
        case kBiasMap:  // the map form is rare: the full decoder merges it
        case kNoSignalField:
          return false;
      }
    } while (in.Consume(','));
    if (!in.Consume('}')) return false;
  }
  if (!in.AtEnd() || !has_tickers) return false;
  if (in.non_ascii() && !simdjson::validate_utf8(padded.data(), padded.size())) return false;

  // Accepted: only now the side effects the full decoder would have had (clock, UUID).
  if (signal_id) {
    out->signal_id.assign(*signal_id);
  } else if (!fallback_id.empty()) {
    out->signal_id.assign(fallback_id);
  } else {
    out->signal_id = NewUuid();
  }
  out->timestamp_ms = timestamp_ms ? *timestamp_ms : clock.NowMs();
  out->signal_type.assign(signal_type);
  out->source.assign(source);
  if (!has_metadata) out->metadata_json.assign("{}");
  return true;
}

}  // namespace sigflow::internal
