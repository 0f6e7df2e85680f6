// The LedgerStore contract on SQLite (ledger_store_conformance.h), the migrations' version gap,
// and the trigger dispatcher's HALTED batch.
#include "store/ledger_store_conformance.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_ledger_test_backend.h"

namespace sigflow::testing {
namespace {

std::unique_ptr<LedgerTestBackend> MakeSqliteBackend() {
  return std::make_unique<SqliteLedgerBackend>();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerStoreTest,
                         ::testing::Values(LedgerBackendParam{"sqlite", MakeSqliteBackend}));

int64_t Count(sqlite::Database* db, const std::string& sql) {
  auto st = db->Prepare(sql);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  if (!st.ok()) return -1;
  auto row = st->Step();
  return row.ok() && *row ? st->ColumnInt(0) : -1;
}

// Versions 2 (market tables) and 3 (ledger) were written side by side: a database may have got 3
// from a binary that did not know 2 yet. A later binary applies 2 below 3.
TEST(SqliteMigrationsTest, VersionsNeedNotBeContiguous) {
  TempDir dir;
  auto db = sqlite::Database::Open(dir.File("gap.db"));
  ASSERT_TRUE(db.ok());
  std::vector<store_sqlite::Migration> without_two;
  std::set<int> all, all_but_two;
  for (const auto& m : store_sqlite::Migrations()) {
    all.insert(m.version);
    if (m.version == 2) continue;
    without_two.push_back(m);
    all_but_two.insert(m.version);
  }
  ASSERT_TRUE(all.count(2) && all.count(3));
  ASSERT_TRUE(store_sqlite::ApplyMigrations(db->get(), 100, without_two).ok());
  EXPECT_EQ(*store_sqlite::AppliedVersions(db->get()), all_but_two);
  EXPECT_EQ(*store_sqlite::SchemaVersion(db->get()), *all.rbegin());
  ASSERT_TRUE(store_sqlite::ApplyMigrations(db->get(), 200).ok());
  EXPECT_EQ(*store_sqlite::AppliedVersions(db->get()), all);
  EXPECT_EQ(Count(db->get(), "SELECT applied_at FROM schema_migrations WHERE version = 2"), 200);
  EXPECT_EQ(Count(db->get(), "SELECT count(*) FROM lane_telemetry"), 0);
  // ... and the binary without 2 still opens that database (2's tables are not its business).
  EXPECT_TRUE(store_sqlite::ApplyMigrations(db->get(), 300, without_two).ok());
  // A database newer than every version known is refused.
  ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (9, 'future', 1)").ok());
  Status refused = store_sqlite::ApplyMigrations(db->get(), 400);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("newer"), std::string::npos) << refused.ToString();
}

TEST(SqliteHaltedWakeTest, HaltedBatchRecordsSignalsButWakesNothing) {
  TempDir dir;
  ManualClock clock(1000);
  auto store = OpenOrDie(dir.File("halted.db"), &clock);
  ExpectHaltedWakeWakesNothing(store.get());
}

}  // namespace
}  // namespace sigflow::testing
