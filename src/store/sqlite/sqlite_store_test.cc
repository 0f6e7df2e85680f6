// SqliteStore: migrations, pipelines, change callbacks, history and counts.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow {
namespace {

using testing::OpenOrDie;
using testing::SignalPipeline;
using testing::TempDir;

int64_t QueryInt(sqlite::Database* db, const std::string& sql) {
  auto st = db->Prepare(sql);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  if (!st.ok()) return -1;
  auto row = st->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? st->ColumnInt(0) : -1;
}

TEST(SqliteStoreTest, MigrationsCreateTheSchemaOnANewFile) {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  auto store = OpenOrDie(dir.File("new/sigflow.db"), &clock);
  ASSERT_NE(store, nullptr);
  auto db = sqlite::Database::Open(dir.File("new/sigflow.db"));
  ASSERT_TRUE(db.ok());
  const int latest = store_sqlite::Migrations().back().version;
  EXPECT_EQ(*store_sqlite::SchemaVersion(db->get()), latest);
  EXPECT_EQ(QueryInt(db->get(), "SELECT applied_at FROM schema_migrations WHERE version = 1"),
            1'700'000'000'000);
  for (const char* table : {"pipelines", "executions", "signals", "signal_wakes", "dead_letters"}) {
    EXPECT_EQ(QueryInt(db->get(), std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                              "'table' AND name = '") +
                                      table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(QueryInt(db->get(),
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                     "('executions_one_active_per_pipeline', 'executions_pending_oldest_first', "
                     "'pipelines_trigger_mode')"),
            3);
}

TEST(SqliteStoreTest, ReopeningIsANoOp) {
  TempDir dir;
  ManualClock clock(1000);
  {
    auto store = OpenOrDie(dir.File("sigflow.db"), &clock);
    ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  }
  clock.SetMs(9999);
  auto store = OpenOrDie(dir.File("sigflow.db"), &clock);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetPipeline("p1").ok());
  auto db = sqlite::Database::Open(dir.File("sigflow.db"));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(store_sqlite::Migrations().size()));
  EXPECT_EQ(QueryInt(db->get(), "SELECT max(applied_at) FROM schema_migrations"), 1000);
  // Applying again directly is a no-op too.
  EXPECT_TRUE(store_sqlite::ApplyMigrations(db->get(), 5).ok());
  EXPECT_EQ(QueryInt(db->get(), "SELECT max(applied_at) FROM schema_migrations"), 1000);
}

TEST(SqliteStoreTest, ConcurrentOpenersMigrateOnce) {
  TempDir dir;
  ManualClock clock(1000);
  const std::string path = dir.File("race.db");
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    openers.emplace_back([&] {
      auto store = OpenSqliteStore(path, &clock);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (store.ok()) ++opened;
    });
  }
  for (auto& t : openers) t.join();
  EXPECT_EQ(opened, 4);
  auto db = sqlite::Database::Open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(store_sqlite::Migrations().size()));
}

TEST(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  ManualClock clock(1000);
  ASSERT_NE(OpenOrDie(dir.File("sigflow.db"), &clock), nullptr);
  {
    auto db = sqlite::Database::Open(dir.File("sigflow.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 1)").ok());
  }
  auto store = OpenSqliteStore(dir.File("sigflow.db"), &clock);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("999"), std::string::npos);
}

TEST(SqliteStoreTest, OpenFailureNamesThePath) {
  TempDir dir;
  ManualClock clock;
  ASSERT_NE(OpenOrDie(dir.File("plain.db"), &clock), nullptr);
  auto store = OpenSqliteStore(dir.File("plain.db/below/x.db"), &clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "unavailable");
  EXPECT_NE(store.status().message().find("plain.db/below/x.db"), std::string::npos);
}

TEST(SqliteStoreTest, AddGetListRemovePipelines) {
  ManualClock clock(1000);
  auto store = OpenOrDie(":memory:", &clock);
  Pipeline a = SignalPipeline("", {" aapl", "MSFT", "AAPL"});
  a.description = "momentum";
  a.user_id = "user-1";
  auto added = store->AddPipeline(a);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->id.size(), 36u);  // a UUID was assigned
  EXPECT_EQ(added->created_at_ms, 1000);
  EXPECT_EQ(added->updated_at_ms, 1000);
  EXPECT_EQ(added->scanner_tickers, (std::vector<std::string>{"AAPL", "MSFT"}));

  clock.SetMs(2000);
  Pipeline b;
  b.id = "daily";
  b.name = "Daily Scanner";
  ASSERT_TRUE(store->AddPipeline(b).ok());

  auto got = store->GetPipeline(added->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, a.name);
  EXPECT_EQ(got->description, "momentum");
  EXPECT_EQ(got->user_id, "user-1");
  EXPECT_EQ(got->trigger_mode, TriggerMode::kSignal);
  EXPECT_EQ(got->scanner_tickers, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_TRUE(got->is_active);
  EXPECT_EQ(got->config_json, a.config_json);

  auto periodic = store->GetPipeline("daily");
  ASSERT_TRUE(periodic.ok());
  EXPECT_EQ(periodic->trigger_mode, TriggerMode::kPeriodic);
  EXPECT_TRUE(periodic->scanner_tickers.empty());
  EXPECT_EQ(periodic->config_json, "{}");

  auto list = store->ListPipelines();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, added->id);  // by created_at
  EXPECT_EQ((*list)[1].id, "daily");

  auto again = store->AddPipeline(b);
  EXPECT_EQ(again.status().code(), "conflict");

  EXPECT_TRUE(store->RemovePipeline("daily").ok());
  EXPECT_EQ(store->GetPipeline("daily").status().code(), "not_found");
  EXPECT_EQ(store->RemovePipeline("daily").code(), "not_found");
  EXPECT_EQ(store->ListPipelines()->size(), 1u);
}

TEST(SqliteStoreTest, PipelineValidationNamesTheField) {
  ManualClock clock;
  auto store = OpenOrDie(":memory:", &clock);
  auto expect_error = [&](Pipeline p, const std::string& field) {
    auto r = store->AddPipeline(std::move(p));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), "invalid_argument");
    EXPECT_EQ(r.status().message().rfind(field, 0), 0u) << r.status().message();
  };
  Pipeline p = SignalPipeline("x", {"AAPL"});
  p.name = "  ";
  expect_error(p, "name:");
  expect_error(SignalPipeline("x", {}), "scanner_tickers:");
  expect_error(SignalPipeline("x", {"AAPL", "not a ticker"}), "scanner_tickers[1]:");
  p = SignalPipeline("x", {"AAPL"});
  p.config_json = "[1, 2]";
  expect_error(p, "config:");
  p.config_json = "{not json";
  expect_error(p, "config:");
  EXPECT_EQ(store->ListPipelines()->size(), 0u);
}

TEST(SqliteStoreTest, LoadSignalPipelinesKeepsActiveSignalPipelinesWithTickers) {
  ManualClock clock;
  auto store = OpenOrDie(":memory:", &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("wanted", {"AAPL"})).ok());
  Pipeline inactive = SignalPipeline("inactive", {"AAPL"});
  inactive.is_active = false;
  ASSERT_TRUE(store->AddPipeline(inactive).ok());
  Pipeline periodic = SignalPipeline("periodic", {"AAPL"});
  periodic.trigger_mode = TriggerMode::kPeriodic;
  ASSERT_TRUE(store->AddPipeline(periodic).ok());
  Pipeline no_tickers = SignalPipeline("no_tickers", {});
  no_tickers.trigger_mode = TriggerMode::kPeriodic;
  ASSERT_TRUE(store->AddPipeline(no_tickers).ok());

  auto loaded = store->LoadSignalPipelines();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, "wanted");
  EXPECT_EQ((*loaded)[0].scanner_tickers, std::vector<std::string>{"AAPL"});
}

TEST(SqliteStoreTest, OnPipelinesChangedFiresAfterCommit) {
  TempDir dir;
  ManualClock clock;
  auto store = OpenOrDie(dir.File("sigflow.db"), &clock);
  auto observer = OpenOrDie(dir.File("sigflow.db"), &clock);  // another connection
  std::atomic<int> calls{0};
  size_t seen = 0;
  store->OnPipelinesChanged([&] {
    ++calls;
    // Committed: visible to another connection from inside the callback.
    seen = observer->ListPipelines()->size();
  });
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 1u);
  EXPECT_FALSE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  EXPECT_EQ(calls, 1);  // nothing changed
  ASSERT_TRUE(store->RemovePipeline("p1").ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(seen, 0u);
}

TEST(SqliteStoreTest, RemovingAPipelineRemovesItsExecutions) {
  ManualClock clock;
  auto store = OpenOrDie(":memory:", &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  auto id = store->EnqueueExecution("p1", false, {});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store->RemovePipeline("p1").ok());
  EXPECT_EQ(store->GetExecution(*id).status().code(), "not_found");
}

TEST(SqliteStoreTest, LoadSignalsKeepsTheOrderOfIdsAndSkipsMissing) {
  ManualClock clock;
  auto store = OpenOrDie(":memory:", &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  testing::BatchBuilder b;
  b.Signals("s", 3).Match("p1", {0, 2});
  ASSERT_TRUE(store->Wake(b.Build()).ok());
  auto loaded = store->LoadSignals({"s2", "nope", "s0", "s1"});
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_EQ((*loaded)[0].signal_id, "s2");
  EXPECT_EQ((*loaded)[1].signal_id, "s0");
  EXPECT_EQ((*loaded)[2].signal_id, "s1");
  EXPECT_EQ((*loaded)[1].payload, R"({"signal_id":"s0","tickers":[]})");
  EXPECT_EQ((*loaded)[1].timestamp_ms, 1000);
  EXPECT_EQ((*loaded)[1].received_at_ms, 2000);
  EXPECT_EQ((*loaded)[1].outcome.enqueued, 1u);
  EXPECT_EQ((*loaded)[0].outcome.skipped_running, 1u);
  EXPECT_EQ((*loaded)[2].outcome.matched, 0u);
}

TEST(SqliteStoreTest, CountsCoverEveryTable) {
  ManualClock clock;
  auto store = OpenOrDie(":memory:", &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p2", {"MSFT"})).ok());
  testing::BatchBuilder b;
  b.Signals("s", 2).Match("p1", {0}).Match("p2", {1}).DeadLetter("{", "malformed_json", "bad");
  ASSERT_TRUE(store->Wake(b.Build()).ok());
  ASSERT_EQ(store->ClaimExecutions("w", 1, std::chrono::seconds(30))->size(), 1u);
  auto c = store->Counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pipelines, 2);
  EXPECT_EQ(c->signals, 2);
  EXPECT_EQ(c->signal_wakes, 2);
  EXPECT_EQ(c->dead_letters, 1);
  EXPECT_EQ(c->executions_pending, 1);
  EXPECT_EQ(c->executions_running, 1);
  EXPECT_EQ(c->executions_completed, 0);
  EXPECT_EQ(c->executions_failed, 0);
}

}  // namespace
}  // namespace sigflow
