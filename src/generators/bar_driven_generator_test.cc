// BarDrivenGenerator's contract: bar ordering, ticker filtering, bad bars, and live mode
// (Generate pulling from a BarSource with seed 004's lookback window).
#include "generators/bar_driven_generator.h"

#include <gtest/gtest.h>

#include "generators/generator_registry.h"

namespace sigflow {
namespace {

constexpr int64_t kDay = 86400000;

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

std::unique_ptr<BarDrivenGenerator> Make(const std::string& type, const nlohmann::json& config) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  auto gen = registry.Create(type, config);
  EXPECT_TRUE(gen.ok()) << gen.status().ToString();
  return std::unique_ptr<BarDrivenGenerator>(
      dynamic_cast<BarDrivenGenerator*>(std::move(gen).value().release()));
}

// SMA3/SMA5 golden cross on bar 8 (see bar_generators_test.cc).
const std::vector<double> kCloses = {10, 10, 10, 10, 10, 9, 8, 9, 12, 13};

void AddBars(FakeBarSource* source, const std::string& ticker, const std::vector<double>& closes) {
  for (size_t i = 0; i < closes.size(); ++i) {
    source->bars.push_back(CloseOnlyBar(ticker, static_cast<int64_t>(i) * kDay, closes[i]));
  }
}

TEST(BarDrivenGeneratorTest, RejectsOutOfOrderAndBadBarsWithoutChangingState) {
  auto gen = Make("golden_cross", {{"sma_short", 3}, {"sma_long", 5}});
  std::vector<Signal> out;
  ASSERT_TRUE(gen->OnBar(CloseOnlyBar("A", 5 * kDay, 10), &out).ok());
  Status s = gen->OnBar(CloseOnlyBar("A", 5 * kDay, 10), &out);
  EXPECT_EQ(s.code(), "out_of_order");
  EXPECT_NE(s.message().find("A bar at 1970-01-06T00:00:00Z does not come after"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(gen->OnBar(CloseOnlyBar("A", 4 * kDay, 10), &out).code(), "out_of_order");
  EXPECT_TRUE(gen->OnBar(CloseOnlyBar("B", 1 * kDay, 10), &out).ok());  // other ticker: own clock
  EXPECT_EQ(gen->OnBar(CloseOnlyBar("A", 6 * kDay, 0), &out).code(), "invalid_argument");
  EXPECT_EQ(gen->OnBar(Bar{"A", 6 * kDay, 10, 9, 11, 10, 0, true}, &out).code(),
            "invalid_argument");
  EXPECT_TRUE(gen->OnBar(CloseOnlyBar("A", 6 * kDay, 10), &out).ok());  // 6th day still accepted
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, InterleavedTickersKeepSeparateState) {
  auto gen = Make("golden_cross", {{"sma_short", 3}, {"sma_long", 5}});
  std::vector<Signal> out;
  for (size_t i = 0; i < kCloses.size(); ++i) {
    const int64_t ts = static_cast<int64_t>(i) * kDay;
    ASSERT_TRUE(gen->OnBar(CloseOnlyBar("AAA", ts, kCloses[i]), &out).ok());
    ASSERT_TRUE(gen->OnBar(CloseOnlyBar("BBB", ts, 100.0 - static_cast<double>(i)), &out).ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tickers[0].ticker, "AAA");
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDay);
}

TEST(BarDrivenGeneratorTest, IgnoresTickersOutsideTheWatchlist) {
  auto gen = Make("golden_cross", {{"sma_short", 3}, {"sma_long", 5}, {"tickers", {"AAA"}}});
  std::vector<Signal> out;
  for (size_t i = 0; i < kCloses.size(); ++i) {
    ASSERT_TRUE(
        gen->OnBar(CloseOnlyBar("ZZZ", static_cast<int64_t>(i) * kDay, kCloses[i]), &out).ok());
  }
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, GenerateNeedsASourceAndTickers) {
  auto gen = Make("golden_cross", {{"tickers", {"AAA"}}});
  std::vector<Signal> out;
  EXPECT_EQ(gen->Generate(10 * kDay, &out).code(), "failed_precondition");
  auto no_tickers = Make("golden_cross", nlohmann::json::object());
  no_tickers->SetBarSource(std::make_shared<FakeBarSource>());
  EXPECT_EQ(no_tickers->Generate(10 * kDay, &out).code(), "failed_precondition");
}

TEST(BarDrivenGeneratorTest, LiveReportsACrossWithinTheLookbackOnce) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);  // cross on bar 8 of bars 0..9
  auto gen = Make("golden_cross",
                  {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 2}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(9 * kDay + 1, &out).ok());
  ASSERT_EQ(out.size(), 1u);  // bar 8 is within the last 2 bars
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDay);
  out.clear();
  ASSERT_TRUE(gen->Generate(9 * kDay + 2, &out).ok());
  EXPECT_TRUE(out.empty());  // never twice
  source->bars.push_back(CloseOnlyBar("AAA", 10 * kDay, 14));
  ASSERT_TRUE(gen->Generate(10 * kDay, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(BarDrivenGeneratorTest, LiveDropsCrossesOlderThanTheLookback) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  auto gen = Make("golden_cross",
                  {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 1}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(20 * kDay, &out).ok());
  EXPECT_TRUE(out.empty());  // bar 8 is history once bar 9 is the latest
}

TEST(BarDrivenGeneratorTest, LiveReadsOnlyBarsUpToNowThenCatchesUp) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  auto gen = Make("golden_cross", {{"sma_short", 3}, {"sma_long", 5}, {"tickers", {"AAA"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(7 * kDay, &out).ok());  // bars 0..7: no cross yet
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(gen->Generate(8 * kDay, &out).ok());  // bar 8 arrives: the cross, live
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp_ms, 8 * kDay);
}

TEST(BarDrivenGeneratorTest, LiveSourceErrorForOneTickerDoesNotStopTheOthers) {
  auto source = std::make_shared<FakeBarSource>();
  AddBars(source.get(), "AAA", kCloses);
  AddBars(source.get(), "BBB", kCloses);
  source->failing = "AAA";
  auto gen =
      Make("golden_cross",
           {{"sma_short", 3}, {"sma_long", 5}, {"lookback_days", 5}, {"tickers", {"AAA", "BBB"}}});
  gen->SetBarSource(source);
  std::vector<Signal> out;
  Status s = gen->Generate(9 * kDay, &out);
  EXPECT_EQ(s.code(), "unavailable");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tickers[0].ticker, "BBB");
}

}  // namespace
}  // namespace sigflow
