// Parsing both CSV layouts, and every error case: each names the file and the line.
#include "market/bar_csv.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace sigflow {
namespace {

Result<ParsedBarCsv> Parse(std::string_view text, std::string_view ticker = "SPY") {
  return ParseBarCsv(text, "prices.csv", ticker);
}

// Expects a bad_bar_data error whose message starts with "prices.csv:<line>: " and contains
// `what`.
void ExpectError(std::string_view text, int line, const std::string& what) {
  auto parsed = Parse(text);
  ASSERT_FALSE(parsed.ok()) << text;
  EXPECT_EQ(parsed.status().code(), "bad_bar_data");
  const std::string prefix = "prices.csv:" + std::to_string(line) + ": ";
  EXPECT_EQ(parsed.status().message().rfind(prefix, 0), 0u) << parsed.status().message();
  EXPECT_NE(parsed.status().message().find(what), std::string::npos) << parsed.status().message();
}

TEST(BarCsvTest, ParsesOhlcv) {
  auto parsed = Parse(
      "Date,Open,High,Low,Close,Volume\n"
      "2000-01-03,1469.25,1478,1438.359985,1455.219971,931800000\n"
      "2000-01-04,1455.219971,1455.219971,1397.430054,1399.420044,1009000000\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, BarCsvFormat::kOhlcv);
  EXPECT_EQ(parsed->tickers, std::vector<std::string>{"SPY"});
  ASSERT_EQ(parsed->bars.size(), 2u);
  const Bar& b = parsed->bars[0];
  EXPECT_EQ(b.ticker, "SPY");
  EXPECT_EQ(b.ts_ms, *ParseIso8601("2000-01-03T00:00:00Z"));
  EXPECT_DOUBLE_EQ(b.open, 1469.25);
  EXPECT_DOUBLE_EQ(b.high, 1478);
  EXPECT_DOUBLE_EQ(b.low, 1438.359985);
  EXPECT_DOUBLE_EQ(b.close, 1455.219971);
  EXPECT_DOUBLE_EQ(b.volume, 931800000);
  EXPECT_TRUE(b.has_ohlc);
}

TEST(BarCsvTest, ToleratesBomCrlfSpacesBlankLinesAndHeaderCase) {
  auto parsed = Parse(
      "\xEF\xBB\xBF"
      "date, open,HIGH,Low,close ,Volume\r\n"
      "2020-01-02 , 10,11,9,10.5, 100\r\n"
      "\r\n"
      "2020-01-03,10.5,12,10,11,0\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->bars.size(), 2u);
  EXPECT_DOUBLE_EQ(parsed->bars[0].volume, 100);
}

TEST(BarCsvTest, ParsesWideCloseOnlyWithEmptyCellsAsNoBar) {
  auto parsed = Parse(
      "Date,AA,msft,BRK.B\n"
      "1991-01-02,5.92,,100\n"
      "1991-01-03,,2.5,\n"
      "1991-01-04,,,\n"
      "1991-01-07,6.1,2.6,101\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, BarCsvFormat::kWideClose);
  EXPECT_EQ(parsed->tickers, (std::vector<std::string>{"AA", "MSFT", "BRK.B"}));
  ASSERT_EQ(parsed->bars.size(), 6u);
  EXPECT_EQ(parsed->bars[0].ticker, "AA");
  EXPECT_EQ(parsed->bars[1].ticker, "BRK.B");
  EXPECT_EQ(parsed->bars[2].ticker, "MSFT");
  EXPECT_EQ(parsed->bars[3].ts_ms, *ParseIso8601("1991-01-07"));
  const Bar& b = parsed->bars[2];
  EXPECT_FALSE(b.has_ohlc);
  EXPECT_EQ(b.open, 2.5);
  EXPECT_EQ(b.high, 2.5);
  EXPECT_EQ(b.low, 2.5);
  EXPECT_EQ(b.volume, 0);
}

TEST(BarCsvTest, HeaderOnlyIsEmpty) {
  auto parsed = Parse("Date,Open,High,Low,Close,Volume\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->bars.empty());
}

TEST(BarCsvTest, HeaderErrors) {
  ExpectError("", 1, "missing header");
  ExpectError("\n2020-01-01,1\n", 1, "missing header");
  ExpectError("Day,Open,High,Low,Close,Volume\n", 1, "first header column is 'Day'");
  ExpectError("Date\n2020-01-01\n", 1, "no column after Date");
  ExpectError("Date,Open,High,Low,Close\n", 1, "malformed OHLCV header");
  ExpectError("Date,Open,High,Low,Close,Adj Close,Volume\n", 1, "malformed OHLCV header");
  ExpectError("Date,Close,Open,High,Low,Volume\n", 1, "malformed OHLCV header");
  ExpectError("Date,AA,,KO\n", 1, "header column 3: '' is not a valid ticker");
  ExpectError("Date,AA,a b\n", 1, "'a b' is not a valid ticker");
  ExpectError("Date,AA,KO,aa\n", 1, "ticker AA appears twice");
  auto no_ticker = ParseBarCsv("Date,Open,High,Low,Close,Volume\n", "x.csv", "");
  ASSERT_FALSE(no_ticker.ok());
  EXPECT_NE(no_ticker.status().message().find("x.csv:1: an OHLCV file holds one ticker"),
            std::string::npos)
      << no_ticker.status().message();
}

constexpr std::string_view kHeader = "Date,Open,High,Low,Close,Volume\n";
constexpr std::string_view kGoodRow = "2020-01-02,10,11,9,10.5,100\n";

std::string Ohlcv(std::string_view bad_row) {
  return std::string(kHeader) + std::string(kGoodRow) + std::string(bad_row);
}

TEST(BarCsvTest, OhlcvRowErrorsNameTheLine) {
  ExpectError(Ohlcv("2020-01-03,10,11,9,abc,100\n"), 3, "column Close: 'abc' is not a number");
  ExpectError(Ohlcv("2020-01-03,10,11,9,10.5x,100\n"), 3, "'10.5x' is not a number");
  ExpectError(Ohlcv("2020-01-03,10,11,9,nan,100\n"), 3, "'nan' is not a number");
  ExpectError(Ohlcv("2020-01-03,10,inf,9,10,100\n"), 3, "column High: 'inf' is not a number");
  ExpectError(Ohlcv("2020-01-03,10,11,9,10.5\n"), 3, "missing column 'Volume'");
  ExpectError(Ohlcv("2020-01-03\n"), 3, "missing column 'Open'");
  ExpectError(Ohlcv("2020-01-03,10,11,9,10.5,100,7\n"), 3, "extra field '7'");
  ExpectError(Ohlcv("2020-01-03,,11,9,10.5,100\n"), 3, "column Open is empty");
  ExpectError(Ohlcv("2020-01-03,10,11,0,10.5,100\n"), 3, "column Low: price must be > 0");
  ExpectError(Ohlcv("2020-01-03,10,11,9,-1,100\n"), 3, "column Close: price must be > 0");
  ExpectError(Ohlcv("2020-01-03,10,11,9,10,-5\n"), 3, "volume must be >= 0");
  ExpectError(Ohlcv("2020-01-03,10,9,11,10,100\n"), 3, "high 9 is below low 11");
}

TEST(BarCsvTest, DateErrorsNameTheLine) {
  ExpectError(Ohlcv("03/01/2020,10,11,9,10.5,100\n"), 3, "'03/01/2020' is not a valid YYYY-MM-DD");
  ExpectError(Ohlcv("2020-1-3,10,11,9,10.5,100\n"), 3, "'2020-1-3' is not a valid");
  ExpectError(Ohlcv("2020-02-30,10,11,9,10.5,100\n"), 3, "'2020-02-30' is not a valid");
  ExpectError(Ohlcv("2020-01-03T00:00:00Z,10,11,9,10.5,100\n"), 3, "is not a valid YYYY-MM-DD");
  ExpectError(Ohlcv(",10,11,9,10.5,100\n"), 3, "date '' is not a valid");
  ExpectError(Ohlcv("2020-01-02,10,11,9,10.5,100\n"), 3,
              "date 2020-01-02 does not come after the previous row's 2020-01-02");
  ExpectError(Ohlcv("2019-12-31,10,11,9,10.5,100\n"), 3, "dates must be strictly ascending");
}

TEST(BarCsvTest, ErrorLineCountsBlankLines) {
  ExpectError(std::string(kHeader) + "\n\n" + std::string(kGoodRow) + "2020-01-03,x,1,1,1,1\n", 5,
              "'x' is not a number");
}

TEST(BarCsvTest, WideRowErrorsNameTheLineAndTicker) {
  const std::string head = "Date,AA,KO\n1991-01-02,5.9,9.8\n";
  ExpectError(head + "1991-01-03,5.9,abc\n", 3, "column KO: 'abc' is not a number");
  ExpectError(head + "1991-01-03,0,9.8\n", 3, "column AA: price must be > 0");
  ExpectError(head + "1991-01-03,5.9\n", 3, "missing column 'KO'");
  ExpectError(head + "1991-01-03,5.9,9.8,1\n", 3, "extra field '1'");
  ExpectError(head + "1991-01-01,5.9,9.8\n", 3, "dates must be strictly ascending");
  ExpectError(head + "1991-13-01,5.9,9.8\n", 3, "'1991-13-01' is not a valid");
}

}  // namespace
}  // namespace sigflow
