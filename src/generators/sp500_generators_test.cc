// The generators on real history (S&P 500 2000-2020, the 30 Dow stocks 1991-2001), checked
// against independent direct computations written plainly here: each SMA is a fresh sum over its
// window, each level a fresh scan, the ATR a recursion over a precomputed true-range array.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include "generators/bar_driven_generator.h"
#include "generators/bar_generator_test_util.h"
#include "generators/bar_signal.h"
#include "generators/generator_registry.h"
#include "market/csv_bar_source.h"

namespace sigflow {
namespace {

using testing_util::MakeBarGenerator;

std::vector<Bar> LoadBars(const std::string& file) {
  auto source = CsvBarSource::Open(std::string(SIGFLOW_DATA_DIR) + "/" + file);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? (*source)->bars() : std::vector<Bar>{};
}

std::vector<Signal> Replay(BarDrivenGenerator* gen, const std::vector<Bar>& bars) {
  std::vector<Signal> out;
  for (const Bar& bar : bars) EXPECT_TRUE(gen->OnBar(bar, &out).ok());
  return out;
}

struct DirectCross {
  size_t index;
  bool golden;
  double sma_short, sma_long;
};

double DirectSma(const std::vector<double>& closes, size_t end, size_t n) {
  long double sum = 0;
  for (size_t j = end + 1 - n; j <= end; ++j) sum += closes[j];
  return static_cast<double>(sum / n);
}

std::vector<DirectCross> DirectCrosses(const std::vector<double>& closes, size_t ns, size_t nl) {
  std::vector<DirectCross> out;
  for (size_t t = nl; t < closes.size(); ++t) {
    const double ps = DirectSma(closes, t - 1, ns), pl = DirectSma(closes, t - 1, nl);
    const double s = DirectSma(closes, t, ns), l = DirectSma(closes, t, nl);
    if (ps <= pl && s > l) out.push_back({t, true, s, l});
    if (ps >= pl && s < l) out.push_back({t, false, s, l});
  }
  return out;
}

void ExpectRel(double got, double want, const std::string& what) {
  EXPECT_LE(std::fabs(got - want) / std::fabs(want), 1e-9) << what << ": " << got << " vs " << want;
}

TEST(Sp500GeneratorsTest, GoldenAndDeathCrossesMatchADirectSmaComputation) {
  const std::vector<Bar> bars = LoadBars("sp500_2000_2020_daily.csv");
  ASSERT_EQ(bars.size(), 5105u);
  std::vector<double> closes;
  for (const Bar& b : bars) closes.push_back(b.close);
  const std::vector<DirectCross> want = DirectCrosses(closes, 50, 200);

  auto golden = Replay(MakeBarGenerator("golden_cross").get(), bars);
  auto death = Replay(MakeBarGenerator("death_cross").get(), bars);
  std::vector<DirectCross> want_golden, want_death;
  for (const auto& c : want) (c.golden ? want_golden : want_death).push_back(c);
  ASSERT_EQ(golden.size(), want_golden.size());
  ASSERT_EQ(death.size(), want_death.size());
  EXPECT_GE(golden.size(), 5u);  // 20 years of a major index do cross several times

  auto check = [&bars](const std::vector<Signal>& got, const std::vector<DirectCross>& exp,
                       const char* kind) {
    for (size_t i = 0; i < got.size(); ++i) {
      const auto meta = nlohmann::json::parse(got[i].metadata_json);
      const std::string date = FormatBarDate(bars[exp[i].index].ts_ms);
      EXPECT_EQ(got[i].timestamp_ms, bars[exp[i].index].ts_ms) << kind << " #" << i;
      EXPECT_EQ(meta["bar_date"], date);
      ExpectRel(meta["sma_short_value"].get<double>(), exp[i].sma_short, date + " sma50");
      ExpectRel(meta["sma_long_value"].get<double>(), exp[i].sma_long, date + " sma200");
      EXPECT_EQ(meta["current_price"].get<double>(), bars[exp[i].index].close);
      std::cout << "  " << kind << " " << date << " sma50=" << FormatPrice(exp[i].sma_short)
                << " sma200=" << FormatPrice(exp[i].sma_long)
                << " close=" << FormatPrice(bars[exp[i].index].close) << "\n";
    }
  };
  std::cout << "S&P 500 2000-2020: " << golden.size() << " golden crosses, " << death.size()
            << " death crosses\n";
  check(golden, want_golden, "golden");
  check(death, want_death, "death ");
  // Crosses alternate: a golden cross is always followed by a death cross and vice versa.
  for (size_t i = 1; i < want.size(); ++i) EXPECT_NE(want[i].golden, want[i - 1].golden);
}

TEST(Sp500GeneratorsTest, VolatilityBreakoutsMatchADirectAtrComputation) {
  const std::vector<Bar> bars = LoadBars("sp500_2000_2020_daily.csv");
  const size_t n = 14;
  const double k = 2.0;
  std::vector<double> tr(bars.size(), 0), atr(bars.size(), NAN);
  for (size_t i = 1; i < bars.size(); ++i) {
    const double pc = bars[i - 1].close;
    tr[i] = std::max(
        {bars[i].high - bars[i].low, std::fabs(pc - bars[i].high), std::fabs(pc - bars[i].low)});
  }
  double sum = 0;
  for (size_t i = 1; i <= n; ++i) sum += tr[i];
  atr[n] = sum / n;
  for (size_t i = n + 1; i < bars.size(); ++i) atr[i] = (atr[i - 1] * (n - 1) + tr[i]) / n;
  std::vector<int64_t> want;
  for (size_t t = n + 1; t < bars.size(); ++t) {
    if (std::fabs(bars[t].close - bars[t - 1].close) > k * atr[t - 1])
      want.push_back(bars[t].ts_ms);
  }
  auto got = Replay(MakeBarGenerator("volatility_breakout").get(), bars);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].timestamp_ms, want[i]);
  std::cout << "S&P 500 volatility breakouts (2 x ATR14): " << got.size() << "\n";
  EXPECT_GT(got.size(), 10u);
}

TEST(Sp500GeneratorsTest, PriceLevelBreaksMatchADirectScan) {
  const std::vector<Bar> bars = LoadBars("sp500_2000_2020_daily.csv");
  const size_t n = 20;
  std::vector<std::pair<int64_t, Bias>> want;
  bool was_above = false, was_below = false;
  for (size_t t = n; t < bars.size(); ++t) {
    double hi = bars[t - n].high, lo = bars[t - n].low;
    for (size_t j = t - n; j < t; ++j) {
      hi = std::max(hi, bars[j].high);
      lo = std::min(lo, bars[j].low);
    }
    const bool above = bars[t].close > hi, below = bars[t].close < lo;
    if (above && !was_above) want.emplace_back(bars[t].ts_ms, Bias::kBullish);
    if (below && !was_below) want.emplace_back(bars[t].ts_ms, Bias::kBearish);
    was_above = above;
    was_below = below;
  }
  auto got = Replay(MakeBarGenerator("price_level").get(), bars);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].timestamp_ms, want[i].first);
    EXPECT_EQ(got[i].tickers[0].bias, want[i].second);
  }
  std::cout << "S&P 500 20-bar level breaks: " << got.size() << "\n";
}

TEST(Sp500GeneratorsTest, DowThirtyInterleavedMatchPerTickerDirectCrosses) {
  const std::vector<Bar> bars = LoadBars("dowjones30_1991_2001_close.csv");
  ASSERT_EQ(bars.size(), 2529u * 30);
  std::map<std::string, std::vector<double>> closes;
  std::map<std::string, std::vector<int64_t>> times;
  for (const Bar& b : bars) {
    closes[b.ticker].push_back(b.close);
    times[b.ticker].push_back(b.ts_ms);
  }
  std::map<std::string, std::vector<std::pair<int64_t, Bias>>> want;
  size_t total = 0;
  for (const auto& [ticker, series] : closes) {
    for (const auto& c : DirectCrosses(series, 50, 200)) {
      want[ticker].emplace_back(times[ticker][c.index], c.golden ? Bias::kBullish : Bias::kBearish);
      ++total;
    }
  }
  auto golden = MakeBarGenerator("golden_cross");
  auto death = MakeBarGenerator("death_cross");
  std::map<std::string, std::vector<std::pair<int64_t, Bias>>> got;
  for (const Bar& bar : bars) {  // time order, the 30 tickers interleaved
    std::vector<Signal> out;
    ASSERT_TRUE(golden->OnBar(bar, &out).ok());
    ASSERT_TRUE(death->OnBar(bar, &out).ok());
    for (const Signal& s : out)
      got[s.tickers[0].ticker].emplace_back(s.timestamp_ms, s.tickers[0].bias);
  }
  EXPECT_EQ(got, want);
  std::cout << "Dow 30 1991-2001: " << total << " golden + death crosses over " << want.size()
            << " tickers\n";
  EXPECT_EQ(want.size(), 30u);
}

TEST(Sp500GeneratorsTest, ReplayIsDeterministic) {
  const std::vector<Bar> bars = LoadBars("sp500_2000_2020_daily.csv");
  for (const char* type : {"golden_cross", "death_cross", "volatility_breakout", "price_level"}) {
    auto a = Replay(MakeBarGenerator(type).get(), bars);
    auto b = Replay(MakeBarGenerator(type).get(), bars);
    ASSERT_EQ(a.size(), b.size()) << type;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].signal_id, b[i].signal_id);
      EXPECT_EQ(a[i].metadata_json, b[i].metadata_json);
    }
  }
}

}  // namespace
}  // namespace sigflow
