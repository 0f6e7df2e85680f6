// SqliteStore::Wake: the dispatcher's batch (core/wake.h) at store level.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sqlite/database.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow {
namespace {

using testing::BatchBuilder;
using testing::OpenOrDie;
using testing::Range;
using testing::SignalPipeline;
using testing::TempDir;

// prefix + n, built by appending (GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string Name(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

std::vector<std::string> Ids(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(Name(prefix, i));
  return out;
}

class SqliteWakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(":memory:", &clock_);
    ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  }
  // The only execution of p1 (the test makes sure there is one).
  Execution OnlyExecution() {
    auto list = store_->ListExecutions(0);
    EXPECT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 1u);
    return list->empty() ? Execution() : list->front();
  }
  void CompleteAll() {
    auto claimed = store_->ClaimExecutions("w", 100, std::chrono::seconds(30));
    ASSERT_TRUE(claimed.ok());
    for (const auto& e : *claimed) ASSERT_TRUE(store_->CompleteExecution(e.id, "w", "{}").ok());
  }

  ManualClock clock_{1'000'000};
  std::unique_ptr<Store> store_;
};

// The seed example (000, "Idempotency Check"): ten AAPL signals in one batch wake the AAPL
// pipeline once, for the first signal.
TEST_F(SqliteWakeTest, TenSignalsWakeOnePipeline) {
  BatchBuilder b;
  b.Signals("aapl-", 10).Match("p1", Range(0, 10));
  auto r = store_->Wake(b.Build(/*now_ms=*/1'234'000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  ASSERT_EQ(r->enqueued.size(), 1u);
  EXPECT_EQ(r->enqueued[0].candidate, 0u);
  EXPECT_EQ(r->enqueued[0].waker, 0u);
  EXPECT_EQ(r->skipped_running, 9u);
  EXPECT_EQ(r->duplicate, 0u);
  ASSERT_EQ(r->per_signal.size(), 10u);
  EXPECT_EQ(r->per_signal[0].matched, 1u);
  EXPECT_EQ(r->per_signal[0].enqueued, 1u);
  EXPECT_EQ(r->per_signal[0].skipped_running, 0u);
  for (int i = 1; i < 10; ++i) {
    EXPECT_EQ(r->per_signal[i].enqueued, 0u);
    EXPECT_EQ(r->per_signal[i].skipped_running, 1u);
  }

  Execution e = OnlyExecution();
  EXPECT_EQ(e.id, r->enqueued[0].execution_id);
  EXPECT_EQ(e.pipeline_id, "p1");
  EXPECT_EQ(e.status, ExecutionStatus::kPending);
  EXPECT_TRUE(e.triggered_by_signal);
  EXPECT_EQ(e.signal_ids, Ids("aapl-", 0, 10));  // the waker first
  EXPECT_EQ(e.created_at_ms, 1'234'000);

  auto counts = store_->Counts();
  EXPECT_EQ(counts->signals, 10);
  EXPECT_EQ(counts->signal_wakes, 1);
  auto stored = store_->LoadSignals({"aapl-0", "aapl-9"});
  EXPECT_EQ((*stored)[0].outcome.enqueued, 1u);
  EXPECT_EQ((*stored)[0].outcome.skipped_running, 0u);
  EXPECT_EQ((*stored)[1].outcome.enqueued, 0u);
  EXPECT_EQ((*stored)[1].outcome.skipped_running, 1u);
}

TEST_F(SqliteWakeTest, PendingPipelineSkipsEverySignal) {
  auto queued = store_->EnqueueExecution("p1", false, {});
  ASSERT_TRUE(queued.ok());
  BatchBuilder b;
  b.Signals("s", 10).Match("p1", Range(0, 10));
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enqueued.empty());
  EXPECT_EQ(r->skipped_running, 10u);
  for (const auto& o : r->per_signal) EXPECT_EQ(o.skipped_running, 1u);
  EXPECT_EQ(b.matched_signals_calls, 0);  // the full list is needed only for new executions
  EXPECT_EQ(store_->Counts()->signal_wakes, 0);
  EXPECT_EQ(OnlyExecution().id, *queued);
}

TEST_F(SqliteWakeTest, RunningPipelineSkipsEverySignal) {
  ASSERT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
  ASSERT_EQ(store_->ClaimExecutions("w", 1, std::chrono::seconds(30))->size(), 1u);
  BatchBuilder b;
  b.Signals("s", 3).Match("p1", Range(0, 3));
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enqueued.empty());
  EXPECT_EQ(r->skipped_running, 3u);
}

TEST_F(SqliteWakeTest, RedeliveredBatchIsAllDuplicate) {
  BatchBuilder b;
  b.Signals("s", 10).Match("p1", Range(0, 10));
  ASSERT_EQ(store_->Wake(b.Build())->enqueued.size(), 1u);

  auto again = store_->Wake(b.Build());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->enqueued.empty());
  EXPECT_EQ(again->duplicate, 10u);
  EXPECT_EQ(again->skipped_running, 0u);
  for (const auto& o : again->per_signal) EXPECT_EQ(o.duplicate, 1u);

  // Even once the first execution is over, a redelivery wakes nothing.
  CompleteAll();
  auto after = store_->Wake(b.Build());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->enqueued.empty());
  EXPECT_EQ(after->duplicate, 10u);
  auto counts = store_->Counts();
  EXPECT_EQ(counts->executions_pending + counts->executions_running, 0);
  EXPECT_EQ(counts->executions_completed, 1);
  EXPECT_EQ(counts->signal_wakes, 1);
  EXPECT_EQ(counts->signals, 10);
  // The recorded signal counts its redelivered matches.
  EXPECT_EQ((*store_->LoadSignals({"s3"}))[0].outcome.duplicate, 2u);
}

TEST_F(SqliteWakeTest, OverlappingBatchWakesWithTheFirstFreshSignal) {
  BatchBuilder first;
  first.Signals("s", 5).Match("p1", Range(0, 5));
  ASSERT_EQ(store_->Wake(first.Build())->enqueued.size(), 1u);
  CompleteAll();

  BatchBuilder second;  // s3, s4 were committed with the first batch
  for (int i = 3; i < 8; ++i) second.Signal(Name("s", i));
  second.Match("p1", Range(0, 5));
  auto r = store_->Wake(second.Build());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->enqueued.size(), 1u);
  EXPECT_EQ(r->enqueued[0].waker, 2u);  // s5
  EXPECT_EQ(r->per_signal[0].duplicate, 1u);
  EXPECT_EQ(r->per_signal[1].duplicate, 1u);
  EXPECT_EQ(r->per_signal[2].enqueued, 1u);
  EXPECT_EQ(r->per_signal[3].skipped_running, 1u);
  EXPECT_EQ(r->per_signal[4].skipped_running, 1u);
  EXPECT_EQ(r->duplicate, 2u);
  EXPECT_EQ(r->skipped_running, 2u);
  auto e = store_->GetExecution(r->enqueued[0].execution_id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->signal_ids, Ids("s", 5, 8));
  EXPECT_EQ(store_->Counts()->signal_wakes, 2);
}

TEST_F(SqliteWakeTest, AllDuplicateMatchesWakeNothing) {
  BatchBuilder first;
  first.Signals("s", 2).Match("p1", {0, 1});
  ASSERT_EQ(store_->Wake(first.Build())->enqueued.size(), 1u);
  CompleteAll();
  BatchBuilder second;
  second.Signal("s1").Signal("other").Match("p1", {0});
  auto r = store_->Wake(second.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enqueued.empty());
  EXPECT_EQ(r->duplicate, 1u);
  EXPECT_EQ(store_->Counts()->executions_pending, 0);
}

TEST_F(SqliteWakeTest, RepeatedIdWithinABatchIsDuplicate) {
  for (bool flagged : {true, false}) {
    SCOPED_TRACE(flagged ? "flagged by the dispatcher" : "found by the store");
    SetUp();  // a fresh store
    BatchBuilder b;
    b.Signal("a").Signal("b").Signal("a", flagged).Signal("c").Match("p1", {0, 1, 2, 3});
    auto r = store_->Wake(b.Build());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->enqueued.size(), 1u);
    EXPECT_EQ(r->per_signal[0].enqueued, 1u);
    EXPECT_EQ(r->per_signal[1].skipped_running, 1u);
    EXPECT_EQ(r->per_signal[2].duplicate, 1u);
    EXPECT_EQ(r->per_signal[3].skipped_running, 1u);
    EXPECT_EQ(OnlyExecution().signal_ids, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(store_->Counts()->signals, 3);
  }
}

TEST_F(SqliteWakeTest, EachCandidateGetsItsOwnWakerAndSignals) {
  ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p2", {"MSFT"})).ok());
  ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p3", {"TSLA"})).ok());
  ASSERT_TRUE(store_->EnqueueExecution("p3", false, {}).ok());
  BatchBuilder b;  // s0: AAPL, s1: MSFT, s2: AAPL+MSFT, s3: TSLA
  b.Signals("s", 4).Match("p1", {0, 2}).Match("p2", {1, 2}).Match("p3", {3});
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->enqueued.size(), 2u);
  EXPECT_EQ(r->per_signal[0].enqueued, 1u);
  EXPECT_EQ(r->per_signal[1].enqueued, 1u);
  EXPECT_EQ(r->per_signal[2].matched, 2u);
  EXPECT_EQ(r->per_signal[2].skipped_running, 2u);
  EXPECT_EQ(r->per_signal[3].skipped_running, 1u);
  EXPECT_EQ(store_->GetExecution(r->enqueued[0].execution_id)->signal_ids,
            (std::vector<std::string>{"s0", "s2"}));
  EXPECT_EQ(store_->GetExecution(r->enqueued[1].execution_id)->signal_ids,
            (std::vector<std::string>{"s1", "s2"}));
}

TEST_F(SqliteWakeTest, RemovedOrInactivePipelinesAreNotWoken) {
  Pipeline inactive = SignalPipeline("inactive", {"AAPL"});
  inactive.is_active = false;
  ASSERT_TRUE(store_->AddPipeline(inactive).ok());
  BatchBuilder b;  // the dispatcher's snapshot still has "removed" and "inactive"
  b.Signals("s", 2).Match("removed", {0}).Match("inactive", {0}).Match("p1", {1});
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->enqueued.size(), 1u);
  EXPECT_EQ(r->enqueued[0].candidate, 2u);
  EXPECT_EQ(r->per_signal[0].skipped_running, 2u);
  EXPECT_EQ(store_->Counts()->executions_pending, 1);
}

TEST_F(SqliteWakeTest, DeadLettersKeepTheirRawBytes) {
  const std::string raw("{\"tickers\": \xff\xfe\0 oops", 20);
  BatchBuilder b;
  b.Signals("s", 1)
      .DeadLetter(raw, "malformed_json", "at byte 12")
      .DeadLetter("", "missing_tickers", "no tickers");
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dead_lettered, 2u);
  auto letters = store_->ListDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].reason_code, "missing_tickers");  // newest first
  EXPECT_EQ((*letters)[0].raw, "");
  EXPECT_EQ((*letters)[1].raw, raw);
  EXPECT_EQ((*letters)[1].raw.size(), 20u);
  EXPECT_EQ((*letters)[1].reason_code, "malformed_json");
  EXPECT_EQ((*letters)[1].message, "at byte 12");
  EXPECT_EQ((*letters)[1].created_at_ms, 5000);
  EXPECT_EQ(store_->ListDeadLetters(1)->size(), 1u);
}

TEST(SqliteStoreTest, AFailedBatchChangesNothing) {
  TempDir dir;
  ManualClock clock(1000);
  auto store = OpenOrDie(dir.File("sigflow.db"), &clock);
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  {
    // A fault injected after the signals and the execution are written: the last dead letter.
    auto db = sqlite::Database::Open(dir.File("sigflow.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TRIGGER boom BEFORE INSERT ON dead_letters "
                           "WHEN NEW.reason_code = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END")
                    .ok());
  }
  BatchBuilder b;
  b.Signals("s", 2).Match("p1", {0, 1}).DeadLetter("x", "fine", "").DeadLetter("y", "boom", "");
  auto r = store->Wake(b.Build());
  ASSERT_FALSE(r.ok());
  auto counts = store->Counts();
  EXPECT_EQ(counts->signals, 0);
  EXPECT_EQ(counts->executions_pending, 0);
  EXPECT_EQ(counts->signal_wakes, 0);
  EXPECT_EQ(counts->dead_letters, 0);

  WakeBatch bad = b.Build();
  bad.dead_letters.clear();
  bad.candidates.push_back(WakeCandidate{"p1", 7});  // out of range
  EXPECT_EQ(store->Wake(bad).status().code(), "invalid_argument");
  EXPECT_EQ(store->Counts()->signals, 0);
}

// Two store objects on one file stand for two dispatcher processes: however their batches
// interleave, a pipeline never has two active executions and no pair wakes twice.
TEST(SqliteStoreTest, TwoStoresOnOneFileNeverCreateTwoActiveExecutions) {
  TempDir dir;
  const std::string path = dir.File("shared.db");
  auto a = OpenOrDie(path, SystemClock::Default());
  auto b = OpenOrDie(path, SystemClock::Default());
  constexpr int kPipelines = 5;
  constexpr int kRounds = 60;
  for (int p = 0; p < kPipelines; ++p) {
    ASSERT_TRUE(a->AddPipeline(SignalPipeline(Name("p", p), {"AAPL"})).ok());
  }
  std::atomic<int> enqueued{0};
  std::atomic<bool> failed{false};
  auto dispatcher = [&](Store* store, int shard) {
    for (int round = 0; round < kRounds; ++round) {
      BatchBuilder batch;
      // Both dispatchers see the same signal ids half of the time (a rebalance redelivery).
      std::string prefix = round % 2 == 0 ? "shared" : Name("own", shard);
      prefix += Name("-", round) + "-";
      batch.Signals(prefix, 3);
      for (int p = 0; p < kPipelines; ++p) batch.Match(Name("p", p), {0, 1, 2});
      auto r = store->Wake(batch.Build(SystemClock::Default()->NowMs()));
      if (!r.ok()) {
        failed = true;
        ADD_FAILURE() << r.status().ToString();
        return;
      }
      enqueued += static_cast<int>(r->enqueued.size());
    }
  };
  auto worker = [&](Store* store) {
    for (int round = 0; round < kRounds; ++round) {
      auto claimed = store->ClaimExecutions("worker", 2, std::chrono::seconds(30));
      ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
      for (const auto& e : *claimed)
        ASSERT_TRUE(store->CompleteExecution(e.id, "worker", "{}").ok());
    }
  };
  std::thread t1(dispatcher, a.get(), 1);
  std::thread t2(dispatcher, b.get(), 2);
  std::thread t3(worker, a.get());
  t1.join();
  t2.join();
  t3.join();
  ASSERT_FALSE(failed);

  auto db = sqlite::Database::Open(path);
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare(
      "SELECT pipeline_id, count(*) FROM executions WHERE status IN ('PENDING', 'RUNNING') "
      "GROUP BY pipeline_id HAVING count(*) > 1");
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(*st->Step()) << "pipeline with two active executions";
  auto counts = a->Counts();
  EXPECT_EQ(counts->executions_pending + counts->executions_running + counts->executions_completed,
            enqueued.load());
  EXPECT_EQ(counts->signal_wakes, enqueued.load());
  // Every execution was woken by a distinct (pipeline, signal) pair.
  auto pairs =
      (*db)->Prepare("SELECT count(DISTINCT pipeline_id || '/' || signal_id) FROM signal_wakes");
  ASSERT_TRUE(pairs.ok() && *pairs->Step());
  EXPECT_EQ(pairs->ColumnInt(0), enqueued.load());
}

// A large batch (1000 signals x 5000 candidates) on a file database: every pipeline woken once,
// then every match skipped, then a redelivery all duplicate. How fast it goes is for a benchmark
// to measure, not a unit test.
TEST(SqliteStoreTest, LargeBatchWakesEachPipelineOnce) {
  TempDir dir;
  ManualClock clock(1'000'000);
  auto store = OpenOrDie(dir.File("large.db"), &clock);
  constexpr int kSignals = 1000, kPipelines = 5000, kTickers = 500;
  for (int p = 0; p < kPipelines; ++p) {
    ASSERT_TRUE(
        store->AddPipeline(SignalPipeline(Name("pipeline-", p), {Name("T", p % kTickers)})).ok());
  }
  // Signal i names ticker T(i % 500): each pipeline is matched by 2 signals, each signal
  // matches 10 pipelines.
  auto build = [&](BatchBuilder* b, const std::string& prefix) {
    b->Signals(prefix, kSignals);
    for (int p = 0; p < kPipelines; ++p) {
      const uint32_t t = p % kTickers;
      b->Match(Name("pipeline-", p), {t, t + kTickers});
    }
    return b->Build(clock.NowMs());
  };
  auto wake = [&](const WakeBatch& batch) {
    auto r = store->Wake(batch);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r;
  };
  BatchBuilder idle, busy;
  auto first = wake(build(&idle, "a-"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->enqueued.size(), static_cast<size_t>(kPipelines));
  EXPECT_EQ(first->skipped_running, 1u * kPipelines);  // the second signal of each pipeline
  auto second = wake(build(&busy, "b-"));              // every pipeline still PENDING
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->enqueued.empty());
  EXPECT_EQ(second->skipped_running, 2u * kPipelines);
  auto third = wake(idle.Build(clock.NowMs()));  // the first batch, delivered again
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->duplicate, 2u * kPipelines);
}

}  // namespace
}  // namespace sigflow
