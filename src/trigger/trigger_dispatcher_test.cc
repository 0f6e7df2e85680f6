#include "trigger/trigger_dispatcher.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "bus/embedded/embedded_log.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "trigger/pipeline_cache.h"
#include "trigger/trigger_test_util.h"

namespace sigflow {
namespace {

using testing::TempDir;
using testing_util::FlakyStore;
using testing_util::SignalJson;

// A consumer that forwards to a real one but can be told to fail its next commits: the crash
// window between the store transaction and the offset commit.
class FaultyCommitConsumer final : public BusConsumer {
 public:
  explicit FaultyCommitConsumer(std::unique_ptr<BusConsumer> target) : target_(std::move(target)) {}
  Status Poll(size_t max, std::chrono::milliseconds wait, std::vector<BusRecord>* out) override {
    return target_->Poll(max, wait, out);
  }
  Status Commit(const std::vector<BusPosition>& positions) override {
    if (fail_commits) return Status::Unavailable("injected: process died before the commit");
    return target_->Commit(positions);
  }
  bool fail_commits = false;

 private:
  std::unique_ptr<BusConsumer> target_;
};

// Counts the transactions the dispatcher asks for.
class CountingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<WakeResult> Wake(const WakeBatch& batch) override {
    ++wakes;
    return ForwardingStore::Wake(batch);
  }
  int wakes = 0;
};

class TriggerDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto producer = OpenEmbeddedProducer(db_, kDefaultSignalTopic);
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(producer).value();
    options_.idle_wait = std::chrono::milliseconds(10);
  }

  std::string AddPipeline(const std::vector<std::string>& tickers, bool active = true) {
    Pipeline p;
    p.name = "p" + std::to_string(++pipelines_);
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = tickers;
    p.is_active = active;
    auto added = store_->AddPipeline(p);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? added->id : "";
  }

  void Publish(const std::string& payload, const std::string& key = "AAPL") {
    ASSERT_TRUE(producer_->Publish(key, payload).ok());
  }

  std::unique_ptr<BusConsumer> NewConsumer() {
    auto c = OpenEmbeddedConsumer(db_, kDefaultSignalTopic, "trigger-dispatcher",
                                  OffsetReset::kEarliest);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  // Runs the dispatcher until a poll comes back empty.
  static void Drain(TriggerDispatcher& d) {
    for (int i = 0; i < 1000; ++i) {
      size_t n = 0;
      ASSERT_TRUE(d.RunOnce(&n).ok());
      if (n == 0) return;
    }
    FAIL() << "dispatcher never drained";
  }

  // How many records a new consumer of the group is given: those not committed yet.
  size_t Uncommitted() {
    auto peek = NewConsumer();
    std::vector<BusRecord> records;
    EXPECT_TRUE(peek->Poll(100, std::chrono::milliseconds(20), &records).ok());
    return records.size();
  }

  std::vector<Execution> Executions() {
    auto e = store_->ListExecutions(0);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : std::vector<Execution>{};
  }

  TempDir dir_{"sigflow-dispatch-"};
  std::string db_ = dir_.File("sigflow.db");
  std::unique_ptr<Store> store_;
  std::unique_ptr<BusProducer> producer_;
  TriggerDispatcherOptions options_;
  int pipelines_ = 0;
};

TEST_F(TriggerDispatcherTest, TenSignalsInOneBatchWakeOnePipeline) {
  const std::string aapl = AddPipeline({"AAPL"});
  for (int i = 0; i < 10; ++i) Publish(SignalJson("s" + std::to_string(i), "AAPL"));
  auto consumer = NewConsumer();
  TriggerDispatcher d(store_.get(), consumer.get(), options_);
  Drain(d);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0].pipeline_id, aapl);
  EXPECT_EQ(executions[0].status, ExecutionStatus::kPending);
  ASSERT_EQ(executions[0].signal_ids.size(), 10u);
  EXPECT_EQ(executions[0].signal_ids[0], "s0");
  EXPECT_EQ(d.probe().pipelines_enqueued.load(), 1u);
  EXPECT_EQ(d.probe().pipelines_skipped_running.load(), 9u);
  EXPECT_EQ(d.probe().signals_consumed.load(), 10u);
}

TEST_F(TriggerDispatcherTest, TenSignalsOneByOneWhilePendingWakeOnePipeline) {
  AddPipeline({"AAPL"});
  auto consumer = NewConsumer();
  TriggerDispatcher d(store_.get(), consumer.get(), options_);
  for (int i = 0; i < 10; ++i) {
    Publish(SignalJson("s" + std::to_string(i), "AAPL"));
    Drain(d);  // each signal is its own batch
  }
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0].signal_ids, std::vector<std::string>{"s0"});
  EXPECT_EQ(d.probe().pipelines_enqueued.load(), 1u);
  EXPECT_EQ(d.probe().pipelines_skipped_running.load(), 9u);
  EXPECT_GE(d.probe().batches.load(), 10u);
}

TEST_F(TriggerDispatcherTest, OnlyMatchingActiveSignalPipelinesWake) {
  const std::string both = AddPipeline({"AAPL", "TSLA"});
  AddPipeline({"GOOGL", "AMZN"});
  const std::string msft = AddPipeline({"MSFT", "NVDA"});
  AddPipeline({"AAPL"}, /*active=*/false);
  Publish(R"({"signal_id":"x","tickers":[{"ticker":"AAPL","signal":"BULLISH","confidence":80},)"
          R"({"ticker":"MSFT","signal":"BEARISH","confidence":60}]})");
  auto consumer = NewConsumer();
  TriggerDispatcher d(store_.get(), consumer.get(), options_);
  Drain(d);
  std::set<std::string> woken;
  for (const auto& e : Executions()) woken.insert(e.pipeline_id);
  EXPECT_EQ(woken, (std::set<std::string>{both, msft}));
  EXPECT_EQ(d.probe().pipelines_matched.load(), 2u);
}

TEST_F(TriggerDispatcherTest, InvalidSignalsAreDeadLetteredAndTheOffsetAdvances) {
  AddPipeline({"AAPL"});
  Publish("{not json");
  Publish(R"({"tickers":[]})");
  Publish(SignalJson("good", "AAPL"));
  {
    auto consumer = NewConsumer();
    TriggerDispatcher d(store_.get(), consumer.get(), options_);
    Drain(d);
    EXPECT_EQ(d.probe().signals_dead_lettered.load(), 2u);
    EXPECT_EQ(d.probe().pipelines_enqueued.load(), 1u);
  }
  auto letters = store_->ListDeadLetters(0);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  std::set<std::string> reasons;
  for (const auto& l : *letters) reasons.insert(l.reason_code);
  EXPECT_EQ(reasons, (std::set<std::string>{"malformed_json", "empty_tickers"}));
  bool raw_kept = false;
  for (const auto& l : *letters) raw_kept |= l.raw == "{not json";
  EXPECT_TRUE(raw_kept);
  // The group's position moved past all three: a new consumer gets nothing.
  auto again = NewConsumer();
  std::vector<BusRecord> records;
  ASSERT_TRUE(again->Poll(10, std::chrono::milliseconds(20), &records).ok());
  EXPECT_TRUE(records.empty());
}

TEST_F(TriggerDispatcherTest, RedeliveryAfterCrashBeforeCommitWakesNoPairTwice) {
  AddPipeline({"AAPL"});
  AddPipeline({"AAPL", "MSFT"});
  for (int i = 0; i < 5; ++i) Publish(SignalJson("a" + std::to_string(i), "AAPL"));
  Publish(SignalJson("m0", "MSFT"));
  {
    auto faulty = std::make_unique<FaultyCommitConsumer>(NewConsumer());
    faulty->fail_commits = true;  // the store commits, then the process "dies"
    TriggerDispatcher d(store_.get(), faulty.get(), options_);
    Drain(d);
    EXPECT_EQ(d.probe().pipelines_enqueued.load(), 2u);
  }
  const auto before = store_->Counts();
  ASSERT_TRUE(before.ok());
  // A restarted dispatcher of the same group gets every record again.
  auto consumer = NewConsumer();
  TriggerDispatcher restarted(store_.get(), consumer.get(), options_);
  Drain(restarted);
  EXPECT_EQ(restarted.probe().signals_consumed.load(), 6u);
  EXPECT_EQ(restarted.probe().pipelines_enqueued.load(), 0u);
  // a0..a4 match both pipelines, m0 matches one: every match is now a duplicate.
  EXPECT_EQ(restarted.probe().pipelines_duplicate.load(), 11u);
  const auto after = store_->Counts();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->signals, before->signals);
  EXPECT_EQ(after->signal_wakes, before->signal_wakes);
  EXPECT_EQ(Executions().size(), 2u);
  // Every (pipeline, signal) pair appears in at most one execution.
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& e : Executions()) {
    for (const auto& s : e.signal_ids) EXPECT_TRUE(pairs.insert({e.pipeline_id, s}).second);
  }
}

TEST_F(TriggerDispatcherTest, StoreOutageKeepsTheBatchAndLosesNothing) {
  AddPipeline({"AAPL"});
  Publish(SignalJson("s1", "AAPL"));
  FlakyStore flaky(store_.get());
  auto consumer = NewConsumer();
  TriggerDispatcher d(&flaky, consumer.get(), options_);
  flaky.down = true;
  for (int i = 0; i < 3; ++i) {
    Status s = d.RunOnce();
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.code(), "unavailable");
  }
  EXPECT_TRUE(Executions().empty());
  flaky.down = false;
  Drain(d);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0].signal_ids, std::vector<std::string>{"s1"});
  EXPECT_EQ(d.probe().signals_consumed.load(), 1u);
  EXPECT_GE(d.probe().store_failures.load(), 3u);
}

TEST_F(TriggerDispatcherTest, PipelineAddedInThisProcessIsMatchedAtOnce) {
  options_.cache_refresh_interval = std::chrono::hours(1);  // only the change notice can help
  auto consumer = NewConsumer();
  TriggerDispatcher d(store_.get(), consumer.get(), options_);
  Publish(SignalJson("before", "NVDA"));
  Drain(d);
  EXPECT_EQ(d.probe().pipelines_matched.load(), 0u);
  const std::string nvda = AddPipeline({"NVDA"});
  Publish(SignalJson("after", "NVDA"));
  Drain(d);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0].pipeline_id, nvda);
  EXPECT_EQ(executions[0].signal_ids, std::vector<std::string>{"after"});
}

// A refresh that loads the same pipelines keeps the snapshot (and so the matcher state kept per
// snapshot); any change to what the index holds builds a new one.
TEST_F(TriggerDispatcherTest, PipelineCacheKeepsTheSnapshotWhilePipelinesAreUnchanged) {
  AddPipeline({"AAPL", "MSFT"});
  const std::string tsla = AddPipeline({"TSLA"});
  AddPipeline({"NVDA"}, /*active=*/false);
  PipelineCache cache(store_.get(), std::chrono::milliseconds(0));
  ASSERT_TRUE(cache.Refresh().ok());
  const auto first = cache.snapshot();
  EXPECT_EQ(first->pipeline_count(), 2u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cache.MaybeRefresh().ok());  // due at once: interval 0
    EXPECT_EQ(cache.snapshot(), first);
  }
  EXPECT_EQ(cache.refreshes(), 4u);
  EXPECT_EQ(cache.rebuilds(), 1u);

  AddPipeline({"AMD"});
  ASSERT_TRUE(cache.Refresh().ok());
  const auto second = cache.snapshot();
  EXPECT_NE(second, first);
  EXPECT_EQ(second->pipeline_count(), 3u);
  ASSERT_TRUE(store_->RemovePipeline(tsla).ok());
  ASSERT_TRUE(cache.Refresh().ok());
  EXPECT_NE(cache.snapshot(), second);
  EXPECT_EQ(cache.snapshot()->pipeline_count(), 2u);
  EXPECT_FALSE(cache.snapshot()->FindTicker("TSLA").has_value());
  EXPECT_EQ(cache.rebuilds(), 3u);
}

TEST_F(TriggerDispatcherTest, DuplicateSignalIdWithinABatchIsCountedOnce) {
  AddPipeline({"AAPL"});
  Publish(SignalJson("same", "AAPL"));
  Publish(SignalJson("same", "AAPL"));
  auto consumer = NewConsumer();
  TriggerDispatcher d(store_.get(), consumer.get(), options_);
  Drain(d);
  auto counts = store_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->signals, 1);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0].signal_ids, std::vector<std::string>{"same"});
}

TEST_F(TriggerDispatcherTest, SignalWithoutIdKeepsItsIdentityAcrossRedelivery) {
  AddPipeline({"AAPL"});
  Publish(R"({"tickers":[{"ticker":"AAPL","signal":"BULLISH","confidence":80}]})");
  {
    auto faulty = std::make_unique<FaultyCommitConsumer>(NewConsumer());
    faulty->fail_commits = true;
    TriggerDispatcher d(store_.get(), faulty.get(), options_);
    Drain(d);
    EXPECT_EQ(d.probe().pipelines_enqueued.load(), 1u);
  }
  auto consumer = NewConsumer();
  TriggerDispatcher restarted(store_.get(), consumer.get(), options_);
  Drain(restarted);
  EXPECT_EQ(restarted.probe().pipelines_duplicate.load(), 1u);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 1u);
  ASSERT_EQ(executions[0].signal_ids.size(), 1u);
  EXPECT_EQ(executions[0].signal_ids[0].rfind("trading-signals:0:", 0), 0u);
}

// A batch that matches nothing costs no store transaction: its history rows wait for the next
// one, and its offsets are committed only after they are written.
TEST_F(TriggerDispatcherTest, BatchMatchingNothingIsHeldAndRidesWithTheNextTransaction) {
  AddPipeline({"AAPL"});
  CountingStore counting(store_.get());
  auto consumer = NewConsumer();
  options_.batch_size = 100;
  TriggerDispatcher d(&counting, consumer.get(), options_);
  for (int i = 0; i < 3; ++i) Publish(SignalJson("quiet" + std::to_string(i), "ZZZZ"), "ZZZZ");
  size_t n = 0;
  ASSERT_TRUE(d.RunOnce(&n).ok());
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(counting.wakes, 0);
  EXPECT_EQ(d.probe().batches_held.load(), 1u);
  EXPECT_EQ(store_->Counts()->signals, 0);
  EXPECT_EQ(Uncommitted(), 3u);  // another consumer of the group would get them again
  Publish(SignalJson("loud", "AAPL"));
  ASSERT_TRUE(d.RunOnce(&n).ok());
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(counting.wakes, 1);  // the matched batch carried the held rows
  EXPECT_EQ(store_->Counts()->signals, 4);
  EXPECT_EQ(d.probe().held_flushes.load(), 1u);
  EXPECT_EQ(Uncommitted(), 0u);
}

// Regression: a commit that failed (a rebalance in progress) was not tried again, so a partition
// whose last batch it was kept a stale committed offset until its next record, and a restarted
// group read that tail again (the kill test under cooperative-sticky: 2,076 records of one
// partition). The positions are retried when the bus is idle, and before Run returns.
TEST_F(TriggerDispatcherTest, AFailedCommitIsRetriedWhenTheBusIsIdle) {
  AddPipeline({"AAPL"});
  for (int i = 0; i < 3; ++i) Publish(SignalJson("s" + std::to_string(i), "AAPL"));
  FaultyCommitConsumer faulty(NewConsumer());
  faulty.fail_commits = true;
  options_.batch_size = 100;
  TriggerDispatcher d(store_.get(), &faulty, options_);
  size_t n = 0;
  ASSERT_TRUE(d.RunOnce(&n).ok());
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(d.probe().commit_failures.load(), 1u);
  EXPECT_EQ(Uncommitted(), 3u);
  faulty.fail_commits = false;  // the rebalance is over, and no record comes after
  ASSERT_TRUE(d.RunOnce(&n).ok());
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(d.probe().commit_retries.load(), 1u);
  EXPECT_EQ(Uncommitted(), 0u);
  ASSERT_TRUE(d.RunOnce(&n).ok());  // nothing left to retry
  EXPECT_EQ(d.probe().commit_retries.load(), 1u);
}

// (With another partition's next commit: RevokeFlushTest, which has two partitions.)
TEST_F(TriggerDispatcherTest, AFailedCommitIsRetriedBeforeRunReturns) {
  AddPipeline({"AAPL"});
  FaultyCommitConsumer faulty(NewConsumer());
  options_.batch_size = 100;
  TriggerDispatcher d(store_.get(), &faulty, options_);
  Publish(SignalJson("first", "AAPL"));
  faulty.fail_commits = true;
  size_t n = 0;
  ASSERT_TRUE(d.RunOnce(&n).ok());
  Publish(SignalJson("second", "AAPL"));
  ASSERT_TRUE(d.RunOnce(&n).ok());  // still failing: both positions are kept
  EXPECT_EQ(d.probe().commit_failures.load(), 2u);
  EXPECT_EQ(Uncommitted(), 2u);
  faulty.fail_commits = false;
  const std::atomic<bool> stop{true};
  d.Run(stop);  // stops at once, committing on the way out
  EXPECT_EQ(d.probe().commit_retries.load(), 1u);
  EXPECT_EQ(Uncommitted(), 0u);
}

TEST_F(TriggerDispatcherTest, HeldRowsAreWrittenWhenTheBusIsIdle) {
  CountingStore counting(store_.get());
  auto consumer = NewConsumer();
  TriggerDispatcher d(&counting, consumer.get(), options_);
  Publish(SignalJson("quiet", "ZZZZ"), "ZZZZ");
  size_t n = 0;
  ASSERT_TRUE(d.RunOnce(&n).ok());
  EXPECT_EQ(counting.wakes, 0);
  ASSERT_TRUE(d.RunOnce(&n).ok());  // nothing more: idle
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(counting.wakes, 1);
  EXPECT_EQ(store_->Counts()->signals, 1);
  EXPECT_EQ(Uncommitted(), 0u);
}

TEST_F(TriggerDispatcherTest, HoldingBackIsBoundedByCount) {
  CountingStore counting(store_.get());
  auto consumer = NewConsumer();
  options_.batch_size = 2;
  options_.history_defer_max_signals = 5;
  TriggerDispatcher d(&counting, consumer.get(), options_);
  for (int i = 0; i < 6; ++i) Publish(SignalJson("q" + std::to_string(i), "ZZZZ"), "ZZZZ");
  size_t n = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.RunOnce(&n).ok());
  // Batches of 2: held, held, then 4 + 2 >= 5 forces a transaction for all six.
  EXPECT_EQ(counting.wakes, 1);
  EXPECT_EQ(store_->Counts()->signals, 6);
}

}  // namespace
}  // namespace sigflow
