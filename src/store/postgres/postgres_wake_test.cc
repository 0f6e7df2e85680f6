// PostgresStore::Wake: the dispatcher's batch (core/wake.h), ported from the SQLite store's
// tests, plus the round-trip count and large batches.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "store/postgres/postgres_test_util.h"

namespace sigflow {
namespace {

using testing::BatchBuilder;
using testing::Ids;
using testing::Name;
using testing::Range;
using testing::SignalPipeline;
using testing::TestSchema;

class PostgresWakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGFLOW_REQUIRE_POSTGRES();
    store_ = schema_.Open(&clock_, &probe_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  }
  Execution OnlyExecution() {
    auto list = store_->ListExecutions(0);
    EXPECT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 1u);
    return list->empty() ? Execution() : list->front();
  }
  void CompleteAll() {
    for (;;) {
      auto claimed = store_->ClaimExecutions("w", 1000, std::chrono::seconds(30));
      ASSERT_TRUE(claimed.ok());
      if (claimed->empty()) return;
      for (const auto& e : *claimed) ASSERT_TRUE(store_->CompleteExecution(e.id, "w", "{}").ok());
    }
  }

  TestSchema schema_;
  ManualClock clock_{1'000'000};
  PostgresProbe probe_;
  std::unique_ptr<Store> store_;
};

// The seed example (000, "Idempotency Check"): ten AAPL signals in one batch wake the AAPL
// pipeline once, for the first signal.
TEST_F(PostgresWakeTest, TenSignalsWakeOnePipeline) {
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
  EXPECT_EQ(schema_.QueryInt("SELECT count(*) FROM signal_wakes WHERE pipeline_id = 'p1' AND "
                             "signal_id = 'aapl-0'"),
            1);
  auto stored = store_->LoadSignals({"aapl-0", "aapl-9"});
  EXPECT_EQ((*stored)[0].outcome.enqueued, 1u);
  EXPECT_EQ((*stored)[0].outcome.skipped_running, 0u);
  EXPECT_EQ((*stored)[1].outcome.enqueued, 0u);
  EXPECT_EQ((*stored)[1].outcome.skipped_running, 1u);
}

TEST_F(PostgresWakeTest, PendingPipelineSkipsEverySignal) {
  auto queued = store_->EnqueueExecution("p1", false, {});
  ASSERT_TRUE(queued.ok());
  BatchBuilder b;
  b.Signals("s", 10).Match("p1", Range(0, 10));
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enqueued.empty());
  EXPECT_EQ(r->skipped_running, 10u);
  for (const auto& o : r->per_signal) EXPECT_EQ(o.skipped_running, 1u);
  EXPECT_EQ(store_->Counts()->signal_wakes, 0);
  EXPECT_EQ(OnlyExecution().id, *queued);
}

TEST_F(PostgresWakeTest, RunningPipelineSkipsEverySignal) {
  ASSERT_TRUE(store_->EnqueueExecution("p1", false, {}).ok());
  ASSERT_EQ(store_->ClaimExecutions("w", 1, std::chrono::seconds(30))->size(), 1u);
  BatchBuilder b;
  b.Signals("s", 3).Match("p1", Range(0, 3));
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enqueued.empty());
  EXPECT_EQ(r->skipped_running, 3u);
}

TEST_F(PostgresWakeTest, RedeliveredBatchIsAllDuplicate) {
  BatchBuilder b;
  b.Signals("s", 10).Match("p1", Range(0, 10));
  ASSERT_EQ(store_->Wake(b.Build())->enqueued.size(), 1u);

  auto again = store_->Wake(b.Build());  // also what a retry after a lost commit sees
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->enqueued.empty());
  EXPECT_EQ(again->duplicate, 10u);
  EXPECT_EQ(again->skipped_running, 0u);
  for (const auto& o : again->per_signal) EXPECT_EQ(o.duplicate, 1u);

  CompleteAll();  // even once the first execution is over, a redelivery wakes nothing
  auto after = store_->Wake(b.Build());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->enqueued.empty());
  EXPECT_EQ(after->duplicate, 10u);
  auto counts = store_->Counts();
  EXPECT_EQ(counts->executions_pending + counts->executions_running, 0);
  EXPECT_EQ(counts->executions_completed, 1);
  EXPECT_EQ(counts->signal_wakes, 1);
  EXPECT_EQ(counts->signals, 10);
  EXPECT_EQ((*store_->LoadSignals({"s3"}))[0].outcome.duplicate, 2u);
  EXPECT_EQ((*store_->LoadSignals({"s0"}))[0].outcome.enqueued, 1u);  // not counted again
}

TEST_F(PostgresWakeTest, OverlappingBatchWakesWithTheFirstFreshSignal) {
  BatchBuilder first;
  first.Signals("s", 5).Match("p1", Range(0, 5));
  ASSERT_EQ(store_->Wake(first.Build())->enqueued.size(), 1u);
  CompleteAll();

  BatchBuilder second;  // s3, s4 were committed with the first batch
  for (int i = 3; i < 8; ++i) second.Signal(Name("s", i));
  second.Match("p1", Range(0, 5));
  auto r = store_->Wake(second.Build());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
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
  EXPECT_EQ(schema_.QueryInt("SELECT count(*) FROM signal_wakes WHERE signal_id = 's5'"), 1);

  // The stored rows, not just the answer: the Wake writes a row's counts before it knows which
  // signals are fresh, assuming s3 wakes p1, and must put the waking on s5 instead.
  auto stored = store_->LoadSignals(Ids("s", 3, 8));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), 5u);
  const std::vector<std::array<uint32_t, 4>> expected = {
      // matched, enqueued, skipped_running, duplicate
      {1, 0, 1, 1},  // s3, s4: counted by the first batch (woken by s0); this one adds a
      {1, 0, 1, 1},  // duplicate match each
      {1, 1, 0, 0},  // s5
      {1, 0, 1, 0},
      {1, 0, 1, 0}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const SignalOutcome& o = (*stored)[i].outcome;
    EXPECT_EQ((std::array<uint32_t, 4>{o.matched, o.enqueued, o.skipped_running, o.duplicate}),
              expected[i])
        << (*stored)[i].signal_id;
  }
}

TEST_F(PostgresWakeTest, AllDuplicateMatchesWakeNothing) {
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

TEST_F(PostgresWakeTest, RepeatedIdWithinABatchIsDuplicate) {
  for (bool flagged : {true, false}) {
    SCOPED_TRACE(flagged ? "flagged by the dispatcher" : "found by the store");
    TestSchema schema;
    auto store = schema.Open(&clock_);
    ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
    BatchBuilder b;
    b.Signal("a").Signal("b").Signal("a", flagged).Signal("c").Match("p1", {0, 1, 2, 3});
    auto r = store->Wake(b.Build());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->enqueued.size(), 1u);
    EXPECT_EQ(r->per_signal[0].enqueued, 1u);
    EXPECT_EQ(r->per_signal[1].skipped_running, 1u);
    EXPECT_EQ(r->per_signal[2].duplicate, 1u);
    EXPECT_EQ(r->per_signal[3].skipped_running, 1u);
    EXPECT_EQ(store->GetExecution(r->enqueued[0].execution_id)->signal_ids,
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(store->Counts()->signals, 3);
  }
}

TEST_F(PostgresWakeTest, EachCandidateGetsItsOwnWakerAndSignals) {
  ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p2", {"MSFT"})).ok());
  ASSERT_TRUE(store_->AddPipeline(SignalPipeline("p3", {"TSLA"})).ok());
  ASSERT_TRUE(store_->EnqueueExecution("p3", false, {}).ok());
  BatchBuilder b;  // s0: AAPL, s1: MSFT, s2: AAPL+MSFT, s3: TSLA
  b.Signals("s", 4).Match("p1", {0, 2}).Match("p2", {1, 2}).Match("p3", {3});
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->enqueued.size(), 2u);
  EXPECT_EQ(r->enqueued[0].candidate, 0u);
  EXPECT_EQ(r->enqueued[1].candidate, 1u);
  EXPECT_EQ(r->enqueued[1].waker, 1u);
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

TEST_F(PostgresWakeTest, RemovedOrInactivePipelinesAreNotWoken) {
  Pipeline inactive = SignalPipeline("inactive", {"AAPL"});
  inactive.is_active = false;
  ASSERT_TRUE(store_->AddPipeline(inactive).ok());
  Pipeline periodic = SignalPipeline("periodic", {"AAPL"});
  periodic.trigger_mode = TriggerMode::kPeriodic;
  ASSERT_TRUE(store_->AddPipeline(periodic).ok());
  BatchBuilder b;  // the dispatcher's snapshot still has all of them as signal pipelines
  b.Signals("s", 2).Match("removed", {0}).Match("inactive", {0}).Match("periodic", {0});
  b.Match("p1", {1});
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->enqueued.size(), 1u);
  EXPECT_EQ(r->enqueued[0].candidate, 3u);
  EXPECT_EQ(r->per_signal[0].skipped_running, 3u);
  EXPECT_EQ(store_->Counts()->executions_pending, 1);
}

TEST_F(PostgresWakeTest, DeadLettersKeepTheirRawBytes) {
  const std::string raw("{\"tickers\": \xff\xfe\0 oops", 20);
  BatchBuilder b;
  b.Signals("s", 1)
      .DeadLetter(raw, "malformed_json", "at byte 12: \xff")
      .DeadLetter("", "missing_tickers", "no tickers");
  auto r = store_->Wake(b.Build());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dead_lettered, 2u);
  auto letters = store_->ListDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].reason_code, "missing_tickers");  // newest first
  EXPECT_EQ((*letters)[0].raw, "");
  EXPECT_EQ((*letters)[1].raw, raw);
  EXPECT_EQ((*letters)[1].raw.size(), 20u);
  EXPECT_EQ((*letters)[1].reason_code, "malformed_json");
  EXPECT_EQ((*letters)[1].message, "at byte 12: \xEF\xBF\xBD");  // invalid UTF-8 replaced
  EXPECT_EQ((*letters)[1].created_at_ms, 5000);
  EXPECT_EQ(store_->ListDeadLetters(1)->size(), 1u);
  EXPECT_EQ(store_->ListDeadLetters(0)->size(), 2u);
}

// Bad input costs one row, never the service: a payload with an escape JSONB cannot hold.
TEST_F(PostgresWakeTest, PayloadWithNulEscapeIsStored) {
  BatchBuilder b;
  b.Signal("s0").Match("p1", {0});
  WakeBatch batch = b.Build();
  const std::string payload = R"({"signal_id":"s0","reasoning":"a\u0000b \\u0000"})";
  batch.signals[0].payload = payload;
  auto r = store_->Wake(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto stored = store_->LoadSignals({"s0"});
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(nlohmann::json::parse((*stored)[0].payload)["reasoning"],
            "a\xEF\xBF\xBD"
            "b \\u0000");
}

TEST_F(PostgresWakeTest, AFailedBatchChangesNothing) {
  ASSERT_TRUE(schema_
                  .Try("CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "IF NEW.reason_code = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; "
                       "RETURN NEW; END $$; CREATE TRIGGER boom BEFORE INSERT ON dead_letters "
                       "FOR EACH ROW EXECUTE FUNCTION boom()")
                  .ok());
  BatchBuilder b;
  b.Signals("s", 2).Match("p1", {0, 1}).DeadLetter("x", "fine", "").DeadLetter("y", "boom", "");
  auto r = store_->Wake(b.Build());
  ASSERT_FALSE(r.ok());
  auto counts = store_->Counts();
  EXPECT_EQ(counts->signals, 0);
  EXPECT_EQ(counts->executions_pending, 0);
  EXPECT_EQ(counts->signal_wakes, 0);
  EXPECT_EQ(counts->dead_letters, 0);

  WakeBatch bad = b.Build();
  bad.dead_letters.clear();
  bad.candidates.push_back(WakeCandidate{"p1", 7});  // out of range
  EXPECT_EQ(store_->Wake(bad).status().code(), "invalid_argument");
  EXPECT_EQ(store_->Counts()->signals, 0);
}

TEST_F(PostgresWakeTest, WakeIsOneRoundTripWhateverTheBatchSize) {
  for (int p = 2; p <= 50; ++p) {
    ASSERT_TRUE(store_->AddPipeline(SignalPipeline(Name("p", p), {"AAPL"})).ok());
  }
  ASSERT_TRUE(store_->Counts().ok());  // the connection is open
  for (int size : {1, 20, 1000}) {
    BatchBuilder b;
    b.Signals(Name("size", size) + "-", size);
    for (int p = 1; p <= 50; ++p) b.Match(Name("p", p), Range(0, static_cast<uint32_t>(size)));
    b.DeadLetter("x", "malformed_json", "");
    const uint64_t before = probe_.round_trips.load(), batches = probe_.wake_batches.load();
    auto r = store_->Wake(b.Build());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(probe_.round_trips.load() - before, 1u) << size << " signals";
    EXPECT_EQ(probe_.wake_batches.load() - batches, 1u);
    CompleteAll();
  }
  const uint64_t before = probe_.round_trips.load();
  WakeBatch empty;
  ASSERT_TRUE(store_->Wake(empty).ok());
  EXPECT_EQ(probe_.round_trips.load(), before);  // nothing to write, no round trip
}

// Large batches on 2,000 pipelines, each signal matching 4: 1,000 signals wake every pipeline
// once, for its first signal; the same on busy pipelines skip every match; a redelivery is all
// duplicate. One round trip each, with the planner's statistics of a populated table. How fast
// a batch goes is `sigflow bench pipeline`'s to measure (BENCHMARKS.md), not a unit test's.
TEST_F(PostgresWakeTest, LargeBatchesWakeEachPipelineOnce) {
  constexpr int kPipelines = 2000, kTickers = 500, kSignals = 1000;
  for (int p = 0; p < kPipelines; ++p) {
    ASSERT_TRUE(
        store_->AddPipeline(SignalPipeline(Name("pl-", p), {Name("T", p % kTickers)})).ok());
  }
  ASSERT_TRUE(schema_.Try("ANALYZE").ok());
  // Signal i names ticker T(i % 500): pipeline p is matched by signals p % 500 and p % 500 + 500.
  auto build = [&](BatchBuilder* b, const std::string& prefix) {
    b->Signals(prefix, kSignals);
    for (int p = 0; p < kPipelines; ++p) {
      const auto t = static_cast<uint32_t>(p % kTickers);
      b->Match(Name("pl-", p), {t, t + kTickers});
    }
    return b->Build(clock_.NowMs());
  };
  auto wake = [&](const WakeBatch& batch) {
    const uint64_t before = probe_.round_trips.load();
    auto r = store_->Wake(batch);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(probe_.round_trips.load() - before, 1u);
    return r;
  };

  BatchBuilder idle, busy;
  auto first = wake(build(&idle, "a-"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->enqueued.size(), static_cast<size_t>(kPipelines));
  EXPECT_EQ(first->skipped_running, static_cast<uint64_t>(kPipelines));
  ASSERT_EQ(first->per_signal.size(), static_cast<size_t>(kSignals));
  for (int i = 0; i < kSignals; ++i) {
    const SignalOutcome& o = first->per_signal[i];
    ASSERT_EQ(o.matched, 4u) << i;
    EXPECT_EQ(o.enqueued, i < kTickers ? 4u : 0u) << i;  // the first of each ticker wakes
    EXPECT_EQ(o.skipped_running, i < kTickers ? 0u : 4u) << i;
  }
  auto executions = store_->ListExecutions(0);
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ(executions->size(), static_cast<size_t>(kPipelines));
  for (const Execution& e : *executions) {
    const int t = std::stoi(e.pipeline_id.substr(3)) % kTickers;
    EXPECT_EQ(e.signal_ids, (std::vector<std::string>{Name("a-", t), Name("a-", t + kTickers)}))
        << e.pipeline_id;
  }
  EXPECT_EQ(store_->Counts()->signal_wakes, kPipelines);

  auto second = wake(build(&busy, "b-"));  // every pipeline still has its PENDING execution
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->enqueued.empty());
  EXPECT_EQ(second->skipped_running, static_cast<uint64_t>(4 * kSignals));

  auto third = wake(idle.Build(clock_.NowMs()));  // the first batch, delivered again
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->enqueued.empty());
  EXPECT_EQ(third->duplicate, static_cast<uint64_t>(4 * kSignals));
  EXPECT_EQ(store_->Counts()->signals, 2 * kSignals);
}

}  // namespace
}  // namespace sigflow
