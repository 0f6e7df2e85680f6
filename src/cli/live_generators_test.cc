// Live bar-driven generators over a store: a bar appended between ticks is evaluated on the next
// tick, its cross is emitted exactly once, a ticker without bars is warned about once, and
// BuildLiveGenerators/Settings wire names and intervals as documented.
#include "cli/live_generators.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <thread>

#include "cli/bar_refresh.h"
#include "cli/settings.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "generators/bar_driven_generator.h"
#include "generators/generator_registry.h"
#include "generators/generator_runner.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;

const int64_t kFirstDayMs = *ParseIso8601("2024-01-01");
// Declining closes keep SMA2 below SMA4; the 6th close (12) lifts SMA2 to 9 over SMA4's 8.25,
// after 6.5 <= 7.5 on the 5th bar: a golden cross on exactly the 6th bar.
const double kCloses[] = {10, 9, 8, 7, 6, 12, 13};

Bar DayBar(const std::string& ticker, int day) {
  return CloseOnlyBar(ticker, kFirstDayMs + day * kDayMs, kCloses[day]);
}

class LiveGeneratorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.File("store.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    market_ = MarketStoreOf(store_.get());
    ASSERT_NE(market_, nullptr);
    source_ = std::make_shared<MarketStoreBarSource>(market_);
  }

  void Append(const std::string& ticker, int from_day, int to_day) {
    std::vector<Bar> bars;
    for (int d = from_day; d <= to_day; ++d) bars.push_back(DayBar(ticker, d));
    auto written = market_->UpsertBars(bars);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }

  std::unique_ptr<SignalGenerator> Golden(double interval_seconds = 300) {
    GeneratorRegistry registry;
    RegisterBuiltinGenerators(&registry);
    auto gen = registry.Create("golden_cross", {{"tickers", {"AAPL"}},
                                                {"sma_short", 2},
                                                {"sma_long", 4},
                                                {"lookback_days", 1},
                                                {"interval_seconds", interval_seconds}});
    EXPECT_TRUE(gen.ok()) << gen.status().ToString();
    if (!gen.ok()) return nullptr;
    dynamic_cast<BarDrivenGenerator&>(**gen).SetBarSource(source_);
    return std::move(gen).value();
  }

  // Declared first, so the store closes before the directory is removed.
  const testing::TempDir dir_{"sigflow_live_"};
  std::unique_ptr<Store> store_;
  MarketStore* market_ = nullptr;
  std::shared_ptr<MarketStoreBarSource> source_;
};

const int64_t kNowMs = *ParseIso8601("2024-06-01");

TEST_F(LiveGeneratorsTest, ACrossOnABarAppendedBetweenTicksIsEmittedOnce) {
  auto gen = Golden();
  Append("AAPL", 0, 4);
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  EXPECT_TRUE(out.empty());  // warmed up, no cross yet

  Append("AAPL", 5, 5);
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].signal_type, "golden_cross");
  EXPECT_EQ(out[0].timestamp_ms, kFirstDayMs + 5 * kDayMs);
  EXPECT_EQ(out[0].tickers[0].ticker, "AAPL");
  const auto metadata = nlohmann::json::parse(out[0].metadata_json);
  EXPECT_DOUBLE_EQ(metadata["sma_short_value"].get<double>(), 9.0);
  EXPECT_DOUBLE_EQ(metadata["sma_long_value"].get<double>(), 8.25);
  EXPECT_DOUBLE_EQ(metadata["current_price"].get<double>(), 12.0);

  out.clear();
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());  // same bars: nothing new
  EXPECT_TRUE(out.empty());
  Append("AAPL", 6, 6);  // still above: no new cross
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(LiveGeneratorsTest, BarsAfterNowWaitForTheirTime) {
  auto gen = Golden();
  Append("AAPL", 0, 5);
  std::vector<Signal> out;
  // The clock stands at the 5th bar: the 6th (the cross) is not yet seen ...
  ASSERT_TRUE(gen->Generate(kFirstDayMs + 4 * kDayMs, &out).ok());
  EXPECT_TRUE(out.empty());
  // ... and is, once the clock reaches it.
  ASSERT_TRUE(gen->Generate(kFirstDayMs + 5 * kDayMs, &out).ok());
  EXPECT_EQ(out.size(), 1u);
}

// A producer that keeps what is published.
class CollectingProducer final : public BusProducer {
 public:
  Status Publish(std::string_view key, std::string_view payload) override {
    return PublishBatch({OutgoingRecord{key, payload}});
  }
  Status PublishBatch(const std::vector<OutgoingRecord>& records) override {
    std::lock_guard lock(mu_);
    for (const auto& r : records) payloads_.emplace_back(r.payload);
    return Status::Ok();
  }
  std::vector<std::string> payloads() const {
    std::lock_guard lock(mu_);
    return payloads_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> payloads_;
};

TEST_F(LiveGeneratorsTest, TheRunnerEmitsTheCrossOnceWhileTickingOn) {
  Append("AAPL", 0, 4);
  CollectingProducer producer;
  ManualClock clock(kNowMs);
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Golden(/*interval_seconds=*/0.03));
  GeneratorRunner runner(std::move(gens), &producer, &clock);
  runner.Start();
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_TRUE(producer.payloads().empty());
  const uint64_t ticks_before = runner.ticks(0);
  Append("AAPL", 5, 5);  // as `sigflow bars ingest` would, while the generator runs
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (producer.payloads().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  const uint64_t ticks_at_signal = runner.ticks(0);
  while (runner.ticks(0) < ticks_at_signal + 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  runner.Stop();
  EXPECT_GE(ticks_before, 2u);
  EXPECT_GE(runner.ticks(0), ticks_at_signal + 5);  // five more ticks over the same bars ...
  auto payloads = producer.payloads();
  ASSERT_EQ(payloads.size(), 1u);  // ... and still one signal
  auto signal = nlohmann::json::parse(payloads[0]);
  EXPECT_EQ(signal["signal_type"], "golden_cross");
  EXPECT_EQ(signal["timestamp"], "2024-01-06T00:00:00Z");
}

TEST_F(LiveGeneratorsTest, ATickerWithoutBarsIsWarnedAboutOnceAndSkipped) {
  Append("AAPL", 0, 5);
  LiveGeneratorOptions options;
  options.generators = {"golden_cross", "death_cross"};
  options.tickers = {"AAPL", "ZZZZ"};
  auto gens = BuildLiveGenerators(options, source_);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  ::testing::internal::CaptureStderr();
  for (int tick = 0; tick < 3; ++tick) {
    for (auto& g : *gens) {
      std::vector<Signal> out;
      EXPECT_TRUE(g->Generate(kNowMs, &out).ok());
    }
  }
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(source_->warned_tickers(), std::set<std::string>{"ZZZZ"});
  size_t warnings = 0;
  for (size_t at = logged.find("no_bars_for_ticker"); at != std::string::npos;
       at = logged.find("no_bars_for_ticker", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << logged;
  EXPECT_NE(logged.find("sigflow bars ingest FILE.csv --ticker ZZZZ"), std::string::npos) << logged;
  // The ticker's bars arriving later are picked up.
  std::vector<Bar> bars = {CloseOnlyBar("ZZZZ", kFirstDayMs, 5)};
  ASSERT_TRUE(market_->UpsertBars(bars).ok());
  std::vector<Bar> read;
  ASSERT_TRUE(source_->Read(BarQuery{"ZZZZ"}, &read).ok());
  EXPECT_EQ(read.size(), 1u);
}

TEST_F(LiveGeneratorsTest, BuildLiveGeneratorsAppliesNamesAndIntervals) {
  LiveGeneratorOptions options;
  options.generators = {"mock", "golden_cross", "price_level"};
  options.tickers = {"AAPL"};
  options.mock_interval = milliseconds(1500);
  options.intervals = {{"golden_cross", milliseconds(2000)}};
  auto gens = BuildLiveGenerators(options, source_);
  ASSERT_TRUE(gens.ok()) << gens.status().ToString();
  ASSERT_EQ(gens->size(), 3u);
  EXPECT_EQ((*gens)[0]->name(), "mock_generator");
  EXPECT_EQ((*gens)[0]->interval(), milliseconds(1500));
  EXPECT_EQ((*gens)[1]->name(), "golden_cross_generator");
  EXPECT_EQ((*gens)[1]->interval(), milliseconds(2000));
  EXPECT_EQ((*gens)[2]->interval(), milliseconds(300000));  // seed default

  options.generators = {"golden_crosss"};
  auto unknown = BuildLiveGenerators(options, source_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("known: "), std::string::npos);
  options.generators = {"mock", "mock"};
  EXPECT_FALSE(BuildLiveGenerators(options, source_).ok());
  options.generators = {"death_cross"};
  auto no_bars = BuildLiveGenerators(options, nullptr);
  ASSERT_FALSE(no_bars.ok());
  EXPECT_EQ(no_bars.status().code(), "failed_precondition");
  options.generators = {"mock"};
  EXPECT_TRUE(BuildLiveGenerators(options, nullptr).ok());  // the mock needs no bars
}

// A remote that serves fixed bars (honouring the query's range, as every BarSource must) and
// records what it was asked.
class FakeRemote final : public BarSource {
 public:
  std::vector<std::string> Tickers() const override { return {}; }
  Status Read(const BarQuery& query, std::vector<Bar>* out) const override {
    std::lock_guard lock(mu_);
    queries.push_back(query);
    for (const Bar& b : bars) {
      if (b.ticker == query.ticker && b.ts_ms >= query.from_ms && b.ts_ms <= query.to_ms) {
        out->push_back(b);
      }
    }
    return Status::Ok();
  }
  std::vector<Bar> bars;
  mutable std::vector<BarQuery> queries;

 private:
  mutable std::mutex mu_;
};

TEST_F(LiveGeneratorsTest, TheRefresherStoresNewBarsForTheNextGeneratorTick) {
  Append("AAPL", 0, 4);
  auto remote = std::make_shared<FakeRemote>();
  for (int d = 0; d <= 5; ++d) remote->bars.push_back(DayBar("AAPL", d));
  BarRefresher refresher(remote, market_, {"AAPL"}, milliseconds(1000));
  auto gen = Golden();
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  EXPECT_TRUE(out.empty());

  ASSERT_TRUE(refresher.Generate(kNowMs, &out).ok());
  EXPECT_TRUE(out.empty());  // the refresher emits no signals
  ASSERT_EQ(remote->queries.size(), 1u);
  // From the newest stored bar (fetched again, in case its day was still trading) to now.
  EXPECT_EQ(remote->queries[0].from_ms, kFirstDayMs + 4 * kDayMs);
  EXPECT_EQ(remote->queries[0].to_ms, kNowMs);
  auto latest = market_->LatestBar("AAPL");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->bar.ts_ms, kFirstDayMs + 5 * kDayMs);
  auto features = market_->LatestFeature("AAPL");
  ASSERT_TRUE(features.ok() && features->has_value());
  EXPECT_EQ((*features)->ts_ms, kFirstDayMs + 5 * kDayMs);

  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  ASSERT_EQ(out.size(), 1u);  // the generator's next tick finds the cross
  EXPECT_EQ(out[0].timestamp_ms, kFirstDayMs + 5 * kDayMs);
  ASSERT_TRUE(refresher.Generate(kNowMs, &out).ok());
  EXPECT_EQ(remote->queries.back().from_ms, kFirstDayMs + 5 * kDayMs);
  ASSERT_TRUE(gen->Generate(kNowMs, &out).ok());
  EXPECT_EQ(out.size(), 1u);  // nothing new
}

TEST(LiveGeneratorSettingsTest, GeneratorsAndIntervalsComeFromTheEnvironment) {
  auto defaults = LoadSettings({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->generators, (std::vector<std::string>{"mock", "golden_cross", "death_cross",
                                                            "volatility_breakout", "price_level"}));
  EXPECT_TRUE(defaults->generator_intervals.empty());

  setenv("SIGFLOW_GENERATORS", "golden_cross, price_level", 1);
  setenv("GOLDEN_CROSS_CHECK_INTERVAL_SECONDS", "0.5", 1);
  setenv("PRICE_LEVEL_CHECK_INTERVAL_SECONDS", "120", 1);
  auto s = LoadSettings({});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->generators, (std::vector<std::string>{"golden_cross", "price_level"}));
  EXPECT_EQ(s->generator_intervals.at("golden_cross"), milliseconds(500));
  EXPECT_EQ(s->generator_intervals.at("price_level"), milliseconds(120000));
  EXPECT_EQ(s->generator_intervals.count("death_cross"), 0u);

  setenv("DEATH_CROSS_CHECK_INTERVAL_SECONDS", "soon", 1);
  setenv("SIGFLOW_GENERATORS", ",", 1);
  auto bad = LoadSettings({});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("DEATH_CROSS_CHECK_INTERVAL_SECONDS"), std::string::npos);
  EXPECT_NE(bad.status().message().find("SIGFLOW_GENERATORS"), std::string::npos);
  for (const char* name :
       {"SIGFLOW_GENERATORS", "GOLDEN_CROSS_CHECK_INTERVAL_SECONDS",
        "PRICE_LEVEL_CHECK_INTERVAL_SECONDS", "DEATH_CROSS_CHECK_INTERVAL_SECONDS"}) {
    unsetenv(name);
  }
}

}  // namespace
}  // namespace sigflow
