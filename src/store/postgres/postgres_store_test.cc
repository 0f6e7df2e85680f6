// PostgresStore: migrations, pipelines, notifications, history and counts.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_test_util.h"

namespace sigflow {
namespace {

using testing::SignalPipeline;
using testing::TestSchema;
using testing::WaitFor;

TEST(PostgresStoreTest, MigrationsCreateTheSchema) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1'700'000'000'000);
  ASSERT_NE(schema.Open(&clock), nullptr);
  const int latest = store_postgres::Migrations().back().version;
  EXPECT_EQ(schema.QueryInt("SELECT max(version) FROM schema_migrations"), latest);
  EXPECT_EQ(schema.QueryInt("SELECT applied_at FROM schema_migrations WHERE version = 1"),
            1'700'000'000'000);
  const std::string in_schema = " AND schemaname = '" + schema.name() + "'";
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM pg_tables WHERE tablename IN ('pipelines', "
                            "'executions', 'signals', 'signal_wakes', 'dead_letters')" +
                            in_schema),
            5);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM pg_indexes WHERE indexname IN "
                            "('executions_one_active_per_pipeline', "
                            "'executions_pending_oldest_first', 'pipelines_trigger_mode')" +
                            in_schema),
            3);
  // Migration 7: executions are indexed by pipeline only once finished.
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM pg_indexes WHERE indexname = "
                            "'executions_finished_by_pipeline'" +
                            in_schema),
            1);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM pg_indexes WHERE indexname = "
                            "'executions_by_pipeline'" +
                            in_schema),
            0);
  // Migration 8: by pipeline and finish time, for the claim's latest-finish lookup.
  EXPECT_EQ(schema.QueryInt("SELECT count(*) WHERE pg_get_indexdef(to_regclass('" + schema.name() +
                            ".executions_finished_by_pipeline')) LIKE "
                            "'%(pipeline_id, finished_at)%WHERE%COMPLETED%FAILED%'"),
            1);
  // Regression: filtering pg_indexes on indexdef made PostgreSQL render the definition of every
  // index in the cluster, including those of other tests' schemas being dropped concurrently
  // ("could not open relation with OID"). Render only this schema's index.
  EXPECT_EQ(schema.QueryInt("SELECT count(*) WHERE pg_get_indexdef(to_regclass('" + schema.name() +
                            ".executions_one_active_per_pipeline')) LIKE "
                            "'%UNIQUE%WHERE%PENDING%RUNNING%'"),
            1);
  // Regression: counting trigger_mode types cluster-wide, twice, raced with other tests creating
  // and dropping their schemas (2 enums seen, then 1). Count this schema's only.
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON "
                            "n.oid = t.typnamespace WHERE t.typname = 'trigger_mode' AND "
                            "t.typtype = 'e' AND n.nspname = '" +
                            schema.name() + "'"),
            1);
  EXPECT_EQ(schema
                .Query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                       "'signals' AND column_name = 'payload' AND table_schema = '" +
                       schema.name() + "'")
                .Text(0, 0),
            "jsonb");
}

// A prepared statement is parsed once per connection. When a column it returns changes type
// under it (a newer process migrating), PostgreSQL refuses the old plan; ExecPrepared prepares
// it again, and the caller sees only the new result.
TEST(PostgresStoreTest, PreparedStatementsOutliveAColumnTypeChange) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  auto conn = schema.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->ExecScript("CREATE TABLE prepared_t (v INTEGER); "
                               "INSERT INTO prepared_t VALUES (7)")
                  .ok());
  static constexpr char kRead[] = "SELECT v FROM prepared_t WHERE v > $1";
  for (int round = 0; round < 3; ++round) {
    store_postgres::PgParams params;
    params.Int4(0);
    auto r = conn->ExecPrepared(kRead, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->rows(), 1);
    EXPECT_EQ(r->Text(0, 0), round < 2 ? "7" : "7.5") << round;
    if (round == 1) {
      ASSERT_TRUE(conn->ExecScript("ALTER TABLE prepared_t ALTER COLUMN v TYPE NUMERIC; "
                                   "UPDATE prepared_t SET v = 7.5")
                      .ok());
    }
  }
  // A statement that cannot be prepared is an error like any other, and nothing is kept.
  store_postgres::PgParams none;
  EXPECT_EQ(conn->ExecPrepared("SELECT nope FROM prepared_t", none).status().code(), "internal");
  EXPECT_TRUE(conn->ok());
}

// A prepared statement is prepared again (and the old one dropped) once it is a second old, so
// that its generic plan follows the table's growth.
TEST(PostgresStoreTest, PreparedStatementsArePreparedAgainEverySecond) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  auto conn = schema.Connect();
  ASSERT_NE(conn, nullptr);
  static constexpr char kCount[] = "SELECT count(*) FROM pg_prepared_statements WHERE $1";
  auto names = [&] {
    auto r = conn->Exec("SELECT string_agg(name, ',') FROM pg_prepared_statements");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::string(r->Text(0, 0)) : std::string();
  };
  for (int i = 0; i < 6; ++i) {
    store_postgres::PgParams params;
    params.Bool(true);
    auto r = conn->ExecPrepared(kCount, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Int(0, 0), 1);
  }
  const std::string first = names();
  EXPECT_FALSE(first.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  store_postgres::PgParams params;
  params.Bool(true);
  auto r = conn->ExecPrepared(kCount, params);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Int(0, 0), 1);  // the old one was dropped in the same round trip
  const std::string second = names();
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second, first);
}

TEST(PostgresStoreTest, ReopeningIsANoOp) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1000);
  {
    auto store = schema.Open(&clock);
    ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  }
  clock.SetMs(9999);
  auto store = schema.Open(&clock);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetPipeline("p1").ok());
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(store_postgres::Migrations().size()));
  EXPECT_EQ(schema.QueryInt("SELECT max(applied_at) FROM schema_migrations"), 1000);
}

TEST(PostgresStoreTest, ConcurrentOpenersMigrateOnce) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1000);
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    openers.emplace_back([&] {
      auto store = OpenPostgresStore(schema.Options(), &clock);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (store.ok()) ++opened;
    });
  }
  for (auto& t : openers) t.join();
  EXPECT_EQ(opened, 4);
  EXPECT_EQ(schema.QueryInt("SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(store_postgres::Migrations().size()));
}

TEST(PostgresStoreTest, RefusesADatabaseFromANewerVersion) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1000);
  ASSERT_NE(schema.Open(&clock), nullptr);
  ASSERT_TRUE(schema.Try("INSERT INTO schema_migrations VALUES (999, 'future', 1)").ok());
  auto store = OpenPostgresStore(schema.Options(), &clock);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("999"), std::string::npos);
}

TEST(PostgresStoreTest, UnreachableServerIsUnavailableQuickly) {
  PostgresOptions options;
  options.url = "postgresql://nobody@127.0.0.1:1/none";  // nothing listens on port 1
  ManualClock clock;
  const auto start = std::chrono::steady_clock::now();
  auto store = OpenPostgresStore(options, &clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), "unavailable");
  EXPECT_NE(store.status().message().find("127.0.0.1:1"), std::string::npos)
      << store.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(PostgresStoreTest, AddGetListRemovePipelines) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock(1000);
  auto store = schema.Open(&clock);
  Pipeline a = SignalPipeline("", {" aapl", "MSFT", "AAPL"});
  a.description = "momentum";
  a.user_id = "user-1";
  auto added = store->AddPipeline(a);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->id.size(), 36u);  // a UUID was assigned
  EXPECT_EQ(added->created_at_ms, 1000);
  EXPECT_EQ(added->scanner_tickers, (std::vector<std::string>{"AAPL", "MSFT"}));

  clock.SetMs(2000);
  Pipeline b;
  b.id = "daily";
  b.name = "Daily Scanner";
  ASSERT_TRUE(store->AddPipeline(b).ok());

  auto got = store->GetPipeline(added->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, a.name);
  EXPECT_EQ(got->description, "momentum");
  EXPECT_EQ(got->user_id, "user-1");
  EXPECT_EQ(got->trigger_mode, TriggerMode::kSignal);
  EXPECT_EQ(got->scanner_tickers, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_TRUE(got->is_active);
  // JSONB keeps the value, not the spelling.
  EXPECT_EQ(nlohmann::json::parse(got->config_json), nlohmann::json::parse(a.config_json));
  EXPECT_EQ(got->created_at_ms, 1000);
  EXPECT_EQ(got->updated_at_ms, 1000);

  auto periodic = store->GetPipeline("daily");
  ASSERT_TRUE(periodic.ok());
  EXPECT_EQ(periodic->trigger_mode, TriggerMode::kPeriodic);
  EXPECT_TRUE(periodic->scanner_tickers.empty());
  EXPECT_EQ(periodic->user_id, "");
  EXPECT_EQ(periodic->config_json, "{}");

  auto list = store->ListPipelines();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, added->id);  // by created_at
  EXPECT_EQ((*list)[1].id, "daily");

  EXPECT_EQ(store->AddPipeline(b).status().code(), "conflict");

  EXPECT_TRUE(store->RemovePipeline("daily").ok());
  EXPECT_EQ(store->GetPipeline("daily").status().code(), "not_found");
  EXPECT_EQ(store->RemovePipeline("daily").code(), "not_found");
  EXPECT_EQ(store->ListPipelines()->size(), 1u);
}

TEST(PostgresStoreTest, PipelineValidationNamesTheField) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto store = schema.Open(&clock);
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
  p.config_json = R"({"text":"\u0000"})";  // valid JSON that JSONB cannot hold
  expect_error(p, "config:");
  EXPECT_EQ(store->ListPipelines()->size(), 0u);
}

TEST(PostgresStoreTest, LoadSignalPipelinesKeepsActiveSignalPipelinesWithTickers) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto store = schema.Open(&clock);
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

TEST(PostgresStoreTest, OnPipelinesChangedFiresAfterCommit) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  PostgresOptions options = schema.Options();
  options.listen = false;  // only this process's own changes
  auto store = std::move(OpenPostgresStore(options, &clock)).value();
  auto observer = schema.Open(&clock);
  std::atomic<int> calls{0};
  size_t seen = 0;
  store->OnPipelinesChanged([&] {
    ++calls;
    seen = observer->ListPipelines()->size();  // committed: visible to another connection
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

// Two store objects stand for two processes: one's changes reach the other's callbacks through
// LISTEN/NOTIFY.
TEST(PostgresStoreTest, NotificationsReachAnotherStoreWithinASecond) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto writer = schema.Open(&clock);
  auto reader = schema.Open(&clock);
  std::atomic<int> pipelines{0}, executions{0};
  reader->OnPipelinesChanged([&] { ++pipelines; });
  reader->OnExecutionsEnqueued([&] { ++executions; });
  // Once listening, the listener runs every callback once (changes before were not heard).
  ASSERT_TRUE(WaitFor([&] { return pipelines > 0 && executions > 0; }));

  pipelines = 0;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  ASSERT_TRUE(WaitFor([&] { return pipelines > 0; }, std::chrono::milliseconds(1000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

  executions = 0;
  ASSERT_TRUE(writer->EnqueueExecution("p1", false, {}).ok());
  EXPECT_TRUE(WaitFor([&] { return executions > 0; }, std::chrono::milliseconds(1000)));

  executions = 0;
  ASSERT_TRUE(writer
                  ->CompleteExecution(
                      writer->ClaimExecutions("w", 1, std::chrono::seconds(1))->at(0).id, "w", "{}")
                  .ok());
  testing::BatchBuilder b;
  b.Signals("s", 2).Match("p1", {0, 1});
  ASSERT_EQ(writer->Wake(b.Build())->enqueued.size(), 1u);
  EXPECT_TRUE(WaitFor([&] { return executions > 0; }, std::chrono::milliseconds(1000)));

  pipelines = 0;
  ASSERT_TRUE(writer->RemovePipeline("p1").ok());
  EXPECT_TRUE(WaitFor([&] { return pipelines > 0; }, std::chrono::milliseconds(1000)));
}

TEST(PostgresStoreTest, RemovingAPipelineRemovesItsExecutionsAndWakes) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto store = schema.Open(&clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p2", {"AAPL"})).ok());
  testing::BatchBuilder b;
  b.Signals("s", 1).Match("p1", {0}).Match("p2", {0});
  auto r = store->Wake(b.Build());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->enqueued.size(), 2u);
  ASSERT_TRUE(store->RemovePipeline("p1").ok());
  EXPECT_EQ(store->GetExecution(r->enqueued[0].execution_id).status().code(), "not_found");
  EXPECT_TRUE(store->GetExecution(r->enqueued[1].execution_id).ok());
  EXPECT_EQ(store->Counts()->signal_wakes, 1);
  EXPECT_EQ(store->Counts()->signals, 1);
}

TEST(PostgresStoreTest, LoadSignalsKeepsTheOrderOfIdsAndSkipsMissing) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto store = schema.Open(&clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  testing::BatchBuilder b;
  b.Signals("s", 3).Match("p1", {0, 2});
  ASSERT_TRUE(store->Wake(b.Build()).ok());
  auto loaded = store->LoadSignals({"s2", "nope", "s0", "s1"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_EQ((*loaded)[0].signal_id, "s2");
  EXPECT_EQ((*loaded)[1].signal_id, "s0");
  EXPECT_EQ((*loaded)[2].signal_id, "s1");
  EXPECT_EQ(nlohmann::json::parse((*loaded)[1].payload),
            nlohmann::json::parse(R"({"signal_id":"s0","tickers":[]})"));
  EXPECT_EQ((*loaded)[1].timestamp_ms, 1000);
  EXPECT_EQ((*loaded)[1].received_at_ms, 2000);
  EXPECT_EQ((*loaded)[1].outcome.enqueued, 1u);
  EXPECT_EQ((*loaded)[0].outcome.skipped_running, 1u);
  EXPECT_EQ((*loaded)[2].outcome.matched, 0u);
  EXPECT_TRUE(store->LoadSignals({})->empty());
}

TEST(PostgresStoreTest, CountsCoverEveryTable) {
  SIGFLOW_REQUIRE_POSTGRES();
  TestSchema schema;
  ManualClock clock;
  auto store = schema.Open(&clock);
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
