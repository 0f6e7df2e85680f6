#include "market/finnhub/finnhub_candles.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace sigflow {
namespace {

TEST(FinnhubCandlesTest, ParsesTheDocumentedFormatAndFloorsToTheUtcDay) {
  // Finnhub's documented example shape; the second candle is stamped at 14:30 UTC.
  auto parsed = ParseFinnhubCandles(
      R"({"c":[217.68,221.03],"h":[222.49,221.82],"l":[217.19,217.14],"o":[221.03,218.55],)"
      R"("s":"ok","t":[1577923200,1578061800],"v":[3463,2857]})",
      "AAPL");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->no_data);
  ASSERT_EQ(parsed->bars.size(), 2u);
  const Bar& b = parsed->bars[1];
  EXPECT_EQ(b.ticker, "AAPL");
  EXPECT_EQ(b.ts_ms, 1'577'923'200'000 + kDayMs);  // 2020-01-03T00:00:00Z
  EXPECT_EQ(b.open, 218.55);
  EXPECT_EQ(b.high, 221.82);
  EXPECT_EQ(b.low, 217.14);
  EXPECT_EQ(b.close, 221.03);
  EXPECT_EQ(b.volume, 2857);
  EXPECT_TRUE(b.has_ohlc);
}

TEST(FinnhubCandlesTest, NoDataIsAnEmptyAnswer) {
  auto parsed = ParseFinnhubCandles(R"({"s":"no_data"})", "AAPL");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->no_data);
  EXPECT_TRUE(parsed->bars.empty());
}

TEST(FinnhubCandlesTest, MalformedAnswersAreBadBarDataNamingTheProblem) {
  const struct {
    const char* body;
    const char* expect;
  } cases[] = {
      {"<html>502 Bad Gateway</html>", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"c":[1]})", "no status field"},
      {R"({"s":"maybe"})", "expected \"ok\""},
      {R"({"s":"ok","t":[1577923200],"o":[1],"h":[1],"l":[1],"c":[1]})", "\"v\" is missing"},
      {R"({"s":"ok","t":[1577923200,1578009600],"o":[1,1],"h":[1],"l":[1,1],"c":[1,1],)"
       R"("v":[1,1]})",
       "\"h\" has 1 values but \"t\" has 2"},
      {R"({"s":"ok","t":[1577923200],"o":["1"],"h":[1],"l":[1],"c":[1],"v":[1]})",
       "\"o\"[0] is \"1\", not a number"},
      {R"({"s":"ok","t":[1577923200],"o":[1],"h":[1],"l":[2],"c":[1],"v":[1]})",
       "candle 0: AAPL 2020-01-02: high"},
      {R"({"s":"ok","t":[1577923200],"o":[1],"h":[1],"l":[1],"c":[-1],"v":[1]})",
       "close must be finite and > 0"},
      {R"({"s":"ok","t":[1577923200,1577930000],"o":[1,1],"h":[1,1],"l":[1,1],"c":[1,1],)"
       R"("v":[1,1]})",
       "candle 1 (2020-01-02) does not come after"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseFinnhubCandles(c.body, "AAPL");
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.status().code(), "bad_bar_data") << c.body;
    EXPECT_NE(parsed.status().message().find(c.expect), std::string::npos)
        << c.body << " -> " << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("AAPL"), std::string::npos);
  }
}

TEST(FinnhubCandlesTest, AnErrorObjectIsARefusal) {
  auto parsed = ParseFinnhubCandles(R"({"error":"Invalid API key."})", "AAPL");
  EXPECT_EQ(parsed.status().code(), "invalid_argument");
  EXPECT_NE(parsed.status().message().find("Invalid API key."), std::string::npos);
}

}  // namespace
}  // namespace sigflow
