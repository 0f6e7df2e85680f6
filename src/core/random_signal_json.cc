#include "core/random_signal_json.h"

#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/signal_codec_internal.h"
#include "core/time_format.h"

namespace sigflow::internal {
namespace {

constexpr std::string_view kSymbols[] = {"AAPL",    "MSFT",   "NVDA", "TSLA",
                                         "BRK.B",   "^GSPC",  "ES=F", "BTC-USD",
                                         "EUR/USD", "9984.T", "A",    "ABCDEFGHIJKLMNOP",
                                         "SPY",     "QQQ",    "X"};

// Pieces of string content: the JSON text and how many bytes it decodes to.
struct Piece {
  std::string_view json;
  size_t bytes;
};
constexpr Piece kSpecialPieces[] = {
    {"\\\"", 1},           {"\\\\", 1},         {"\\/", 1},
    {"\\u0041", 1},        {"\\u00e9", 2},      {"\xC3\xA9", 2},
    {"\\u20ac", 3},        {"\xE2\x82\xAC", 3}, {"\xF0\x9F\x98\x80", 4},
    {"\\ud83d\\ude00", 4}, {"\x7F", 1},         {"\xEF\xBF\xBD", 3},
};
constexpr Piece kControlPieces[] = {{"\\n", 1},     {"\\t", 1},    {"\\u001f", 1},
                                    {"\\u0000", 1}, {"\\r\\n", 2}, {"\\b\\f", 2}};
constexpr char kPlain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.:";

// Bytes a mutation inserts: JSON's structure, number characters, whitespace, letters of the
// literals, and bytes at the edges of UTF-8 and of the control range.
constexpr char kMutationBytes[] =
    "{}[],:\"\\ \t\n0123456789-+.eEtrufalsnAaZz\x00\x01\x1f\x7f\x80\xbf\xc2\xc3\xe2\xed\xf0\xf4"
    "\xff";

std::string Shortest(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string Format(const char* format, double v) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, v);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

std::string_view RandomSignalJson::Pick(std::initializer_list<std::string_view> options) {
  return options.begin()[Below(options.size())];
}

std::string RandomSignalJson::Gap() {
  if (whitespace_style_ == 0 || (whitespace_style_ == 1 && !OneIn(8))) return "";
  return std::string(Pick({" ", "\n", "\t", "\r\n", "  ", "\n    ", " \t "}));
}

std::string RandomSignalJson::StringText(size_t min_bytes, size_t max_bytes, bool allow_controls) {
  const size_t target =
      std::max(min_bytes, OneIn(10) ? max_bytes : Below(std::min<size_t>(max_bytes, 24) + 1));
  const bool mixed = OneIn(4);
  std::string out = "\"";
  size_t bytes = 0;
  while (bytes < target) {
    Piece piece{std::string_view(&kPlain[Below(sizeof kPlain - 1)], 1), 1};
    if (mixed && OneIn(3)) {
      piece = allow_controls && OneIn(3) ? kControlPieces[Below(std::size(kControlPieces))]
                                         : kSpecialPieces[Below(std::size(kSpecialPieces))];
      if (!allow_controls && piece.json == "\x7F") continue;  // DEL is a control in signal_id
    }
    if (bytes + piece.bytes > target) continue;  // a plain byte will fit
    out += piece.json;
    bytes += piece.bytes;
  }
  return out + "\"";
}

std::string RandomSignalJson::TickerText(std::string_view symbol) {
  std::string s(symbol);
  if (OneIn(5)) {
    for (char& c : s) {
      if (c >= 'A' && c <= 'Z' && !OneIn(3)) c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (OneIn(20) && s[0] >= 'A' && s[0] <= 'Z') {  // an escaped first letter
    char esc[8];
    std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(s[0]));
    s = esc + s.substr(1);
  }
  return "\"" + s + "\"";
}

std::string RandomSignalJson::BiasText() {
  std::string s(Pick({"BULLISH", "BEARISH", "NEUTRAL"}));
  switch (Below(4)) {
    case 0:
      for (char& c : s) c = static_cast<char>(c - 'A' + 'a');
      break;
    case 1:
      for (char& c : s) {
        if (OneIn(2)) c = static_cast<char>(c - 'A' + 'a');
      }
      break;
    default:
      break;
  }
  return "\"" + s + "\"";
}

std::string RandomSignalJson::ConfidenceText() {
  const uint64_t hundredths = Below(101);
  switch (Below(12)) {
    case 0:  // a percentage, integer
      return std::to_string(hundredths);
    case 1:  // a percentage, decimal (below 100, so that any fraction stays in range)
      return std::to_string(hundredths % 100) +
             std::string(Pick({".0", ".5", ".25", ".00", ".125"}));
    case 2:  // a percentage with an exponent
      return Format("%.3e", static_cast<double>(hundredths) * 0.999);
    case 3:  // a fraction with an exponent
      return Format("%.4e", static_cast<double>(hundredths) / 100.0);
    case 4:  // any double in [0, 1], shortest form (up to 17 significant digits)
      return Shortest(static_cast<double>(rng_() >> 11) * 0x1.0p-53);
    case 5:  // any percentage with up to six decimals
      return Format(Pick({"%.1f", "%.3f", "%.6f"}).data(),
                    static_cast<double>(rng_() >> 11) * 0x1.0p-53 * 100.0);
    case 6:
      return std::string(Pick({"0", "1", "1.0", "100", "100.0", "-0", "-0.0", "0e0", "1e0", "1e2",
                               "0.0", "99.99999999999999", "1.0000000000000002"}));
    default:  // hundredths as generators write them
      return Shortest(static_cast<double>(hundredths) / 100.0);
  }
}

std::string RandomSignalJson::TimestampText() {
  // Years 1971..9998, so that any offset keeps the instant in the accepted range.
  constexpr int64_t kFrom = 31536000000, kTo = 253370764800000;
  const int64_t ms = kFrom + static_cast<int64_t>(Below(static_cast<uint64_t>(kTo - kFrom)));
  const int64_t typical_s = 1700000000 + static_cast<int64_t>(Below(100000000));
  switch (Below(10)) {
    case 0:
      return std::to_string(ms / 1000);
    case 1:
      return std::to_string(typical_s);
    case 2:
      return std::to_string(typical_s) + "." + std::to_string(Below(1000000));
    case 3:
      return Format(Pick({"%.9e", "%.3e", "%.1f"}).data(), static_cast<double>(typical_s));
    default:
      break;
  }
  std::string iso = FormatIso8601(OneIn(2) ? ms : ms - ms % 1000);
  if (OneIn(3)) {
    iso.pop_back();  // "Z"
    switch (Below(7)) {
      case 0:
        iso += Pick({"+02:00", "-05:30", "+00:00", "-00:00", "+23:59"});
        break;
      case 1:
        iso += "z";
        break;
      case 2:
        break;  // no offset: UTC
      case 3:
        iso[10] = Pick({"t", " "})[0];
        iso += "Z";
        break;
      case 4:
        iso = iso.substr(0, 10);  // the date alone
        break;
      case 5:
        iso = iso.substr(0, 19) + "." + std::string(1 + Below(9), '7') + "Z";
        break;
      default:
        iso = iso.substr(0, 16) + "Z";  // no seconds
        break;
    }
  }
  return "\"" + iso + "\"";
}

std::string RandomSignalJson::NumberText() {
  switch (Below(9)) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng_() >> (1 + Below(63))) * (OneIn(3) ? -1 : 1));
    case 1:
      return std::to_string(rng_());  // up to uint64's maximum
    case 2:
      return std::string(
          Pick({"0", "-0", "-0.0", "0.0", "1.0", "0.1", "0.3", "1e5", "1E-7", "-2.5e+3",
                "9007199254740993", "9007199254.740993", "123456789012345678",
                "1234567890123456789", "-9223372036854775808", "18446744073709551615", "4.9e-324",
                "1.7976931348623157e308", "2.2250738585072014e-308"}));
    case 3:
      return Shortest(static_cast<double>(static_cast<int64_t>(rng_())) * 0x1.0p-40);
    case 4:
      return Format("%.2f", static_cast<double>(Below(10000000)) / 100.0);
    case 5:
      return Format("%.17g", static_cast<double>(rng_() >> 11) * 0x1.0p-53);
    default:
      return std::to_string(Below(1000));
  }
}

std::string RandomSignalJson::AnyValue(int depth) {
  const uint64_t kind = Below(depth > 3 ? 6 : 9);
  switch (kind) {
    case 0:
    case 1:
      return NumberText();
    case 2:
    case 3:
      return StringText(0, 40, true);
    case 4:
      return std::string(Pick({"true", "false"}));
    case 5:
      return "null";
    case 6: {  // an array
      std::string out = "[" + Gap();
      const uint64_t n = Below(5);
      for (uint64_t i = 0; i < n; ++i) out += (i ? "," + Gap() : "") + AnyValue(depth + 1) + Gap();
      return out + "]";
    }
    default: {  // an object, keys possibly repeated
      std::vector<std::string> members;
      const uint64_t n = Below(5);
      for (uint64_t i = 0; i < n; ++i) {
        const std::string key = OneIn(4) ? std::string("\"k\"") : StringText(0, 12, true);
        members.push_back(key + Gap() + ":" + Gap() + AnyValue(depth + 1));
      }
      return Object(std::move(members));
    }
  }
}

std::string RandomSignalJson::Object(std::vector<std::string> members) {
  std::string out = "{" + Gap();
  for (size_t i = 0; i < members.size(); ++i) {
    out += (i ? "," + Gap() : "") + members[i] + Gap();
  }
  return out + "}";
}

std::string RandomSignalJson::Member(std::string_view key, std::string_view value) {
  return "\"" + std::string(key) + "\"" + Gap() + ":" + Gap() + std::string(value);
}

// A per-ticker object; in the bias map its "ticker" is optional (and must name the key).
std::string RandomSignalJson::TickerObject(std::string_view symbol, bool for_map) {
  std::vector<std::string> members;
  if (!for_map || OneIn(2)) members.push_back(Member("ticker", TickerText(symbol)));
  switch (Below(6)) {
    case 0:
      break;
    case 1:
      members.push_back(Member("signal", BiasText()));
      break;
    case 2: {  // both synonyms, agreeing
      const std::string bias = BiasText();
      std::string other = bias;
      for (char& c : other) c = static_cast<char>(c ^ (c >= 'A' ? 0x20 : 0));  // swap case
      members.push_back(Member("bias", bias));
      members.push_back(Member("signal", other));
      break;
    }
    case 3:
      members.push_back(Member(Pick({"bias", "signal"}), "null"));
      break;
    default:
      members.push_back(Member("bias", BiasText()));
  }
  if (!OneIn(4)) members.push_back(Member("confidence", OneIn(20) ? "null" : ConfidenceText()));
  if (OneIn(2))
    members.push_back(Member("reasoning", OneIn(20) ? "null" : StringText(0, 80, true)));
  if (OneIn(8)) members.push_back(Member(Pick({"weight", "note", "x"}), AnyValue(2)));
  // Shuffle, then maybe put an overwritten earlier occurrence of one key before the real one.
  for (size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[Below(i)]);
  if (OneIn(15)) {
    const std::string_view key = Pick({"confidence", "reasoning", "bias", "ticker"});
    const std::string junk = Member(key, Pick({"500", "null", "[]", "\"?\"", "{}"}));
    const size_t at = Below(members.size() + 1);
    bool later = false;  // only while a valid occurrence follows (or the key is optional)
    for (size_t i = at; i < members.size(); ++i) later |= members[i].find(key) == 1;
    if (later || key == "reasoning" || key == "confidence") {
      members.insert(members.begin() + static_cast<ptrdiff_t>(at), junk);
      if (!later)
        members.insert(members.begin() + static_cast<ptrdiff_t>(at) + 1, Member(key, "null"));
    }
  }
  return Object(std::move(members));
}

std::string RandomSignalJson::ValidSpelling() {
  whitespace_style_ = static_cast<int>(Below(3));
  std::vector<std::pair<std::string, std::string>> fields;  // key, value
  if (!OneIn(5)) fields.emplace_back("signal_id", OneIn(20) ? "null" : StringText(1, 128, false));
  if (!OneIn(5)) fields.emplace_back("timestamp", OneIn(20) ? "null" : TimestampText());
  if (!OneIn(3)) fields.emplace_back("signal_type", OneIn(20) ? "null" : StringText(0, 128, true));
  if (!OneIn(3)) fields.emplace_back("source", OneIn(20) ? "null" : StringText(0, 128, true));
  if (!OneIn(3)) {
    std::vector<std::string> members;
    const uint64_t n = Below(6);
    for (uint64_t i = 0; i < n; ++i) {
      members.push_back((OneIn(3) ? std::string("\"k\"") : StringText(0, 16, true)) + Gap() + ":" +
                        Gap() + AnyValue(OneIn(30) ? -12 : 1));
    }
    fields.emplace_back("metadata", OneIn(20) ? "null" : Object(std::move(members)));
  }

  std::vector<std::string_view> symbols;
  const uint64_t count = OneIn(40) ? 1 + Below(kMaxTickersPerSignal) : 1 + Below(4);
  for (uint64_t i = 0; i < count; ++i) symbols.push_back(kSymbols[Below(std::size(kSymbols))]);
  const uint64_t shape = Below(5);  // 0-2: objects, 3: strings, 4: strings and a bias map
  std::string list = "[" + Gap();
  for (size_t i = 0; i < symbols.size(); ++i) {
    const bool object = shape < 3 && !OneIn(8);
    list += (i ? "," + Gap() : "") +
            (object ? TickerObject(symbols[i], false) : TickerText(symbols[i])) + Gap();
  }
  fields.emplace_back("tickers", list + "]");
  if (shape == 4) {
    std::vector<std::string> entries;
    for (size_t i = 0; i < symbols.size() && entries.size() < kMaxTickersPerSignal; ++i) {
      if (OneIn(3)) continue;
      const std::string value = OneIn(3) ? BiasText() : TickerObject(symbols[i], true);
      entries.push_back(TickerText(symbols[i]) + Gap() + ":" + Gap() + value);
    }
    if (OneIn(4) && entries.size() < kMaxTickersPerSignal) {  // a ticker not in the list
      entries.push_back(TickerText("ZZZZ") + ":" + BiasText());
    }
    fields.emplace_back("bias", Object(std::move(entries)));
  } else if (OneIn(10)) {
    fields.emplace_back("bias", "null");
  }
  for (uint64_t n = Below(3); n > 0; --n) {
    fields.emplace_back(std::string(Pick({"generator", "version", "trace_id", "extra"})),
                        AnyValue(1));
  }

  for (size_t i = fields.size(); i > 1; --i) std::swap(fields[i - 1], fields[Below(i)]);
  std::vector<std::string> members;
  for (const auto& [key, value] : fields) {
    if (OneIn(20)) members.push_back(Member(key, AnyValue(2)));  // overwritten by the next one
    members.push_back(Member(key, value));
  }
  return Gap() + Object(std::move(members)) + Gap();
}

Signal RandomSignalJson::TypicalSignal() {
  static constexpr char kHex[] = "0123456789abcdef";
  Signal s;
  s.signal_id.resize(36);
  for (size_t i = 0; i < 36; ++i) {
    s.signal_id[i] = i == 8 || i == 13 || i == 18 || i == 23 ? '-' : kHex[Below(16)];
  }
  const int64_t seconds = 1700000000 + static_cast<int64_t>(Below(100000000));
  s.timestamp_ms = seconds * 1000 + (OneIn(2) ? static_cast<int64_t>(Below(1000)) : 0);
  s.signal_type = Pick({"mock", "golden_cross", "death_cross", "volatility_breakout"});
  s.source = Pick({"mock_generator", "golden_cross_generator", "manual_test", "bench"});
  const uint64_t n = 1 + Below(3);
  while (s.tickers.size() < n) {
    const std::string_view symbol = kSymbols[Below(std::size(kSymbols))];
    bool repeated = false;
    for (const TickerSignal& t : s.tickers) repeated |= t.ticker == symbol;
    if (repeated) continue;
    TickerSignal t;
    t.ticker = symbol;
    constexpr Bias kBiases[] = {Bias::kBullish, Bias::kBearish, Bias::kNeutral};
    t.bias = OneIn(10) ? Bias::kUnspecified : kBiases[Below(3)];
    if (!OneIn(10)) t.confidence = static_cast<double>(Below(101)) / 100.0;
    if (OneIn(2))
      t.reasoning = Pick({"50 SMA crossed above 200 SMA", "Mock BULLISH signal",
                          "ATR breakout above 2.0x", "price crossed 175.50"});
    s.tickers.push_back(std::move(t));
  }
  switch (Below(4)) {
    case 0:
      s.metadata_json = "{}";
      break;
    case 1:
      s.metadata_json = R"({"generator":"mock"})";
      break;
    case 2: {  // computed doubles, as the bar-driven generators write them
      const auto computed = [this] {
        return Shortest(static_cast<double>(Below(1000000)) / static_cast<double>(1 + Below(999)));
      };
      s.metadata_json = R"({"atr":)" + computed() + R"(,"atr_multiple":2.0,"move_pct":)" +
                        computed() + R"(,"prev_close":)" + computed() + "}";
      break;
    }
    default:
      s.metadata_json = R"({"sma_short":50,"sma_long":200,"current_price":)" +
                        Shortest(static_cast<double>(Below(10000000)) / 100.0) +
                        R"(,"bar_date":"2025-12-05"})";
  }
  return s;
}

std::string RandomSignalJson::Mutate(std::string s) {
  for (uint64_t edits = 1 + Below(4); edits > 0; --edits) {
    const size_t at = Below(s.size() + 1);
    const char byte = kMutationBytes[Below(sizeof kMutationBytes - 1)];
    switch (Below(7)) {
      case 0:
        s.insert(at, 1, byte);
        break;
      case 1:
        if (at < s.size()) s.erase(at, 1);
        break;
      case 2:
        if (at < s.size()) s[at] = byte;
        break;
      case 3:
        if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1 << Below(8)));
        break;
      case 4:
        s.resize(at);
        break;
      case 5: {  // a span copied elsewhere
        const size_t len = std::min<size_t>(Below(16) + 1, s.size() - std::min(at, s.size()));
        s.insert(Below(s.size() + 1), s.substr(at, len));
        break;
      }
      default:
        if (!s.empty()) std::swap(s[at % s.size()], s[Below(s.size())]);
    }
  }
  return s;
}

}  // namespace sigflow::internal
