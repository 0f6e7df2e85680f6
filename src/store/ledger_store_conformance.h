// The LedgerStore contract (ledger_store.h) as tests, run on every backend: a test binary
// includes this header once and instantiates LedgerStoreTest with its backend's factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerStoreTest,
//                            ::testing::Values(LedgerBackendParam{"sqlite", MakeSqliteBackend}));
// The raw-SQL tests write as any client of the database could: the database itself must refuse.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "store/ledger_test_backend.h"

namespace sigflow::testing {

class LedgerStoreTest : public ::testing::TestWithParam<LedgerBackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (!backend_->available()) GTEST_SKIP() << backend_->name() << " is not available here";
    handle_ = backend_->Open();
    ASSERT_NE(handle_.ledger, nullptr);
    ledger_ = handle_.ledger.get();
  }

  static Recommendation Rec(const std::string& ticker, int64_t created_at_ms,
                            TradeAction action = TradeAction::kBuyStock, double confidence = 0.8) {
    Recommendation r;
    r.ticker = ticker;
    r.created_at_ms = created_at_ms;
    r.action = action;
    r.confidence = confidence;
    r.pipeline_id = "pipeline-1";
    r.pipeline_execution_id = 7;
    r.signal_ids = {"sig-1", "sig-2"};
    r.reason_json = R"({"rule":"bullish_bias","features":{"recent_vol":0.01}})";
    return r;
  }

  int64_t Add(const Recommendation& r) {
    auto added = ledger_->AddRecommendation(r);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? added->id : 0;
  }

  std::vector<Recommendation> Claim(const std::string& run, int max, int64_t since = 0,
                                    int64_t now = 1'000'000) {
    auto claimed = ledger_->ClaimRecommendations(run, max, since, now);
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    return claimed.ok() ? std::move(claimed).value() : std::vector<Recommendation>();
  }

  static LedgerEntry FillFor(const Recommendation& r, int64_t simulated_ts, double notional,
                             int max_hold_minutes = 240) {
    LedgerEntry f;
    f.execution_id = NewTestUuid();
    f.recommendation_id = r.id;
    f.dispatcher_run_id = r.dispatcher_run_id;
    f.ticker = r.ticker;
    f.action = r.action;
    f.decision_ts_ms = simulated_ts;
    f.simulated_ts_ms = simulated_ts;
    f.entry_price = 100.05;
    f.fill_model = "close+slip";
    f.slippage_bps = 5;
    f.qty = notional / 100.05;
    f.notional = notional;
    f.stop_loss_price = 98.049;
    f.take_profit_price = 104.052;
    f.max_hold_minutes = max_hold_minutes;
    f.explain_json = R"({"why":"test"})";
    f.risk_json = R"({"gates":{}})";
    f.sim_json = R"({"bar":{"close":100}})";
    return f;
  }

  static std::string NewTestUuid() {
    static int n = 0;
    char buf[40];
    std::snprintf(buf, sizeof(buf), "00000000-0000-4000-8000-%012d", ++n);
    return buf;
  }

  static TickerActivityQuery NoActivity() {
    TickerActivityQuery q;
    q.day.since_ms = q.day.until_ms = 0;
    return q;
  }

  // Settles `r` with a fixed settlement; returns the result's status.
  Status SettleWith(const Recommendation& r, Settlement s, TickerActivityQuery query = NoActivity(),
                    TickerActivity* seen = nullptr) {
    auto result = ledger_->Settle(r, query, [&](const TickerActivity& a) {
      if (seen != nullptr) *seen = a;
      return s;
    });
    return result.ok() ? Status::Ok() : result.status();
  }

  static Settlement Simulated(const Recommendation& r, int64_t ts, double notional,
                              int max_hold = 240) {
    Settlement s;
    s.status = RecommendationStatus::kSimulated;
    s.processed_at_ms = 2'000'000;
    s.risk_gate_json = R"({"confidence":{"passed":true,"observed":0.8,"threshold":0.7}})";
    s.fill = FillFor(r, ts, notional, max_hold);
    return s;
  }

  static Settlement Skipped(const std::string& reason, const std::string& gates) {
    Settlement s;
    s.status = RecommendationStatus::kSkipped;
    s.failure_reason = reason;
    s.risk_gate_json = gates;
    s.processed_at_ms = 2'000'000;
    return s;
  }

  // Raw SQL through the backend; expects a refusal whose message contains `needle`.
  void ExpectRefused(const std::string& sql, const std::string& needle) {
    Status s = backend_->Exec(sql);
    EXPECT_FALSE(s.ok()) << sql << " was accepted";
    EXPECT_NE(s.message().find(needle), std::string::npos) << sql << ": " << s.ToString();
  }

  RecommendationStatus StatusOf(int64_t id) {
    auto r = ledger_->GetRecommendation(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->status : RecommendationStatus::kPending;
  }

  std::unique_ptr<LedgerTestBackend> backend_;
  LedgerHandle handle_;
  LedgerStore* ledger_ = nullptr;
};

TEST_P(LedgerStoreTest, AddValidatesAndNormalises) {
  auto added = ledger_->AddRecommendation(Rec("aapl", 1000));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->ticker, "AAPL");
  EXPECT_EQ(added->status, RecommendationStatus::kPending);
  EXPECT_EQ(added->signal_ids, (std::vector<std::string>{"sig-1", "sig-2"}));
  EXPECT_EQ(nlohmann::json::parse(added->reason_json)["rule"], "bullish_bias");
  EXPECT_EQ(added->pipeline_execution_id, 7);

  auto bad_confidence = Rec("AAPL", 1000);
  bad_confidence.confidence = 1.5;
  auto r = ledger_->AddRecommendation(bad_confidence);
  EXPECT_EQ(r.status().code(), "invalid_argument");
  EXPECT_NE(r.status().message().find("confidence"), std::string::npos);
  EXPECT_NE(ledger_->AddRecommendation(Rec("AA PL", 1000)).status().message().find("ticker"),
            std::string::npos);
  auto bad_reason = Rec("AAPL", 1000);
  bad_reason.reason_json = "[1]";
  EXPECT_NE(ledger_->AddRecommendation(bad_reason).status().message().find("reason"),
            std::string::npos);
  EXPECT_NE(ledger_->AddRecommendation(Rec("AAPL", 0)).status().message().find("created_at"),
            std::string::npos);
  auto all = ledger_->ListRecommendations({.limit = 0});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);  // the bad ones left nothing behind
}

TEST_P(LedgerStoreTest, ListFiltersByStatusAndTickerNewestFirst) {
  const int64_t a = Add(Rec("AAPL", 1000));
  const int64_t m = Add(Rec("MSFT", 2000));
  const int64_t b = Add(Rec("AAPL", 3000));
  auto aapl = ledger_->ListRecommendations({.ticker = "AAPL"});
  ASSERT_TRUE(aapl.ok());
  ASSERT_EQ(aapl->size(), 2u);
  EXPECT_EQ((*aapl)[0].id, b);
  EXPECT_EQ((*aapl)[1].id, a);
  Claim("00000000-0000-4000-8000-00000000aaaa", 1);  // the oldest: a
  auto pending = ledger_->ListRecommendations({.status = RecommendationStatus::kPending});
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].id, b);
  EXPECT_EQ((*pending)[1].id, m);
  auto one = ledger_->ListRecommendations({.limit = 1});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ(ledger_->GetRecommendation(999999).status().code(), "not_found");
}

TEST_P(LedgerStoreTest, ClaimTakesOldestPendingWithinTheLookback) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(Add(Rec("AAPL", i * 1000)));
  const std::string run = "00000000-0000-4000-8000-000000000001";
  auto first = Claim(run, 2, /*since=*/2000, /*now=*/777);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, ids[1]);
  EXPECT_EQ(first[1].id, ids[2]);
  for (const auto& r : first) {
    EXPECT_EQ(r.status, RecommendationStatus::kProcessing);
    EXPECT_EQ(r.dispatcher_run_id, run);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.claimed_at_ms, 777);
  }
  auto second = Claim(run, 10, 2000);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].id, ids[3]);
  EXPECT_TRUE(Claim(run, 10, 2000).empty());
  EXPECT_EQ(StatusOf(ids[0]), RecommendationStatus::kPending);  // older than the lookback
}

TEST_P(LedgerStoreTest, SettleAppendsTheFillAndEndsTheClaim) {
  Add(Rec("AAPL", 1000));
  Add(Rec("MSFT", 1000));
  auto claimed = Claim("00000000-0000-4000-8000-000000000001", 2);
  ASSERT_EQ(claimed.size(), 2u);
  const Settlement fill = Simulated(claimed[0], 5000, 25000);
  auto result =
      ledger_->Settle(claimed[0], NoActivity(), [&](const TickerActivity&) { return fill; });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->already_filled);
  auto stored = ledger_->FindFill(claimed[0].id);
  ASSERT_TRUE(stored.ok() && stored->has_value()) << stored.status().ToString();
  const LedgerEntry& f = **stored;
  EXPECT_EQ(f.execution_id, fill.fill->execution_id);
  EXPECT_EQ(f.dispatcher_run_id, claimed[0].dispatcher_run_id);
  EXPECT_EQ(f.ticker, "AAPL");
  EXPECT_EQ(f.simulated_ts_ms, 5000);
  EXPECT_DOUBLE_EQ(f.entry_price, 100.05);
  EXPECT_DOUBLE_EQ(f.qty, 25000 / 100.05);
  EXPECT_DOUBLE_EQ(f.stop_loss_price, 98.049);
  EXPECT_EQ(f.max_hold_minutes, 240);
  EXPECT_EQ(f.execution_mode, ExecutionMode::kSimulated);
  EXPECT_EQ(nlohmann::json::parse(f.sim_json)["bar"]["close"], 100);
  auto rec = ledger_->GetRecommendation(claimed[0].id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->status, RecommendationStatus::kSimulated);
  EXPECT_EQ(rec->processed_at_ms, 2'000'000);
  EXPECT_EQ(nlohmann::json::parse(rec->risk_gate_json)["confidence"]["passed"], true);

  ASSERT_TRUE(SettleWith(claimed[1], Skipped("CONFIDENCE_BELOW_MIN: observed=0.62 threshold=0.70",
                                             R"({"confidence":{"passed":false}})"))
                  .ok());
  rec = ledger_->GetRecommendation(claimed[1].id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->status, RecommendationStatus::kSkipped);
  EXPECT_EQ(rec->failure_reason, "CONFIDENCE_BELOW_MIN: observed=0.62 threshold=0.70");
  auto none = ledger_->FindFill(claimed[1].id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Settled is final: a second settlement finds no claim.
  EXPECT_EQ(SettleWith(claimed[1], Skipped("X: y", "{}")).code(), "conflict");
}

TEST_P(LedgerStoreTest, SettleRefusesALostClaim) {
  const int64_t id = Add(Rec("AAPL", 1000));
  const std::string run_a = "00000000-0000-4000-8000-00000000000a";
  const std::string run_b = "00000000-0000-4000-8000-00000000000b";
  auto by_a = Claim(run_a, 1, 0, /*now=*/100);
  ASSERT_EQ(by_a.size(), 1u);
  auto reaped = ledger_->ReapStaleClaims(/*claimed_before=*/200, /*max_attempts=*/3, 300);
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(reaped->released, 1);
  EXPECT_EQ(SettleWith(by_a[0], Skipped("X: y", "{}")).code(), "conflict");  // now PENDING
  auto by_b = Claim(run_b, 1, 0, 400);
  ASSERT_EQ(by_b.size(), 1u);
  EXPECT_EQ(by_b[0].attempts, 2);
  EXPECT_EQ(SettleWith(by_a[0], Simulated(by_a[0], 1, 10)).code(), "conflict");  // B holds it
  EXPECT_TRUE(SettleWith(by_b[0], Simulated(by_b[0], 1, 10)).ok());
  EXPECT_EQ(StatusOf(id), RecommendationStatus::kSimulated);
}

TEST_P(LedgerStoreTest, SettleRejectsAnInconsistentDecision) {
  Add(Rec("AAPL", 1000));
  auto claimed = Claim("00000000-0000-4000-8000-000000000001", 1);
  ASSERT_EQ(claimed.size(), 1u);
  Settlement no_fill = Simulated(claimed[0], 1, 10);
  no_fill.fill.reset();
  EXPECT_EQ(SettleWith(claimed[0], no_fill).code(), "invalid_argument");
  Settlement other_ticker = Simulated(claimed[0], 1, 10);
  other_ticker.fill->ticker = "MSFT";
  EXPECT_EQ(SettleWith(claimed[0], other_ticker).code(), "invalid_argument");
  Settlement not_final = Skipped("X: y", "{}");
  not_final.status = RecommendationStatus::kPending;
  EXPECT_EQ(SettleWith(claimed[0], not_final).code(), "invalid_argument");
  // Nothing was written: the claim still stands.
  EXPECT_EQ(StatusOf(claimed[0].id), RecommendationStatus::kProcessing);
  auto fills = ledger_->ListLedger({.limit = 0});
  ASSERT_TRUE(fills.ok());
  EXPECT_TRUE(fills->empty());
}

TEST_P(LedgerStoreTest, ActivityCountsFillsTodayTheRateWindowAndOpenExposure) {
  constexpr int64_t kMin = 60'000;
  const int64_t day1 = 20 * kDayMs;
  // Fills: one the day before, two on day 1 (a long of 10000 and a put of 4000), one MSFT.
  struct Seed {
    const char* ticker;
    TradeAction action;
    int64_t ts;
    double notional;
  };
  const std::string run = "00000000-0000-4000-8000-000000000001";
  for (const Seed& s : {Seed{"AAPL", TradeAction::kBuyStock, day1 - kDayMs + 5, 99000},
                        Seed{"AAPL", TradeAction::kBuyStock, day1 + 10 * kMin, 10000},
                        Seed{"AAPL", TradeAction::kBuyPut, day1 + 20 * kMin, 4000},
                        Seed{"MSFT", TradeAction::kBuyStock, day1 + 30 * kMin, 7000}}) {
    Add(Rec(s.ticker, s.ts, s.action));
    auto c = Claim(run, 1);
    ASSERT_EQ(c.size(), 1u);
    ASSERT_TRUE(SettleWith(c[0], Simulated(c[0], s.ts, s.notional)).ok());
  }
  // Recommendations created at the same instant as the one settled next: only the lower ids
  // count with it, as the rate gate's (created_at, id) order says.
  const int64_t t = day1 + 100 * kMin;
  Add(Rec("AAPL", t - 61'000));  // outside a 60 s window
  Add(Rec("AAPL", t - 59'000));
  Add(Rec("AAPL", t));
  Add(Rec("AAPL", t));
  auto claimed = Claim(run, 10, t - 59'000);
  ASSERT_EQ(claimed.size(), 3u);
  TickerActivityQuery q;
  q.day = {day1, day1 + kDayMs};
  q.rate_window_ms = 60'000;
  q.open_exposure = true;
  q.now_ms = day1 + 100 * kMin;  // both day-1 AAPL fills are held (240 min)
  TickerActivity seen;
  ASSERT_TRUE(SettleWith(claimed[1], Skipped("X: y", "{}"), q, &seen).ok());
  EXPECT_EQ(seen.executions_today, 2);
  EXPECT_EQ(seen.recommendations_in_window, 2);  // t - 59 s and itself, not the later twin
  EXPECT_DOUBLE_EQ(seen.open_exposure, 10000 - 4000);
  q.now_ms = day1 + 255 * kMin;  // the long (10 min + 240) has expired, the put has not
  ASSERT_TRUE(SettleWith(claimed[2], Skipped("X: y", "{}"), q, &seen).ok());
  EXPECT_EQ(seen.recommendations_in_window, 3);
  EXPECT_DOUBLE_EQ(seen.open_exposure, -4000);
}

TEST_P(LedgerStoreTest, ReaperReleasesThenFailsOnceAttemptsAreUsedUp) {
  const int64_t id = Add(Rec("AAPL", 1000));
  const std::string run = "00000000-0000-4000-8000-000000000001";
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_EQ(Claim(run, 1, 0, /*now=*/attempt * 100).size(), 1u);
    auto reaped = ledger_->ReapStaleClaims(attempt * 100 + 1, /*max_attempts=*/2, 5000);
    ASSERT_TRUE(reaped.ok());
    EXPECT_EQ(reaped->released, attempt == 1 ? 1 : 0);
    EXPECT_EQ(reaped->failed, attempt == 2 ? 1 : 0);
  }
  auto rec = ledger_->GetRecommendation(id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->status, RecommendationStatus::kFailed);
  EXPECT_EQ(rec->failure_reason, "processing_ttl_expired: claimed 2 times and never settled");
  EXPECT_EQ(rec->processed_at_ms, 5000);
  // A fresh claim is not stale.
  Add(Rec("MSFT", 1000));
  ASSERT_EQ(Claim(run, 1, 0, 9000).size(), 1u);
  auto none = ledger_->ReapStaleClaims(9000, 2, 9500);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->released + none->failed, 0);
}

TEST_P(LedgerStoreTest, RunsAreOpenedAndClosedOnce) {
  DispatcherRun run;
  run.run_id = "00000000-0000-4000-8000-000000000001";
  run.started_at_ms = 1000;
  run.run_config_json = R"({"max_signals_per_run":10})";
  ASSERT_TRUE(ledger_->OpenRun(run).ok());
  EXPECT_EQ(ledger_->OpenRun(run).code(), "conflict");
  run.finished_at_ms = 2000;
  run.pulled_count = 3;
  run.processed_count = 3;
  run.simulated_count = 1;
  run.skipped_count = 1;
  run.failed_count = 1;
  run.run_summary_json = R"({"reaped_released":0})";
  ASSERT_TRUE(ledger_->CloseRun(run).ok());
  EXPECT_EQ(ledger_->CloseRun(run).code(), "conflict");
  DispatcherRun unknown = run;
  unknown.run_id = "00000000-0000-4000-8000-000000000002";
  EXPECT_EQ(ledger_->CloseRun(unknown).code(), "not_found");
  auto runs = ledger_->ListRuns(0);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, run.run_id);
  EXPECT_EQ((*runs)[0].finished_at_ms, 2000);
  EXPECT_EQ((*runs)[0].simulated_count, 1);
  EXPECT_EQ(nlohmann::json::parse((*runs)[0].run_config_json)["max_signals_per_run"], 10);
}

TEST_P(LedgerStoreTest, TradingStateIsActiveUntilSetAndKeepsItsHistory) {
  auto initial = ledger_->GetTradingState();
  ASSERT_TRUE(initial.ok());
  EXPECT_EQ(initial->state, TradingState::kActive);
  EXPECT_EQ(initial->changed_at_ms, 0);
  EXPECT_EQ(ledger_->SetTradingState({TradingState::kHalted, "", "ops", 10}).code(),
            "invalid_argument");
  ASSERT_TRUE(ledger_->SetTradingState({TradingState::kHalted, "fat finger", "ops", 10}).ok());
  ASSERT_TRUE(ledger_->SetTradingState({TradingState::kReducing, "unwinding", "ops", 20}).ok());
  auto now = ledger_->GetTradingState();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state, TradingState::kReducing);
  EXPECT_EQ(now->reason, "unwinding");
  auto history = ledger_->ListTradingStates(0);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].state, TradingState::kHalted);
  EXPECT_EQ((*history)[1].changed_by, "ops");
}

TEST_P(LedgerStoreTest, AnalyticsCountSkipsByGateAndPositionsByAction) {
  const std::string run = "00000000-0000-4000-8000-000000000001";
  for (int i = 0; i < 5; ++i)
    Add(Rec("AAPL", 1000 + i, i < 2 ? TradeAction::kBuyStock : TradeAction::kBuyPut));
  auto c = Claim(run, 5);
  ASSERT_EQ(c.size(), 5u);
  ASSERT_TRUE(SettleWith(c[0], Simulated(c[0], 5000, 20000)).ok());
  ASSERT_TRUE(SettleWith(c[1], Simulated(c[1], 6000, 10000)).ok());
  ASSERT_TRUE(SettleWith(c[2], Simulated(c[2], 7000, 3000)).ok());
  const std::string both = R"({"confidence":{"passed":false},"bar_freshness":{"passed":false},)"
                           R"("action_allowed":{"passed":true}})";
  const std::string bar = R"({"confidence":{"passed":true},"bar_freshness":{"passed":false}})";
  ASSERT_TRUE(
      SettleWith(c[3], Skipped("CONFIDENCE_BELOW_MIN: observed=0.5 threshold=0.70", both)).ok());
  ASSERT_TRUE(SettleWith(c[4], Skipped("BAR_STALE: observed=500 threshold=120", bar)).ok());

  auto skips = ledger_->CountGateSkips({});
  ASSERT_TRUE(skips.ok()) << skips.status().ToString();
  EXPECT_EQ(skips->skipped, 2);
  EXPECT_EQ(skips->failed_by_gate, (std::vector<std::pair<std::string, int64_t>>{
                                       {"bar_freshness", 2}, {"confidence", 1}}));
  EXPECT_EQ(skips->by_reason, (std::vector<std::pair<std::string, int64_t>>{
                                  {"BAR_STALE", 1}, {"CONFIDENCE_BELOW_MIN", 1}}));
  auto outside = ledger_->CountGateSkips({.since_ms = 2'000'001});
  ASSERT_TRUE(outside.ok());
  EXPECT_EQ(outside->skipped, 0);

  auto positions = ledger_->PositionsByAction({});
  ASSERT_TRUE(positions.ok()) << positions.status().ToString();
  ASSERT_EQ(positions->size(), 2u);
  EXPECT_EQ((*positions)[0].action, TradeAction::kBuyStock);
  EXPECT_EQ((*positions)[0].count, 2);
  EXPECT_DOUBLE_EQ((*positions)[0].avg_notional, 15000);
  EXPECT_DOUBLE_EQ((*positions)[0].total_notional, 30000);
  EXPECT_DOUBLE_EQ((*positions)[0].avg_entry, 100.05);
  EXPECT_EQ((*positions)[1].action, TradeAction::kBuyPut);
  EXPECT_EQ((*positions)[1].count, 1);
  auto later = ledger_->PositionsByAction({.since_ms = 6000});
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 2u);
  EXPECT_EQ((*later)[0].count, 1);

  auto ledger = ledger_->ListLedger({.simulated = {.since_ms = 6000}, .limit = 0});
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(ledger->size(), 2u);
  EXPECT_EQ((*ledger)[0].simulated_ts_ms, 7000);  // newest first
  auto counts = ledger_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->simulated, 3);
  EXPECT_EQ(counts->skipped, 2);
  EXPECT_EQ(counts->pending, 0);
  EXPECT_EQ(counts->fills, 3);
}

TEST_P(LedgerStoreTest, DatabaseRefusesIllegalTransitionsWhoeverWrites) {
  const int64_t pending = Add(Rec("AAPL", 1000));
  const int64_t skipped = Add(Rec("MSFT", 1000));
  const std::string id = std::to_string(pending), sid = std::to_string(skipped);
  ExpectRefused(
      "INSERT INTO dispatch_recommendations (created_at, ticker, action, confidence, status) "
      "VALUES (1, 'AAPL', 'BUY_STOCK', 0.9, 'SIMULATED')",
      "created PENDING");
  ExpectRefused("UPDATE dispatch_recommendations SET status = 'SIMULATED' WHERE id = " + id,
                "illegal status transition");
  ExpectRefused("UPDATE dispatch_recommendations SET status = 'SKIPPED' WHERE id = " + id,
                "illegal status transition");

  auto claimed = Claim("00000000-0000-4000-8000-000000000001", 2);
  ASSERT_EQ(claimed.size(), 2u);
  // A legal transition that also rewrites what was proposed.
  ExpectRefused(
      "UPDATE dispatch_recommendations SET status = 'FAILED', ticker = 'TSLA' WHERE id = " + id,
      "never changes");
  ASSERT_TRUE(SettleWith(claimed[1], Skipped("X: y", "{}")).ok());
  for (const char* to : {"PENDING", "PROCESSING", "SIMULATED", "FAILED"}) {
    ExpectRefused(
        "UPDATE dispatch_recommendations SET status = '" + std::string(to) + "' WHERE id = " + sid,
        "illegal status transition");
  }
  ExpectRefused(
      "UPDATE dispatch_recommendations SET failure_reason = 'rewritten' WHERE id = " + sid,
      "illegal status transition");
  ExpectRefused("DELETE FROM dispatch_recommendations WHERE id = " + sid, "DELETE refused");
  // A PROCESSING one may not be SIMULATED without its fill either.
  ExpectRefused("UPDATE dispatch_recommendations SET status = 'SIMULATED' WHERE id = " + id,
                "ledger holds its fill");
  EXPECT_EQ(StatusOf(pending), RecommendationStatus::kProcessing);
  EXPECT_EQ(StatusOf(skipped), RecommendationStatus::kSkipped);
  // What the state machine allows, a raw client may do too: a PENDING row may be withdrawn.
  const int64_t fresh = Add(Rec("TSLA", 1000));
  EXPECT_TRUE(
      backend_->Exec("DELETE FROM dispatch_recommendations WHERE id = " + std::to_string(fresh))
          .ok());
}

TEST_P(LedgerStoreTest, DatabaseRefusesLedgerMutation) {
  Add(Rec("AAPL", 1000));
  Add(Rec("MSFT", 1000));
  auto claimed = Claim("00000000-0000-4000-8000-000000000001", 2);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_TRUE(SettleWith(claimed[0], Simulated(claimed[0], 5000, 25000)).ok());
  ASSERT_TRUE(SettleWith(claimed[1], Skipped("X: y", "{}")).ok());
  const std::string rid = std::to_string(claimed[0].id);
  ExpectRefused("UPDATE dispatch_executions SET qty = 1 WHERE recommendation_id = " + rid,
                "append-only");
  ExpectRefused("DELETE FROM dispatch_executions WHERE recommendation_id = " + rid, "append-only");
  ExpectRefused("DELETE FROM dispatch_executions", "append-only");
  const std::string insert =
      "INSERT INTO dispatch_executions (execution_id, recommendation_id, dispatcher_run_id, "
      "ticker, action, decision_ts, simulated_ts, entry_price, fill_model, slippage_bps, qty, "
      "notional, stop_loss_price, take_profit_price, max_hold_minutes, execution_mode, "
      "explain_json, risk_json, sim_json) VALUES ('00000000-0000-4000-8000-0000000000ff', ";
  const std::string rest =
      ", '00000000-0000-4000-8000-000000000001', 'MSFT', 'BUY_STOCK', 1, 1, 10, 'close+slip', "
      "5, 1, 10, 9, 12, 240, 'SIMULATED', '{}', '{}', '{}')";
  // A fill for a SKIPPED recommendation, and a second fill for a SIMULATED one.
  ExpectRefused(insert + std::to_string(claimed[1].id) + rest, "PROCESSING");
  ExpectRefused(insert + rid + rest, "PROCESSING");
  ExpectRefused("UPDATE dispatch_recommendations SET status = 'SKIPPED' WHERE id = " + rid,
                "illegal status transition");
  auto fills = ledger_->ListLedger({.limit = 0});
  ASSERT_TRUE(fills.ok());
  ASSERT_EQ(fills->size(), 1u);
  EXPECT_DOUBLE_EQ((*fills)[0].notional, 25000);
}

TEST_P(LedgerStoreTest, DatabaseRefusesRewritingRunsAndTradingStates) {
  DispatcherRun run;
  run.run_id = "00000000-0000-4000-8000-000000000001";
  run.started_at_ms = 1000;
  ASSERT_TRUE(ledger_->OpenRun(run).ok());
  run.finished_at_ms = 2000;
  ASSERT_TRUE(ledger_->CloseRun(run).ok());
  ExpectRefused("UPDATE dispatcher_runs SET simulated_count = 99", "closed once");
  ExpectRefused("DELETE FROM dispatcher_runs", "DELETE refused");
  ASSERT_TRUE(ledger_->SetTradingState({TradingState::kHalted, "test", "ops", 10}).ok());
  ExpectRefused("UPDATE trading_state_changes SET state = 'ACTIVE'", "append-only");
  ExpectRefused("DELETE FROM trading_state_changes", "append-only");
  auto state = ledger_->GetTradingState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->state, TradingState::kHalted);
}

}  // namespace sigflow::testing
