// The LedgerStore contract on PostgreSQL (ledger_store_conformance.h), the migrations' version
// gap, and the trigger dispatcher's HALTED batch.
#include "core/time_format.h"
#include "store/ledger_store_conformance.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_ledger_test_backend.h"

namespace sigflow::testing {
namespace {

std::unique_ptr<LedgerTestBackend> MakePostgresBackend() {
  return std::make_unique<PostgresLedgerBackend>();
}

INSTANTIATE_TEST_SUITE_P(Postgres, LedgerStoreTest,
                         ::testing::Values(LedgerBackendParam{"postgres", MakePostgresBackend}));

std::unique_ptr<store_postgres::PgConnection> Connect(const TestSchema& schema) {
  auto settings = store_postgres::MakeConnectSettings(schema.Options());
  EXPECT_TRUE(settings.ok());
  if (!settings.ok()) return nullptr;
  auto conn = store_postgres::PgConnection::Open(*settings);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(conn).value() : nullptr;
}

// Versions 2 (market tables) and 3 (ledger) were written side by side: a database may have got 3
// from a binary that did not know 2 yet. A later binary applies 2 below 3.
TEST(PostgresMigrationsTest, VersionsNeedNotBeContiguous) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  auto conn = Connect(schema);
  ASSERT_NE(conn, nullptr);
  std::vector<store_postgres::Migration> without_two;
  std::set<int> all, all_but_two;
  for (const auto& m : store_postgres::Migrations()) {
    all.insert(m.version);
    if (m.version == 2) continue;
    without_two.push_back(m);
    all_but_two.insert(m.version);
  }
  ASSERT_TRUE(all.count(2) && all.count(3));
  ASSERT_TRUE(store_postgres::ApplyMigrations(conn.get(), 100, without_two).ok());
  EXPECT_EQ(*store_postgres::AppliedVersions(conn.get()), all_but_two);
  ASSERT_TRUE(store_postgres::ApplyMigrations(conn.get(), 200).ok());
  EXPECT_EQ(*store_postgres::AppliedVersions(conn.get()), all);
  EXPECT_EQ(schema.QueryInt("SELECT applied_at FROM schema_migrations WHERE version = 2"), 200);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM lane_telemetry"), 0);
  EXPECT_TRUE(store_postgres::ApplyMigrations(conn.get(), 300, without_two).ok());
  ASSERT_TRUE(schema.Try("INSERT INTO schema_migrations VALUES (9, 'future', 1)").ok());
  Status refused = store_postgres::ApplyMigrations(conn.get(), 400);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("newer"), std::string::npos) << refused.ToString();
}

TEST(PostgresHaltedWakeTest, HaltedBatchRecordsSignalsButWakesNothing) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1000);
  auto store = schema.Open(&clock);
  ASSERT_NE(store, nullptr);
  ExpectHaltedWakeWakesNothing(store.get());
  EXPECT_EQ(schema.QueryInt("SELECT trading_halted FROM signals WHERE signal_id = 's1'"), 2);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM executions"), 0);
}

// Settle is optimistic on PostgreSQL: when another dispatcher fills the same ticker between its
// read and its write, it decides again on the fresh activity (a daily limit cannot be overrun).
TEST(PostgresLedgerTest, SettleDecidesAgainWhenTheTickerChangedMeanwhile) {
  SIGFLOW_REQUIRE_POSTGRES();
  PostgresLedgerBackend backend;
  LedgerHandle a = backend.Open(), b = backend.Open();
  ASSERT_NE(a.ledger, nullptr);
  ASSERT_NE(b.ledger, nullptr);
  Recommendation rec;
  rec.ticker = "AAPL";
  rec.created_at_ms = 1000;
  rec.confidence = 0.9;
  ASSERT_TRUE(a.ledger->AddRecommendation(rec).ok());
  ASSERT_TRUE(a.ledger->AddRecommendation(rec).ok());
  auto mine = a.ledger->ClaimRecommendations("00000000-0000-4000-8000-00000000000a", 1, 0, 1);
  auto theirs = b.ledger->ClaimRecommendations("00000000-0000-4000-8000-00000000000b", 1, 0, 1);
  ASSERT_TRUE(mine.ok() && mine->size() == 1 && theirs.ok() && theirs->size() == 1);
  auto fill_of = [](const Recommendation& r) {
    Settlement s;
    s.status = RecommendationStatus::kSimulated;
    s.processed_at_ms = 5;
    s.fill = LedgerEntry{};
    s.fill->execution_id =
        r.id == 1 ? "00000000-0000-4000-8000-000000000001" : "00000000-0000-4000-8000-000000000002";
    s.fill->recommendation_id = r.id;
    s.fill->dispatcher_run_id = r.dispatcher_run_id;
    s.fill->ticker = r.ticker;
    s.fill->action = r.action;
    s.fill->simulated_ts_ms = 2000;
    s.fill->entry_price = s.fill->qty = s.fill->notional = 100;
    s.fill->stop_loss_price = 90;
    s.fill->take_profit_price = 120;
    s.fill->max_hold_minutes = 240;
    s.fill->fill_model = "close+slip";
    return s;
  };
  TickerActivityQuery day;
  day.day = {0, kDayMs};
  std::vector<int64_t> seen;
  auto settled = a.ledger->Settle((*mine)[0], day, [&](const TickerActivity& activity) {
    seen.push_back(activity.executions_today);
    if (seen.size() == 1) {  // meanwhile, the other dispatcher fills the same ticker
      auto other = b.ledger->Settle((*theirs)[0], day,
                                    [&](const TickerActivity&) { return fill_of((*theirs)[0]); });
      EXPECT_TRUE(other.ok()) << other.status().ToString();
    }
    // The daily limit of 1, decided on what the decision saw.
    if (activity.executions_today >= 1) {
      Settlement skip;
      skip.status = RecommendationStatus::kSkipped;
      skip.failure_reason = "TICKER_DAILY_LIMIT_REACHED: observed=1 threshold=1";
      skip.processed_at_ms = 5;
      return skip;
    }
    return fill_of((*mine)[0]);
  });
  ASSERT_TRUE(settled.ok()) << settled.status().ToString();
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(settled->settlement.status, RecommendationStatus::kSkipped);
  auto counts = a.ledger->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->fills, 1);
}

TEST(PostgresLedgerTest, TruncateOfTheLedgerIsRefused) {
  SIGFLOW_REQUIRE_POSTGRES();
  PostgresLedgerBackend backend;
  auto handle = backend.Open();
  ASSERT_NE(handle.ledger, nullptr);
  for (const char* table : {"dispatch_executions", "dispatch_recommendations",
                            "trading_state_changes", "dispatcher_runs"}) {
    Status s = backend.Exec(std::string("TRUNCATE ") + table + " CASCADE");
    EXPECT_FALSE(s.ok()) << table;
    EXPECT_NE(s.message().find("append-only"), std::string::npos) << s.ToString();
  }
}

}  // namespace
}  // namespace sigflow::testing
