// PostgresStore: the execution queue (enqueue, claim, leases, completion, reaping), with lease
// times from a ManualClock.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/postgres_test_util.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;
using testing::SignalPipeline;
using testing::TestSchema;

class PostgresQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGFLOW_REQUIRE_POSTGRES();
    store_ = schema_.Open(&clock_);
    ASSERT_NE(store_, nullptr);
    for (const char* id : {"p1", "p2", "p3"}) {
      ASSERT_TRUE(store_->AddPipeline(SignalPipeline(id, {"AAPL"})).ok());
    }
  }
  int64_t Enqueue(const std::string& pipeline) {
    auto id = store_->EnqueueExecution(pipeline, false, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  TestSchema schema_;
  ManualClock clock_{10'000};
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresQueueTest, EnqueueExecutionConflictsWithAnActiveOne) {
  auto id = store_->EnqueueExecution("p1", true, {"s1", "s\"2"});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto e = store_->GetExecution(*id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kPending);
  EXPECT_TRUE(e->triggered_by_signal);
  EXPECT_EQ(e->signal_ids, (std::vector<std::string>{"s1", "s\"2"}));
  EXPECT_EQ(e->created_at_ms, 10'000);
  EXPECT_EQ(e->attempts, 0);

  EXPECT_EQ(store_->EnqueueExecution("p1", false, {}).status().code(), "conflict");
  EXPECT_EQ(store_->EnqueueExecution("nope", false, {}).status().code(), "not_found");

  // Once RUNNING it still conflicts; once finished a new one may be queued.
  ASSERT_EQ(store_->ClaimExecutions("w", 1, milliseconds(1000))->size(), 1u);
  EXPECT_EQ(store_->EnqueueExecution("p1", false, {}).status().code(), "conflict");
  ASSERT_TRUE(store_->CompleteExecution(*id, "w", R"({"ok":true})").ok());
  EXPECT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
}

TEST_F(PostgresQueueTest, ClaimTakesOldestFirstAndSetsTheLease) {
  const int64_t e1 = Enqueue("p2");
  clock_.AdvanceMs(10);
  const int64_t e2 = Enqueue("p1");
  clock_.AdvanceMs(10);
  const int64_t e3 = Enqueue("p3");
  clock_.SetMs(50'000);

  auto claimed = store_->ClaimExecutions("worker-a", 2, milliseconds(30'000));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].id, e1);
  EXPECT_EQ((*claimed)[1].id, e2);
  for (const auto& e : *claimed) {
    EXPECT_EQ(e.status, ExecutionStatus::kRunning);
    EXPECT_EQ(e.attempts, 1);
    EXPECT_EQ(e.lease_owner, "worker-a");
    EXPECT_EQ(e.lease_expires_at_ms, 80'000);  // the injected clock's time, not the server's
    EXPECT_EQ(e.started_at_ms, 50'000);
  }
  auto rest = store_->ClaimExecutions("worker-b", 10, milliseconds(30'000));
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, e3);
  EXPECT_TRUE(store_->ClaimExecutions("worker-b", 10, milliseconds(30'000))->empty());
  EXPECT_TRUE(store_->ClaimExecutions("worker-b", 0, milliseconds(30'000))->empty());
}

TEST_F(PostgresQueueTest, CompleteAndFailNeedTheOwningWorker) {
  const int64_t e1 = Enqueue("p1");
  const int64_t e2 = Enqueue("p2");
  ASSERT_EQ(store_->ClaimExecutions("w1", 2, milliseconds(1000))->size(), 2u);
  clock_.AdvanceMs(500);

  EXPECT_EQ(store_->CompleteExecution(e1, "w2", "{}").code(), "conflict");
  EXPECT_EQ(store_->FailExecution(e1, "w2", "x").code(), "conflict");
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "not json").code(), "invalid_argument");
  ASSERT_TRUE(store_->CompleteExecution(e1, "w1", R"({"orders":1})").ok());
  ASSERT_TRUE(store_->FailExecution(e2, "w1", "agent crashed: \xff").ok());  // not UTF-8
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "{}").code(), "conflict");
  EXPECT_EQ(store_->CompleteExecution(999, "w1", "{}").code(), "conflict");

  auto done = store_->GetExecution(e1);
  EXPECT_EQ(done->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(done->result_json, R"({"orders": 1})");  // JSONB's rendering of the same value
  EXPECT_EQ(done->finished_at_ms, 10'500);
  EXPECT_EQ(done->lease_expires_at_ms, 0);
  auto failed = store_->GetExecution(e2);
  EXPECT_EQ(failed->status, ExecutionStatus::kFailed);
  EXPECT_EQ(failed->error, "agent crashed: \xEF\xBF\xBD");  // stored, with U+FFFD

  auto list = store_->ListExecutions(0);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, e2);  // newest first
  EXPECT_EQ(store_->ListExecutions(1)->size(), 1u);
  EXPECT_EQ(store_->GetExecution(12345).status().code(), "not_found");

  // A result JSONB cannot hold as is is stored, not refused.
  const int64_t e3 = Enqueue("p3");
  ASSERT_EQ(store_->ClaimExecutions("w1", 1, milliseconds(1000))->at(0).id, e3);
  ASSERT_TRUE(store_->CompleteExecution(e3, "w1", R"({"note":"a\u0000b"})").ok());
  EXPECT_EQ(nlohmann::json::parse(store_->GetExecution(e3)->result_json)["note"],
            "a\xEF\xBF\xBD"
            "b");
}

TEST_F(PostgresQueueTest, RenewLeaseExtendsOnlyTheOwnersLease) {
  const int64_t e1 = Enqueue("p1");
  ASSERT_EQ(store_->ClaimExecutions("w1", 1, milliseconds(1000))->size(), 1u);
  clock_.AdvanceMs(900);
  ASSERT_TRUE(store_->RenewLease(e1, "w1", milliseconds(1000)).ok());
  EXPECT_EQ(store_->GetExecution(e1)->lease_expires_at_ms, 11'900);
  EXPECT_EQ(store_->RenewLease(e1, "w2", milliseconds(1000)).code(), "conflict");
  clock_.AdvanceMs(500);  // past the first lease, within the renewed one
  EXPECT_EQ(store_->ReapExpiredLeases(3)->requeued, 0);
}

TEST_F(PostgresQueueTest, ReapRequeuesExpiredLeasesThenFailsThem) {
  const int64_t e1 = Enqueue("p1");
  constexpr int kMaxAttempts = 2;
  // Attempt 1: the worker dies.
  ASSERT_EQ(store_->ClaimExecutions("w1", 1, milliseconds(1000))->size(), 1u);
  clock_.AdvanceMs(999);
  EXPECT_EQ(store_->ReapExpiredLeases(kMaxAttempts)->requeued, 0);
  clock_.AdvanceMs(1);
  auto reaped = store_->ReapExpiredLeases(kMaxAttempts);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(reaped->requeued, 1);
  EXPECT_EQ(reaped->failed, 0);
  auto e = store_->GetExecution(e1);
  EXPECT_EQ(e->status, ExecutionStatus::kPending);
  EXPECT_EQ(e->lease_owner, "");
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "{}").code(), "conflict");  // late result

  // Attempt 2: another worker dies too; attempts are exhausted.
  auto again = store_->ClaimExecutions("w2", 1, milliseconds(1000));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  clock_.AdvanceMs(5000);
  reaped = store_->ReapExpiredLeases(kMaxAttempts);
  EXPECT_EQ(reaped->requeued, 0);
  EXPECT_EQ(reaped->failed, 1);
  e = store_->GetExecution(e1);
  EXPECT_EQ(e->status, ExecutionStatus::kFailed);
  EXPECT_EQ(e->error, "lease expired after 2 attempts");
  EXPECT_EQ(e->finished_at_ms, clock_.NowMs());
  EXPECT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());  // the pipeline is free again
}

// The claim window (PostgresStore::Claim): a claim reads from the oldest row the last full
// claim took, or from a second before it when it took none; once a second, and after this store
// requeued expired leases, it reads from the start.
TEST_F(PostgresQueueTest, ClaimWindowLeavesTheOldEndToTheFullClaimOnceASecond) {
  const int64_t e1 = Enqueue("p1");
  auto claimed = store_->ClaimExecutions("w", 10, milliseconds(5000));  // full
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  clock_.SetMs(14'900);
  EXPECT_TRUE(store_->ClaimExecutions("w", 10, milliseconds(5000))->empty());  // full: 13,900

  // e1's lease runs out; this store requeues it, so its next claim reads from the start.
  clock_.SetMs(15'100);
  ASSERT_EQ(store_->ReapExpiredLeases(3)->requeued, 1);
  claimed = store_->ClaimExecutions("w", 10, milliseconds(5000));
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, e1);

  // A PENDING row stamped before that floor (10,000), as by a dispatcher whose clock is behind:
  // the claims within the second pass it by, the full one takes it.
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) VALUES ('p2', 'PENDING', 5000)");
  clock_.SetMs(15'200);
  const int64_t e3 = Enqueue("p3");
  claimed = store_->ClaimExecutions("w", 10, milliseconds(5000));
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, e3);
  clock_.SetMs(16'000);
  EXPECT_TRUE(store_->ClaimExecutions("w", 10, milliseconds(5000))->empty());
  clock_.SetMs(16'100);
  claimed = store_->ClaimExecutions("w", 10, milliseconds(5000));
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].pipeline_id, "p2");
}

// Regression: the recorded times came from each process's clock read before its round trip, so
// a worker that read its clock, then waited a few ms (a busy CPU) before its claim reached the
// server, recorded a start earlier than the previous execution's finish although the database
// never had both active: the integration test saw "overlapping" executions of one pipeline.
// The store now keeps each pipeline's recorded timeline in the order the database ran it.
TEST_F(PostgresQueueTest, RecordedTimesFollowTheOrderTheDatabaseRanExecutionsIn) {
  // Each step reads the clock at `now_ms`, as a process whose clock read came before the
  // previous step's (or after) would.
  auto enqueue_at = [&](int64_t now_ms, const std::string& pipeline) {
    clock_.SetMs(now_ms);
    return Enqueue(pipeline);
  };
  auto claim_at = [&](int64_t now_ms, int64_t expected_id) -> int64_t {
    clock_.SetMs(now_ms);
    auto claimed = store_->ClaimExecutions("w", 1, milliseconds(1'000));
    EXPECT_TRUE(claimed.ok() && claimed->size() == 1 && claimed->at(0).id == expected_id);
    if (!claimed.ok() || claimed->empty()) return -1;
    EXPECT_EQ(store_->GetExecution(expected_id)->started_at_ms, claimed->at(0).started_at_ms);
    return claimed->at(0).started_at_ms;
  };
  auto finished_at = [&](int64_t now_ms, int64_t id, bool complete) -> int64_t {
    clock_.SetMs(now_ms);
    Status s =
        complete ? store_->CompleteExecution(id, "w", "{}") : store_->FailExecution(id, "w", "x");
    EXPECT_TRUE(s.ok()) << s.ToString();
    return store_->GetExecution(id)->finished_at_ms;
  };

  const int64_t e1 = enqueue_at(10'000, "p1");
  EXPECT_EQ(claim_at(20'000, e1), 20'000);
  EXPECT_EQ(finished_at(30'000, e1, true), 30'000);
  // A dispatcher and a worker whose clock reads (29'980, 29'990) predate that completion; the
  // worker's finish (29'995) still reads behind its recorded start.
  const int64_t e2 = enqueue_at(29'980, "p1");
  EXPECT_EQ(claim_at(29'990, e2), 30'000);
  EXPECT_EQ(finished_at(29'995, e2, false), 30'000);

  // The same after a predecessor that the reaper FAILed.
  const int64_t e3 = enqueue_at(30'000, "p1");
  EXPECT_EQ(claim_at(40'000, e3), 40'000);
  clock_.SetMs(41'000);
  ASSERT_EQ(store_->ReapExpiredLeases(1)->failed, 1);
  EXPECT_EQ(store_->GetExecution(e3)->finished_at_ms, 41'000);
  const int64_t e4 = enqueue_at(40'200, "p1");
  EXPECT_EQ(claim_at(40'500, e4), 41'000);
  EXPECT_EQ(finished_at(40'600, e4, true), 41'000);

  // An execution never starts before it was created; in-order times are kept as they are.
  const int64_t e5 = enqueue_at(50'000, "p2");
  EXPECT_EQ(claim_at(49'000, e5), 50'000);
  EXPECT_EQ(finished_at(60'000, e5, true), 60'000);
  const int64_t e6 = enqueue_at(60'500, "p2");
  EXPECT_EQ(claim_at(61'000, e6), 61'000);
  EXPECT_EQ(finished_at(62'000, e6, true), 62'000);
}

// Regression: the claim raised started_at to the finish of the pipeline's execution with the
// next lower id, but ids do not follow the order in which a pipeline's executions ran. A Wake
// draws an execution's id before it checks the partial unique index; when it waits there for a
// racing Wake's execution of the same pipeline, and that one is claimed and finished before the
// wait ends, the Wake inserts its row with the lower id it drew first. The three-dispatcher
// integration test then recorded one execution inside another's [started_at, finished_at]. Here
// the rows are put in that order directly; the race itself needs the scheduler's help.
TEST_F(PostgresQueueTest, AStartFollowsThePipelinesLatestFinishWhateverTheIds) {
  const int64_t drawn_first =
      schema_.QueryInt("SELECT nextval(pg_get_serial_sequence('executions', 'id'))");
  // The racing Wake's execution: created, claimed and finished while the first Wake waits.
  clock_.SetMs(20'000);
  const int64_t raced = Enqueue("p1");
  ASSERT_GT(raced, drawn_first);
  clock_.SetMs(20'100);
  auto claimed = store_->ClaimExecutions("w", 1, milliseconds(1'000));
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1 && claimed->at(0).id == raced);
  clock_.SetMs(20'500);
  ASSERT_TRUE(store_->CompleteExecution(raced, "w", "{}").ok());
  // The waiting Wake's row goes in now, with the id it drew; the claim that takes it read its
  // clock before that finish.
  ASSERT_TRUE(schema_
                  .Try("INSERT INTO executions (id, pipeline_id, status, created_at) OVERRIDING "
                       "SYSTEM VALUE VALUES (" +
                       std::to_string(drawn_first) + ", 'p1', 'PENDING', 20050)")
                  .ok());
  clock_.SetMs(20'200);
  claimed = store_->ClaimExecutions("w", 1, milliseconds(1'000));
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1 && claimed->at(0).id == drawn_first);
  EXPECT_EQ(claimed->at(0).started_at_ms, 20'500);
  clock_.SetMs(20'300);
  ASSERT_TRUE(store_->CompleteExecution(drawn_first, "w", "{}").ok());
  EXPECT_EQ(store_->GetExecution(drawn_first)->finished_at_ms, 20'500);
}

TEST_F(PostgresQueueTest, PartialUniqueIndexRejectsASecondActiveExecution) {
  ASSERT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
  // Straight to the table, behind the store's back.
  const std::string insert =
      "INSERT INTO executions (pipeline_id, status, created_at) VALUES ('p1', '";
  for (const char* status : {"PENDING", "RUNNING"}) {
    EXPECT_EQ(schema_.Try(insert + status + "', 1)").code(), "conflict") << status;
  }
  for (const char* status : {"COMPLETED", "FAILED", "COMPLETED"}) {
    EXPECT_TRUE(schema_.Try(insert + status + "', 1)").ok()) << status;
  }
  EXPECT_EQ(schema_.Try(insert + "DONE', 1)").code(), "invalid_argument");  // CHECK on status
}

// Rows removed by a filter, over a plan (EXPLAIN (FORMAT JSON)) and all its children.
int64_t RowsRemovedByFilters(const nlohmann::json& node) {
  int64_t removed = node.value("Rows Removed by Filter", int64_t{0});
  for (const auto& child : node.value("Plans", nlohmann::json::array())) {
    removed += RowsRemovedByFilters(child);
  }
  return removed;
}

// Rows that scans of `table` returned, over a plan and all its children (every loop counted).
int64_t RowsScannedIn(const nlohmann::json& node, const std::string& table) {
  int64_t rows = 0;
  const std::string type = node.value("Node Type", "");
  if (type.ends_with("Scan") && node.value("Relation Name", "") == table) {
    rows = node.value("Actual Rows", int64_t{0}) * node.value("Actual Loops", int64_t{1});
  }
  for (const auto& child : node.value("Plans", nlohmann::json::array())) {
    rows += RowsScannedIn(child, table);
  }
  return rows;
}

// EXPLAIN (ANALYZE, FORMAT JSON) of a claim statement, its parameters written in.
nlohmann::json ExplainClaim(const TestSchema& schema, std::string claim) {
  for (const auto& [param, value] : std::vector<std::pair<std::string, std::string>>{
           {"$1", "'w'"}, {"$2", "40000"}, {"$3", "10000"}, {"$4", "0"}}) {
    claim.replace(claim.find(param), param.size(), value);
  }
  auto plan = schema.Query("EXPLAIN (ANALYZE, FORMAT JSON) " + claim);
  EXPECT_EQ(plan.rows(), 1);
  return plan.rows() == 1 ? nlohmann::json::parse(plan.Text(0, 0))[0] : nlohmann::json::object();
}

// A young database: the queue was analyzed while it held a few finished rows, then a backlog of
// 20,000 PENDING rows arrived before autovacuum looked again. The claim still reads about the
// rows it claims, not the backlog (see ClaimUpdateSql).
TEST_F(PostgresQueueTest, ClaimDoesNotScanTheBacklog) {
  schema_.Query("ALTER TABLE executions SET (autovacuum_enabled = false)");
  schema_.Query(
      "INSERT INTO pipelines (id, name, trigger_mode, scanner_tickers, created_at, updated_at) "
      "SELECT 'b' || g, 'b' || g, 'signal', '[\"AAPL\"]', 1, 1 FROM generate_series(1, 20000) g");
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) "
      "SELECT 'b' || g, 'COMPLETED', g FROM generate_series(1, 200) g");
  schema_.Query("ANALYZE executions");
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) "
      "SELECT 'b' || g, 'PENDING', g FROM generate_series(1, 20000) g");

  // The claim's UPDATE as both claims send it (they differ only in what follows RETURNING).
  const auto root = ExplainClaim(schema_, store_postgres::ClaimUpdateSql(64) + "e.id");
  EXPECT_EQ(root["Plan"].value("Actual Rows", int64_t{-1}), 64);
  EXPECT_LT(RowsRemovedByFilters(root["Plan"]), 1000) << root.dump(1);
}

// 2,000 pipelines and 30 PENDING executions: the claim with inputs reads each claimed
// execution's pipeline and signals by key, not the pipelines table (see ClaimWithInputsSql).
TEST_F(PostgresQueueTest, ClaimWithInputsLooksUpEachPipeline) {
  schema_.Query(
      "INSERT INTO pipelines (id, name, trigger_mode, scanner_tickers, created_at, updated_at) "
      "SELECT 'b' || g, 'b' || g, 'signal', '[\"AAPL\"]', 1, 1 FROM generate_series(1, 2000) g");
  schema_.Query("ANALYZE pipelines");
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) "
      "SELECT 'b' || g, 'PENDING', g FROM generate_series(1, 30) g");
  const auto root = ExplainClaim(schema_, store_postgres::ClaimWithInputsSql(64));
  EXPECT_EQ(root["Plan"].value("Actual Rows", int64_t{-1}), 30);
  EXPECT_LE(RowsScannedIn(root["Plan"], "pipelines"), 30) << root.dump(1);
}

// A backlog of 2,000 PENDING rows that the statistics know of: the claim, prepared as the worker's
// store prepares it, is planned for its first five runs and then runs its generic plan (with
// `LIMIT $4` PostgreSQL planned every run: see ClaimUpdateSql).
TEST_F(PostgresQueueTest, ClaimKeepsItsGenericPlan) {
  schema_.Query(
      "INSERT INTO pipelines (id, name, trigger_mode, scanner_tickers, created_at, updated_at) "
      "SELECT 'b' || g, 'b' || g, 'signal', '[\"AAPL\"]', 1, 1 FROM generate_series(1, 2000) g");
  // The PENDING rows are spread over a history of 100,000, one in every 50, as a busy queue's
  // are: each costs the index scan a heap page of its own, which is what made the generic plan's
  // guess at its LIMIT dear.
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) "
      "SELECT CASE WHEN g % 50 = 0 THEN 'b' || (g / 50) ELSE 'b' || (g % 2000 + 1) END, "
      "CASE WHEN g % 50 = 0 THEN 'PENDING' ELSE 'COMPLETED' END, g "
      "FROM generate_series(1, 100000) g");
  schema_.Query("ANALYZE pipelines");
  schema_.Query("ANALYZE executions");
  auto session = schema_.Connect();
  ASSERT_NE(session, nullptr);
  const std::string prepare =
      "PREPARE claim (text, int8, int8, int8) AS " + store_postgres::ClaimWithInputsSql(64);
  ASSERT_TRUE(session->ExecScript(prepare.c_str()).ok());
  for (int run = 0; run < 10; ++run) {
    // From the start, then from a floor, as the store alternates them (see PostgresStore::Claim).
    auto claimed = session->Exec(run == 0 ? "EXECUTE claim ('w', 40000, 10000, 0)"
                                          : "EXECUTE claim ('w', 40000, 10000, 20000)");
    ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
    EXPECT_EQ(claimed->rows(), 64) << run;
  }
  auto plans = session->Exec(
      "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'claim'");
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  ASSERT_EQ(plans->rows(), 1);
  EXPECT_EQ(plans->Int(0, 0), 5);  // generic
  EXPECT_EQ(plans->Int(0, 1), 5);  // custom
}

// The same young database, now with 2,000 RUNNING rows: recording ten outcomes reads those ten
// rows, not the RUNNING index (see kFinishExecutions). Both the custom plan and the generic one
// that a prepared statement settles on.
TEST_F(PostgresQueueTest, FinishLooksUpEachExecution) {
  schema_.Query("ALTER TABLE executions SET (autovacuum_enabled = false)");
  schema_.Query(
      "INSERT INTO pipelines (id, name, trigger_mode, scanner_tickers, created_at, updated_at) "
      "SELECT 'b' || g, 'b' || g, 'signal', '[\"AAPL\"]', 1, 1 FROM generate_series(1, 2000) g");
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, created_at) "
      "SELECT 'b' || g, 'COMPLETED', g FROM generate_series(1, 200) g");
  schema_.Query("ANALYZE executions");
  schema_.Query(
      "INSERT INTO executions (pipeline_id, status, lease_owner, lease_expires_at, created_at) "
      "SELECT 'b' || g, 'RUNNING', 'w', 40000, g FROM generate_series(1, 2000) g");
  auto id_list = schema_.Query(
      "SELECT array_agg(id)::text FROM (SELECT id FROM executions WHERE status = 'RUNNING' "
      "ORDER BY id LIMIT 10) t");
  ASSERT_EQ(id_list.rows(), 1);
  const std::string ids(id_list.Text(0, 0));
  const std::string args = "('" + ids + "', array_fill('w'::text, ARRAY[10]), " +
                           "array_fill(true, ARRAY[10]), array_fill('{}'::text, ARRAY[10]), 50000)";
  auto session = schema_.Connect();
  ASSERT_NE(session, nullptr);
  const std::string prepare = std::string(
                                  "PREPARE finish (int8[], text[], bool[], text[], int8) "
                                  "AS ") +
                              store_postgres::kFinishExecutions;
  ASSERT_TRUE(session->ExecScript(prepare.c_str()).ok());
  for (const char* mode : {"force_custom_plan", "force_generic_plan"}) {
    const std::string set = std::string("SET plan_cache_mode = ") + mode + "; BEGIN";
    ASSERT_TRUE(session->ExecScript(set.c_str()).ok());
    const std::string explain = "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE finish " + args;
    auto plan = session->Exec(explain.c_str());
    ASSERT_TRUE(session->ExecScript("ROLLBACK").ok());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_EQ(plan->rows(), 1);
    const auto root = nlohmann::json::parse(plan->Text(0, 0))[0];
    EXPECT_EQ(root["Plan"].value("Actual Rows", int64_t{-1}), 10) << mode;
    EXPECT_LT(RowsScannedIn(root["Plan"], "executions"), 100) << mode << root.dump(1);
  }
}

}  // namespace
}  // namespace sigflow
