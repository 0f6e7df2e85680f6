// RunExecution on the replay clock (the clock seam of seed 003 under `sigflow run --replay`):
// decisions made as of replayed days read those days' bars and features as fresh, "today" of the
// daily limit is the replayed day, and history decided years later is not stale.
#include "cli/run_execution.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/sqlite_store.h"

namespace sigflow {
namespace {

constexpr int64_t kD0 = 11'000 * kDayMs;  // 2000-02-14, a replayed day long before now

class RunExecutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto ledger = OpenSqliteLedger(store_.get());
    ASSERT_TRUE(ledger.ok());
    ledger_ = std::move(ledger).value();
    MarketStore* market = MarketStoreOf(store_.get());
    std::vector<Bar> bars;
    std::vector<Features> features;
    for (int i = 0; i < 2; ++i) {  // bars on D0 and D0+1; D0+2 has none
      const int64_t ts = kD0 + i * kDayMs;
      bars.push_back(CloseOnlyBar("IBM", ts, 100 + i));
      Features f;
      f.ticker = "IBM";
      f.ts_ms = ts;
      f.computed_at_ms = ts;  // as a replay stamps them
      f.close = 100 + i;
      f.bars = 30;
      f.recent_vol = 0.02;
      f.atr = 2;
      features.push_back(f);
    }
    ASSERT_TRUE(market->UpsertBars(bars).ok());
    ASSERT_TRUE(market->UpsertFeatures(features).ok());
  }

  void Recommend(int64_t created_at, TradeAction action = TradeAction::kBuyStock) {
    Recommendation r;
    r.created_at_ms = created_at;
    r.ticker = "IBM";
    r.action = action;
    r.confidence = 0.8;
    ASSERT_TRUE(ledger_->AddRecommendation(r).ok());
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<LedgerStore> ledger_;
};

TEST_F(RunExecutionTest, DecidesOnTheReplayedDay) {
  auto execution = RunExecution::Create(store_.get(), ledger_.get());
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  // Day 0: three trades; the daily limit (2) counts the replayed day's fills.
  Recommend(kD0);
  Recommend(kD0, TradeAction::kBuyPut);
  Recommend(kD0, TradeAction::kBuyCall);
  (*execution)->SettleAt(kD0);
  ExecutionRunSummary s = (*execution)->Summary();
  EXPECT_EQ(s.recommendations, 3);
  EXPECT_EQ(s.fills, 2);
  EXPECT_EQ(s.skips_by_reason, (std::map<std::string, int64_t>{{"TICKER_DAILY_LIMIT_REACHED", 1}}));
  // Day 1: a new day, the limit starts again; its own bar is fresh.
  Recommend(kD0 + kDayMs);
  (*execution)->SettleAt(kD0 + kDayMs);
  // Day 2 has no bar: day 1's is a day old at the replayed time, stale.
  Recommend(kD0 + 2 * kDayMs);
  (*execution)->SettleAt(kD0 + 2 * kDayMs);
  (*execution)->Finish();
  s = (*execution)->Summary();
  EXPECT_EQ(s.recommendations, 5);
  EXPECT_EQ(s.claimed, 5);
  EXPECT_EQ(s.fills, 3);
  EXPECT_EQ(s.skipped, 2);
  EXPECT_EQ(s.ledger_rows, 3);
  EXPECT_EQ(s.pending_left, 0);
  EXPECT_EQ(s.skips_by_reason,
            (std::map<std::string, int64_t>{{"BAR_STALE", 1}, {"TICKER_DAILY_LIMIT_REACHED", 1}}));
  auto fills = ledger_->ListLedger({.limit = 0});
  ASSERT_TRUE(fills.ok());
  for (const LedgerEntry& f : *fills) {
    EXPECT_GE(f.decision_ts_ms, kD0);  // decided on the replayed days, not on today's clock
    EXPECT_LT(f.decision_ts_ms, kD0 + 2 * kDayMs);
  }
  const nlohmann::json j = s.ToJson();
  EXPECT_EQ(j["fills"], 3);
  EXPECT_EQ(j["gate_skips_by_reason"]["TICKER_DAILY_LIMIT_REACHED"], 1);
}

}  // namespace
}  // namespace sigflow
