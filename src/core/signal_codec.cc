#include "core/signal_codec.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <new>
#include <optional>

#include "core/signal_codec_internal.h"
#include "core/ticker_inplace.h"
#include "core/time_format.h"
#include "core/time_format_append.h"
#include "core/uuid.h"

namespace sigflow {

using internal::AppendDouble;
using internal::AppendEscapedUtf8;
using internal::kMaxTimestampMs;

namespace {

namespace dom = simdjson::dom;

static_assert(kMaxTickersPerSignal <= 64, "a uint64_t mask tracks the tickers of one signal");

constexpr size_t kQuoteBytes = 40;  // longest value quoted in an error message

// ---------------------------------------------------------------------------------------------
// JSON writing

// Length of the valid UTF-8 sequence starting at p[0] (n bytes available), or 0 if invalid.
size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

void internal::AppendEscapedUtf8(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, sizeof esc);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
}

void internal::AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  out->append(text);
  if (text.find_first_of(".e") == std::string_view::npos) out->append(".0");
}

namespace {

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(res.ptr - buf));
}

}  // namespace

void internal::AppendInt64(int64_t v, std::string* out) { AppendInt(v, out); }
void internal::AppendUint64(uint64_t v, std::string* out) { AppendInt(v, out); }

namespace {

// True when every byte of `s` is printable ASCII other than '"' and '\\': it is then valid UTF-8
// and needs no escape. Most strings we write are such (ids, tickers, labels), and this loop is
// cheaper for them than the UTF-8 validation plus escape scan below.
bool IsPlainAscii(std::string_view s) {
  unsigned bad = 0;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    bad |= static_cast<unsigned>(c < 0x20 || c >= 0x80 || c == '"' || c == '\\');
  }
  return bad == 0;
}

// Appends `s` as a quoted JSON string. Invalid UTF-8 sequences become U+FFFD.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  if (IsPlainAscii(s)) {
    out->append(s);
  } else if (simdjson::validate_utf8(s.data(), s.size())) {
    AppendEscapedUtf8(s, out);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      size_t len;
      while (j < s.size() && (len = Utf8SequenceLength(p + j, s.size() - j)) != 0) j += len;
      AppendEscapedUtf8(s.substr(i, j - i), out);
      if (j < s.size()) {
        out->append("\xEF\xBF\xBD");  // U+FFFD for the one invalid byte at j
        ++j;
      }
      i = j;
    }
  }
  out->push_back('"');
}

// Compact JSON of a parsed element (strings from simdjson are valid UTF-8). Recursion is bounded
// by the parser's depth limit.
void AppendElement(dom::element e, std::string* out) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      dom::array array = e.get_array().value_unsafe();
      for (dom::element child : array) {
        if (!first) out->push_back(',');
        first = false;
        AppendElement(child, out);
      }
      out->push_back(']');
      break;
    }
    case dom::element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      dom::object object = e.get_object().value_unsafe();
      for (dom::key_value_pair field : object) {
        if (!first) out->push_back(',');
        first = false;
        out->push_back('"');
        AppendEscapedUtf8(field.key, out);
        out->append("\":");
        AppendElement(field.value, out);
      }
      out->push_back('}');
      break;
    }
    case dom::element_type::INT64:
      internal::AppendInt64(e.get_int64().value_unsafe(), out);
      break;
    case dom::element_type::UINT64:
      internal::AppendUint64(e.get_uint64().value_unsafe(), out);
      break;
    case dom::element_type::DOUBLE:
      AppendDouble(e.get_double().value_unsafe(), out);
      break;
    case dom::element_type::STRING:
      out->push_back('"');
      AppendEscapedUtf8(e.get_string().value_unsafe(), out);
      out->push_back('"');
      break;
    case dom::element_type::BOOL:
      out->append(e.get_bool().value_unsafe() ? "true" : "false");
      break;
    case dom::element_type::NULL_VALUE:
      out->append("null");
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Error messages

// `s` quoted and escaped for a message, cut after kQuoteBytes bytes (at a UTF-8 boundary).
std::string Quote(std::string_view s) {
  bool cut = s.size() > kQuoteBytes;
  if (cut) {
    size_t n = kQuoteBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
  }
  std::string out;
  AppendJsonString(s, &out);
  if (cut) out.insert(out.size() - 1, "...");
  return out;
}

// A short description of a value for a message: `"text"`, `42`, `true`, `null`, `an array`, ...
std::string Describe(dom::element e) {
  std::string out;
  switch (e.type()) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::STRING:
      return Quote(e.get_string().value_unsafe());
    default:
      AppendElement(e, &out);
      return out;
  }
}

std::string Field(std::string_view name) { return "field \"" + std::string(name) + "\""; }

bool Fail(DecodeError* error, std::string_view code, std::string message) {
  error->code = code;
  error->message = std::move(message);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Field readers. Each returns false after filling *error.

bool ReadString(dom::element e, std::string_view name, size_t max_bytes, std::string* out,
                DecodeError* error) {
  std::string_view s;
  if (e.get(s)) {
    return Fail(error, reason::kInvalidField,
                Field(name) + " must be a string, got " + Describe(e));
  }
  if (s.size() > max_bytes) {
    return Fail(error, reason::kInvalidField,
                Field(name) + " is " + std::to_string(s.size()) + " bytes (" + Quote(s) +
                    "); the limit is " + std::to_string(max_bytes));
  }
  out->assign(s);
  return true;
}

bool ReadSignalId(dom::element e, std::string* out, DecodeError* error) {
  std::string_view s;
  if (e.get(s)) {
    return Fail(error, reason::kInvalidSignalId,
                "field \"signal_id\" must be a string, got " + Describe(e));
  }
  if (internal::IsValidSignalId(s)) {
    out->assign(s);
    return true;
  }
  // Invalid: say why.
  if (s.empty()) return Fail(error, reason::kInvalidSignalId, "field \"signal_id\" is empty");
  if (s.size() > kMaxSignalIdBytes) {
    return Fail(error, reason::kInvalidSignalId,
                "field \"signal_id\" is " + std::to_string(s.size()) + " bytes (" + Quote(s) +
                    "); the limit is " + std::to_string(kMaxSignalIdBytes));
  }
  return Fail(error, reason::kInvalidSignalId,
              "field \"signal_id\" " + Quote(s) + " contains a control character");
}

bool ReadTimestamp(dom::element e, int64_t* out_ms, DecodeError* error) {
  auto out_of_range = [&](std::string_view why) {
    return Fail(error, reason::kInvalidTimestamp,
                "field \"timestamp\" " + Describe(e) + " is " + std::string(why) +
                    "; expected 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z");
  };
  constexpr std::string_view kBeyond = "beyond year 9999 (numbers are epoch seconds)";
  int64_t ms = 0;
  switch (e.type()) {
    case dom::element_type::INT64: {
      const int64_t seconds = e.get_int64().value_unsafe();
      const std::optional<int64_t> in_range = internal::TimestampMsFromIntegerSeconds(seconds);
      if (!in_range) return out_of_range(seconds < 0 ? "before 1970" : kBeyond);
      ms = *in_range;
      break;
    }
    case dom::element_type::UINT64:
      return out_of_range(kBeyond);
    case dom::element_type::DOUBLE: {
      const double seconds = e.get_double().value_unsafe();
      const std::optional<int64_t> in_range = internal::TimestampMsFromFractionalSeconds(seconds);
      if (!in_range) return out_of_range(seconds < 0 ? "before 1970" : kBeyond);
      ms = *in_range;
      break;
    }
    case dom::element_type::STRING: {
      std::optional<int64_t> parsed = ParseIso8601(e.get_string().value_unsafe());
      if (!parsed) {
        return Fail(error, reason::kInvalidTimestamp,
                    "field \"timestamp\" " + Describe(e) +
                        " is not ISO-8601 (like 2025-12-05T10:30:00Z) nor epoch seconds");
      }
      if (*parsed < 0) return out_of_range("before 1970");
      if (*parsed > kMaxTimestampMs) return out_of_range("beyond year 9999");
      ms = *parsed;
      break;
    }
    default:
      return Fail(error, reason::kInvalidTimestamp,
                  "field \"timestamp\" must be epoch seconds or ISO-8601 text, got " + Describe(e));
  }
  *out_ms = ms;
  return true;
}

// Names a per-ticker entry in messages: tickers[3] or bias["AAPL"]. The text is built only on
// failure, so that decoding a good signal allocates nothing for it.
struct Where {
  bool in_map = false;
  size_t index = 0;         // in the list
  std::string_view key;     // in the map
  std::string_view ticker;  // the entry's "ticker" as written, when known
  std::string Str() const {
    std::string out =
        in_map ? "bias[" + Quote(key) + "]" : "tickers[" + std::to_string(index) + "]";
    if (!ticker.empty() && !in_map) out += " (ticker " + Quote(ticker) + ")";
    return out;
  }
};

// Validates and upper-cases a ticker (the rule is core/ticker.h's) into `*out`, reusing its
// capacity.
bool NormaliseTicker(std::string_view s, const Where& where, std::string* out, DecodeError* error) {
  if (NormalizeTickerInto(s, out)) return true;
  std::string prefix = where.Str() + ": ticker ";
  if (s.empty()) return Fail(error, reason::kInvalidTicker, prefix + "is empty");
  if (s.size() > kMaxTickerBytes) {
    return Fail(
        error, reason::kInvalidTicker,
        prefix + Quote(s) + " is longer than " + std::to_string(kMaxTickerBytes) + " bytes");
  }
  return Fail(error, reason::kInvalidTicker,
              prefix + Quote(s) +
                  " must be letters, digits and .^=/- (starting with a letter, a digit or ^)");
}

bool ReadTicker(dom::element e, const Where& where, std::string* out, DecodeError* error) {
  std::string_view s;
  if (e.get(s)) {
    return Fail(error, reason::kInvalidTicker,
                where.Str() + ": ticker must be a string, got " + Describe(e));
  }
  return NormaliseTicker(s, where, out, error);
}

bool ReadBias(dom::element e, const Where& where, std::string_view name, Bias* out,
              DecodeError* error) {
  std::string_view s;
  std::optional<Bias> bias;
  if (!e.get(s)) bias = internal::ParseBiasAscii(s);
  if (!bias) {
    return Fail(error, reason::kInvalidBias,
                where.Str() + ": " + Field(name) + " is " + Describe(e) +
                    "; expected BULLISH, BEARISH or NEUTRAL");
  }
  *out = *bias;
  return true;
}

bool ReadConfidence(dom::element e, const Where& where, double* out, DecodeError* error) {
  double v;
  switch (e.type()) {
    case dom::element_type::INT64:
      v = static_cast<double>(e.get_int64().value_unsafe());
      break;
    case dom::element_type::UINT64:
      v = static_cast<double>(e.get_uint64().value_unsafe());
      break;
    case dom::element_type::DOUBLE:
      v = e.get_double().value_unsafe();
      break;
    default:
      return Fail(error, reason::kInvalidConfidence,
                  where.Str() + ": field \"confidence\" must be a number, got " + Describe(e));
  }
  std::optional<double> normal = internal::NormalizeConfidence(v);
  if (!normal) {
    return Fail(error, reason::kInvalidConfidence,
                where.Str() + ": field \"confidence\" is " + Describe(e) +
                    "; expected 0..1, or a percentage 0..100");
  }
  *out = *normal;
  return true;
}

// The fields of one per-ticker object, validated except for the ticker itself.
struct TickerDetail {
  std::optional<dom::element> ticker;
  Bias bias = Bias::kUnspecified;
  std::optional<double> confidence;
  std::string_view reasoning;
};

bool ReadTickerDetail(dom::object obj, Where where, TickerDetail* d, DecodeError* error) {
  std::optional<dom::element> signal, bias, confidence, reasoning;
  for (dom::key_value_pair field : obj) {
    std::optional<dom::element>* slot = nullptr;
    if (field.key == "ticker") {
      slot = &d->ticker;
    } else if (field.key == "bias") {
      slot = &bias;
    } else if (field.key == "signal") {
      slot = &signal;
    } else if (field.key == "confidence") {
      slot = &confidence;
    } else if (field.key == "reasoning") {
      slot = &reasoning;
    } else {
      continue;
    }
    if (field.value.is_null()) {
      slot->reset();
    } else {
      *slot = field.value;
    }
  }
  if (d->ticker && d->ticker->is_string()) {
    where.ticker = d->ticker->get_string().value_unsafe();  // names the entry in messages
  }
  if (bias && !ReadBias(*bias, where, "bias", &d->bias, error)) return false;
  if (signal) {
    Bias from_signal;
    if (!ReadBias(*signal, where, "signal", &from_signal, error)) return false;
    if (bias && from_signal != d->bias) {
      return Fail(error, reason::kInvalidBias,
                  where.Str() + ": \"signal\" " + Describe(*signal) + " and \"bias\" " +
                      Describe(*bias) + " disagree");
    }
    d->bias = from_signal;
  }
  if (confidence) {
    double c;
    if (!ReadConfidence(*confidence, where, &c, error)) return false;
    d->confidence = c;
  }
  if (reasoning && reasoning->get(d->reasoning)) {
    return Fail(
        error, reason::kInvalidField,
        where.Str() + ": field \"reasoning\" must be a string, got " + Describe(*reasoning));
  }
  return true;
}

int FindTicker(const Signal& s, size_t count, std::string_view ticker) {
  for (size_t i = 0; i < count; ++i) {
    if (s.tickers[i].ticker == ticker) return static_cast<int>(i);
  }
  return -1;
}

// The "tickers" list: fills out->tickers (duplicates dropped).
bool ReadTickerList(dom::element e, Signal* out, DecodeError* error) {
  dom::array list;
  if (e.get(list)) {
    return Fail(error, reason::kInvalidField,
                "field \"tickers\" must be an array, got " + Describe(e));
  }
  const size_t size = list.size();
  if (size == 0) return Fail(error, reason::kEmptyTickers, "field \"tickers\" is an empty array");
  if (size > kMaxTickersPerSignal) {
    return Fail(error, reason::kTooManyTickers,
                "field \"tickers\" has " + std::to_string(size) + " entries; the limit is " +
                    std::to_string(kMaxTickersPerSignal));
  }
  out->tickers.resize(size);
  size_t count = 0;
  Where where;
  for (dom::element entry : list) {
    TickerDetail detail;
    dom::object obj;
    if (!entry.get(obj)) {
      if (!ReadTickerDetail(obj, where, &detail, error)) return false;
      if (!detail.ticker) {
        return Fail(error, reason::kInvalidTicker, where.Str() + ": object has no \"ticker\"");
      }
    } else {
      detail.ticker = entry;
    }
    // Normalised straight into the next free slot, which keeps its string's capacity; a repeated
    // ticker leaves the slot free for the next entry.
    TickerSignal& t = out->tickers[count];
    if (!ReadTicker(*detail.ticker, where, &t.ticker, error)) return false;
    ++where.index;
    if (FindTicker(*out, count, t.ticker) >= 0) continue;  // first entry wins
    ++count;
    t.bias = detail.bias;
    t.confidence = detail.confidence;
    t.reasoning.assign(detail.reasoning);
  }
  out->tickers.resize(count);
  return true;
}

// The "bias" map: fills in what the list left unspecified.
bool ReadBiasMap(dom::element e, Signal* out, DecodeError* error) {
  dom::object map;
  if (e.get(map)) {
    return Fail(error, reason::kInvalidField,
                "field \"bias\" must be an object mapping tickers to biases, got " + Describe(e));
  }
  const size_t size = map.size();
  if (size > kMaxTickersPerSignal) {
    return Fail(error, reason::kTooManyTickers,
                "field \"bias\" has " + std::to_string(size) + " entries; the limit is " +
                    std::to_string(kMaxTickersPerSignal));
  }
  uint64_t applied = 0;  // bit i: tickers[i] already took its map entry
  for (dom::key_value_pair entry : map) {
    const Where where{.in_map = true, .key = entry.key};
    std::string ticker;
    if (!NormaliseTicker(entry.key, where, &ticker, error)) return false;
    if (entry.value.is_null()) continue;
    TickerDetail detail;
    dom::object obj;
    if (!entry.value.get(obj)) {
      if (!ReadTickerDetail(obj, where, &detail, error)) return false;
    } else if (!ReadBias(entry.value, where, "bias", &detail.bias, error)) {
      return false;
    }
    if (detail.ticker) {
      std::string inner;
      if (!ReadTicker(*detail.ticker, where, &inner, error)) return false;
      if (inner != ticker) {
        return Fail(
            error, reason::kInvalidTicker,
            where.Str() + ": \"ticker\" " + Describe(*detail.ticker) + " does not match its key");
      }
    }
    int i = FindTicker(*out, out->tickers.size(), ticker);
    if (i < 0 || (applied >> i & 1)) continue;  // not in the list, or a repeated key: ignored
    applied |= uint64_t{1} << i;
    TickerSignal& t = out->tickers[static_cast<size_t>(i)];
    if (t.bias == Bias::kUnspecified) t.bias = detail.bias;
    if (!t.confidence) t.confidence = detail.confidence;
    if (t.reasoning.empty()) t.reasoning.assign(detail.reasoning);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct internal::FullSignalDecoder::Impl {
  explicit Impl(const Clock* c) : clock(c), parser(kMaxSignalBytes) {
    buffer = std::make_unique<char[]>(kMaxSignalBytes + simdjson::SIMDJSON_PADDING);
    if (parser.allocate(kMaxSignalBytes, kMaxSignalDepth) != simdjson::SUCCESS ||
        doc.allocate(kMaxSignalBytes) != simdjson::SUCCESS) {
      throw std::bad_alloc();
    }
  }

  bool Decode(std::string_view raw, Signal* out, DecodeError* error, std::string_view fallback_id);

  const Clock* clock;
  dom::parser parser;
  dom::document doc;
  std::unique_ptr<char[]> buffer;  // raw copied here: simdjson reads past the end (padding)
};

bool internal::FullSignalDecoder::Impl::Decode(std::string_view raw, Signal* out,
                                               DecodeError* error, std::string_view fallback_id) {
  if (raw.size() > kMaxSignalBytes) {
    return Fail(error, reason::kPayloadTooLarge,
                "payload is " + std::to_string(raw.size()) + " bytes; the limit is " +
                    std::to_string(kMaxSignalBytes));
  }
  std::memcpy(buffer.get(), raw.data(), raw.size());
  dom::element root;
  if (auto err = parser.parse_into_document(doc, buffer.get(), raw.size(), false).get(root)) {
    if (err == simdjson::DEPTH_ERROR) {
      return Fail(error, reason::kMalformedJson,
                  "payload nests deeper than " + std::to_string(kMaxSignalDepth) + " levels");
    }
    return Fail(error, reason::kMalformedJson,
                std::string("payload is not valid JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (root.get(obj)) {
    return Fail(error, reason::kNotAnObject,
                "payload is " + Describe(root) + ", not a JSON object");
  }

  // One pass over the fields; null counts as absent and the last occurrence of a key wins.
  std::optional<dom::element> signal_id, timestamp, signal_type, source, tickers, bias, metadata;
  for (dom::key_value_pair field : obj) {
    std::optional<dom::element>* slot;
    std::string_view k = field.key;
    if (k == "signal_id") {
      slot = &signal_id;
    } else if (k == "timestamp") {
      slot = &timestamp;
    } else if (k == "signal_type") {
      slot = &signal_type;
    } else if (k == "source") {
      slot = &source;
    } else if (k == "tickers") {
      slot = &tickers;
    } else if (k == "bias") {
      slot = &bias;
    } else if (k == "metadata") {
      slot = &metadata;
    } else {
      continue;  // unknown fields are ignored
    }
    if (field.value.is_null()) {
      slot->reset();
    } else {
      *slot = field.value;
    }
  }

  if (signal_id) {
    if (!ReadSignalId(*signal_id, &out->signal_id, error)) return false;
  } else if (!fallback_id.empty()) {
    out->signal_id.assign(fallback_id);
  } else {
    out->signal_id = NewUuid();
  }
  if (timestamp) {
    if (!ReadTimestamp(*timestamp, &out->timestamp_ms, error)) return false;
  } else {
    out->timestamp_ms = clock->NowMs();
  }
  out->signal_type.clear();
  if (signal_type &&
      !ReadString(*signal_type, "signal_type", kMaxSignalLabelBytes, &out->signal_type, error)) {
    return false;
  }
  out->source.clear();
  if (source && !ReadString(*source, "source", kMaxSignalLabelBytes, &out->source, error)) {
    return false;
  }
  out->metadata_json.clear();
  if (metadata) {
    if (!metadata->is_object()) {
      return Fail(error, reason::kInvalidField,
                  "field \"metadata\" must be an object, got " + Describe(*metadata));
    }
    AppendElement(*metadata, &out->metadata_json);  // "{}" for the usual empty object
  } else {
    out->metadata_json.append("{}");
  }
  if (!tickers) {
    out->tickers.clear();
    return Fail(error, reason::kMissingTickers, "field \"tickers\" is missing");
  }
  if (!ReadTickerList(*tickers, out, error)) return false;
  if (bias && !ReadBiasMap(*bias, out, error)) return false;
  return true;
}

internal::FullSignalDecoder::FullSignalDecoder(const Clock* clock)
    : impl_(std::make_unique<Impl>(clock)) {}

internal::FullSignalDecoder::~FullSignalDecoder() = default;

bool internal::FullSignalDecoder::Decode(std::string_view raw, Signal* out, DecodeError* error,
                                         std::string_view fallback_id) {
  DecodeError scratch;
  return impl_->Decode(raw, out, error != nullptr ? error : &scratch, fallback_id);
}

// ---------------------------------------------------------------------------------------------

struct SignalDecoder::Impl {
  explicit Impl(const Clock* c)
      : clock(c),
        full(c),
        padded(std::make_unique<char[]>(kMaxSignalBytes + internal::kFastDecodePadding)) {}
  const Clock* clock;
  internal::FullSignalDecoder full;
  std::unique_ptr<char[]> padded;  // the payload and a NUL, for the fast path
};

SignalDecoder::SignalDecoder(const Clock* clock) : impl_(std::make_unique<Impl>(clock)) {}

SignalDecoder::~SignalDecoder() = default;

bool SignalDecoder::Decode(std::string_view raw, Signal* out, DecodeError* error,
                           std::string_view fallback_id) {
  // Nearly every signal takes the fast path; whatever it declines (other shapes, escapes,
  // exponents, every invalid payload) gets the full decoder, which owns every rule and message.
  if (raw.size() <= kMaxSignalBytes) {
    char* padded = impl_->padded.get();
    std::memcpy(padded, raw.data(), raw.size());
    padded[raw.size()] = '\0';
    if (internal::DecodeCommonSignal(std::string_view(padded, raw.size()), out, fallback_id,
                                     *impl_->clock)) {
      return true;
    }
  }
  return impl_->full.Decode(raw, out, error, fallback_id);
}

// ---------------------------------------------------------------------------------------------

void EncodeSignal(const Signal& signal, std::string* out) {
  out->append("{\"signal_id\":");
  AppendJsonString(signal.signal_id, out);
  out->append(",\"timestamp\":\"");
  AppendIso8601(signal.timestamp_ms, out);
  out->append("\",\"signal_type\":");
  AppendJsonString(signal.signal_type, out);
  out->append(",\"source\":");
  AppendJsonString(signal.source, out);
  out->append(",\"tickers\":[");
  bool first = true;
  for (const TickerSignal& t : signal.tickers) {
    out->append(first ? "{\"ticker\":" : ",{\"ticker\":");
    first = false;
    AppendJsonString(t.ticker, out);
    if (t.bias != Bias::kUnspecified) {
      out->append(",\"bias\":\"");
      out->append(BiasName(t.bias));
      out->push_back('"');
    }
    if (t.confidence) {
      out->append(",\"confidence\":");
      AppendDouble(*t.confidence, out);
    }
    if (!t.reasoning.empty()) {
      out->append(",\"reasoning\":");
      AppendJsonString(t.reasoning, out);
    }
    out->push_back('}');
  }
  out->append("],\"metadata\":");
  out->append(signal.metadata_json.empty() ? std::string_view("{}")
                                           : std::string_view(signal.metadata_json));
  out->push_back('}');
}

std::string EncodeSignal(const Signal& signal) {
  std::string out;
  EncodeSignal(signal, &out);
  return out;
}

}  // namespace sigflow
