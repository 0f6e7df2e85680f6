// Execution dispatchers racing on one ledger, each on its own connection as separate processes
// would be, on SQLite and on PostgreSQL: every recommendation is executed exactly once, and the
// per-ticker daily limit holds across dispatchers. And crash recovery on both.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "obs/log.h"
#include "risk/dispatcher_test_util.h"
#include "store/postgres/postgres_ledger_test_backend.h"
#include "store/sqlite/sqlite_ledger_test_backend.h"

namespace sigflow::testing {
namespace {

// Makes the race certain instead of likely: each dispatcher, at its first market-data read (so
// holding its first claimed batch), waits until every dispatcher holds one. Claims are committed
// before that read, so the others must claim other rows meanwhile.
class Rendezvous {
 public:
  explicit Rendezvous(int parties) : parties_(parties) {}
  void ArriveAndWait() {
    std::unique_lock lock(mu_);
    if (++arrived_ >= parties_) all_.notify_all();
    // Bounded: a dispatcher that found nothing to claim never arrives.
    all_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_ >= parties_; });
  }

 private:
  const int parties_;
  std::mutex mu_;
  std::condition_variable all_;
  int arrived_ = 0;
};

class ExecutionRaceTest : public ::testing::TestWithParam<LedgerBackendParam> {
 protected:
  void SetUp() override {
    log::SetLevel(log::Level::kWarning);  // a line per decision is the product's, not the test's
    backend_ = GetParam().make();
    if (!backend_->available()) GTEST_SKIP() << backend_->name() << " is not available here";
    main_ = backend_->Open();
    ASSERT_NE(main_.ledger, nullptr);
  }

  // `tickers` x `per_ticker` fresh PENDING recommendations.
  std::vector<int64_t> Seed(int tickers, int per_ticker) {
    std::vector<int64_t> ids;
    for (int t = 0; t < tickers; ++t) {
      const std::string ticker = "T" + std::to_string(t);
      PutFreshMarket(&market_, ticker, kMarketNow, 50 + t, 0.01 + 0.001 * t);
      for (int i = 0; i < per_ticker; ++i) {
        ids.push_back(AddOrDie(main_.ledger.get(), NewRecommendation(ticker, kMarketNow - i)));
      }
    }
    return ids;
  }

  struct Totals {
    int64_t pulled = 0, simulated = 0, skipped = 0, failed = 0, lost = 0;
  };

  // `dispatchers` dispatchers, each on a connection of its own, run until none claims anything.
  Totals Race(int dispatchers, const ExecutionConfig& config) {
    std::vector<LedgerHandle> handles;
    for (int i = 0; i < dispatchers; ++i) handles.push_back(backend_->Open());
    std::vector<Totals> totals(dispatchers);
    std::vector<std::thread> threads;
    Rendezvous rendezvous(dispatchers);
    for (int i = 0; i < dispatchers; ++i) {
      threads.emplace_back([&, i] {
        HookedMarketView market(&market_, [&] { rendezvous.ArriveAndWait(); });
        DispatcherRig rig(handles[i].ledger.get(), &market, config, &clock_, &wall_);
        int idle = 0;
        while (idle < 3) {  // three empty runs in a row: the others have taken the rest
          RunReport r = rig.RunOnce();
          totals[i].pulled += r.run.pulled_count;
          totals[i].simulated += r.run.simulated_count;
          totals[i].skipped += r.run.skipped_count;
          totals[i].failed += r.run.failed_count;
          totals[i].lost += r.lost_claims;
          idle = r.run.pulled_count == 0 ? idle + 1 : 0;
        }
      });
    }
    for (auto& t : threads) t.join();
    Totals sum;
    for (const Totals& t : totals) {
      EXPECT_GT(t.pulled, 0) << "a dispatcher never got a claim: no race happened";
      sum.pulled += t.pulled;
      sum.simulated += t.simulated;
      sum.skipped += t.skipped;
      sum.failed += t.failed;
      sum.lost += t.lost;
    }
    return sum;
  }

  std::unique_ptr<LedgerTestBackend> backend_;
  LedgerHandle main_;
  InMemoryMarketView market_;
  ManualClock clock_{kMarketNow};
  ManualClock wall_{1'800'000'000'000};
};

ExecutionConfig Unlimited() {
  ExecutionConfig config;
  config.max_signals_per_run = 7;
  config.max_trades_per_ticker_per_day = 1000;
  config.max_recommendations_per_ticker = 1000;
  return config;
}

TEST_P(ExecutionRaceTest, TwoDispatchersExecuteEachRecommendationExactlyOnce) {
  const std::vector<int64_t> ids = Seed(20, 10);
  const Totals t = Race(2, Unlimited());
  EXPECT_EQ(t.pulled, 200);
  EXPECT_EQ(t.simulated, 200);
  EXPECT_EQ(t.skipped + t.failed + t.lost, 0);
  auto fills = main_.ledger->ListLedger({.limit = 0});
  ASSERT_TRUE(fills.ok());
  EXPECT_EQ(fills->size(), 200u);
  std::map<int64_t, int> fills_per_recommendation;
  for (const LedgerEntry& f : *fills) ++fills_per_recommendation[f.recommendation_id];
  for (int64_t id : ids) {
    EXPECT_EQ(fills_per_recommendation[id], 1) << "recommendation " << id;
    auto r = main_.ledger->GetRecommendation(id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, RecommendationStatus::kSimulated);
    EXPECT_EQ(r->attempts, 1);  // claimed once, by one of them
  }
}

TEST_P(ExecutionRaceTest, RacingDispatchersKeepTheDailyLimit) {
  Seed(20, 10);
  ExecutionConfig config = Unlimited();
  config.max_trades_per_ticker_per_day = 2;
  const Totals t = Race(3, config);
  EXPECT_EQ(t.pulled, 200);
  EXPECT_EQ(t.simulated, 40);  // two per ticker, whichever dispatcher took them
  EXPECT_EQ(t.skipped, 160);
  auto fills = main_.ledger->ListLedger({.limit = 0});
  ASSERT_TRUE(fills.ok());
  std::map<std::string, int> per_ticker;
  for (const LedgerEntry& f : *fills) ++per_ticker[f.ticker];
  EXPECT_EQ(per_ticker.size(), 20u);
  for (const auto& [ticker, n] : per_ticker) EXPECT_EQ(n, 2) << ticker;
  auto skips = main_.ledger->CountGateSkips({});
  ASSERT_TRUE(skips.ok());
  ASSERT_EQ(skips->by_reason.size(), 1u);
  EXPECT_EQ(skips->by_reason[0],
            (std::pair<std::string, int64_t>{"TICKER_DAILY_LIMIT_REACHED", 160}));
}

// A dispatcher (another process) claims a batch and dies before settling any of it. After
// processing_ttl_minutes the survivors reap the claims and execute each of them once.
TEST_P(ExecutionRaceTest, SurvivorsRecoverTheClaimsOfADeadDispatcher) {
  const std::vector<int64_t> ids = Seed(5, 4);
  {
    LedgerHandle dead = backend_->Open();
    auto claimed = dead.ledger->ClaimRecommendations("00000000-0000-4000-8000-00000000dead", 8, 0,
                                                     wall_.NowMs());
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 8u);
  }  // its connection closes: a crash
  wall_.AdvanceMs(11 * kMinute);
  const Totals t = Race(2, Unlimited());
  EXPECT_EQ(t.pulled, 20);
  EXPECT_EQ(t.simulated, 20);
  auto counts = main_.ledger->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->fills, 20);
  EXPECT_EQ(counts->processing + counts->pending, 0);
  int reclaimed = 0;
  for (int64_t id : ids) {
    auto r = main_.ledger->GetRecommendation(id);
    ASSERT_TRUE(r.ok());
    reclaimed += r->attempts == 2 ? 1 : 0;
  }
  EXPECT_EQ(reclaimed, 8);
}

std::unique_ptr<LedgerTestBackend> MakeSqlite() { return std::make_unique<SqliteLedgerBackend>(); }
std::unique_ptr<LedgerTestBackend> MakePostgres() {
  return std::make_unique<PostgresLedgerBackend>();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ExecutionRaceTest,
                         ::testing::Values(LedgerBackendParam{"sqlite", MakeSqlite}));
INSTANTIATE_TEST_SUITE_P(Postgres, ExecutionRaceTest,
                         ::testing::Values(LedgerBackendParam{"postgres", MakePostgres}));

}  // namespace
}  // namespace sigflow::testing
