// The LedgerStore contract on PostgreSQL (ledger_store_conformance.h), the migrations' version
// gap, and the trigger dispatcher's HALTED batch.
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

TEST(PostgresMigrationsTest, VersionsNeedNotBeContiguous) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  auto conn = Connect(schema);
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(store_postgres::ApplyMigrations(conn.get(), 100).ok());
  EXPECT_EQ(*store_postgres::AppliedVersions(conn.get()), (std::set<int>{1, 3}));
  std::vector<store_postgres::Migration> merged(store_postgres::Migrations().begin(),
                                                store_postgres::Migrations().end());
  merged.insert(merged.begin() + 1,
                {2, "market tables (stand-in)", "CREATE TABLE market_stand_in (x INTEGER)"});
  ASSERT_TRUE(store_postgres::ApplyMigrations(conn.get(), 200, merged).ok());
  EXPECT_EQ(*store_postgres::AppliedVersions(conn.get()), (std::set<int>{1, 2, 3}));
  EXPECT_EQ(schema.QueryInt("SELECT applied_at FROM schema_migrations WHERE version = 2"), 200);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM market_stand_in"), 0);
  EXPECT_TRUE(store_postgres::ApplyMigrations(conn.get(), 300).ok());
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
