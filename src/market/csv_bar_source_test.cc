// CsvBarSource on the real bundled files and on small crafted ones: format detection, ticker
// naming, queries, and file errors.
#include "market/csv_bar_source.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace sigflow {
namespace {

std::string DataFile(const std::string& name) { return std::string(SIGFLOW_DATA_DIR) + "/" + name; }

TEST(CsvBarSourceTest, ReadsTheSp500File) {
  auto source = CsvBarSource::Open(DataFile("sp500_2000_2020_daily.csv"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const CsvBarSource& s = **source;
  EXPECT_EQ(s.format(), BarCsvFormat::kOhlcv);
  EXPECT_EQ(s.Tickers(), std::vector<std::string>{"SP500"});
  ASSERT_EQ(s.bars().size(), 5105u);
  EXPECT_EQ(FormatIso8601(s.bars().front().ts_ms), "2000-01-03T00:00:00Z");
  EXPECT_EQ(FormatIso8601(s.bars().back().ts_ms), "2020-04-17T00:00:00Z");
  EXPECT_DOUBLE_EQ(s.bars().back().close, 2874.560059);
}

TEST(CsvBarSourceTest, ReadsTheGoogleFileWithAGivenTicker) {
  auto source = CsvBarSource::Open(DataFile("goog_2004_2008_daily.csv"), {.ticker = "goog"});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Tickers(), std::vector<std::string>{"GOOG"});
  EXPECT_EQ((*source)->bars().size(), 1047u);
}

TEST(CsvBarSourceTest, ReadsTheDowWideFile) {
  auto source = CsvBarSource::Open(DataFile("dowjones30_1991_2001_close.csv"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const CsvBarSource& s = **source;
  EXPECT_EQ(s.format(), BarCsvFormat::kWideClose);
  ASSERT_EQ(s.Tickers().size(), 30u);
  EXPECT_EQ(s.Tickers().front(), "AA");
  EXPECT_EQ(s.Tickers().back(), "DIS");
  EXPECT_EQ(s.bars().size(), 2529u * 30);
  std::vector<Bar> msft;
  ASSERT_TRUE(s.Read({.ticker = "MSFT"}, &msft).ok());
  ASSERT_EQ(msft.size(), 2529u);
  for (size_t i = 1; i < msft.size(); ++i) ASSERT_LT(msft[i - 1].ts_ms, msft[i].ts_ms);
  EXPECT_FALSE(msft[0].has_ohlc);
  EXPECT_DOUBLE_EQ(msft.back().close, 43.38);
}

TEST(CsvBarSourceTest, TickerFromFileName) {
  EXPECT_EQ(TickerFromFileName("data/goog_2004_2008_daily.csv"), "GOOG");
  EXPECT_EQ(TickerFromFileName("SPY.csv"), "SPY");
  EXPECT_EQ(TickerFromFileName("a\\b\\msft"), "MSFT");
  EXPECT_EQ(TickerFromFileName("dir/_x.csv"), std::nullopt);
  EXPECT_EQ(TickerFromFileName("dir/a b.csv"), std::nullopt);
}

constexpr std::string_view kWide =
    "Date,AA,KO\n"
    "2020-01-02,1,10\n"
    "2020-01-03,,11\n"
    "2020-01-06,3,12\n"
    "2020-01-07,4,\n";

TEST(CsvBarSourceTest, ReadQueriesByTickerAndInclusiveRange) {
  auto source = CsvBarSource::FromText(kWide, "wide.csv");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const int64_t jan3 = *ParseIso8601("2020-01-03"), jan6 = *ParseIso8601("2020-01-06");
  std::vector<Bar> bars;
  ASSERT_TRUE((*source)->Read({.ticker = "", .from_ms = jan3, .to_ms = jan6}, &bars).ok());
  ASSERT_EQ(bars.size(), 3u);  // KO 3rd, AA 6th, KO 6th: time order, then column order
  EXPECT_EQ(bars[0].ticker, "KO");
  EXPECT_EQ(bars[1].ticker, "AA");
  EXPECT_EQ(bars[2].ticker, "KO");
  bars.clear();
  ASSERT_TRUE((*source)->Read({.ticker = "aa", .from_ms = jan3}, &bars).ok());
  ASSERT_EQ(bars.size(), 2u);  // the gap on the 3rd is no bar
  EXPECT_DOUBLE_EQ(bars[0].close, 3);
  EXPECT_DOUBLE_EQ(bars[1].close, 4);
  bars.clear();
  ASSERT_TRUE((*source)->Read({.ticker = "KO", .from_ms = jan6, .to_ms = jan3}, &bars).ok());
  EXPECT_TRUE(bars.empty());
}

TEST(CsvBarSourceTest, UnknownTickerIsNotFoundAndEmptyColumnIsEmpty) {
  auto source = CsvBarSource::FromText("Date,AA,KO\n2020-01-02,1,\n", "wide.csv");
  ASSERT_TRUE(source.ok());
  std::vector<Bar> bars;
  EXPECT_EQ((*source)->Read({.ticker = "IBM"}, &bars).code(), "not_found");
  EXPECT_TRUE((*source)->Read({.ticker = "KO"}, &bars).ok());
  EXPECT_TRUE(bars.empty());
}

TEST(CsvBarSourceTest, MissingFileIsNotFound) {
  auto source = CsvBarSource::Open(DataFile("no_such_file.csv"));
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), "not_found");
  EXPECT_NE(source.status().message().find("no_such_file.csv"), std::string::npos);
}

TEST(CsvBarSourceTest, ParseErrorsCarryThePath) {
  auto source = CsvBarSource::FromText("Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,x,0\n",
                                       "dir/IBM_daily.csv");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), "bad_bar_data");
  EXPECT_EQ(source.status().message(), "dir/IBM_daily.csv:2: column Close: 'x' is not a number");
}

}  // namespace
}  // namespace sigflow
