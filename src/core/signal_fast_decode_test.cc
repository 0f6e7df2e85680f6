// The signal decoder's fast path (internal::DecodeCommonSignal) held against the full decoder on
// hand-picked edge cases of every rule in core/signal_codec.h: whenever the fast path accepts, the
// full decoder accepts too and writes the same Signal, field by field (SignalPathChecker). The
// random corpus is in signal_fast_decode_random_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/seed_signals_test_data.h"
#include "core/signal.h"
#include "core/signal_codec.h"
#include "core/signal_codec_internal.h"
#include "core/signal_path_checker.h"

namespace sigflow::internal {
namespace {

using seed_signals::kSeed000;
using seed_signals::kSeed001;
using seed_signals::kSeed002;
using seed_signals::kSeed004;  // the bias map shape

// EncodeSignal's form of a typical signal.
constexpr std::string_view kCanonical =
    R"({"signal_id":"7d3f0c1e-2b4a-4c5d-9e8f-0a1b2c3d4e5f","timestamp":"2025-12-05T10:30:00.250Z",)"
    R"("signal_type":"golden_cross","source":"golden_cross_generator","tickers":[)"
    R"({"ticker":"AAPL","bias":"BULLISH","confidence":0.85,"reasoning":"50 SMA above 200 SMA"},)"
    R"({"ticker":"MSFT","bias":"BEARISH","confidence":0.6},{"ticker":"BRK.B"}],)"
    R"("metadata":{"sma_short":50,"sma_long":200,"current_price":175.5,"timeframe":"D"}})";

// Checks every payload; each broken promise fails the test with the payload and the field diff.
PathTally CheckAll(const std::vector<std::string>& payloads) {
  SignalPathChecker checker;
  PathTally tally;
  for (const std::string& raw : payloads) {
    const PathVerdict v = checker.Check(raw);
    ++tally.cases;
    tally.fast_accepted += v.fast_accepted;
    tally.full_accepted += v.full_accepted;
    EXPECT_TRUE(v.violation.empty()) << "payload: " << Printable(raw) << "\n" << v.violation;
  }
  return tally;
}

// Checks `raw` and requires the fast path to take it (it is in the subset the speed relies on).
void ExpectFastAccepts(std::string_view raw) {
  SignalPathChecker checker;
  const PathVerdict v = checker.Check(raw);
  EXPECT_TRUE(v.violation.empty()) << "payload: " << Printable(raw) << "\n" << v.violation;
  EXPECT_TRUE(v.fast_accepted) << "fast path declined: " << Printable(raw) << "\nfull decoder: "
                               << (v.full_accepted ? "accepted" : v.full_error.message);
}

// A signal whose one ticker object has `member` (e.g. `"confidence":85`) after its ticker.
std::string InTicker(std::string_view member) {
  return R"({"signal_id":"s-1","timestamp":"2025-12-05T10:30:00Z","tickers":[{"ticker":"AAPL",)" +
         std::string(member) + "}],\"metadata\":{}}";
}

// A signal with the top-level `member` (e.g. `"timestamp":5`) before its tickers.
std::string AtTop(std::string_view member) {
  return "{" + std::string(member) + R"(,"tickers":["AAPL"]})";
}

// A signal whose field `name` has the JSON value `value`.
std::string Field(std::string_view name, std::string_view value) {
  return AtTop("\"" + std::string(name) + "\":" + std::string(value));
}

std::string WithMetadata(std::string_view value) {
  return R"({"tickers":["AAPL"],"metadata":)" + std::string(value) + "}";
}

// Every value in `values` as each of the fields in `names`.
std::vector<std::string> AsFields(std::initializer_list<std::string_view> names,
                                  const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (std::string_view name : names) {
    for (const std::string& value : values) {
      out.push_back(name == "confidence" ? InTicker("\"confidence\":" + value)
                                         : Field(name, value));
    }
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Strings that stress the string rules: escapes of every kind, raw control characters, DEL,
// non-ASCII and invalid UTF-8 (JSON text, quotes included).
std::vector<std::string> TrickyStrings() {
  std::vector<std::string> out = {R"("plain")",
                                  R"("")",
                                  R"("a\"b")",
                                  R"("a\\b")",
                                  R"("a\/b")",
                                  R"("\u0041APL")",
                                  R"("\u00e9")",
                                  R"("\ud83d\ude00")",
                                  R"("\ud800")",
                                  R"("\udc00x")",
                                  R"("\u0000")",
                                  R"("\n")",
                                  R"("\t\r\b\f")",
                                  R"("\x41")",
                                  R"("\u12")",
                                  R"("\")",
                                  "\"caf\xC3\xA9\"",
                                  "\"\xE2\x82\xAC 5\"",
                                  "\"\xF0\x9F\x98\x80\"",
                                  "\"\x7F\"",
                                  "\"a\x7F"
                                  "b\"",
                                  "\"\xC2\x80\"",
                                  "\"\xEF\xBF\xBF\"",
                                  "\"\xEF\xBB\xBF"
                                  "x\""};
  // Raw control characters, each invalid unescaped.
  for (char c : {'\x01', '\x09', '\x0A', '\x0D', '\x1F'})
    out.push_back("\"a" + std::string(1, c) + "b\"");
  out.push_back(std::string("\"a\0b\"", 5));
  // Invalid UTF-8: a lone continuation byte, overlong forms, a UTF-16 surrogate, beyond U+10FFFF,
  // truncated sequences, bytes that never occur.
  for (const char* bad : {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\xF0\x9F\x98",
                          "\xC3", "\xFE", "\xFF", "ok\xC3(", "\xE2\x28\xA1"}) {
    out.push_back("\"x" + std::string(bad) + "y\"");
  }
  return out;
}

// Numbers (JSON text) around every boundary of the fast path's number subset.
std::vector<std::string> TrickyNumbers() {
  return {
      // Integers: zero, signs, 18/19/20 digits, the int64 and uint64 edges.
      "0", "-0", "1", "-1", "01", "-01", "00", "+1", "-", "123456789012345678",
      "-123456789012345678", "999999999999999999", "1234567890123456789", "-1234567890123456789",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
      "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
      // Fractions: the Clinger fast path's limits (mantissa 2^53, 18 digits) and classic values.
      "0.0", "-0.0", "0.1", "0.2", "0.3", "0.30000000000000004",
      "0.1000000000000000055511151231257827", "1.0", "1.00", "1.000000000000000000",
      "0.000000000000000001", "0.0000000000000000001", "9007199254.740992", "9007199254.740993",
      "9007199254.740991", "900719925474099.3", "9007199254740993.0", "90071992547409.92",
      "12345678901234567.8", "1234567890.12345678", "0.99999999999999999", "99.999999999999999",
      "1.7976931348623157", "4.9406564584124654", "2.2250738585072014", "0.5", "1.5", "-1.5", "1.",
      ".5", "-.5", "1.5.5", "1..5", "0x10",
      // Exponents.
      "1e2", "1E2", "1e+2", "1e-2", "1.5e1", "8.5e1", "850e-1", "9007199254740993e-3", "1e0", "0e0",
      "-0e0", "1e-400", "1e400", "1e", "1e+", "2.2250738585072014e-308", "4.9e-324",
      "1.7976931348623157e308", "1.7976931348623159e308",
      // Long digit strings: 2^53 + 1 is halfway between two doubles and rounds to even, unless
      // a digit 800 places further on tips it up (a parser that truncates long inputs errs).
      "9007199254740993", "9007199254740993.0", "9007199254740993." + std::string(800, '0') + "1",
      "0." + std::string(800, '9'), "1" + std::string(400, '0') + ".5",
      "-0." + std::string(400, '0') + "1e400",
      // Not JSON numbers.
      "NaN", "Infinity", "-Infinity", "1_000", "1,5", "١"};
}

// ---------------------------------------------------------------------------------------------

TEST(SignalFastDecodeTest, SeedShapesAgree) {
  const PathTally t = CheckAll({std::string(kSeed000), std::string(kSeed001), std::string(kSeed002),
                                std::string(kSeed004), std::string(kCanonical)});
  EXPECT_EQ(t.full_accepted, t.cases);
  EXPECT_GE(t.fast_accepted, 4);  // all but the bias map shape
}

TEST(SignalFastDecodeTest, BiasMapShapesAgree) {
  const PathTally t = CheckAll({
      R"({"tickers":["AAPL"],"bias":{"AAPL":"BULLISH"}})",
      R"({"tickers":["AAPL","MSFT"],"bias":{"MSFT":{"bias":"bearish","confidence":60}}})",
      R"({"bias":{"AAPL":{"ticker":"aapl","signal":"NEUTRAL"}},"tickers":["aapl"]})",
      R"({"tickers":["AAPL"],"bias":{"TSLA":"BULLISH"}})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":"BULLISH","AAPL":"BEARISH"}})",
      R"({"tickers":[{"ticker":"AAPL","bias":"BEARISH"}],"bias":{"AAPL":"BULLISH"}})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":{"ticker":"MSFT"}}})",
      R"({"tickers":["AAPL"],"bias":{"aapl!":"BULLISH"}})",
      R"({"tickers":["AAPL"],"bias":{}})",
      R"({"tickers":["AAPL"],"bias":null})",
      R"({"tickers":["AAPL"],"bias":null,"bias":{"AAPL":"BULLISH"}})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":"BULLISH"},"bias":null})",
      R"({"tickers":["AAPL"],"bias":"BULLISH"})",
      R"({"tickers":["AAPL"],"bias":[]})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":null}})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":5}})",
  });
  EXPECT_GE(t.fast_accepted, 1);  // "bias": null is no map
  EXPECT_GE(t.full_accepted, 10);
}

TEST(SignalFastDecodeTest, StringRulesAgreeInEveryStringField) {
  std::vector<std::string> payloads = AsFields(
      {"signal_id", "signal_type", "source", "timestamp", "unknown_field"}, TrickyStrings());
  for (const std::string& s : TrickyStrings()) {
    payloads.push_back(InTicker("\"reasoning\":" + s));
    payloads.push_back(InTicker("\"bias\":" + s));
    payloads.push_back(InTicker("\"unknown\":" + s));
    payloads.push_back(WithMetadata("{\"k\":" + s + "}"));
    payloads.push_back(WithMetadata("{" + s + ":1}"));  // as a key
    payloads.push_back(R"({"tickers":[)" + s + "]}");
    payloads.push_back("{" + s + R"(:1,"tickers":["AAPL"]})");
  }
  // Escaped spellings of the known keys and of values with meaning.
  for (const char* raw : {
           R"({"sig\u006eal_id":"x","tickers":["AAPL"]})",
           R"({"tick\u0065rs":["AAPL"]})",
           R"({"tickers":["AAPL"],"tickers":["\u004dSFT"]})",
           R"({"tickers":[{"ticker":"AAPL","bi\u0061s":"BULLISH"}]})",
           R"({"tickers":[{"ticker":"AAPL","bias":"BULL\u0049SH"}]})",
           R"({"tickers":["AAPL"],"timestamp":"2025-12-05T10:30:00\u005a"})",
       }) {
    payloads.push_back(raw);
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 50);
  EXPECT_GT(t.full_accepted, t.fast_accepted);  // escapes are the full decoder's
}

TEST(SignalFastDecodeTest, NumberRulesAgreeInEveryNumberField) {
  std::vector<std::string> payloads =
      AsFields({"confidence", "timestamp", "unknown_field"}, TrickyNumbers());
  for (const std::string& n : TrickyNumbers()) {
    payloads.push_back(WithMetadata("{\"n\":" + n + "}"));
    payloads.push_back(WithMetadata("{\"a\":[" + n + "," + n + "]}"));
    payloads.push_back(InTicker("\"unknown\":" + n));
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 80);
}

TEST(SignalFastDecodeTest, ConfidenceSpellingsAgree) {
  std::vector<std::string> values = {"0",
                                     "0.0",
                                     "-0",
                                     "-0.0",
                                     "1",
                                     "1.0",
                                     "1.00",
                                     "1.0000000000000002",
                                     "0.85",
                                     "85",
                                     "85.0",
                                     "8.5e1",
                                     "0.0085e2",
                                     "100",
                                     "100.0",
                                     "100.00000000000001",
                                     "100.0001",
                                     "101",
                                     "-1",
                                     "-0.01",
                                     "0.999999999999999",
                                     "50.5",
                                     "99.99",
                                     "2",
                                     "1e2",
                                     "1e-2",
                                     "null",
                                     "true",
                                     "\"85\"",
                                     "[85]",
                                     "{}"};
  std::vector<std::string> payloads;
  for (const std::string& v : values) {
    payloads.push_back(InTicker("\"confidence\":" + v));
    payloads.push_back(InTicker("\"bias\":\"BULLISH\",\"confidence\":" + v));
    payloads.push_back(R"({"tickers":[{"confidence":)" + v + R"(,"ticker":"AAPL"}]})");
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 40);
}

TEST(SignalFastDecodeTest, TimestampSpellingsAgree) {
  std::vector<std::string> values = {
      // ISO-8601: the canonical forms, fractions of every length, offsets, lower case, a space,
      // date only, leap seconds, calendar edges, the accepted range's edges and beyond.
      "2025-12-05T10:30:00Z",
      "2025-12-05T10:30:00.250Z",
      "2025-12-05T10:30:00.2Z",
      "2025-12-05T10:30:00.25Z",
      "2025-12-05T10:30:00.123456789Z",
      "2025-12-05T10:30:00.Z",
      "2025-12-05T10:30:00+02:00",
      "2025-12-05T10:30:00-05:30",
      "2025-12-05T10:30:00+23:59",
      "2025-12-05T10:30:00+24:00",
      "2025-12-05T10:30:00+0200",
      "2025-12-05t10:30:00z",
      "2025-12-05 10:30:00Z",
      "2025-12-05T10:30Z",
      "2025-12-05T10:30",
      "2025-12-05",
      "2016-12-31T23:59:60Z",
      "2016-12-31T23:59:60.999Z",
      "2016-12-31T23:59:61Z",
      "2024-02-29T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-00-10T00:00:00Z",
      "2025-12-32T00:00:00Z",
      "2025-12-05T24:00:00Z",
      "1970-01-01T00:00:00Z",
      "1970-01-01T00:00:00.001Z",
      "1969-12-31T23:59:59.999Z",
      "1970-01-01T00:30:00+01:00",
      "9999-12-31T23:59:59.999Z",
      "9999-12-31T23:59:60Z",
      "9999-12-31T23:59:59.999-00:01",
      "0000-01-01T00:00:00Z",
      "+2025-12-05T10:30:00Z",
      "2025-12-05T10:30:00ZZ",
      "2025-12-05T10:30:00Z ",
      " 2025-12-05T10:30:00Z",
      "1733875200",
      "",
      "yesterday"};
  std::vector<std::string> payloads;
  for (const std::string& v : values) payloads.push_back(Field("timestamp", Quote(v)));
  // Epoch seconds: zero, negative, fractions that round, the range's edge, huge values.
  for (const char* n : {"0",
                        "1",
                        "-1",
                        "-0",
                        "-0.0",
                        "0.0005",
                        "0.0004999",
                        "1733875200",
                        "1733875200.5",
                        "1733875200.0005",
                        "1733875200.9996",
                        "253402300799",
                        "253402300799.999",
                        "253402300799.9995",
                        "253402300800",
                        "-253402300799",
                        "1733875200000",
                        "9223372036854775",
                        "9223372036854775807",
                        "18446744073709551615",
                        "1e10",
                        "1.7338752e9",
                        "1e300",
                        "-1e300"}) {
    payloads.push_back(Field("timestamp", n));
  }
  for (const char* other : {"null", "true", "[]", "{}", "[1733875200]"}) {
    payloads.push_back(Field("timestamp", other));
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 20);
}

TEST(SignalFastDecodeTest, RepeatedKeysAgree) {
  // The full decoder lets the last occurrence win; whatever the fast path does must match it.
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"signal_id", R"("first")"},
      {"signal_id", R"("second")"},
      {"signal_id", "null"},
      {"timestamp", "1"},
      {"timestamp", R"("2025-12-05T10:30:00Z")"},
      {"timestamp", "null"},
      {"signal_type", R"("a")"},
      {"signal_type", "null"},
      {"source", R"("b")"},
      {"source", "7"},
      {"metadata", R"({"a":1})"},
      {"metadata", "null"},
      {"metadata", "[]"},
      {"tickers", R"(["MSFT"])"},
      {"tickers", "null"},
      {"tickers", "[]"},
      {"bias", "null"},
      {"bias", R"({"AAPL":"BULLISH"})"}};
  std::vector<std::string> payloads;
  for (const auto& [name, first] : fields) {
    for (const auto& [other, second] : fields) {
      if (other != name) continue;
      payloads.push_back(R"({"tickers":["AAPL"],")" + name + "\":" + first + ",\"" + name +
                         "\":" + second + "}");
    }
  }
  for (
      const char* raw : {
          R"({"tickers":[{"ticker":"AAPL","ticker":"MSFT"}]})",
          R"({"tickers":[{"ticker":"AAPL","ticker":null}]})",
          R"({"tickers":[{"ticker":null,"ticker":"AAPL"}]})",
          R"({"tickers":[{"ticker":"AAPL","bias":"BULLISH","bias":"BEARISH"}]})",
          R"({"tickers":[{"ticker":"AAPL","bias":"BULLISH","bias":null}]})",
          R"({"tickers":[{"ticker":"AAPL","signal":"BULLISH","bias":"BEARISH","signal":"BEARISH"}]})",
          R"({"tickers":[{"ticker":"AAPL","confidence":5,"confidence":0.5}]})",
          R"({"tickers":[{"ticker":"AAPL","confidence":500,"confidence":0.5}]})",
          R"({"tickers":[{"ticker":"AAPL","reasoning":"a","reasoning":"b"}]})",
          R"({"tickers":[{"ticker":"AAPL","x":1,"x":2}]})",
          R"({"tickers":["AAPL"],"x":1,"x":{"y":2}})",
          R"({"tickers":["AAPL"],"metadata":{"k":1,"k":2,"k":{"k":3,"k":4}}})",
      }) {
    payloads.push_back(raw);
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 3);
  EXPECT_GT(t.full_accepted, 20);
}

TEST(SignalFastDecodeTest, TickerListsAgree) {
  std::vector<std::string> payloads = {
      R"({"tickers":["AAPL","aapl","AAPL"]})",
      R"({"tickers":[{"ticker":"AAPL","bias":"BULLISH"},{"ticker":"aapl","bias":"BEARISH"}]})",
      R"({"tickers":["AAPL",{"ticker":"AAPL","bias":"BULLISH","confidence":1}]})",
      R"({"tickers":[{"ticker":"msft","confidence":0.5},"MSFT","aapl"]})",
      R"({"tickers":["^GSPC","BRK.B","ES=F","BTC-USD","EUR/USD","9984.T"]})",
      R"({"tickers":[".A"]})",
      R"({"tickers":["-A"]})",
      R"({"tickers":["A B"]})",
      R"({"tickers":["ABCDEFGHIJKLMNOP"]})",
      R"({"tickers":["ABCDEFGHIJKLMNOPQ"]})",
      R"({"tickers":[""]})",
      R"({"tickers":[]})",
      R"({"tickers":{}})",
      R"({"tickers":"AAPL"})",
      R"({"tickers":[null]})",
      R"({"tickers":[1]})",
      R"({"tickers":[{}]})",
      R"({"tickers":[{"ticker":5}]})",
      R"({"tickers":[{"bias":"BULLISH"}]})",
      R"({"tickers":[["AAPL"]]})",
      R"({"tickers":["AAPL",]})",
      R"({"tickers":[,"AAPL"]})",
      R"({"tickers":[{"ticker":"AAPL","signal":"BULLISH","bias":"bullish"}]})",
      R"({"tickers":[{"ticker":"AAPL","signal":"BULLISH","bias":"BEARISH"}]})",
      R"({"tickers":[{"ticker":"AAPL","signal":null,"bias":"BEARISH"}]})",
      R"({"tickers":[{"ticker":"AAPL","bias":"Bullish","reasoning":null,"confidence":null}]})",
      R"({"tickers":[{"ticker":"AAPL","bias":"BULLISHX"}]})",
      R"({"tickers":[{"ticker":"AAPL","bias":""}]})",
      R"({"tickers":[{"ticker":"AAPL","reasoning":5}]})",
      R"({"tickers":[{"reasoning":"r","confidence":0.5,"bias":"NEUTRAL","ticker":"AAPL"}]})",
      R"({"tickers":[{"ticker":"AAPL","extra":{"deep":[1,2,{"x":null}]},"bias":"NEUTRAL"}]})"};
  // 64 entries (the limit) with duplicates, 64 distinct, 65 (one too many, duplicates counted).
  for (size_t n : {kMaxTickersPerSignal, kMaxTickersPerSignal + 1}) {
    std::string distinct = R"({"tickers":[)", repeated = R"({"tickers":[)";
    for (size_t i = 0; i < n; ++i) {
      distinct += (i ? ",\"T" : "\"T") + std::to_string(i) + "\"";
      repeated += (i ? ",\"T" : "\"T") + std::to_string(i % 3) + "\"";
    }
    payloads.push_back(distinct + "]}");
    payloads.push_back(repeated + "]}");
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 10);
}

TEST(SignalFastDecodeTest, MetadataOfEveryJsonTypeAgrees) {
  const PathTally t = CheckAll({
      WithMetadata("{}"),
      WithMetadata("{ }"),
      WithMetadata(R"({"a":1})"),
      WithMetadata(R"({"a":-1.5})"),
      WithMetadata(R"({"a":"s"})"),
      WithMetadata(R"({"a":true})"),
      WithMetadata(R"({"a":false})"),
      WithMetadata(R"({"a":null})"),
      WithMetadata(R"({"a":[]})"),
      WithMetadata(R"({"a":[1,"x",null,{},[],true,false,-0.5]})"),
      WithMetadata(R"({"a":{"b":{"c":{}}}})"),
      WithMetadata(R"({"":""})"),
      WithMetadata(R"({"price":175.50,"qty":100,"ratio":0.1,"big":123456789012345678})"),
      WithMetadata(R"({"f":1.0,"g":2.50,"h":-0.0,"i":0.0})"),
      WithMetadata(R"({"e":1e3,"u":18446744073709551615,"n":-9223372036854775808})"),
      WithMetadata(R"({ "a" : [ 1 , 2 ] , "b" : { "c" : null } })"),
      WithMetadata("[]"),
      WithMetadata("[1]"),
      WithMetadata("\"{}\""),
      WithMetadata("1"),
      WithMetadata("true"),
      WithMetadata("null"),
      WithMetadata(R"({"a":1,})"),
      WithMetadata(R"({"a"})"),
      WithMetadata(R"({"a":})"),
      WithMetadata(R"({1:2})"),
      WithMetadata(R"({"a":tru})"),
      WithMetadata(R"({"a":nul})"),
      WithMetadata(R"({"a":True})"),
  });
  EXPECT_GE(t.fast_accepted, 14);
}

// Metadata, an unknown top-level field and an unknown ticker field nested `depth` levels.
TEST(SignalFastDecodeTest, NestingAtAndBeyondTheLimitsAgrees) {
  std::vector<std::string> payloads;
  for (size_t depth : {1, 2, 12, 13, 14, 15, 16, 17, 18, 30, 60, 61, 62, 63, 64, 65, 66, 200}) {
    const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
    std::string objects = "1";
    for (size_t i = 0; i < depth; ++i) objects = "{\"k\":" + objects + "}";
    payloads.push_back(WithMetadata("{\"a\":" + arrays + "}"));
    payloads.push_back(WithMetadata(objects));
    payloads.push_back(Field("unknown", arrays));
    payloads.push_back(Field("unknown", objects));
    payloads.push_back(InTicker("\"unknown\":" + arrays));
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 20);
  EXPECT_LT(t.full_accepted, t.cases);  // past kMaxSignalDepth the full decoder rejects
}

TEST(SignalFastDecodeTest, WhitespaceAnywhereAgrees) {
  // Each kind of whitespace (and bytes that are not JSON whitespace) at every byte offset.
  std::vector<std::string> payloads;
  for (std::string_view base : {kCanonical, kSeed000}) {
    for (size_t i = 0; i <= base.size(); ++i) {
      for (std::string_view ws : {" ", "\t", "\n", "\r", " \r\n\t ", "\f", "\v", "\xC2\xA0"}) {
        std::string s(base);
        s.insert(i, ws);
        payloads.push_back(std::move(s));
      }
    }
  }
  payloads.push_back(std::string(kCanonical) + std::string(1000, ' '));
  payloads.push_back(std::string(1000, '\n') + std::string(kCanonical));
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 1000);
}

TEST(SignalFastDecodeTest, TrailingBytesAgree) {
  std::vector<std::string> payloads;
  for (std::string_view tail : {"", " ", "\n", "x", "{}", ",", "}", "]", "0", "null", "\"", "/",
                                "//c", "\xC3\xA9", "\xFF", " {\"tickers\":[\"MSFT\"]}"}) {
    payloads.push_back(std::string(kCanonical) + std::string(tail));
  }
  payloads.push_back(std::string(kCanonical) + std::string(1, '\0'));
  payloads.push_back(std::string(kCanonical) + std::string("\0 ", 2));
  payloads.push_back(std::string("\xEF\xBB\xBF") + std::string(kCanonical));  // a BOM
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 3);
}

TEST(SignalFastDecodeTest, TruncationAtEveryByteAgrees) {
  std::vector<std::string> payloads;
  for (std::string_view base : {kCanonical, kSeed000, kSeed001, kSeed002, kSeed004}) {
    for (size_t n = 0; n <= base.size(); ++n) payloads.push_back(std::string(base.substr(0, n)));
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 3);  // each whole payload but the bias map shape
}

TEST(SignalFastDecodeTest, SizeLimitsAgree) {
  std::vector<std::string> payloads;
  for (size_t n : {size_t{127}, size_t{128}, size_t{129}}) {
    payloads.push_back(Field("signal_id", Quote(std::string(n, 'x'))));
    payloads.push_back(Field("signal_type", Quote(std::string(n, 't'))));
    payloads.push_back(Field("source", Quote(std::string(n, 's'))));
  }
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "\xC3\xA9";  // 128 bytes, 64 characters
  payloads.push_back(Field("signal_id", Quote(accents)));
  payloads.push_back(Field("signal_id", Quote(accents + "x")));
  // Around kMaxSignalBytes, padded with an unknown field.
  const std::string head = R"({"tickers":["AAPL"],"pad":")";
  for (size_t total : {kMaxSignalBytes - 1, kMaxSignalBytes, kMaxSignalBytes + 1}) {
    payloads.push_back(head + std::string(total - head.size() - 2, 'p') + "\"}");
  }
  const PathTally t = CheckAll(payloads);
  EXPECT_GE(t.fast_accepted, 8);
}

TEST(SignalFastDecodeTest, NullAndAbsentFieldsAgree) {
  const PathTally t = CheckAll({
      R"({"tickers":["AAPL"]})",
      R"({"signal_id":null,"timestamp":null,"signal_type":null,"source":null,"metadata":null,)"
      R"("bias":null,"tickers":["AAPL"]})",
      R"({"tickers":[{"ticker":"AAPL","bias":null,"signal":null,"confidence":null,"reasoning":null}]})",
      R"({"tickers":null})",
      R"({})",
      R"({"signal_id":"x"})",
      R"([])",
      R"("x")",
      "null",
      "1",
      "",
      " ",
      R"({"tickers":["AAPL"]}{"tickers":["AAPL"]})",
  });
  EXPECT_GE(t.fast_accepted, 3);
}

// ---------------------------------------------------------------------------------------------
// The speed claim: EncodeSignal's output of the signals the product writes takes the fast path.

TEST(SignalFastDecodeTest, AcceptsCanonicalEncodingOfTypicalSignals) {
  ExpectFastAccepts(kCanonical);
  Signal s;
  s.signal_id = "550e8400-e29b-41d4-a716-446655440000";
  s.timestamp_ms = 1764930600000;
  s.signal_type = "mock";
  s.source = "mock_generator";
  s.tickers = {{"AAPL", Bias::kBullish, 0.85, "Mock BULLISH signal for testing"},
               {"MSFT", Bias::kBearish, 0.5, ""},
               {"^GSPC", Bias::kNeutral, 1.0, ""},
               {"BRK.B", Bias::kUnspecified, std::nullopt, ""},
               {"NVDA", Bias::kBullish, 0.0, "caf\xC3\xA9 \xE2\x82\xAC"}};
  s.metadata_json = R"({"generator":"mock","current_price":175.5,"bar_date":"2025-12-05"})";
  ExpectFastAccepts(EncodeSignal(s));
  s.timestamp_ms = 1764930600250;  // with milliseconds
  s.metadata_json = "{}";
  ExpectFastAccepts(EncodeSignal(s));
  for (int hundredths = 0; hundredths <= 100; ++hundredths) {  // the generators' confidences
    s.tickers = {{"AAPL", Bias::kBullish, hundredths / 100.0, "r"}};
    ExpectFastAccepts(EncodeSignal(s));
  }
}

// ---------------------------------------------------------------------------------------------
// Regressions: payloads the fast path declined although they are the traffic it exists for. Each
// now takes the fast path and still decodes exactly as the full decoder does.

// What `raw` decodes to on the fast path (which must take it, and agree with the full decoder).
Signal FastDecoded(std::string_view raw) {
  ExpectFastAccepts(raw);
  SignalPathChecker checker;
  checker.Check(raw);
  return checker.full_signal();
}

TEST(SignalFastDecodeRegressionTest, FastPathDeclinedSeventeenDigitDoubles) {
  // Computed doubles written shortest (17 significant digits, a mantissa above 2^53) sent the
  // bar-driven generators' signals to the full decoder: 81 of 87 volatility_breakout and 6 of 9
  // golden_cross signals of a replay of data/sp500_2000_2020_daily.csv. Two of them, verbatim:
  FastDecoded(
      R"x({"signal_id":"22a1ec45-3461-8972-9b0c-edb0c461faa8","timestamp":"2000-03-16T00:00:00Z",)x"
      R"x("signal_type":"volatility_breakout","source":"volatility_breakout_generator","tickers":[)x"
      R"x({"ticker":"SP500","bias":"BULLISH","confidence":0.7,"reasoning":"Close 1458.47 on )x"
      R"x(2000-03-16 is up 66.33 (4.76%) from 1392.14: 2.20x the 14-bar ATR of 30.22 (threshold )x"
      R"x(2.0x = 60.43)"}],"metadata":{"atr":30.215602164125954,"atr_multiple":2.0,)x"
      R"x("atr_period":14,"bar_date":"2000-03-16","current_price":1458.469971,)x"
      R"x("move":66.32995600000004,"move_atr":2.1952220458724314,"move_pct":4.76460379597666,)x"
      R"x("prev_close":1392.140015,"threshold":60.43120432825191}})x");
  FastDecoded(
      R"x({"signal_id":"1b8e8f4a-767b-8443-ae63-b463ca35bce1","timestamp":"2003-05-14T00:00:00Z",)x"
      R"x("signal_type":"golden_cross","source":"golden_cross_generator","tickers":[{"ticker":)x"
      R"x("SP500","bias":"BULLISH","confidence":0.85,"reasoning":"50-day SMA crossed above )x"
      R"x(200-day SMA"}],"metadata":{"bar_date":"2003-05-14","sma_long_value":882.4941018449999,)x"
      R"x("sma_short_value":882.60199832}})x");
  // A computed confidence, and Python's repr of 0.1 + 0.2.
  Signal s;
  s.signal_id = "c";
  s.tickers = {{"AAPL", Bias::kBullish, 0.7 / 3, ""}, {"MSFT", Bias::kBearish, 0.1 + 0.2, ""}};
  EXPECT_EQ(FastDecoded(EncodeSignal(s)).tickers[1].confidence, 0.1 + 0.2);
}

TEST(SignalFastDecodeRegressionTest, FastPathDeclinedExponents) {
  // EncodeSignal writes small and large doubles with an exponent (to_chars' shortest form).
  Signal s;
  s.signal_id = "e";
  s.tickers = {{"AAPL", Bias::kBullish, 0.00001, ""}};
  s.metadata_json = R"({"tiny":1e-07,"huge":1.2345678901234568e+29,"round":1e+16})";
  ASSERT_NE(EncodeSignal(s).find("1e-05"), std::string::npos);
  const Signal decoded = FastDecoded(EncodeSignal(s));
  EXPECT_EQ(decoded.tickers[0].confidence, 0.00001);
  EXPECT_EQ(decoded.metadata_json, s.metadata_json);
  FastDecoded(InTicker(R"("confidence":8.5E1)"));
}

TEST(SignalFastDecodeRegressionTest, FastPathDeclinedFractionalEpochSeconds) {
  // What Python's time.time() gives a producer.
  EXPECT_EQ(FastDecoded(Field("timestamp", "1733875200.123456")).timestamp_ms, 1733875200123);
  EXPECT_EQ(FastDecoded(Field("timestamp", "1733875200.9996")).timestamp_ms, 1733875201000);
  EXPECT_EQ(FastDecoded(Field("timestamp", "1.7338752e9")).timestamp_ms, 1733875200000);
  EXPECT_EQ(FastDecoded(Field("timestamp", "253402300799.9994")).timestamp_ms, kMaxTimestampMs);
}

TEST(SignalFastDecodeRegressionTest, FastPathDeclinedNineteenDigitIntegers) {
  // Nanosecond timestamps in metadata have 19 digits; above INT64's maximum simdjson reads UINT64.
  EXPECT_EQ(FastDecoded(WithMetadata(R"({"ts_ns":1733875200000000000,"u":9999999999999999999,)"
                                     R"("min":-9223372036854775808})"))
                .metadata_json,
            R"({"ts_ns":1733875200000000000,"u":9999999999999999999,"min":-9223372036854775808})");
}

}  // namespace
}  // namespace sigflow::internal
