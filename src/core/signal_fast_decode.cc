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
//  - numbers without an exponent and with at most 18 digits, so integers fit int64 (simdjson's
//    INT64) and "-0" is declined; a fraction is m / 10^k with m <= 2^53 and k <= 18, where both
//    operands are exact doubles and the one division is correctly rounded, i.e. exactly the
//    nearest double that simdjson's correctly rounded parser returns (Clinger's fast path);
//  - nesting at most kMaxFastDepth levels, known keys at most once per object (the full decoder
//    owns last-wins), no "bias" map, timestamps as ISO-8601 text or integer seconds;
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
#include <cstdint>
#include <cstring>
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
// shorter than 16), in the byte order Load8 reads them.
struct Expected {
  uint64_t head = 0, tail = 0;
  size_t size = 0;
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
  return {Pack8(text), Pack8(text.substr(text.size() - 8)), text.size()};
}

struct Number {
  bool integer = false;
  int64_t i = 0;  // when integer
  double d = 0;   // otherwise

  double AsDouble() const { return integer ? static_cast<double>(i) : d; }
};

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

  bool ParseNumber(Number* out) {
    SkipWhitespace();
    const char* p = p_;
    const bool negative = *p == '-';
    if (negative) ++p;
    if (!IsDigit(*p)) return false;
    uint64_t mantissa = 0;  // wraps harmlessly on long inputs, which are declined below
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
    if (digits + fraction_digits > 18) return false;
    if (*p == 'e' || *p == 'E') return false;
    p_ = p;
    if (fraction_digits == 0) {
      if (negative && mantissa == 0) return false;  // "-0": simdjson's typing is its own business
      out->integer = true;
      out->i = negative ? -static_cast<int64_t>(mantissa) : static_cast<int64_t>(mantissa);
      return true;
    }
    if (mantissa > uint64_t{1} << 53) return false;
    const double d = static_cast<double>(mantissa) / kPow10[fraction_digits];
    out->integer = false;
    out->d = negative ? -d : d;
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
          if (n.integer) {
            AppendInt64(n.i, out);
          } else {
            AppendDouble(n.d, out);
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

bool Seen(unsigned* seen, int field) {
  const bool before = (*seen >> field & 1) != 0;
  *seen |= 1u << field;
  return before;
}

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
  unsigned seen = 0;
  bool has_ticker = false;
  std::optional<Bias> bias, signal;
  std::optional<double> confidence;
  std::string_view reasoning;
  int expected = kTicker;
  do {
    // After a predicted key the value's opening quote is consumed too (`opened`).
    TickerField field;
    bool opened = false;
    if (expected <= kReasoning && in.ConsumeExpected(kExpectTicker[expected])) {
      field = static_cast<TickerField>(expected);
      opened = field != kConfidence;
    } else {
      std::string_view key;
      if (!in.String(&key) || !in.Consume(':')) return false;
      field = TickerFieldNamed(key);
      if (field == kNoTickerField) {
        if (!in.Value(3, nullptr)) return false;
        continue;
      }
    }
    if (Seen(&seen, field)) return false;  // a repeated key: last-wins is the full decoder's
    expected = field + 1;
    if (!opened && in.ConsumeNull()) continue;  // null is absent
    std::string_view s;
    Number n;
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
      case kConfidence:
        if (!in.ParseNumber(&n) || !(confidence = NormalizeConfidence(n.AsDouble()))) {
          return false;
        }
        break;
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
  t->reasoning.assign(reasoning);
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
  unsigned seen = 0;
  std::optional<std::string_view> signal_id;
  std::optional<int64_t> timestamp_ms;
  std::string_view signal_type, source;
  bool has_tickers = false, has_metadata = false;
  if (!in.Consume('}')) {
    int expected = kSignalId;
    do {
      // After a predicted key the value's opening quote or bracket is consumed too (`opened`).
      SignalField field;
      bool opened = false;
      if (expected <= kMetadata && in.ConsumeExpected(kExpectSignal[expected])) {
        field = static_cast<SignalField>(expected);
        opened = field != kMetadata;
      } else {
        std::string_view key;
        if (!in.String(&key) || !in.Consume(':')) return false;
        field = SignalFieldNamed(key);
        if (field == kNoSignalField) {
          if (!in.Value(1, nullptr)) return false;  // unknown fields are ignored
          continue;
        }
      }
      if (Seen(&seen, field)) return false;  // a repeated key: last-wins is the full decoder's
      expected = field + 1;
      if (!opened && in.ConsumeNull()) continue;  // null is absent
      std::string_view s;
      Number n;
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
          } else {
            if (!in.ParseNumber(&n) || !n.integer || n.i < 0 || n.i > kMaxTimestampMs / 1000) {
              return false;  // fractional seconds round in the full decoder
            }
            timestamp_ms = n.i * 1000;
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
