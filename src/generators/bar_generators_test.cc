// Each bar-driven generator on a crafted series where the signal falls on a known bar; the
// signals' seed format; the registry and config checking.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "core/signal_codec.h"
#include "core/time_format.h"
#include "generators/bar_driven_generator.h"
#include "generators/bar_generator_test_util.h"
#include "generators/bar_signal.h"
#include "generators/generator_registry.h"

namespace sigflow {
namespace {

using testing_util::MakeBarGenerator;

constexpr int64_t kJan2_2020 = 1577923200000;  // 2020-01-02T00:00:00Z

// Feeds close-only bars on consecutive days; returns (bar index, signal) pairs.
std::vector<std::pair<int, Signal>> Feed(BarDrivenGenerator* gen, const std::vector<double>& closes,
                                         const std::string& ticker = "TEST") {
  std::vector<std::pair<int, Signal>> got;
  for (size_t i = 0; i < closes.size(); ++i) {
    std::vector<Signal> out;
    EXPECT_TRUE(
        gen->OnBar(CloseOnlyBar(ticker, kJan2_2020 + static_cast<int64_t>(i) * kDayMs, closes[i]),
                   &out)
            .ok());
    for (auto& s : out) got.emplace_back(static_cast<int>(i), std::move(s));
  }
  return got;
}

nlohmann::json Meta(const Signal& s) { return nlohmann::json::parse(s.metadata_json); }

// SMA3 / SMA5 over these closes: equal (10) at bar 4; 9.67 < 9.80 at bar 5 (death cross);
// 8.67 <= 9.20 at bar 7 then 9.67 > 9.60 at bar 8 (golden cross).
const std::vector<double> kSmallCross = {10, 10, 10, 10, 10, 9, 8, 9, 12, 13};

TEST(GoldenCrossTest, FiresOnTheCrossingBarWithCheckableReasoning) {
  auto gen = MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}});
  auto got = Feed(gen.get(), kSmallCross);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 8);
  const Signal& s = got[0].second;
  EXPECT_EQ(s.signal_type, "golden_cross");
  EXPECT_EQ(s.source, "golden_cross_generator");
  EXPECT_EQ(s.timestamp_ms, kJan2_2020 + 8 * kDayMs);
  ASSERT_EQ(s.tickers.size(), 1u);
  EXPECT_EQ(s.tickers[0].ticker, "TEST");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(s.tickers[0].confidence, 0.85);
  EXPECT_EQ(s.tickers[0].reasoning,
            "3-day SMA crossed above 5-day SMA on 2020-01-10: SMA3 9.67 > SMA5 9.60, after 8.67 "
            "<= 9.20 on 2020-01-09; close 12.00");
  auto meta = Meta(s);
  EXPECT_EQ(meta["sma_short"], 3);
  EXPECT_EQ(meta["sma_long"], 5);
  EXPECT_EQ(meta["timeframe"], "D");
  EXPECT_EQ(meta["lookback_days"], 5);
  EXPECT_NEAR(meta["sma_short_value"].get<double>(), 29.0 / 3, 1e-12);
  EXPECT_NEAR(meta["sma_long_value"].get<double>(), 9.6, 1e-12);
  EXPECT_NEAR(meta["prev_sma_short_value"].get<double>(), 26.0 / 3, 1e-12);
  EXPECT_NEAR(meta["prev_sma_long_value"].get<double>(), 9.2, 1e-12);
  EXPECT_EQ(meta["current_price"], 12.0);
  EXPECT_EQ(meta["bar_date"], "2020-01-10");
}

TEST(DeathCrossTest, FiresOnTheCrossingBarAsTheMirror) {
  auto gen =
      MakeBarGenerator("death_cross", {{"sma_short", 3}, {"sma_long", 5}, {"confidence", 0.6}});
  auto got = Feed(gen.get(), kSmallCross);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 5);  // leaving the touch at bar 4 downwards
  const Signal& s = got[0].second;
  EXPECT_EQ(s.signal_type, "death_cross");
  EXPECT_EQ(s.source, "death_cross_generator");
  EXPECT_EQ(s.tickers[0].bias, Bias::kBearish);
  EXPECT_EQ(s.tickers[0].confidence, 0.6);
  EXPECT_NE(s.tickers[0].reasoning.find("crossed below 5-day SMA on 2020-01-07: SMA3 9.67 < SMA5 "
                                        "9.80, after 10.00 >= 10.00"),
            std::string::npos)
      << s.tickers[0].reasoning;
}

// Seed defaults (50/200): 300 flat bars, then a jump. The SMAs are equal until bar 300, where the
// short one moves above (golden) or below (death) first.
TEST(SmaCrossGeneratorTest, DefaultPeriodsCrossExactlyWhereTheJumpIs) {
  std::vector<double> up(300, 100.0), down(300, 100.0);
  for (int i = 0; i < 20; ++i) {
    up.push_back(110);
    down.push_back(90);
  }
  auto golden = MakeBarGenerator("golden_cross", nlohmann::json::object());
  auto death = MakeBarGenerator("death_cross", nlohmann::json::object());
  auto g = Feed(golden.get(), up);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].first, 300);
  EXPECT_TRUE(Feed(death.get(), up).empty());
  auto d = Feed(MakeBarGenerator("death_cross", nlohmann::json::object()).get(), down);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].first, 300);
}

// A decline then a recovery: the golden cross bar found by a direct computation.
TEST(SmaCrossGeneratorTest, VShapeCrossMatchesDirectComputation) {
  std::vector<double> closes;
  for (int i = 0; i < 400; ++i) closes.push_back(i < 250 ? 300.0 - i : 50.0 + 2.0 * (i - 250));
  auto sma = [&closes](int end, int n) {
    double sum = 0;
    for (int j = end - n + 1; j <= end; ++j) sum += closes[static_cast<size_t>(j)];
    return sum / n;
  };
  int want = -1;
  for (int t = 200; t < 400 && want < 0; ++t) {
    if (sma(t - 1, 50) <= sma(t - 1, 200) && sma(t, 50) > sma(t, 200)) want = t;
  }
  ASSERT_GT(want, 250);
  auto got = Feed(MakeBarGenerator("golden_cross", nlohmann::json::object()).get(), closes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, want);
}

// ATR(3) of these closes: TRs 1,1,1,1 -> ATR 1 at bars 3 and 4; bar 5 moves +3 > 2 x 1;
// ATR(5) = 5/3, bar 6 moves -1; ATR(6) = 13/9, bar 7 moves -3 > 2.89; ATR(7) = 53/27, bar 8 flat.
TEST(VolatilityBreakoutTest, FiresOnMovesBeyondKTimesThePreviousAtr) {
  auto gen = MakeBarGenerator("volatility_breakout", {{"atr_period", 3}, {"atr_multiple", 2.0}});
  auto got = Feed(gen.get(), {100, 101, 100, 101, 100, 103, 102, 99, 99});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, 5);
  EXPECT_EQ(got[0].second.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(got[0].second.tickers[0].reasoning,
            "Close 103.00 on 2020-01-07 is up 3.00 (3.00%) from 100.00: 3.00x the 3-bar ATR of "
            "1.00 (threshold 2.0x = 2.00)");
  auto meta = Meta(got[0].second);
  EXPECT_DOUBLE_EQ(meta["atr"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(meta["move"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(meta["prev_close"].get<double>(), 100.0);
  EXPECT_EQ(meta["current_price"], 103.0);
  EXPECT_EQ(got[1].first, 7);
  EXPECT_EQ(got[1].second.tickers[0].bias, Bias::kBearish);
  EXPECT_NEAR(Meta(got[1].second)["atr"].get<double>(), 13.0 / 9, 1e-12);
  EXPECT_EQ(got[1].second.source, "volatility_breakout_generator");
}

TEST(VolatilityBreakoutTest, AMoveOfExactlyKAtrsIsNotABreakout) {
  auto gen = MakeBarGenerator("volatility_breakout", {{"atr_period", 2}, {"atr_multiple", 2.0}});
  EXPECT_TRUE(Feed(gen.get(), {100, 101, 102, 104}).empty());  // ATR 1, move 2
}

TEST(VolatilityBreakoutTest, AnyMoveAfterAFlatStretchBreaksOut) {
  auto gen = MakeBarGenerator("volatility_breakout", {{"atr_period", 2}});
  auto got = Feed(gen.get(), {50, 50, 50, 50, 50.5});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 4);
  EXPECT_NE(got[0].second.tickers[0].reasoning.find("the 2-bar ATR was 0.00"), std::string::npos)
      << got[0].second.tickers[0].reasoning;
  EXPECT_TRUE(Meta(got[0].second)["move_atr"].is_null());
}

// Levels over the previous 3 closes: bar 3 breaks 12 (up), bar 4 continues (no new signal),
// bar 6 breaks 14 again after falling back, bar 7 breaks support 13.5, bar 8 continues down.
TEST(PriceLevelTest, FiresOnTheBarThatBreaksTheLevelOnly) {
  auto gen = MakeBarGenerator("price_level", {{"lookback_bars", 3}});
  auto got = Feed(gen.get(), {10, 11, 12, 13, 14, 13.5, 14.5, 11, 10});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].first, 3);
  EXPECT_EQ(got[0].second.tickers[0].bias, Bias::kBullish);
  EXPECT_EQ(got[0].second.tickers[0].reasoning,
            "Close 13.00 on 2020-01-05 broke above resistance 12.00, the highest high of the "
            "previous 3 bars (previous close 12.00)");
  EXPECT_EQ(got[1].first, 6);
  EXPECT_EQ(got[2].first, 7);
  EXPECT_EQ(got[2].second.tickers[0].bias, Bias::kBearish);
  auto meta = Meta(got[2].second);
  EXPECT_EQ(meta["level"], "support");
  EXPECT_EQ(meta["level_price"], 13.5);
  EXPECT_EQ(meta["lookback_bars"], 3);
}

TEST(PriceLevelTest, OhlcBarsMustCloseAboveThePreviousHighs) {
  auto gen = MakeBarGenerator("price_level", {{"lookback_bars", 3}});
  const Bar bars[] = {{"X", 0, 10, 12, 9, 10, 1, true},
                      {"X", kDayMs, 11, 12, 10, 11, 1, true},
                      {"X", 2 * kDayMs, 11, 13, 10, 11.5, 1, true},
                      {"X", 3 * kDayMs, 12, 12.8, 11, 12.5, 1, true},  // above closes, not highs
                      {"X", 4 * kDayMs, 12.5, 13.5, 12, 13.2, 1, true}};
  std::vector<Signal> out;
  for (const Bar& b : bars) ASSERT_TRUE(gen->OnBar(b, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp_ms, 4 * kDayMs);
  EXPECT_EQ(Meta(out[0])["resistance"], 13.0);
}

TEST(BarSignalTest, SignalsRoundTripThroughTheSeedCodecWithDeterministicIds) {
  auto a = Feed(MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}}).get(),
                kSmallCross);
  auto b = Feed(MakeBarGenerator("golden_cross", {{"sma_short", 3}, {"sma_long", 5}}).get(),
                kSmallCross);
  auto c = Feed(MakeBarGenerator("golden_cross", {{"sma_short", 2}, {"sma_long", 5}}).get(),
                kSmallCross);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].second.signal_id, b[0].second.signal_id);
  ASSERT_FALSE(c.empty());
  EXPECT_NE(a[0].second.signal_id, c[0].second.signal_id);  // other parameters, other id
  EXPECT_TRUE(std::regex_match(a[0].second.signal_id,
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << a[0].second.signal_id;
  EXPECT_NE(BarSignalId("s", "v", "AAPL", 1), BarSignalId("s", "v", "AAPL", 2));
  EXPECT_NE(BarSignalId("s", "v", "AAPL", 1), BarSignalId("s", "v", "MSFT", 1));

  const std::string json = EncodeSignal(a[0].second);
  SignalDecoder decoder;
  Signal decoded;
  DecodeError error;
  ASSERT_TRUE(decoder.Decode(json, &decoded, &error)) << error.message << "\n" << json;
  EXPECT_EQ(decoded.signal_id, a[0].second.signal_id);
  EXPECT_EQ(decoded.timestamp_ms, a[0].second.timestamp_ms);
  EXPECT_EQ(decoded.tickers[0].reasoning, a[0].second.tickers[0].reasoning);
  EXPECT_EQ(Meta(decoded)["current_price"], 12.0);
}

TEST(BarGeneratorRegistryTest, EveryGeneratorIsRegisteredWithSeedDefaults) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  for (const char* type : {"golden_cross", "death_cross", "volatility_breakout", "price_level"}) {
    auto gen = registry.Create(type, {{"tickers", {"aapl", "MSFT", "AAPL"}}});
    ASSERT_TRUE(gen.ok()) << type << ": " << gen.status().ToString();
    EXPECT_EQ((*gen)->interval(), std::chrono::seconds(300)) << type;
    auto* bar_gen = dynamic_cast<BarDrivenGenerator*>(gen->get());
    ASSERT_NE(bar_gen, nullptr);
    EXPECT_EQ(bar_gen->tickers(), (std::vector<std::string>{"AAPL", "MSFT"}));
  }
}

TEST(BarGeneratorRegistryTest, ConfigErrorsAreAllReportedAtOnce) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  auto gen = registry.Create("golden_cross", {{"sma_short", 0},
                                              {"timeframe", "W"},
                                              {"confidence", 85},
                                              {"sma_shrot", 20},
                                              {"tickers", {"AAPL", "not a ticker"}}});
  ASSERT_FALSE(gen.ok());
  EXPECT_EQ(gen.status().code(), "invalid_argument");
  for (const char* part : {"golden_cross.sma_short: expected an integer in [1, 1000], got 0",
                           "golden_cross.timeframe: expected one of [\"D\"], got \"W\"",
                           "golden_cross.confidence: expected a number in [0.0, 1.0], got 85",
                           "golden_cross: unknown config key 'sma_shrot'",
                           "golden_cross.tickers: \"not a ticker\" is not a valid ticker"}) {
    EXPECT_NE(gen.status().message().find(part), std::string::npos)
        << part << "\n in: " << gen.status().message();
  }
  auto order = registry.Create("death_cross", {{"sma_short", 200}, {"sma_long", 50}});
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("sma_short (200) must be below sma_long (50)"),
            std::string::npos);
  EXPECT_FALSE(registry.Create("price_level", {{"lookback_bars", 0}}).ok());
  EXPECT_FALSE(registry.Create("volatility_breakout", {{"atr_multiple", -1}}).ok());
  EXPECT_FALSE(registry.Create("volatility_breakout", {{"interval_seconds", 0}}).ok());
  EXPECT_FALSE(registry.Create("price_level", nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace sigflow
