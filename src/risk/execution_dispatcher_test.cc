// The execution dispatcher, step by step, on the real SQLite ledger.
#include "risk/execution_dispatcher.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "obs/log.h"
#include "risk/dispatcher_test_util.h"
#include "store/sqlite/sqlite_ledger_test_backend.h"

namespace sigflow::testing {
namespace {

using Json = nlohmann::json;

class ExecutionDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetLevel(log::Level::kWarning);  // a line per decision is the product's, not the test's
    handle_ = backend_.Open();
    ASSERT_NE(handle_.ledger, nullptr);
    ledger_ = handle_.ledger.get();
  }

  DispatcherRig& Rig(ExecutionConfig config = {}) {
    rig_ = std::make_unique<DispatcherRig>(ledger_, &market_, config, &clock_, &wall_);
    return *rig_;
  }

  Recommendation Get(int64_t id) {
    auto r = ledger_->GetRecommendation(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Recommendation{};
  }

  LedgerEntry FillOf(int64_t id) {
    auto f = ledger_->FindFill(id);
    EXPECT_TRUE(f.ok() && f->has_value()) << "no fill for " << id;
    return f.ok() && f->has_value() ? **f : LedgerEntry{};
  }

  int64_t Fills() {
    auto counts = ledger_->Counts();
    EXPECT_TRUE(counts.ok());
    return counts.ok() ? counts->fills : -1;
  }

  SqliteLedgerBackend backend_;
  LedgerHandle handle_;
  LedgerStore* ledger_ = nullptr;
  InMemoryMarketView market_;
  ManualClock clock_{kMarketNow};
  ManualClock wall_{1'800'000'000'000};
  std::unique_ptr<DispatcherRig> rig_;
};

TEST_F(ExecutionDispatcherTest, FillsAFreshRecommendationBySeedFormulas) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  const int64_t id = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - kMinute));
  RunReport report = Rig().RunOnce();
  EXPECT_EQ(report.run.pulled_count, 1);
  EXPECT_EQ(report.run.simulated_count, 1);

  const Recommendation r = Get(id);
  EXPECT_EQ(r.status, RecommendationStatus::kSimulated);
  EXPECT_EQ(r.dispatcher_run_id, report.run.run_id);
  EXPECT_EQ(r.processed_at_ms, wall_.NowMs());
  const Json gates = Json::parse(r.risk_gate_json);
  EXPECT_EQ(gates.size(), 7u);
  for (const auto& [gate, check] : gates.items()) EXPECT_EQ(check["passed"], true) << gate;
  EXPECT_EQ(gates["bar_freshness"]["observed"], 30.0);
  EXPECT_EQ(gates["bar_freshness"]["threshold"], 120.0);

  const LedgerEntry f = FillOf(id);
  EXPECT_EQ(f.ticker, "AAPL");
  EXPECT_EQ(f.dispatcher_run_id, report.run.run_id);
  EXPECT_NEAR(f.entry_price, 100.05, 1e-9);
  EXPECT_NEAR(f.stop_loss_price, 98.049, 1e-9);
  EXPECT_NEAR(f.take_profit_price, 104.052, 1e-9);
  EXPECT_NEAR(f.notional, 25000, 1e-6);  // the 25% cap
  EXPECT_EQ(f.decision_ts_ms, kMarketNow);
  EXPECT_EQ(f.simulated_ts_ms, kMarketNow);
  const Json explain = Json::parse(f.explain_json);
  EXPECT_EQ(explain["recommendation"]["id"], id);
  EXPECT_EQ(explain["recommendation"]["pipeline_execution_id"], 42);
  EXPECT_EQ(explain["recommendation"]["signal_ids"], Json::array({"sig-a"}));
  EXPECT_EQ(explain["recommendation"]["reason"]["rule"], "bullish_bias");
  const Json risk = Json::parse(f.risk_json);
  EXPECT_EQ(risk["trading_state"], "ACTIVE");
  EXPECT_EQ(risk["limits"]["confidence_min"], 0.7);
  EXPECT_EQ(risk["sizing"]["position_capped"], true);
  EXPECT_EQ(risk["gates"], gates);
  const Json sim = Json::parse(f.sim_json);
  EXPECT_EQ(sim["bar"]["close"], 100);
  EXPECT_EQ(sim["features"]["recent_vol"], 0.01);

  auto runs = ledger_->ListRuns(0);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  const DispatcherRun& run = (*runs)[0];
  EXPECT_EQ(run.pulled_count, 1);
  EXPECT_EQ(run.processed_count, 1);
  EXPECT_EQ(run.simulated_count, 1);
  EXPECT_GT(run.finished_at_ms, 0);
  EXPECT_EQ(Json::parse(run.run_config_json)["max_signals_per_run"], 10);
  EXPECT_EQ(Json::parse(run.run_summary_json)["trading_state"], "ACTIVE");
}

TEST_F(ExecutionDispatcherTest, SkipsWithTheFirstFailingGateAndRecordsEveryGate) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  market_.PutBar("MSFT", MarketBar{kMarketNow - 600'000, 300});  // 10 minutes old, no features
  const int64_t low =
      AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow, TradeAction::kBuyStock, 0.62));
  const int64_t stale = AddOrDie(ledger_, NewRecommendation("MSFT", kMarketNow));
  const int64_t none = AddOrDie(ledger_, NewRecommendation("TSLA", kMarketNow));
  RunReport report = Rig().RunOnce();
  EXPECT_EQ(report.run.skipped_count, 3);
  EXPECT_EQ(report.skip_reasons["CONFIDENCE_BELOW_MIN"], 1);
  EXPECT_EQ(report.skip_reasons["BAR_STALE"], 1);
  EXPECT_EQ(report.skip_reasons["BAR_MISSING"], 1);

  const Recommendation r = Get(low);
  EXPECT_EQ(r.status, RecommendationStatus::kSkipped);
  EXPECT_EQ(r.failure_reason, "CONFIDENCE_BELOW_MIN: observed=0.62 threshold=0.70");
  const Json gates = Json::parse(r.risk_gate_json);
  EXPECT_EQ(gates["confidence"]["observed"], 0.62);
  EXPECT_EQ(gates["confidence"]["threshold"], 0.7);
  EXPECT_EQ(gates["bar_freshness"]["passed"], true);  // evaluated after the failure all the same
  EXPECT_EQ(Get(stale).failure_reason, "BAR_STALE: observed=600 threshold=120");
  const Json msft = Json::parse(Get(stale).risk_gate_json);
  EXPECT_EQ(msft["feature_freshness"]["reason"], "FEATURES_MISSING: observed=none threshold=300");
  EXPECT_EQ(Get(none).failure_reason, "BAR_MISSING: observed=none threshold=120");
  EXPECT_EQ(Fills(), 0);

  auto stats = ledger_->CountGateSkips({});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->skipped, 3);
  std::map<std::string, int64_t> by_gate(stats->failed_by_gate.begin(),
                                         stats->failed_by_gate.end());
  EXPECT_EQ(by_gate["bar_freshness"], 2);
  EXPECT_EQ(by_gate["feature_freshness"], 2);
  EXPECT_EQ(by_gate["confidence"], 1);
  EXPECT_EQ(by_gate.count("ticker_daily_limit"), 0u);
}

TEST_F(ExecutionDispatcherTest, DailyLimitHoldsAcrossRunsAndResetsOnTheNextUtcDay) {
  ExecutionConfig config;
  config.max_signals_per_run = 1;
  Rig(config);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow + i)));
  }
  PutFreshMarket(&market_, "AAPL", kMarketNow + 10, 100, 0.01);
  clock_.SetMs(kMarketNow + 10);
  for (int i = 0; i < 3; ++i) rig_->RunOnce();
  EXPECT_EQ(Get(ids[0]).status, RecommendationStatus::kSimulated);
  EXPECT_EQ(Get(ids[1]).status, RecommendationStatus::kSimulated);
  EXPECT_EQ(Get(ids[2]).failure_reason, "TICKER_DAILY_LIMIT_REACHED: observed=2 threshold=2");
  // The next UTC day (midnight is 9 hours later): the count starts again.
  const int64_t tomorrow = kMarketNow + 9 * 60 * kMinute + kMinute;
  const int64_t next = AddOrDie(ledger_, NewRecommendation("AAPL", tomorrow));
  PutFreshMarket(&market_, "AAPL", tomorrow, 101, 0.01);
  clock_.SetMs(tomorrow);
  rig_->RunOnce();
  EXPECT_EQ(Get(next).status, RecommendationStatus::kSimulated);
}

TEST_F(ExecutionDispatcherTest, RecommendationRateIsASixthGate) {
  ExecutionConfig config;
  config.max_trades_per_ticker_per_day = 100;
  config.max_recommendations_per_ticker = 3;
  config.recommendation_rate_window_seconds = 60;
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow + i * 10'000)));
  }
  const int64_t later = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow + 70'000));
  clock_.SetMs(kMarketNow + 80'000);
  PutFreshMarket(&market_, "AAPL", clock_.NowMs(), 100, 0.01);
  RunReport report = Rig(config).RunOnce();
  EXPECT_EQ(report.run.simulated_count, 3);
  EXPECT_EQ(report.skip_reasons["TICKER_RATE_EXCEEDED"], 3);
  EXPECT_EQ(Get(ids[2]).status, RecommendationStatus::kSimulated);  // the third in 60 s
  EXPECT_EQ(Get(ids[3]).failure_reason, "TICKER_RATE_EXCEEDED: observed=4 threshold=3");
  EXPECT_EQ(Get(ids[4]).failure_reason, "TICKER_RATE_EXCEEDED: observed=5 threshold=3");
  // 70 s: the window (10 s, 70 s] holds 20 s, 30 s, 40 s and itself. The rate counts the
  // recommendations made, whatever became of them: a flood stays throttled.
  EXPECT_EQ(Get(later).status, RecommendationStatus::kSkipped);
  EXPECT_EQ(Get(later).failure_reason, "TICKER_RATE_EXCEEDED: observed=4 threshold=3");
}

TEST_F(ExecutionDispatcherTest, AnErrorFailsTheRecommendationAndTheRunGoesOn) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  PutFreshMarket(&market_, "FLAT", kMarketNow, 50, 0.0);  // no volatility: no stop distance
  const int64_t down = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 3));
  const int64_t flat = AddOrDie(ledger_, NewRecommendation("FLAT", kMarketNow - 2));
  const int64_t fine = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 1));
  market_.FailNext("feed unreachable");
  RunReport report = Rig().RunOnce();
  EXPECT_EQ(report.run.pulled_count, 3);
  EXPECT_EQ(report.run.failed_count, 2);
  EXPECT_EQ(report.run.simulated_count, 1);
  EXPECT_EQ(Get(down).status, RecommendationStatus::kFailed);
  EXPECT_EQ(Get(down).failure_reason, "market_data_unavailable: bar: feed unreachable");
  EXPECT_EQ(Get(flat).status, RecommendationStatus::kFailed);
  EXPECT_EQ(Get(flat).failure_reason.rfind("pricing_failed: stop distance 0", 0), 0u)
      << Get(flat).failure_reason;
  EXPECT_FALSE(Get(flat).risk_gate_json.empty());  // the gates passed, and say so
  EXPECT_EQ(Get(fine).status, RecommendationStatus::kSimulated);
  EXPECT_EQ(report.failure_reasons["market_data_unavailable"], 1);
  EXPECT_EQ(report.failure_reasons["pricing_failed"], 1);
}

TEST_F(ExecutionDispatcherTest, ClaimsAtMostMaxSignalsPerRunWithinTheLookback) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  ExecutionConfig config;
  config.max_trades_per_ticker_per_day = 1000;
  config.max_recommendations_per_ticker = 1000;
  const int64_t old = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 61 * kMinute));
  for (int i = 0; i < 15; ++i) AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - i));
  DispatcherRig& rig = Rig(config);
  EXPECT_EQ(rig.RunOnce().run.pulled_count, 10);
  EXPECT_EQ(rig.RunOnce().run.pulled_count, 5);
  EXPECT_EQ(rig.RunOnce().run.pulled_count, 0);
  EXPECT_EQ(Get(old).status, RecommendationStatus::kPending);  // outside the 60-minute lookback
  EXPECT_EQ(Fills(), 15);
}

// A dispatcher claimed three recommendations, settled one and died. Eleven minutes later the next
// run reaps the two stuck claims and executes them: each exactly once.
TEST_F(ExecutionDispatcherTest, ReaperRecoversTheClaimsOfARunThatCrashed) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  PutFreshMarket(&market_, "MSFT", kMarketNow, 300, 0.02);
  PutFreshMarket(&market_, "NVDA", kMarketNow, 800, 0.03);
  std::vector<int64_t> ids = {AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 3)),
                              AddOrDie(ledger_, NewRecommendation("MSFT", kMarketNow - 2)),
                              AddOrDie(ledger_, NewRecommendation("NVDA", kMarketNow - 1))};
  // The crashed run: opened, claimed all three, filled the first, never closed.
  {
    DispatcherRun run;
    run.run_id = "00000000-0000-4000-8000-00000000dead";
    run.started_at_ms = wall_.NowMs();
    ASSERT_TRUE(ledger_->OpenRun(run).ok());
    auto claimed = ledger_->ClaimRecommendations(run.run_id, 10, 0, wall_.NowMs());
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 3u);
    Settlement s;
    s.status = RecommendationStatus::kSkipped;
    s.failure_reason = "X: settled before the crash";
    s.processed_at_ms = wall_.NowMs();
    ASSERT_TRUE(ledger_->Settle((*claimed)[0], {}, [&](const TickerActivity&) { return s; }).ok());
  }
  DispatcherRig& rig = Rig();
  wall_.AdvanceMs(9 * kMinute);  // not yet stale (processing_ttl_minutes 10)
  RunReport early = rig.RunOnce();
  EXPECT_EQ(early.reaped.released, 0);
  EXPECT_EQ(early.run.pulled_count, 0);
  EXPECT_EQ(Get(ids[1]).status, RecommendationStatus::kProcessing);
  wall_.AdvanceMs(2 * kMinute);
  RunReport recovered = rig.RunOnce();
  EXPECT_EQ(recovered.reaped.released, 2);
  EXPECT_EQ(recovered.run.pulled_count, 2);
  EXPECT_EQ(recovered.run.simulated_count, 2);
  EXPECT_EQ(Get(ids[0]).failure_reason, "X: settled before the crash");  // untouched
  EXPECT_EQ(Get(ids[1]).status, RecommendationStatus::kSimulated);
  EXPECT_EQ(Get(ids[1]).attempts, 2);
  EXPECT_EQ(Get(ids[2]).status, RecommendationStatus::kSimulated);
  EXPECT_EQ(Fills(), 2);
  EXPECT_EQ(Json::parse(recovered.run.run_summary_json)["reaped_released"], 2);
  EXPECT_EQ(rig.RunOnce().run.pulled_count, 0);  // nothing runs twice
  EXPECT_EQ(Fills(), 2);
  auto runs = ledger_->ListRuns(0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->back().finished_at_ms, 0);  // the crashed run stays visibly unfinished
}

// Seed 003's freshness gates against the wall clock would skip all of history as stale; on the
// replay clock (the replayed bar's time) a 2005 bar is fresh in 2005.
TEST_F(ExecutionDispatcherTest, OnTheReplayClockOldHistoryFills) {
  const int64_t in_2005 = 1'117'638'000'000;  // 2005-06-01T15:00:00Z
  clock_.SetMs(in_2005);
  PutFreshMarket(&market_, "GOOG", in_2005, 280.0, 0.02);
  const int64_t id = AddOrDie(ledger_, NewRecommendation("GOOG", in_2005 - 1000));
  RunReport report = Rig().RunOnce();
  EXPECT_EQ(report.run.simulated_count, 1);
  EXPECT_EQ(FillOf(id).simulated_ts_ms, in_2005);
  // The same recommendation decided on today's clock would have been stale and out of the
  // lookback window: the gates read the injected clock, nothing else.
  EXPECT_EQ(Json::parse(Get(id).risk_gate_json)["bar_freshness"]["observed"], 30.0);
}

TEST_F(ExecutionDispatcherTest, HaltedSkipsEveryClaimWithTradingHalted) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  const int64_t a = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 2));
  const int64_t b = AddOrDie(ledger_, NewRecommendation("MSFT", kMarketNow - 1));
  ASSERT_TRUE(
      ledger_->SetTradingState({TradingState::kHalted, "circuit breaker", "ops", wall_.NowMs()})
          .ok());
  RunReport report = Rig().RunOnce();
  EXPECT_EQ(report.trading_state, TradingState::kHalted);
  EXPECT_EQ(report.run.skipped_count, 2);
  EXPECT_EQ(report.skip_reasons["trading_halted"], 2);
  for (int64_t id : {a, b}) {
    EXPECT_EQ(Get(id).status, RecommendationStatus::kSkipped);
    EXPECT_EQ(Get(id).failure_reason, "trading_halted: observed=HALTED threshold=ACTIVE");
  }
  EXPECT_EQ(Fills(), 0);
  EXPECT_EQ(Json::parse(report.run.run_summary_json)["trading_state"], "HALTED");
  // Back to ACTIVE: new recommendations fill again.
  ASSERT_TRUE(
      ledger_->SetTradingState({TradingState::kActive, "resumed", "ops", wall_.NowMs()}).ok());
  const int64_t c = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow));
  rig_->RunOnce();
  EXPECT_EQ(Get(c).status, RecommendationStatus::kSimulated);
}

TEST_F(ExecutionDispatcherTest, ReducingAllowsOnlyActionsThatReduceExposure) {
  ExecutionConfig config;
  config.max_trades_per_ticker_per_day = 10;
  // An open long of 5,000: recent_vol 20% gives 2000 / (0.2 * 2) = 5,000 of notional.
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.2);
  const int64_t opened = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 10));
  Rig(config).RunOnce();
  ASSERT_NEAR(FillOf(opened).notional, 5000, 1e-6);

  ASSERT_TRUE(
      ledger_->SetTradingState({TradingState::kReducing, "unwind", "ops", wall_.NowMs()}).ok());
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.05);  // a put would be 20,000 uncapped
  PutFreshMarket(&market_, "MSFT", kMarketNow, 300, 0.05);
  const int64_t more = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 3));
  const int64_t hedge =
      AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow - 2, TradeAction::kBuyPut));
  const int64_t flat = AddOrDie(ledger_, NewRecommendation("MSFT", kMarketNow - 1));
  RunReport report = rig_->RunOnce();
  EXPECT_EQ(report.trading_state, TradingState::kReducing);
  EXPECT_EQ(Get(more).failure_reason.rfind("trading_reducing: observed=BUY_STOCK", 0), 0u)
      << Get(more).failure_reason;
  EXPECT_EQ(Get(flat).failure_reason.rfind("trading_reducing:", 0), 0u);  // nothing to reduce
  ASSERT_EQ(Get(hedge).status, RecommendationStatus::kSimulated);
  const LedgerEntry put = FillOf(hedge);
  EXPECT_NEAR(put.notional, 5000, 1e-6);  // never more than the exposure it reduces
  EXPECT_EQ(Json::parse(put.risk_json)["sizing"]["notional_capped"], true);
  EXPECT_NEAR(Json::parse(put.risk_json)["gates"]["trading_state"]["open_exposure"].get<double>(),
              5000, 1e-6);
  // Once flat, REDUCING allows nothing more on AAPL.
  const int64_t again =
      AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow, TradeAction::kBuyPut));
  rig_->RunOnce();
  EXPECT_EQ(Get(again).status, RecommendationStatus::kSkipped);
}

// A slow dispatcher whose claim was reaped and taken over while it read market data loses the
// claim: it writes nothing, counts it as lost, and the other run's outcome stands.
TEST_F(ExecutionDispatcherTest, AClaimLostToTheReaperWritesNothing) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  const int64_t id = AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow));
  HookedMarketView slow(&market_, [this] {
    auto reaped = ledger_->ReapStaleClaims(std::numeric_limits<int64_t>::max(), 5, 1);
    EXPECT_TRUE(reaped.ok() && reaped->released == 1);
    auto claimed = ledger_->ClaimRecommendations("00000000-0000-4000-8000-0000000000b0", 1, 0, 2);
    EXPECT_TRUE(claimed.ok() && claimed->size() == 1);
  });
  SimulatedBroker broker{ExecutionConfig{}};
  ExecutionDispatcher dispatcher(ledger_, &slow, &broker, ExecutionConfig{}, &clock_, &wall_);
  auto report = dispatcher.RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->lost_claims, 1);
  EXPECT_EQ(report->run.processed_count, 0);
  EXPECT_EQ(dispatcher.probe().lost_claims.load(), 1u);
  const Recommendation r = Get(id);
  EXPECT_EQ(r.status, RecommendationStatus::kProcessing);
  EXPECT_EQ(r.dispatcher_run_id, "00000000-0000-4000-8000-0000000000b0");
  EXPECT_EQ(Fills(), 0);
}

TEST_F(ExecutionDispatcherTest, RunEveryRunsUntilStopped) {
  PutFreshMarket(&market_, "AAPL", kMarketNow, 100, 0.01);
  AddOrDie(ledger_, NewRecommendation("AAPL", kMarketNow));
  DispatcherRig& rig = Rig();
  std::atomic<bool> stop{false};
  std::thread loop([&] { rig.dispatcher.RunEvery(std::chrono::milliseconds(10), stop); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rig.dispatcher.probe().runs.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  loop.join();
  EXPECT_GE(rig.dispatcher.probe().runs.load(), 3u);
  EXPECT_EQ(rig.dispatcher.probe().simulated.load(), 1u);
}

}  // namespace
}  // namespace sigflow::testing
