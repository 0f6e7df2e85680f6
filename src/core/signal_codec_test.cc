#include "core/signal_codec.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/seed_signals_test_data.h"
#include "core/signal.h"

namespace sigflow {
namespace {

constexpr int64_t kNowMs = 1765000000123;  // what the test clock says when a signal has no time

using seed_signals::kSeed000;
using seed_signals::kSeed000Matching;
using seed_signals::kSeed001;
using seed_signals::kSeed002;
using seed_signals::kSeed004;

struct Outcome {
  bool ok = false;
  Signal signal;
  DecodeError error;
};

Outcome DecodeWith(SignalDecoder& decoder, std::string_view raw) {
  Outcome o;
  o.ok = decoder.Decode(raw, &o.signal, &o.error);
  return o;
}

Outcome Decode(std::string_view raw) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  return DecodeWith(decoder, raw);
}

// Decodes `raw`, which must succeed.
Signal MustDecode(std::string_view raw) {
  Outcome o = Decode(raw);
  EXPECT_TRUE(o.ok) << raw << "\n-> " << o.error.code << ": " << o.error.message;
  return o.signal;
}

// Decodes `raw`, which must fail with `code` and a message holding every one of `parts`.
void ExpectRejected(std::string_view raw, std::string_view code,
                    std::vector<std::string_view> parts = {}) {
  Outcome o = Decode(raw);
  ASSERT_FALSE(o.ok) << "accepted: " << raw;
  EXPECT_EQ(o.error.code, code) << raw << "\n-> " << o.error.message;
  EXPECT_FALSE(o.error.message.empty()) << raw;
  EXPECT_LT(o.error.message.size(), 300u) << o.error.message;
  for (std::string_view part : parts) {
    EXPECT_NE(o.error.message.find(part), std::string::npos)
        << "message lacks '" << part << "': " << o.error.message;
  }
}

// A signal with one ticker entry `entry` (JSON text) in the list shape.
std::string WithTickerEntry(std::string_view entry) {
  return R"({"signal_id":"s","timestamp":1,"tickers":[)" + std::string(entry) + "]}";
}

std::string WithField(std::string_view name, std::string_view value_json) {
  return R"({"tickers":["AAPL"],")" + std::string(name) + "\":" + std::string(value_json) + "}";
}

std::string Exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

::testing::AssertionResult SameSignal(const Signal& a, const Signal& b) {
  auto fail = [] { return ::testing::AssertionFailure(); };
  if (a.signal_id != b.signal_id)
    return fail() << "signal_id " << a.signal_id << " vs " << b.signal_id;
  if (a.timestamp_ms != b.timestamp_ms) {
    return fail() << "timestamp_ms " << a.timestamp_ms << " vs " << b.timestamp_ms;
  }
  if (a.signal_type != b.signal_type) return fail() << "signal_type differs";
  if (a.source != b.source) return fail() << "source differs";
  if (a.metadata_json != b.metadata_json) {
    return fail() << "metadata " << a.metadata_json << " vs " << b.metadata_json;
  }
  if (a.tickers.size() != b.tickers.size()) return fail() << "ticker count differs";
  for (size_t i = 0; i < a.tickers.size(); ++i) {
    const TickerSignal& x = a.tickers[i];
    const TickerSignal& y = b.tickers[i];
    if (x.ticker != y.ticker)
      return fail() << "tickers[" << i << "] " << x.ticker << " vs " << y.ticker;
    if (x.bias != y.bias) return fail() << "tickers[" << i << "].bias differs";
    if (x.confidence.has_value() != y.confidence.has_value() ||
        (x.confidence && *x.confidence != *y.confidence)) {
      return fail() << "tickers[" << i << "].confidence "
                    << (x.confidence ? Exact(*x.confidence) : "none") << " vs "
                    << (y.confidence ? Exact(*y.confidence) : "none");
    }
    if (x.reasoning != y.reasoning) return fail() << "tickers[" << i << "].reasoning differs";
  }
  return ::testing::AssertionSuccess();
}

bool LooksLikeUuidV4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return s[14] == '4';
}

// ----------------------------------------------------------------------------------------------
// The seeds' shapes

TEST(SignalDecoderTest, AcceptsSeed002Shape) {
  Signal s = MustDecode(kSeed002);
  EXPECT_EQ(s.signal_id, "uuid");
  EXPECT_EQ(s.timestamp_ms, 1733875200000);
  EXPECT_EQ(s.signal_type, "golden_cross");
  EXPECT_EQ(s.source, "golden_cross_generator");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.85);
  EXPECT_EQ(s.tickers[0].reasoning, "50 SMA crossed above 200 SMA");
  EXPECT_EQ(s.metadata_json, R"({"sma_short":50,"sma_long":200,"timeframe":"D"})");
}

TEST(SignalDecoderTest, AcceptsSeed004Shape) {
  Signal s = MustDecode(kSeed004);
  EXPECT_EQ(s.signal_id, "550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(s.timestamp_ms, 1764930600000);  // 2025-12-05T10:30:00Z
  EXPECT_EQ(s.signal_type, "golden_cross");
  EXPECT_EQ(s.source, "golden_cross_generator");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.85);
  EXPECT_EQ(s.tickers[0].reasoning, "50-day SMA crossed above 200-day SMA");
  EXPECT_EQ(s.metadata_json, R"({"sma_short":50,"sma_long":200,"current_price":175.5})");
}

TEST(SignalDecoderTest, AcceptsSeed000ManualTestSignal) {
  Signal s = MustDecode(kSeed000);
  EXPECT_EQ(s.signal_id, "test-123");
  EXPECT_EQ(s.timestamp_ms, 1733875200000);
  EXPECT_EQ(s.signal_type, "mock");
  EXPECT_EQ(s.source, "manual_test");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.8);
  EXPECT_EQ(s.tickers[0].reasoning, "");
  EXPECT_EQ(s.metadata_json, "{}");
}

TEST(SignalDecoderTest, AcceptsSeed001KafkaShape) {
  Signal s = MustDecode(kSeed001);
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.85);
  EXPECT_TRUE(LooksLikeUuidV4(s.signal_id)) << s.signal_id;
  EXPECT_EQ(s.timestamp_ms, kNowMs);
}

TEST(SignalDecoderTest, AcceptsBareTickerList) {
  Signal s = MustDecode(kSeed000Matching);
  ASSERT_EQ(s.tickers.size(), 2u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[1].ticker, "MSFT");
  for (const TickerSignal& t : s.tickers) {
    EXPECT_EQ(t.bias, Bias::kUnspecified);
    EXPECT_FALSE(t.confidence.has_value());
    EXPECT_EQ(t.reasoning, "");
  }
  EXPECT_EQ(s.signal_type, "");
  EXPECT_EQ(s.source, "");
  EXPECT_EQ(s.metadata_json, "{}");
  EXPECT_EQ(s.TickerSymbols(), (std::vector<std::string_view>{"AAPL", "MSFT"}));
}

// ----------------------------------------------------------------------------------------------
// Bias

TEST(SignalDecoderTest, SignalAndBiasKeysAreSynonyms) {
  Signal a = MustDecode(WithTickerEntry(R"({"ticker":"AAPL","signal":"BEARISH"})"));
  Signal b = MustDecode(WithTickerEntry(R"({"ticker":"AAPL","bias":"BEARISH"})"));
  Signal c =
      MustDecode(WithTickerEntry(R"({"ticker":"AAPL","bias":"BEARISH","signal":"bearish"})"));
  EXPECT_EQ(a.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(b.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(c.tickers[0].bias, Bias::kBearish);
}

TEST(SignalDecoderTest, RejectsDisagreeingSignalAndBias) {
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","signal":"BULLISH","bias":"BEARISH"})"),
                 reason::kInvalidBias, {"tickers[0]", "AAPL", "BULLISH", "BEARISH"});
}

TEST(SignalDecoderTest, BiasIsCaseInsensitiveAndNormalised) {
  Signal s =
      MustDecode(R"({"tickers":[{"ticker":"A","bias":"bullish"},{"ticker":"B","signal":"Bearish"},
                                         {"ticker":"C","bias":"nEuTrAl"}]})");
  ASSERT_EQ(s.tickers.size(), 3u);
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[1].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[2].bias, Bias::kNeutral);
  std::string json = EncodeSignal(s);
  EXPECT_NE(json.find(R"("bias":"BULLISH")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("bias":"BEARISH")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("bias":"NEUTRAL")"), std::string::npos) << json;
}

TEST(SignalDecoderTest, NullBiasIsUnspecified) {
  Signal s = MustDecode(WithTickerEntry(R"({"ticker":"AAPL","signal":null})"));
  EXPECT_EQ(s.tickers[0].bias, Bias::kUnspecified);
}

TEST(SignalDecoderTest, RejectsUnknownBias) {
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","signal":"SIDEWAYS"})"), reason::kInvalidBias,
                 {"tickers[0]", "AAPL", "\"signal\"", "SIDEWAYS", "BULLISH"});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":""})"), reason::kInvalidBias,
                 {"\"bias\""});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":" BULLISH"})"), reason::kInvalidBias);
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":"BULL"})"), reason::kInvalidBias,
                 {"BULL"});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":1})"), reason::kInvalidBias, {"1"});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":true})"), reason::kInvalidBias);
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","bias":["BULLISH"]})"), reason::kInvalidBias,
                 {"an array"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":{"bias":"UP"}}})", reason::kInvalidBias,
                 {"bias[\"AAPL\"]", "UP"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":"UP"}})", reason::kInvalidBias,
                 {"bias[\"AAPL\"]", "UP"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":7}})", reason::kInvalidBias, {"7"});
}

// ----------------------------------------------------------------------------------------------
// Confidence

double ConfidenceOf(std::string_view confidence_json) {
  Signal s = MustDecode(
      WithTickerEntry(R"({"ticker":"AAPL","confidence":)" + std::string(confidence_json) + "}"));
  if (s.tickers.empty() || !s.tickers[0].confidence) {
    ADD_FAILURE() << "no confidence for " << confidence_json;
    return -1;
  }
  return *s.tickers[0].confidence;
}

TEST(SignalDecoderTest, ConfidencePercentageIsNormalised) {
  EXPECT_EQ(ConfidenceOf("85"), 0.85);
  EXPECT_EQ(ConfidenceOf("85.0"), 0.85);
  EXPECT_EQ(ConfidenceOf("80"), 0.8);
  EXPECT_EQ(ConfidenceOf("100"), 1.0);
  EXPECT_EQ(ConfidenceOf("100.0"), 1.0);
  EXPECT_EQ(ConfidenceOf("50.5"), 0.505);
  EXPECT_EQ(ConfidenceOf("1.5"), 0.015);  // above 1: a percentage, by contract
}

TEST(SignalDecoderTest, ConfidenceFractionIsKept) {
  EXPECT_EQ(ConfidenceOf("0.85"), 0.85);
  EXPECT_EQ(ConfidenceOf("1"), 1.0);
  EXPECT_EQ(ConfidenceOf("1.0"), 1.0);
  EXPECT_EQ(ConfidenceOf("0"), 0.0);
  EXPECT_EQ(ConfidenceOf("0.0"), 0.0);
  EXPECT_EQ(ConfidenceOf("0.30000000000000004"), 0.30000000000000004);
  EXPECT_EQ(ConfidenceOf("1e-5"), 1e-5);
  double neg_zero = ConfidenceOf("-0.0");
  EXPECT_EQ(neg_zero, 0.0);
  EXPECT_FALSE(std::signbit(neg_zero));
}

TEST(SignalDecoderTest, NullConfidenceIsAbsent) {
  Signal s = MustDecode(WithTickerEntry(R"({"ticker":"AAPL","confidence":null})"));
  EXPECT_FALSE(s.tickers[0].confidence.has_value());
}

TEST(SignalDecoderTest, RejectsConfidenceOutOfRange) {
  for (const char* bad : {"-1", "-0.01", "-85", "100.01", "101", "1e300", "18446744073709551615",
                          "-9223372036854775808"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(WithTickerEntry(std::string(R"({"ticker":"AAPL","confidence":)") + bad + "}"),
                   reason::kInvalidConfidence, {"tickers[0]", "AAPL", "\"confidence\""});
  }
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","confidence":150})"),
                 reason::kInvalidConfidence, {"150"});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","confidence":-5})"),
                 reason::kInvalidConfidence, {"-5"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":{"confidence":250}}})",
                 reason::kInvalidConfidence, {"bias[\"AAPL\"]", "250"});
}

TEST(SignalDecoderTest, RejectsNonNumberConfidence) {
  for (const char* bad : {R"("85")", R"("high")", "true", "false", "[85]", R"({"value":85})"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(WithTickerEntry(std::string(R"({"ticker":"AAPL","confidence":)") + bad + "}"),
                   reason::kInvalidConfidence, {"\"confidence\"", "must be a number"});
  }
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","confidence":"high"})"),
                 reason::kInvalidConfidence, {"\"high\""});
}

// ----------------------------------------------------------------------------------------------
// Tickers

TEST(SignalDecoderTest, NormalisesLowerCaseTickers) {
  Signal s = MustDecode(R"({"tickers":["aapl","Brk.b",{"ticker":"msft"},"btc-usd","es=f"]})");
  EXPECT_EQ(s.TickerSymbols(),
            (std::vector<std::string_view>{"AAPL", "BRK.B", "MSFT", "BTC-USD", "ES=F"}));
}

TEST(SignalDecoderTest, AcceptsTickerPunctuation) {
  // The rule is core/ticker.h's: a leading '^' is an index symbol.
  Signal s = MustDecode(R"({"tickers":["BRK/B","X^Y","7203.T","A","^gspc"]})");
  EXPECT_EQ(s.TickerSymbols(),
            (std::vector<std::string_view>{"BRK/B", "X^Y", "7203.T", "A", "^GSPC"}));
}

TEST(SignalDecoderTest, DuplicateTickerKeptOnce) {
  Signal s = MustDecode(R"({"tickers":["AAPL","aapl","MSFT","AAPL","msft"]})");
  EXPECT_EQ(s.TickerSymbols(), (std::vector<std::string_view>{"AAPL", "MSFT"}));
}

TEST(SignalDecoderTest, DuplicateTickerFirstEntryWins) {
  Signal s = MustDecode(R"({"tickers":[{"ticker":"AAPL","bias":"BEARISH","confidence":0.2},
                                       {"ticker":"aapl","bias":"BULLISH","confidence":0.9}]})");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[0].confidence, 0.2);
}

TEST(SignalDecoderTest, AcceptsTickerOfMaximumLength) {
  Signal s = MustDecode(R"({"tickers":["ABCDEFGHIJKLMNOP"]})");
  EXPECT_EQ(s.tickers[0].ticker, "ABCDEFGHIJKLMNOP");
  static_assert(kMaxTickerBytes == 16);
}

TEST(SignalDecoderTest, RejectsTickerTooLong) {
  ExpectRejected(R"({"tickers":["AAPL","ABCDEFGHIJKLMNOPQ"]})", reason::kInvalidTicker,
                 {"tickers[1]", "ABCDEFGHIJKLMNOPQ", "16"});
}

TEST(SignalDecoderTest, RejectsTickerWithBadCharacters) {
  for (const char* bad :
       {R"("AA PL")", R"("AAPL!")", R"(" AAPL")", R"("AAPL ")", R"("-AAPL")", R"(".A")", R"("=F")",
        R"("/B")", R"("ÄPPL")", R"("AA\nPL")", R"("AA_PL")", R"("AA\u0000")", R"("$AAPL")"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(std::string(R"({"tickers":[)") + bad + "]}", reason::kInvalidTicker,
                   {"tickers[0]", "ticker", ".^=/-"});
  }
  ExpectRejected(R"({"tickers":["AA PL"]})", reason::kInvalidTicker, {"\"AA PL\""});
}

TEST(SignalDecoderTest, RejectsEmptyTicker) {
  ExpectRejected(R"({"tickers":["AAPL",""]})", reason::kInvalidTicker, {"tickers[1]", "empty"});
  ExpectRejected(WithTickerEntry(R"({"ticker":""})"), reason::kInvalidTicker, {"empty"});
}

TEST(SignalDecoderTest, RejectsNonStringTicker) {
  for (const char* bad : {"42", "true", "null", "[\"AAPL\"]", "1.5"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(std::string(R"({"tickers":["AAPL",)") + bad + "]}", reason::kInvalidTicker,
                   {"tickers[1]", "must be a string"});
  }
  ExpectRejected(WithTickerEntry(R"({"ticker":42,"bias":"BULLISH"})"), reason::kInvalidTicker,
                 {"tickers[0]", "42"});
}

TEST(SignalDecoderTest, RejectsTickerObjectWithoutTicker) {
  ExpectRejected(WithTickerEntry(R"({"signal":"BULLISH","confidence":85})"), reason::kInvalidTicker,
                 {"tickers[0]", "\"ticker\""});
  ExpectRejected(WithTickerEntry(R"({"ticker":null,"signal":"BULLISH"})"), reason::kInvalidTicker,
                 {"tickers[0]", "\"ticker\""});
}

TEST(SignalDecoderTest, RejectsMissingTickers) {
  ExpectRejected(R"({"signal_id":"s"})", reason::kMissingTickers, {"\"tickers\""});
  ExpectRejected("{}", reason::kMissingTickers, {"\"tickers\""});
  ExpectRejected(R"({"tickers":null})", reason::kMissingTickers, {"\"tickers\""});
  ExpectRejected(R"({"ticker":"AAPL"})", reason::kMissingTickers);
}

TEST(SignalDecoderTest, RejectsEmptyTickers) {
  ExpectRejected(R"({"tickers":[]})", reason::kEmptyTickers, {"\"tickers\"", "empty"});
}

TEST(SignalDecoderTest, RejectsTickersThatAreNotAList) {
  ExpectRejected(R"({"tickers":"AAPL"})", reason::kInvalidField,
                 {"\"tickers\"", "array", "\"AAPL\""});
  ExpectRejected(R"({"tickers":{"AAPL":1}})", reason::kInvalidField, {"\"tickers\"", "an object"});
  ExpectRejected(R"({"tickers":5})", reason::kInvalidField, {"\"tickers\"", "5"});
}

std::string TickerList(size_t n) {
  std::string json = R"({"tickers":[)";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) json += ',';
    json += "\"T" + std::to_string(i) + "\"";
  }
  return json + "]}";
}

TEST(SignalDecoderTest, AcceptsMaximumTickers) {
  Signal s = MustDecode(TickerList(kMaxTickersPerSignal));
  EXPECT_EQ(s.tickers.size(), kMaxTickersPerSignal);
  EXPECT_EQ(s.tickers.back().ticker, "T" + std::to_string(kMaxTickersPerSignal - 1));
}

TEST(SignalDecoderTest, RejectsTooManyTickers) {
  ExpectRejected(TickerList(kMaxTickersPerSignal + 1), reason::kTooManyTickers,
                 {"\"tickers\"", std::to_string(kMaxTickersPerSignal + 1),
                  std::to_string(kMaxTickersPerSignal)});
  ExpectRejected(TickerList(1000), reason::kTooManyTickers, {"1000"});
}

TEST(SignalDecoderTest, TooManyTickersCountsDuplicates) {
  std::string json = R"({"tickers":[)";
  for (size_t i = 0; i <= kMaxTickersPerSignal; ++i) json += i ? ",\"AAPL\"" : "\"AAPL\"";
  ExpectRejected(json + "]}", reason::kTooManyTickers);
}

// ----------------------------------------------------------------------------------------------
// The bias map (seed 004 shape)

TEST(SignalDecoderTest, BiasMapAppliesToListedTickers) {
  Signal s = MustDecode(R"({"tickers":["AAPL","MSFT","TSLA"],
      "bias":{"MSFT":{"ticker":"MSFT","bias":"BEARISH","confidence":0.4,"reasoning":"weak"},
              "aapl":{"bias":"bullish","confidence":90}}})");
  ASSERT_EQ(s.tickers.size(), 3u);
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.9);
  EXPECT_EQ(s.tickers[0].reasoning, "");
  EXPECT_EQ(s.tickers[1].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[1].confidence, 0.4);
  EXPECT_EQ(s.tickers[1].reasoning, "weak");
  // A listed ticker absent from the map: allowed, bias unspecified.
  EXPECT_EQ(s.tickers[2].ticker, "TSLA");
  EXPECT_EQ(s.tickers[2].bias, Bias::kUnspecified);
  EXPECT_FALSE(s.tickers[2].confidence.has_value());
}

TEST(SignalDecoderTest, BiasMapEntryForUnlistedTickerIsIgnored) {
  Signal s = MustDecode(R"({"tickers":["AAPL"],"bias":{"NVDA":{"bias":"BULLISH"},
                                                       "AAPL":{"bias":"NEUTRAL"}}})");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "AAPL");
  EXPECT_EQ(s.tickers[0].bias, Bias::kNeutral);
}

TEST(SignalDecoderTest, BiasMapEntryForUnlistedTickerIsStillValidated) {
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"NVDA":{"bias":"SOARING"}}})", reason::kInvalidBias,
                 {"bias[\"NVDA\"]"});
}

TEST(SignalDecoderTest, BiasMapAcceptsBareBiasString) {
  Signal s = MustDecode(R"({"tickers":["AAPL","MSFT"],"bias":{"AAPL":"bearish","MSFT":null}})");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[1].bias, Bias::kUnspecified);
}

TEST(SignalDecoderTest, BiasMapFillsOnlyWhatTheListLeftUnspecified) {
  Signal s = MustDecode(R"({"tickers":[{"ticker":"AAPL","bias":"BEARISH"}],
      "bias":{"AAPL":{"bias":"BULLISH","confidence":0.7,"reasoning":"from map"}}})");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[0].confidence, 0.7);
  EXPECT_EQ(s.tickers[0].reasoning, "from map");
}

TEST(SignalDecoderTest, BiasMapRepeatedTickerFirstEntryWins) {
  Signal s = MustDecode(R"({"tickers":["AAPL"],"bias":{"AAPL":{"bias":"BEARISH"},
                                                       "aapl":{"bias":"BULLISH"}}})");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBearish);
}

TEST(SignalDecoderTest, BiasMapEntryTickerMustMatchItsKey) {
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":{"ticker":"MSFT","bias":"BULLISH"}}})",
                 reason::kInvalidTicker, {"bias[\"AAPL\"]", "\"MSFT\"", "key"});
  MustDecode(R"({"tickers":["AAPL"],"bias":{"AAPL":{"ticker":"aapl","bias":"BULLISH"}}})");
}

TEST(SignalDecoderTest, RejectsInvalidBiasMapKey) {
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AA PL":{"bias":"BULLISH"}}})",
                 reason::kInvalidTicker, {"bias[\"AA PL\"]"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"":{"bias":"BULLISH"}}})", reason::kInvalidTicker,
                 {"empty"});
}

TEST(SignalDecoderTest, RejectsBiasMapThatIsNotAnObject) {
  ExpectRejected(R"({"tickers":["AAPL"],"bias":"BULLISH"})", reason::kInvalidField,
                 {"\"bias\"", "\"BULLISH\""});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":[{"ticker":"AAPL"}]})", reason::kInvalidField,
                 {"\"bias\"", "an array"});
}

TEST(SignalDecoderTest, RejectsBiasMapWithTooManyEntries) {
  std::string json = R"({"tickers":["AAPL"],"bias":{)";
  for (size_t i = 0; i <= kMaxTickersPerSignal; ++i) {
    if (i > 0) json += ',';
    json += "\"T" + std::to_string(i) + "\":\"BULLISH\"";
  }
  ExpectRejected(json + "}}", reason::kTooManyTickers, {"\"bias\""});
}

TEST(SignalDecoderTest, EmptyOrNullBiasMapIsAllowed) {
  EXPECT_EQ(MustDecode(R"({"tickers":["AAPL"],"bias":{}})").tickers[0].bias, Bias::kUnspecified);
  EXPECT_EQ(MustDecode(R"({"tickers":["AAPL"],"bias":null})").tickers[0].bias, Bias::kUnspecified);
}

// ----------------------------------------------------------------------------------------------
// signal_id

TEST(SignalDecoderTest, GeneratesSignalIdWhenAbsent) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  Outcome a = DecodeWith(decoder, R"({"tickers":["AAPL"]})");
  Outcome b = DecodeWith(decoder, R"({"tickers":["AAPL"],"signal_id":null})");
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_TRUE(LooksLikeUuidV4(a.signal.signal_id)) << a.signal.signal_id;
  EXPECT_TRUE(LooksLikeUuidV4(b.signal.signal_id)) << b.signal.signal_id;
  EXPECT_NE(a.signal.signal_id, b.signal.signal_id);
}

TEST(SignalDecoderTest, AcceptsSignalIdUpToLimit) {
  EXPECT_EQ(MustDecode(WithField("signal_id", "\"" + std::string(128, 'x') + "\"")).signal_id,
            std::string(128, 'x'));
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "é";  // 2 bytes each: 128 bytes
  EXPECT_EQ(MustDecode(WithField("signal_id", "\"" + accents + "\"")).signal_id, accents);
  EXPECT_EQ(MustDecode(WithField("signal_id", R"("a")")).signal_id, "a");
}

TEST(SignalDecoderTest, RejectsInvalidSignalId) {
  ExpectRejected(WithField("signal_id", R"("")"), reason::kInvalidSignalId,
                 {"\"signal_id\"", "empty"});
  ExpectRejected(WithField("signal_id", "\"" + std::string(129, 'x') + "\""),
                 reason::kInvalidSignalId, {"\"signal_id\"", "129", "128", "xxxx", "..."});
  ExpectRejected(WithField("signal_id", "\"" + std::string(10000, 'x') + "\""),
                 reason::kInvalidSignalId, {"10000"});
  std::string accents;
  for (int i = 0; i < 65; ++i) accents += "é";
  ExpectRejected(WithField("signal_id", "\"" + accents + "\""), reason::kInvalidSignalId, {"130"});
  ExpectRejected(WithField("signal_id", "123"), reason::kInvalidSignalId,
                 {"\"signal_id\"", "must be a string", "123"});
  ExpectRejected(WithField("signal_id", "true"), reason::kInvalidSignalId, {"true"});
  ExpectRejected(WithField("signal_id", R"({"id":1})"), reason::kInvalidSignalId, {"an object"});
  ExpectRejected(WithField("signal_id", R"(["a"])"), reason::kInvalidSignalId, {"an array"});
  ExpectRejected(WithField("signal_id", R"("a\nb")"), reason::kInvalidSignalId,
                 {"control character", "\"a\\nb\""});
  ExpectRejected(WithField("signal_id", R"("a\u0000b")"), reason::kInvalidSignalId,
                 {"control character"});
}

// ----------------------------------------------------------------------------------------------
// timestamp

int64_t TimestampOf(std::string_view value_json) {
  return MustDecode(WithField("timestamp", value_json)).timestamp_ms;
}

TEST(SignalDecoderTest, TimestampAsIntegerSeconds) {
  EXPECT_EQ(TimestampOf("1733875200"), 1733875200000);
  EXPECT_EQ(TimestampOf("0"), 0);
  EXPECT_EQ(TimestampOf("253402300799"), 253402300799000);  // 9999-12-31T23:59:59Z
}

TEST(SignalDecoderTest, TimestampAsFractionalSecondsKeepsMilliseconds) {
  EXPECT_EQ(TimestampOf("1733875200.5"), 1733875200500);
  EXPECT_EQ(TimestampOf("1733875200.123"), 1733875200123);  // 1733875200.12299990... rounds
  EXPECT_EQ(TimestampOf("1733875200.9996"), 1733875201000);
  EXPECT_EQ(TimestampOf("1733875200.0"), 1733875200000);
  EXPECT_EQ(TimestampOf("1.7338752e9"), 1733875200000);
  EXPECT_EQ(TimestampOf("0.001"), 1);
  EXPECT_EQ(TimestampOf("253402300799.999"), 253402300799999);
}

TEST(SignalDecoderTest, TimestampAsIso8601) {
  EXPECT_EQ(TimestampOf(R"("2025-12-05T10:30:00Z")"), 1764930600000);
  EXPECT_EQ(TimestampOf(R"("2025-12-05T10:30:00.250Z")"), 1764930600250);
  EXPECT_EQ(TimestampOf(R"("2025-12-05T12:30:00+02:00")"), 1764930600000);
  EXPECT_EQ(TimestampOf(R"("2025-12-05T05:00:00-05:30")"), 1764930600000);
  EXPECT_EQ(TimestampOf(R"("2025-12-05T10:30:00")"), 1764930600000);
  EXPECT_EQ(TimestampOf(R"("2025-12-05")"), 1764892800000);
  EXPECT_EQ(TimestampOf(R"("1970-01-01T00:00:00Z")"), 0);
}

TEST(SignalDecoderTest, TimestampAbsentUsesClock) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  Outcome a = DecodeWith(decoder, R"({"tickers":["AAPL"]})");
  clock.AdvanceMs(1500);
  Outcome b = DecodeWith(decoder, R"({"tickers":["AAPL"],"timestamp":null})");
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_EQ(a.signal.timestamp_ms, kNowMs);
  EXPECT_EQ(b.signal.timestamp_ms, kNowMs + 1500);
}

TEST(SignalDecoderTest, RejectsBadTimestampStrings) {
  for (const char* bad :
       {R"("yesterday")", R"("")", R"("2025-13-01T00:00:00Z")", R"("2025-12-05T10:30:00+0200")",
        R"("1733875200")", R"("NaN")", R"("Infinity")", R"("2025-02-30")", R"(" 2025-12-05")"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(WithField("timestamp", bad), reason::kInvalidTimestamp,
                   {"\"timestamp\"", "ISO-8601"});
  }
  ExpectRejected(WithField("timestamp", R"("yesterday")"), reason::kInvalidTimestamp,
                 {"\"yesterday\""});
}

TEST(SignalDecoderTest, RejectsNegativeTimestamps) {
  ExpectRejected(WithField("timestamp", "-1"), reason::kInvalidTimestamp,
                 {"\"timestamp\"", "-1", "1970"});
  ExpectRejected(WithField("timestamp", "-0.5"), reason::kInvalidTimestamp, {"1970"});
  ExpectRejected(WithField("timestamp", R"("1969-12-31T23:59:59Z")"), reason::kInvalidTimestamp,
                 {"1969-12-31T23:59:59Z", "1970"});
  ExpectRejected(WithField("timestamp", R"("1970-01-01T00:30:00+01:00")"),
                 reason::kInvalidTimestamp, {"1970"});
}

TEST(SignalDecoderTest, RejectsAbsurdlyLargeTimestamps) {
  for (const char* bad : {"253402300800", "253402300799.9996", "1e300", "1733875200000",
                          "9223372036854775807", "18446744073709551615"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(WithField("timestamp", bad), reason::kInvalidTimestamp,
                   {"\"timestamp\"", "9999", "epoch seconds"});
  }
  // Milliseconds where seconds are expected are caught, not read as a date in year 56935.
  ExpectRejected(WithField("timestamp", "1733875200000"), reason::kInvalidTimestamp,
                 {"1733875200000"});
}

TEST(SignalDecoderTest, RejectsNonNumberNonStringTimestamps) {
  for (const char* bad : {"true", "[1733875200]", R"({"seconds":1})"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(WithField("timestamp", bad), reason::kInvalidTimestamp, {"\"timestamp\""});
  }
}

TEST(SignalDecoderTest, NaNLikeTimestampsAreRejected) {
  // JSON has no NaN or Infinity: as bare words they make the payload malformed...
  ExpectRejected(WithField("timestamp", "NaN"), reason::kMalformedJson);
  ExpectRejected(WithField("timestamp", "Infinity"), reason::kMalformedJson);
  ExpectRejected(WithField("timestamp", "-Infinity"), reason::kMalformedJson);
  ExpectRejected(WithField("timestamp", "1e999"), reason::kMalformedJson);
  // ...and as text they are not timestamps.
  ExpectRejected(WithField("timestamp", R"("nan")"), reason::kInvalidTimestamp);
}

// ----------------------------------------------------------------------------------------------
// Malformed input

TEST(SignalDecoderTest, RejectsMalformedJson) {
  for (const char* bad : {
           "",
           "   \n",
           R"({"tickers":["AAPL"])",
           R"({"tickers":["AAPL"],})",
           R"({"tickers":["AAPL",]})",
           R"({tickers:["AAPL"]})",
           R"({'tickers':['AAPL']})",
           R"({"tickers":["AAPL"]}})",
           R"({"tickers":["AAPL"] "source":"x"})",
           R"({"tickers":["AA"PL"]})",
           R"({"tickers":["AAPL"],"source":"bad \x escape"})",
           "{\"tickers\":[\"AAPL\"],\"source\":\"raw\ttab\"}",
           "{\"tickers\":[\"AAPL\"],\"source\":\"\xff\xfe\"}",  // invalid UTF-8
           R"({"tickers":["AAPL"],"metadata":{"n":123456789012345678901234567890}})",
           R"({"tickers":["AAPL"],"metadata":{"n":01}})",
       }) {
    SCOPED_TRACE(bad);
    ExpectRejected(bad, reason::kMalformedJson, {"JSON"});
  }
}

TEST(SignalDecoderTest, RejectsEmbeddedNul) {
  std::string raw = R"({"tickers":["AAPL"]})";
  ExpectRejected(raw + '\0', reason::kMalformedJson);  // after the object
  raw.insert(5, 1, '\0');                              // inside a key
  ExpectRejected(raw, reason::kMalformedJson);
}

TEST(SignalDecoderTest, RejectsTruncatedJson) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);  // one decoder for all prefixes: errors leave it reusable
  for (std::string_view full : {kSeed002, kSeed004, kSeed000}) {
    for (size_t n = 0; n < full.size(); ++n) {
      Outcome o = DecodeWith(decoder, full.substr(0, n));
      ASSERT_FALSE(o.ok) << "accepted a " << n << "-byte prefix of\n" << full;
      ASSERT_EQ(o.error.code, reason::kMalformedJson) << n << ": " << o.error.message;
    }
    EXPECT_TRUE(DecodeWith(decoder, full).ok);
  }
}

TEST(SignalDecoderTest, RejectsNonObjectTopLevel) {
  ExpectRejected(R"(["AAPL"])", reason::kNotAnObject, {"an array", "object"});
  ExpectRejected(R"([{"tickers":["AAPL"]}])", reason::kNotAnObject, {"an array"});
  ExpectRejected("42", reason::kNotAnObject, {"42"});
  ExpectRejected("-1.5", reason::kNotAnObject, {"-1.5"});
  ExpectRejected(R"("AAPL")", reason::kNotAnObject, {"\"AAPL\""});
  ExpectRejected("null", reason::kNotAnObject, {"null"});
  ExpectRejected("true", reason::kNotAnObject, {"true"});
}

TEST(SignalDecoderTest, RejectsTrailingGarbage) {
  for (const char* bad :
       {R"({"tickers":["AAPL"]} x)", R"({"tickers":["AAPL"]}{})", R"({"tickers":["AAPL"]},)",
        R"({"tickers":["AAPL"]}])", R"({"tickers":["AAPL"]} 1)", R"({"tickers":["AAPL"]}"x")"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(bad, reason::kMalformedJson);
  }
}

TEST(SignalDecoderTest, AcceptsSurroundingWhitespace) {
  EXPECT_EQ(MustDecode(" \n\t{\"tickers\":[\"AAPL\"]}\r\n ").tickers.size(), 1u);
}

std::string PaddedTo(size_t size) {
  std::string raw = R"({"tickers":["AAPL"],"pad":")";
  raw += std::string(size - raw.size() - 2, 'x');
  raw += "\"}";
  return raw;
}

TEST(SignalDecoderTest, AcceptsPayloadOfMaximumSize) {
  std::string raw = PaddedTo(kMaxSignalBytes);
  ASSERT_EQ(raw.size(), kMaxSignalBytes);
  EXPECT_EQ(MustDecode(raw).tickers[0].ticker, "AAPL");
}

TEST(SignalDecoderTest, RejectsPayloadTooLarge) {
  ExpectRejected(PaddedTo(kMaxSignalBytes + 1), reason::kPayloadTooLarge,
                 {std::to_string(kMaxSignalBytes + 1), std::to_string(kMaxSignalBytes)});
  ExpectRejected(std::string(10 * kMaxSignalBytes, ' '), reason::kPayloadTooLarge);
}

std::string NestedMetadata(int depth) {
  return R"({"tickers":["AAPL"],"metadata":{"x":)" + std::string(depth, '[') +
         std::string(depth, ']') + "}}";
}

TEST(SignalDecoderTest, AcceptsModeratelyNestedMetadata) {
  Signal s = MustDecode(NestedMetadata(40));
  EXPECT_EQ(s.metadata_json, R"({"x":)" + std::string(40, '[') + std::string(40, ']') + "}");
}

TEST(SignalDecoderTest, RejectsTooDeeplyNestedJson) {
  ExpectRejected(NestedMetadata(static_cast<int>(kMaxSignalDepth) + 1), reason::kMalformedJson,
                 {"deeper", std::to_string(kMaxSignalDepth)});
  ExpectRejected(NestedMetadata(5000), reason::kMalformedJson, {"deeper"});
}

// ----------------------------------------------------------------------------------------------
// Other fields

TEST(SignalDecoderTest, RejectsWrongTypesForKnownFields) {
  ExpectRejected(WithField("signal_type", "5"), reason::kInvalidField,
                 {"\"signal_type\"", "string", "5"});
  ExpectRejected(WithField("signal_type", "true"), reason::kInvalidField, {"\"signal_type\""});
  ExpectRejected(WithField("source", "[\"gen\"]"), reason::kInvalidField,
                 {"\"source\"", "an array"});
  ExpectRejected(WithField("source", "{}"), reason::kInvalidField, {"\"source\"", "an object"});
  ExpectRejected(WithField("metadata", R"("sma=50")"), reason::kInvalidField,
                 {"\"metadata\"", "object", "\"sma=50\""});
  ExpectRejected(WithField("metadata", "[1,2]"), reason::kInvalidField,
                 {"\"metadata\"", "an array"});
  ExpectRejected(WithField("metadata", "0"), reason::kInvalidField, {"\"metadata\""});
  ExpectRejected(WithTickerEntry(R"({"ticker":"AAPL","reasoning":42})"), reason::kInvalidField,
                 {"tickers[0]", "AAPL", "\"reasoning\"", "42"});
  ExpectRejected(R"({"tickers":["AAPL"],"bias":{"AAPL":{"reasoning":["a"]}}})",
                 reason::kInvalidField, {"bias[\"AAPL\"]", "\"reasoning\""});
}

TEST(SignalDecoderTest, RejectsOverlongLabels) {
  std::string long_label = "\"" + std::string(kMaxSignalLabelBytes + 1, 'g') + "\"";
  ExpectRejected(WithField("signal_type", long_label), reason::kInvalidField,
                 {"\"signal_type\"", std::to_string(kMaxSignalLabelBytes)});
  ExpectRejected(WithField("source", long_label), reason::kInvalidField, {"\"source\""});
  std::string max_label(kMaxSignalLabelBytes, 'g');
  EXPECT_EQ(MustDecode(WithField("source", "\"" + max_label + "\"")).source, max_label);
}

TEST(SignalDecoderTest, NullFieldsCountAsAbsent) {
  Signal s = MustDecode(
      R"({"tickers":["AAPL"],"signal_type":null,"source":null,"metadata":null,"bias":null})");
  EXPECT_EQ(s.signal_type, "");
  EXPECT_EQ(s.source, "");
  EXPECT_EQ(s.metadata_json, "{}");
  Signal t = MustDecode(WithTickerEntry(R"({"ticker":"AAPL","reasoning":null})"));
  EXPECT_EQ(t.tickers[0].reasoning, "");
}

TEST(SignalDecoderTest, IgnoresUnknownFields) {
  Signal s = MustDecode(R"({"event":"signal_emitted","version":2,"extra":{"deep":[1,{"x":null}]},
      "tickers":[{"ticker":"AAPL","price":175.5,"signal":"BULLISH","tags":["a"]}],
      "bias":{"AAPL":{"weight":3}},"confidence":"ignored at top level"})");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_FALSE(s.tickers[0].confidence.has_value());
}

TEST(SignalDecoderTest, LastOccurrenceOfARepeatedKeyWins) {
  Signal s = MustDecode(R"({"tickers":["AAPL"],"source":"a","tickers":["MSFT"],"source":"b"})");
  EXPECT_EQ(s.TickerSymbols(), (std::vector<std::string_view>{"MSFT"}));
  EXPECT_EQ(s.source, "b");
  ExpectRejected(R"({"tickers":["AAPL"],"tickers":null})", reason::kMissingTickers);
}

TEST(SignalDecoderTest, MetadataIsReserialisedCompactly) {
  Signal s = MustDecode(R"({"tickers":["AAPL"], "metadata" : {
      "price" : 175.50, "one" : 1.0, "big" : 1E20, "tiny": 1e-7, "neg": -0.0, "int": -42,
      "u64": 18446744073709551615, "flags": [true, false, null], "nested": {"a": [ ]  , "b": {}},
      "text": "caf\u00e9 \"q\" \\ \n \u0001 \ud83d\ude00", "solidus": "a\/b"}})");
  EXPECT_EQ(
      s.metadata_json,
      R"({"price":175.5,"one":1.0,"big":1e+20,"tiny":1e-07,"neg":-0.0,"int":-42,)"
      R"("u64":18446744073709551615,"flags":[true,false,null],"nested":{"a":[],"b":{}},)"
      "\"text\":\"caf\xC3\xA9 \\\"q\\\" \\\\ \\n \\u0001 \xF0\x9F\x98\x80\",\"solidus\":\"a/b\"}");
  // The compact text is a fixed point: decoding it again changes nothing.
  Signal again = MustDecode(R"({"tickers":["AAPL"],"metadata":)" + s.metadata_json + "}");
  EXPECT_EQ(again.metadata_json, s.metadata_json);
}

TEST(SignalDecoderTest, MetadataKeepsKeyOrderAndRepeatedKeys) {
  EXPECT_EQ(MustDecode(R"({"tickers":["A"],"metadata":{"z":1,"a":2,"z":3}})").metadata_json,
            R"({"z":1,"a":2,"z":3})");
}

TEST(SignalDecoderTest, NullErrorPointerIsAllowed) {
  SignalDecoder decoder;
  Signal s;
  EXPECT_FALSE(decoder.Decode("[]", &s, nullptr));
  EXPECT_TRUE(decoder.Decode(kSeed002, &s, nullptr));
}

// ----------------------------------------------------------------------------------------------
// Reuse

TEST(SignalDecoderTest, DecoderIsReusableWithoutLeftovers) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  Signal s;
  DecodeError error;
  ASSERT_TRUE(decoder.Decode(R"({"signal_id":"rich","timestamp":5,"signal_type":"t","source":"s",
      "tickers":[{"ticker":"AAPL","bias":"BULLISH","confidence":0.5,"reasoning":"long reasoning"},
                 {"ticker":"MSFT","bias":"BEARISH"},{"ticker":"TSLA"}],"metadata":{"k":[1,2,3]}})",
                             &s, &error))
      << error.message;
  ASSERT_EQ(s.tickers.size(), 3u);

  ASSERT_TRUE(decoder.Decode(R"({"tickers":["NVDA"]})", &s, &error)) << error.message;
  EXPECT_TRUE(LooksLikeUuidV4(s.signal_id));
  EXPECT_EQ(s.timestamp_ms, kNowMs);
  EXPECT_EQ(s.signal_type, "");
  EXPECT_EQ(s.source, "");
  EXPECT_EQ(s.metadata_json, "{}");
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "NVDA");
  EXPECT_EQ(s.tickers[0].bias, Bias::kUnspecified);
  EXPECT_FALSE(s.tickers[0].confidence.has_value());
  EXPECT_EQ(s.tickers[0].reasoning, "");

  // A failure in between leaves nothing that leaks into the next success.
  EXPECT_FALSE(
      decoder.Decode(R"({"signal_id":"x","source":"y","tickers":["AAPL","?"]})", &s, &error));
  ASSERT_TRUE(decoder.Decode(R"({"tickers":["AAPL","MSFT"]})", &s, &error)) << error.message;
  EXPECT_EQ(s.source, "");
  ASSERT_EQ(s.tickers.size(), 2u);
  EXPECT_EQ(s.tickers[0].bias, Bias::kUnspecified);
  EXPECT_EQ(s.tickers[1].reasoning, "");
}

TEST(SignalDecoderTest, ManyCallsOnOneDecoderMatchFreshDecoders) {
  const std::vector<std::string> inputs = {
      std::string(kSeed002),
      std::string(kSeed004),
      std::string(kSeed000),
      std::string(kSeed001),
      TickerList(kMaxTickersPerSignal),
      R"({"signal_id":"q","timestamp":"2025-01-01T00:00:00Z","tickers":["a","b","A"]})",
      R"({"tickers":["AAPL"],"bias":{"AAPL":"NEUTRAL"},"metadata":{"x":"y"}})",
      PaddedTo(kMaxSignalBytes),
  };
  ManualClock clock(kNowMs);
  SignalDecoder reused(&clock);
  Signal slot;
  for (int round = 0; round < 200; ++round) {
    const std::string& raw = inputs[static_cast<size_t>(round * 7) % inputs.size()];
    DecodeError error;
    ASSERT_TRUE(reused.Decode(raw, &slot, &error)) << error.message;
    Signal fresh = MustDecode(raw);
    if (raw.find("signal_id") == std::string::npos) fresh.signal_id = slot.signal_id;
    ASSERT_TRUE(SameSignal(slot, fresh)) << "round " << round << ": " << raw.substr(0, 80);
    if (round % 5 == 0) {
      ASSERT_FALSE(reused.Decode("{]", &slot, &error));
    }
  }
}

// ----------------------------------------------------------------------------------------------
// Encoding

Signal SampleSignal() {
  Signal s;
  s.signal_id = "sig-1";
  s.timestamp_ms = 1764930600250;
  s.signal_type = "golden_cross";
  s.source = "gen";
  s.tickers = {
      {"AAPL", Bias::kBullish, 0.85, "r"},
      {"MSFT", Bias::kUnspecified, std::nullopt, ""},
      {"TSLA", Bias::kNeutral, 1.0, ""},
  };
  s.metadata_json = R"({"a":1})";
  return s;
}

TEST(EncodeSignalTest, WritesCanonicalForm) {
  EXPECT_EQ(EncodeSignal(SampleSignal()),
            R"({"signal_id":"sig-1","timestamp":"2025-12-05T10:30:00.250Z",)"
            R"("signal_type":"golden_cross","source":"gen","tickers":[)"
            R"({"ticker":"AAPL","bias":"BULLISH","confidence":0.85,"reasoning":"r"},)"
            R"({"ticker":"MSFT"},{"ticker":"TSLA","bias":"NEUTRAL","confidence":1.0}],)"
            R"("metadata":{"a":1}})");
}

TEST(EncodeSignalTest, AppendsToExistingText) {
  std::string out = "prefix:";
  EncodeSignal(SampleSignal(), &out);
  EXPECT_EQ(out, "prefix:" + EncodeSignal(SampleSignal()));
}

TEST(EncodeSignalTest, EncodesSeedSignalsCanonically) {
  EXPECT_EQ(EncodeSignal(MustDecode(kSeed002)),
            R"({"signal_id":"uuid","timestamp":"2024-12-11T00:00:00Z",)"
            R"("signal_type":"golden_cross","source":"golden_cross_generator",)"
            R"("tickers":[{"ticker":"AAPL","bias":"BULLISH","confidence":0.85,)"
            R"("reasoning":"50 SMA crossed above 200 SMA"}],)"
            R"("metadata":{"sma_short":50,"sma_long":200,"timeframe":"D"}})");
}

TEST(EncodeSignalTest, EscapesStrings) {
  Signal s = SampleSignal();
  s.tickers.resize(1);
  s.tickers[0].reasoning = "q\"b\\s/n\nr\rt\tb\bf\fc\x01\x1f\x7f";
  s.source = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88";
  std::string json = EncodeSignal(s);
  EXPECT_NE(json.find(R"("reasoning":"q\"b\\s/n\nr\rt\tb\bf\fc\u0001\u001f)"
                      "\x7f\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"source\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88\""),
            std::string::npos)
      << json;
}

TEST(EncodeSignalTest, EscapesEmbeddedNul) {
  Signal s = SampleSignal();
  s.tickers[0].reasoning = std::string("a\0b", 3);
  std::string json = EncodeSignal(s);
  EXPECT_NE(json.find(R"("reasoning":"a\u0000b")"), std::string::npos) << json;
  EXPECT_EQ(MustDecode(json).tickers[0].reasoning, s.tickers[0].reasoning);
}

TEST(EncodeSignalTest, ReplacesInvalidUtf8SoOutputStaysValidJson) {
  Signal s = SampleSignal();
  s.tickers[0].reasoning = "ok \xff bad \xC3 cut \xED\xA0\x80 surrogate \xC3\xA9";
  std::string json = EncodeSignal(s);
  Signal back = MustDecode(json);
  EXPECT_EQ(back.tickers[0].reasoning,
            "ok \xEF\xBF\xBD bad \xEF\xBF\xBD cut \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate "
            "\xC3\xA9");
}

TEST(EncodeSignalTest, NonFiniteConfidenceIsWrittenAsNull) {
  Signal s = SampleSignal();
  s.tickers[0].confidence = std::numeric_limits<double>::quiet_NaN();
  std::string json = EncodeSignal(s);
  EXPECT_NE(json.find(R"("confidence":null)"), std::string::npos) << json;
  EXPECT_FALSE(MustDecode(json).tickers[0].confidence.has_value());
}

TEST(EncodeSignalTest, EmptyMetadataIsWrittenAsObject) {
  Signal s = SampleSignal();
  s.metadata_json.clear();
  std::string json = EncodeSignal(s);
  EXPECT_NE(json.find(R"("metadata":{}})"), std::string::npos) << json;
  EXPECT_EQ(MustDecode(json).metadata_json, "{}");
}

// ----------------------------------------------------------------------------------------------
// Round trips

std::vector<Signal> RoundTripSignals() {
  std::vector<Signal> out;
  out.push_back(SampleSignal());
  out.push_back(MustDecode(kSeed002));
  out.push_back(MustDecode(kSeed004));
  out.push_back(MustDecode(kSeed000));
  out.push_back(MustDecode(kSeed001));

  Signal unicode;
  unicode.signal_id = "id \"quoted\" \\ é 日本 🚀";
  unicode.timestamp_ms = 0;
  unicode.signal_type = "news";
  unicode.source = "tab\there";
  unicode.tickers = {
      {"7203.T", Bias::kBearish, 1.0 / 3.0,
       "日本語の理由 — “smart quotes”, emoji 📉, escapes \" \\ / \b \f \n \r \t \x01 \x1f end"},
      {"BRK.B", Bias::kNeutral, 0.0, "\u2028 line separator \u2029"},
      {"ES=F", Bias::kBullish, 5e-324, ""},
      {"BTC-USD", Bias::kUnspecified, 0.30000000000000004, "x"},
      {"X^Y", Bias::kBullish, 0.1, ""},
      {"^GSPC", Bias::kNeutral, 0.5, ""},
  };
  unicode.metadata_json = R"({"k":"v\n","n":[1,2.5,-3,1e+20,1.0],"o":{"t":true,"f":null}})";
  out.push_back(unicode);

  Signal edge;
  edge.signal_id = std::string(kMaxSignalIdBytes, 'z');
  edge.timestamp_ms = 253402300799999;  // the last accepted instant
  // Appending rather than `"T" + std::to_string(i)`: GCC 12 at -O3 reports a false -Wrestrict
  // on operator+(const char*, std::string&&), and warnings are errors.
  auto numbered = [](char prefix, size_t i) {
    return std::string(1, prefix).append(std::to_string(i));
  };
  for (size_t i = 0; i < kMaxTickersPerSignal; ++i) {
    edge.tickers.push_back(
        {numbered('T', i), static_cast<Bias>(i % 4),
         i % 3 ? std::optional<double>(static_cast<double>(i) / 64.0) : std::nullopt,
         i % 2 ? numbered('r', i) : ""});
  }
  out.push_back(edge);

  Signal millis;
  millis.signal_id = "m";
  millis.timestamp_ms = 1733875200001;
  millis.tickers = {{"A", Bias::kUnspecified, 0.999999999999, ""}};
  out.push_back(millis);
  return out;
}

TEST(SignalCodecRoundTripTest, DecodeOfEncodeIsIdentity) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  for (const Signal& original : RoundTripSignals()) {
    std::string json = EncodeSignal(original);
    Signal back;
    DecodeError error;
    ASSERT_TRUE(decoder.Decode(json, &back, &error)) << json << "\n-> " << error.message;
    EXPECT_TRUE(SameSignal(back, original)) << json;
    EXPECT_EQ(EncodeSignal(back), json);
  }
}

TEST(SignalCodecRoundTripTest, ConfidenceSurvivesExactly) {
  ManualClock clock(kNowMs);
  SignalDecoder decoder(&clock);
  Signal s;
  s.signal_id = "c";
  s.tickers = {{"A", Bias::kBullish, 0.0, ""}};
  // Every multiple of 1/1000 and a spread of awkward doubles in [0, 1].
  std::vector<double> values;
  for (int i = 0; i <= 1000; ++i) values.push_back(i / 1000.0);
  for (double v : {std::nextafter(1.0, 0.0), std::nextafter(0.0, 1.0), 0.1 + 0.2, 2.0 / 3.0, 1e-300,
                   0.123456789012345678})
    values.push_back(v);
  for (double v : values) {
    s.tickers[0].confidence = v;
    Signal back;
    DecodeError error;
    ASSERT_TRUE(decoder.Decode(EncodeSignal(s), &back, &error)) << error.message;
    ASSERT_EQ(*back.tickers[0].confidence, v) << Exact(v) << " -> " << EncodeSignal(s);
  }
}

TEST(SignalCodecRoundTripTest, EncodeOfDecodeIsAFixedPoint) {
  for (std::string_view raw : {kSeed002, kSeed004, kSeed000}) {
    std::string once = EncodeSignal(MustDecode(raw));
    std::string twice = EncodeSignal(MustDecode(once));
    EXPECT_EQ(once, twice);
  }
}

TEST(SignalDecoderTest, MissingSignalIdTakesTheFallbackIdWhenGiven) {
  SignalDecoder decoder;
  Signal s;
  DecodeError error;
  const std::string raw = R"({"tickers":[{"ticker":"AAPL","signal":"BULLISH"}]})";
  ASSERT_TRUE(decoder.Decode(raw, &s, &error, "trading-signals:0:42"));
  EXPECT_EQ(s.signal_id, "trading-signals:0:42");
  ASSERT_TRUE(decoder.Decode(R"({"signal_id":"own","tickers":["AAPL"]})", &s, &error, "fallback"));
  EXPECT_EQ(s.signal_id, "own");
}

}  // namespace
}  // namespace sigflow
