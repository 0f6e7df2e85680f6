#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "bus/embedded/embedded_log.h"
#include "core/signal_codec.h"
#include "generators/generator_registry.h"
#include "generators/generator_runner.h"
#include "generators/mock_generator.h"
#include "generators/watchlist.h"
#include "testing/temp_dir.h"

namespace sigflow {
namespace {

using testing::TempDir;

std::unique_ptr<SignalGenerator> Mock(const nlohmann::json& config) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  auto gen = registry.Create("mock", config);
  EXPECT_TRUE(gen.ok()) << gen.status().ToString();
  return gen.ok() ? std::move(gen).value() : nullptr;
}

TEST(MockGeneratorTest, ProbabilityOneEmitsOneSignalPerTickerWithAllowedBias) {
  auto gen = Mock({{"tickers", {"AAPL", "MSFT"}},
                   {"emission_probability", 1.0},
                   {"bias_options", {"BULLISH"}},
                   {"seed", 7}});
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(1733875200000, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  std::set<std::string> ids;
  for (const auto& s : out) {
    ids.insert(s.signal_id);
    EXPECT_EQ(s.timestamp_ms, 1733875200000);
    EXPECT_EQ(s.signal_type, "mock");
    EXPECT_EQ(s.source, "mock_generator");
    ASSERT_EQ(s.tickers.size(), 1u);
    EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
    ASSERT_TRUE(s.tickers[0].confidence.has_value());
    EXPECT_GE(*s.tickers[0].confidence, 0.5);
    EXPECT_LE(*s.tickers[0].confidence, 0.95);
  }
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(out[0].tickers[0].ticker, "AAPL");
  EXPECT_EQ(out[1].tickers[0].ticker, "MSFT");
}

TEST(MockGeneratorTest, ProbabilityZeroEmitsNothing) {
  auto gen = Mock({{"tickers", {"AAPL"}}, {"emission_probability", 0.0}});
  std::vector<Signal> out;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(gen->Generate(0, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(MockGeneratorTest, EmissionRateFollowsProbability) {
  auto gen = Mock({{"tickers", {"AAPL"}}, {"emission_probability", 0.25}, {"seed", 1}});
  std::vector<Signal> out;
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(gen->Generate(0, &out).ok());
  EXPECT_NEAR(static_cast<double>(out.size()) / 4000.0, 0.25, 0.03);
}

TEST(MockGeneratorTest, GeneratedSignalsPassTheDecoder) {
  auto gen = Mock({{"tickers", {"AAPL", "BRK.B"}}, {"emission_probability", 1.0}});
  std::vector<Signal> out;
  ASSERT_TRUE(gen->Generate(1733875200000, &out).ok());
  SignalDecoder decoder;
  for (const auto& s : out) {
    Signal decoded;
    DecodeError error;
    ASSERT_TRUE(decoder.Decode(EncodeSignal(s), &decoded, &error)) << error.message;
    EXPECT_EQ(decoded.signal_id, s.signal_id);
  }
}

TEST(MockGeneratorTest, BadConfigNamesTheKey) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  auto bad_prob = registry.Create("mock", {{"tickers", {"AAPL"}}, {"emission_probability", 2}});
  ASSERT_FALSE(bad_prob.ok());
  EXPECT_NE(bad_prob.status().message().find("emission_probability"), std::string::npos);
  auto bad_bias = registry.Create("mock", {{"tickers", {"AAPL"}}, {"bias_options", {"UP"}}});
  ASSERT_FALSE(bad_bias.ok());
  EXPECT_NE(bad_bias.status().message().find("bias_options"), std::string::npos);
  auto unknown_key = registry.Create("mock", {{"tickers", {"AAPL"}}, {"colour", "red"}});
  ASSERT_FALSE(unknown_key.ok());
  EXPECT_NE(unknown_key.status().message().find("colour"), std::string::npos);
  auto no_tickers = registry.Create("mock", nlohmann::json::object());
  EXPECT_FALSE(no_tickers.ok());
  auto unknown = registry.Create("astrology", nlohmann::json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("mock"), std::string::npos);
}

TEST(WatchlistTest, LoadsSeedFormatAndNormalises) {
  TempDir dir("sigflow-gen-");
  const std::string path = dir.File("watchlist.json");
  std::ofstream(path) << R"({"version": "1.0", "description": "test",
                            "tickers": ["AAPL", "msft", "AAPL", "BRK.B"]})";
  auto wl = LoadWatchlist(path);
  ASSERT_TRUE(wl.ok()) << wl.status().ToString();
  EXPECT_EQ(wl->version, "1.0");
  EXPECT_EQ(wl->tickers, (std::vector<std::string>{"AAPL", "MSFT", "BRK.B"}));
}

TEST(WatchlistTest, ErrorsNameFileAndKey) {
  TempDir dir("sigflow-gen-");
  auto missing = LoadWatchlist(dir.File("nope.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "not_found");
  EXPECT_NE(missing.status().message().find("nope.json"), std::string::npos);

  std::ofstream(dir.File("bad.json")) << "{not json";
  EXPECT_EQ(LoadWatchlist(dir.File("bad.json")).status().code(), "invalid_argument");

  std::ofstream(dir.File("nolist.json")) << R"({"tickers": "AAPL"})";
  auto nolist = LoadWatchlist(dir.File("nolist.json"));
  ASSERT_FALSE(nolist.ok());
  EXPECT_NE(nolist.status().message().find("tickers"), std::string::npos);

  std::ofstream(dir.File("badsym.json")) << R"({"tickers": ["AA PL"]})";
  EXPECT_FALSE(LoadWatchlist(dir.File("badsym.json")).ok());
  std::ofstream(dir.File("empty.json")) << R"({"tickers": []})";
  EXPECT_FALSE(LoadWatchlist(dir.File("empty.json")).ok());
}

TEST(GeneratorRunnerTest, PublishesEveryGeneratedSignalToTheBus) {
  TempDir dir("sigflow-gen-");
  const std::string db = dir.File("bus.db");
  auto producer = OpenEmbeddedProducer(db, kDefaultSignalTopic);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto consumer = OpenEmbeddedConsumer(db, kDefaultSignalTopic, "test", OffsetReset::kEarliest);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Mock({{"tickers", {"AAPL", "MSFT", "NVDA"}}, {"emission_probability", 1.0}}));
  GeneratorRunner runner(std::move(gens), producer->get());
  runner.TickAll();
  runner.TickAll();
  EXPECT_EQ(runner.probe().signals_published_total.load(), 6u);
  std::vector<BusRecord> records;
  ASSERT_TRUE((*consumer)->Poll(100, std::chrono::milliseconds(100), &records).ok());
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].key, "AAPL");
  EXPECT_EQ(records[1].key, "MSFT");
}

TEST(GeneratorRunnerTest, RunsOnItsIntervalUntilStopped) {
  TempDir dir("sigflow-gen-");
  const std::string db = dir.File("bus.db");
  auto producer = OpenEmbeddedProducer(db, kDefaultSignalTopic);
  ASSERT_TRUE(producer.ok());
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(
      Mock({{"tickers", {"AAPL"}}, {"emission_probability", 1.0}, {"interval_seconds", 0.05}}));
  GeneratorRunner runner(std::move(gens), producer->get());
  runner.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  runner.Stop();
  const auto published = runner.probe().signals_published_total.load();
  EXPECT_GE(published, 3u);   // ~8 ticks expected; generous for a loaded machine
  EXPECT_LE(published, 10u);  // but never faster than the interval
}

}  // namespace
}  // namespace sigflow
