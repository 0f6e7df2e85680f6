// BarDrivenGenerator's contract: bar ordering, ticker filtering, bad bars, and live mode
// (Generate pulling from a BarSource with seed 004's lookback window).
#include "generators/bar_driven_generator.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "generators/bar_generator_test_util.h"
#include "generators/generator_registry.h"

namespace sigflow {
namespace {

using testing_util::MakeBarGenerator;

// An in-memory BarSource whose bars can grow and whose reads can fail.
class FakeBarSource final : public BarSource {
 public:
  std::vector<std::string> Tickers() const override { return {}; }
  Status Read(const BarQuery& q, std::vector<Bar>* out) const override {
    ++reads;
    if (q.ticker == failing) return Status::Unavailable("feed down for " + q.ticker);
    for (const Bar& b : bars) {
      if (b.ticker == q.ticker && b.ts_ms >= q.from_ms && b.ts_ms <= q.to_ms) out->push_back(b);
    }
    return Status::Ok();
  }
  std::vector<Bar> bars;
  std::string failing;
  mutable int reads = 0;
};

// SMA3/SMA5 golden cross on bar 8 (see bar_generators_test.cc).
const std::vector<double> kCloses = {10, 10, 10, 10, 10, 9, 8, 9, 12, 13};

void AddBars(FakeBarSource* source, const std::string& ticker, const std::vector<double>& closes) {
  for (size_t i = 0; i < closes.size(); ++i) {
    source->bars.push_back(CloseOnlyBar(ticker, static_cast<int64_t>(i) * kDayMs, closes[i]));
  }
}

TEST(BarDrivenGeneratorTest, RejectsOutOfOrderAndBadBarsWithoutChangingState) {
  auto gen = MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}});
  std::vector<Signal> out;
  ASSERT_TRUE(gen->OnBar(CloseOnlyBar("A", 5 * kDayMs, 10), &out).ok());
  Status s = gen->OnBar(CloseOnlyBar("A", 5 * kDayMs, 10), &out);
  EXPECT_EQ(s.code(), "out_of_order");
  EXPECT_NE(s.message().find("A bar at 1970-01-06T00:00:00Z does not come after"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(gen->OnBar(CloseOnlyBar("A", 4 * kDayMs, 10), &out).code(), "out_of_order");
  EXPECT_TRUE(gen->OnBar(CloseOnlyBar("B", 1 * kDayMs, 10), &out).ok());  // other ticker: own clock
  EXPECT_EQ(gen->OnBar(CloseOnlyBar("A", 6 * kDayMs, 0), &out).code(), "invalid_argument");
  EXPECT_EQ(gen->OnBar(Bar{"A", 6 * kDayMs, 10, 9, 11, 10, 0, true}, &out).code(),
            "invalid_argument");
  EXPECT_TRUE(gen->OnBar(CloseOnlyBar("A", 6 * kDayMs, 10), &out).ok());  // 6th day still accepted
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, InterleavedTickersKeepSeparateState) {
  auto gen = MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}});
  std::vector<Signal> out;
  for (size_t i = 0; i < kCloses.size(); ++i) {
    const int64_t ts = static_cast<int64_t>(i) * kDayMs;
    ASSERT_TRUE(gen->OnBar(CloseOnlyBar("AAA", ts, kCloses[i]), &out).ok());
    ASSERT_TRUE(gen->OnBar(CloseOnlyBar("BBB", ts, 100.0 - static_cast<double>(i)), &out).ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tickers[0].ticker, "AAA");
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDayMs);
}

TEST(BarDrivenGeneratorTest, IgnoresTickersOutsideTheWatchlist) {
  auto gen =
      MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}, {"tickers", {"AAA"}}});
  std::vector<Signal> out;
  for (size_t i = 0; i < kCloses.size(); ++i) {
    ASSERT_TRUE(
        gen->OnBar(CloseOnlyBar("ZZZ", static_cast<int64_t>(i) * kDayMs, kCloses[i]), &out).ok());
  }
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, GenerateNeedsASourceAndTickers) {
  auto gen = MakeBarGenerator("golden_cross", {{"tickers", {"AAA"}}});
  std::vector<Signal> out;
  EXPECT_EQ(gen->Generate(10 * kDayMs, &out).code(), "failed_precondition");
  auto no_tickers = MakeBarGenerator("golden_cross", nlohmann::json::object());
  no_tickers->SetBarSource(std::make_shared<FakeBarSource>());
  EXPECT_EQ(no_tickers->Generate(10 * kDayMs, &out).code(), "failed_precondition");
}

TEST(BarDrivenGeneratorTest, LiveReportsACrossWithinTheLookbackOnce) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);  // cross on bar 8 of bars 0..9
  auto gen = MakeBarGenerator(
      "golden_cross",
      {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 2}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(9 * kDayMs + 1, &out).ok());
  ASSERT_EQ(out.size(), 1u);  // bar 8 is within the last 2 bars
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDayMs);
  out.clear();
  ASSERT_TRUE(gen->Generate(9 * kDayMs + 2, &out).ok());
  EXPECT_TRUE(out.empty());  // never twice
  source->bars.push_back(CloseOnlyBar("AAA", 10 * kDayMs, 14));
  ASSERT_TRUE(gen->Generate(10 * kDayMs, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, LiveDropsCrossesOlderThanTheLookback) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  auto gen = MakeBarGenerator(
      "golden_cross",
      {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 1}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(20 * kDayMs, &out).ok());
  EXPECT_TRUE(out.empty());  // bar 8 is history once bar 9 is the latest
}

TEST(BarDrivenGeneratorTest, LiveReadsOnlyBarsUpToNowThenCatchesUp) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  auto gen =
      MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(7 * kDayMs, &out).ok());  // bars 0..7: no cross yet
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(gen->Generate(8 * kDayMs, &out).ok());  // bar 8 arrives: the cross, live
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDayMs);
}

TEST(BarDrivenGeneratorTest, LiveSourceErrorForOneTickerDoesNotStopTheOthers) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  AddBars(source.get(), "BBB", kCloses);
  source->failing = "AAA";
  auto gen = MakeBarGenerator(
      "golden_cross",
      {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 5}, {"tickers", {"AAA", "BBB"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  Status s = gen->Generate(9 * kDayMs, &out);
  EXPECT_EQ(s.code(), "unavailable");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tickers[0].ticker, "BBB");
}

}  // namespace
}  // namespace sigflow
