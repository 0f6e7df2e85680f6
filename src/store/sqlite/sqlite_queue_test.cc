// SqliteStore: the execution queue (enqueue, claim, leases, completion, reaping).
#include <gtest/gtest.h>

#include <chrono>

#include "sqlite/database.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;
using testing::OpenOrDie;
using testing::SignalPipeline;
using testing::TempDir;

class SqliteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(":memory:", &clock_);
    for (const char* id : {"p1", "p2", "p3"}) {
      ASSERT_TRUE(store_->AddPipeline(SignalPipeline(id, {"AAPL"})).ok());
    }
  }
  int64_t Enqueue(const std::string& pipeline) {
    auto id = store_->EnqueueExecution(pipeline, false, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  ManualClock clock_{10'000};
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteQueueTest, EnqueueExecutionConflictsWithAnActiveOne) {
  auto id = store_->EnqueueExecution("p1", true, {"s1", "s\"2"});
  ASSERT_TRUE(id.ok());
  auto e = store_->GetExecution(*id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kPending);
  EXPECT_TRUE(e->triggered_by_signal);
  EXPECT_EQ(e->signal_ids, (std::vector<std::string>{"s1", "s\"2"}));
  EXPECT_EQ(e->created_at_ms, 10'000);
  EXPECT_EQ(e->attempts, 0);

  auto second = store_->EnqueueExecution("p1", false, {});
  EXPECT_EQ(second.status().code(), "conflict");
  EXPECT_EQ(store_->EnqueueExecution("nope", false, {}).status().code(), "not_found");

  // Once RUNNING it still conflicts; once finished a new one may be queued.
  ASSERT_EQ(store_->ClaimExecutions("w", 1, milliseconds(1000))->size(), 1u);
  EXPECT_EQ(store_->EnqueueExecution("p1", false, {}).status().code(), "conflict");
  ASSERT_TRUE(store_->CompleteExecution(*id, "w", R"({"ok":true})").ok());
  EXPECT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
}

TEST_F(SqliteQueueTest, ClaimTakesOldestFirstAndSetsTheLease) {
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
    EXPECT_EQ(e.lease_expires_at_ms, 80'000);
    EXPECT_EQ(e.started_at_ms, 50'000);
  }
  auto rest = store_->ClaimExecutions("worker-b", 10, milliseconds(30'000));
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, e3);
  EXPECT_TRUE(store_->ClaimExecutions("worker-b", 10, milliseconds(30'000))->empty());
  EXPECT_TRUE(store_->ClaimExecutions("worker-b", 0, milliseconds(30'000))->empty());
}

TEST_F(SqliteQueueTest, CompleteAndFailNeedTheOwningWorker) {
  const int64_t e1 = Enqueue("p1");
  const int64_t e2 = Enqueue("p2");
  ASSERT_EQ(store_->ClaimExecutions("w1", 2, milliseconds(1000))->size(), 2u);
  clock_.AdvanceMs(500);

  EXPECT_EQ(store_->CompleteExecution(e1, "w2", "{}").code(), "conflict");
  EXPECT_EQ(store_->FailExecution(e1, "w2", "x").code(), "conflict");
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "not json").code(), "invalid_argument");
  ASSERT_TRUE(store_->CompleteExecution(e1, "w1", R"({"orders":1})").ok());
  ASSERT_TRUE(store_->FailExecution(e2, "w1", "agent crashed").ok());
  // Finished: a second completion is a conflict.
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "{}").code(), "conflict");
  EXPECT_EQ(store_->CompleteExecution(999, "w1", "{}").code(), "conflict");

  auto done = store_->GetExecution(e1);
  EXPECT_EQ(done->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(done->result_json, R"({"orders":1})");
  EXPECT_EQ(done->finished_at_ms, 10'500);
  auto failed = store_->GetExecution(e2);
  EXPECT_EQ(failed->status, ExecutionStatus::kFailed);
  EXPECT_EQ(failed->error, "agent crashed");

  auto list = store_->ListExecutions(0);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, e2);  // newest first
  EXPECT_EQ(store_->ListExecutions(1)->size(), 1u);
}

// The embedded store keeps Store's default batch calls: a claim leaves the inputs to be loaded,
// and FinishExecutions is one CompleteExecution / FailExecution per outcome.
TEST_F(SqliteQueueTest, BatchCallsAreTheOneAtATimeCalls) {
  const int64_t e1 = Enqueue("p1"), e2 = Enqueue("p2"), e3 = Enqueue("p3");
  auto claimed = store_->ClaimExecutionsWithInputs("w", 10, milliseconds(30'000));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 3u);
  EXPECT_EQ((*claimed)[0].execution.id, e1);
  EXPECT_EQ((*claimed)[0].execution.status, ExecutionStatus::kRunning);
  EXPECT_FALSE((*claimed)[0].inputs.has_value());

  std::vector<Status> statuses = store_->FinishExecutions(
      {{e1, "w", true, R"({"a":1})"}, {e2, "other", true, "{}"}, {e3, "w", false, "boom"}});
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].ToString();
  EXPECT_EQ(statuses[1].code(), "conflict");
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].ToString();
  EXPECT_EQ(store_->GetExecution(e1)->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(store_->GetExecution(e2)->status, ExecutionStatus::kRunning);
  EXPECT_EQ(store_->GetExecution(e3)->error, "boom");
}

// After the first `unavailable`, the default FinishExecutions does not knock on the store again.
TEST_F(SqliteQueueTest, DefaultFinishStopsAtTheFirstUnavailable) {
  class DownAfterOneStore final : public ForwardingStore {
   public:
    using ForwardingStore::ForwardingStore;
    Status CompleteExecution(int64_t id, std::string_view worker,
                             std::string_view result) override {
      if (++calls > 1) return Status::Unavailable("test outage");
      return ForwardingStore::CompleteExecution(id, worker, result);
    }
    int calls = 0;
  };
  const int64_t e1 = Enqueue("p1"), e2 = Enqueue("p2"), e3 = Enqueue("p3");
  ASSERT_EQ(store_->ClaimExecutions("w", 10, milliseconds(30'000))->size(), 3u);
  DownAfterOneStore down(store_.get());
  std::vector<Status> statuses =
      down.FinishExecutions({{e1, "w", true, "{}"}, {e2, "w", true, "{}"}, {e3, "w", true, "{}"}});
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(statuses[1].code(), "unavailable");
  EXPECT_EQ(statuses[2].code(), "unavailable");
  EXPECT_EQ(down.calls, 2);
  EXPECT_EQ(store_->GetExecution(e3)->status, ExecutionStatus::kRunning);
}

TEST_F(SqliteQueueTest, RenewLeaseExtendsOnlyTheOwnersLease) {
  const int64_t e1 = Enqueue("p1");
  ASSERT_EQ(store_->ClaimExecutions("w1", 1, milliseconds(1000))->size(), 1u);
  clock_.AdvanceMs(900);
  ASSERT_TRUE(store_->RenewLease(e1, "w1", milliseconds(1000)).ok());
  EXPECT_EQ(store_->GetExecution(e1)->lease_expires_at_ms, 11'900);
  EXPECT_EQ(store_->RenewLease(e1, "w2", milliseconds(1000)).code(), "conflict");
  clock_.AdvanceMs(500);  // past the first lease, within the renewed one
  EXPECT_EQ(store_->ReapExpiredLeases(3)->requeued, 0);
}

TEST_F(SqliteQueueTest, ReapRequeuesExpiredLeasesThenFailsThem) {
  const int64_t e1 = Enqueue("p1");
  constexpr int kMaxAttempts = 2;
  // Attempt 1: the worker dies.
  ASSERT_EQ(store_->ClaimExecutions("w1", 1, milliseconds(1000))->size(), 1u);
  clock_.AdvanceMs(999);
  EXPECT_EQ(store_->ReapExpiredLeases(kMaxAttempts)->requeued, 0);
  clock_.AdvanceMs(1);
  auto reaped = store_->ReapExpiredLeases(kMaxAttempts);
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(reaped->requeued, 1);
  EXPECT_EQ(reaped->failed, 0);
  auto e = store_->GetExecution(e1);
  EXPECT_EQ(e->status, ExecutionStatus::kPending);
  EXPECT_EQ(e->lease_owner, "");
  // The dead worker's late result is discarded.
  EXPECT_EQ(store_->CompleteExecution(e1, "w1", "{}").code(), "conflict");

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
  // The pipeline is free again.
  EXPECT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
}

TEST(SqliteStoreTest, PartialUniqueIndexRejectsASecondActiveExecution) {
  TempDir dir;
  ManualClock clock(1);
  auto store = OpenOrDie(dir.File("sigflow.db"), &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  ASSERT_TRUE(store->EnqueueExecution("p1", false, {}).ok());
  // Straight to the table, behind the store's back.
  auto db = sqlite::Database::Open(dir.File("sigflow.db"));
  ASSERT_TRUE(db.ok());
  const char* insert =
      "INSERT INTO executions (pipeline_id, status, created_at) VALUES ('p1', '%s', 1)";
  char sql[200];
  for (const char* status : {"PENDING", "RUNNING"}) {
    snprintf(sql, sizeof(sql), insert, status);
    EXPECT_EQ((*db)->Exec(sql).code(), "conflict") << status;
  }
  // Finished executions are not constrained.
  for (const char* status : {"COMPLETED", "FAILED", "COMPLETED"}) {
    snprintf(sql, sizeof(sql), insert, status);
    EXPECT_TRUE((*db)->Exec(sql).ok()) << status;
  }
  snprintf(sql, sizeof(sql), insert, "DONE");
  EXPECT_EQ((*db)->Exec(sql).code(), "invalid_argument");  // CHECK on status
}

}  // namespace
}  // namespace sigflow
