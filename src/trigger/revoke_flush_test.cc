// The trigger dispatcher across a rebalance: a partition revoked while a batch is being collected
// gets that batch flushed (store transaction, then commit) from inside the revoke listener, so
// the partition's next owner does not see its records again.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "trigger/trigger_dispatcher.h"
#include "trigger/trigger_test_util.h"

namespace sigflow {
namespace {

using testing_util::FlakyStore;
using testing_util::SignalJson;

// A partitioned log with one group's committed positions, shared by the fake members below.
struct FakeLog {
  std::map<int32_t, std::vector<std::string>> partitions;
  std::map<int32_t, int64_t> committed;
};

// One member of the group. Owns the partitions it is given; Poll serves them round-robin from
// its positions (which start at the group's committed offsets). A revoke scheduled for its n-th
// Poll runs the listener inside that Poll, before any record of it is returned, then disowns the
// partitions: as librdkafka serves the rebalance callback inside rd_kafka_consumer_poll.
// Commit moves the group's offsets of owned partitions only, like the Kafka consumer.
class FakeGroupConsumer final : public BusConsumer {
 public:
  FakeGroupConsumer(FakeLog* log, const std::set<int32_t>& owned) : log_(log) {
    for (int32_t p : owned) Assign(p);
  }

  void Assign(int32_t partition) {
    owned_.insert(partition);
    position_[partition] = log_->committed[partition];
  }
  void RevokeOnPoll(int poll, std::vector<int32_t> partitions) {
    revoke_poll_ = poll;
    revoke_ = std::move(partitions);
  }
  void RevokeOnNextPoll(std::vector<int32_t> partitions) {
    RevokeOnPoll(polls_ + 1, std::move(partitions));
  }
  int fail_commits = 0;  // how many of the next commits fail (a rebalance in progress)

  Status Poll(size_t max, std::chrono::milliseconds /*wait*/,
              std::vector<BusRecord>* out) override {
    if (++polls_ == revoke_poll_) {
      if (listener_) listener_(revoke_, /*lost=*/false);
      for (int32_t p : revoke_) owned_.erase(p);
    }
    bool more = true;
    size_t added = 0;
    while (added < max && more) {
      more = false;
      for (int32_t p : owned_) {
        auto& records = log_->partitions[p];
        int64_t& pos = position_[p];
        if (added >= max || pos >= static_cast<int64_t>(records.size())) continue;
        BusRecord& r = out->emplace_back();
        r.partition = p;
        r.offset = pos;
        r.payload = records[static_cast<size_t>(pos)];
        ++pos;
        ++added;
        more = true;
      }
    }
    return Status::Ok();
  }

  Status Commit(const std::vector<BusPosition>& positions) override {
    if (fail_commits > 0) {
      --fail_commits;
      return Status::Unavailable("injected: rebalance in progress");
    }
    for (const BusPosition& p : positions) {
      if (owned_.count(p.partition) == 0) {
        ++skipped_;
        continue;
      }
      int64_t& c = log_->committed[p.partition];
      c = std::max(c, p.next_offset);
    }
    return Status::Ok();
  }

  void SetRevokeListener(RevokeListener listener) override { listener_ = std::move(listener); }

  int skipped() const { return skipped_; }

 private:
  FakeLog* log_;
  std::set<int32_t> owned_;
  std::map<int32_t, int64_t> position_;
  RevokeListener listener_;
  int polls_ = 0;
  int revoke_poll_ = -1;
  std::vector<int32_t> revoke_;
  int skipped_ = 0;
};

class RevokeFlushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.File("sigflow.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    Pipeline p;
    p.name = "watch";
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = {"AAPL", "MSFT"};
    ASSERT_TRUE(store_->AddPipeline(p).ok());
    options_.batch_size = 100;
    options_.idle_wait = std::chrono::milliseconds(1);
    // Partition 0 carries AAPL, partition 1 MSFT; three records each.
    for (int i = 0; i < 3; ++i) {
      log_.partitions[0].push_back(SignalJson("a" + std::to_string(i), "AAPL"));
      log_.partitions[1].push_back(SignalJson("m" + std::to_string(i), "MSFT"));
    }
  }

  // Every recorded signal's stored duplicate count (a redelivered signal counts its matches).
  uint32_t DuplicatesOf(const std::vector<std::string>& ids) {
    auto stored = store_->LoadSignals(ids);
    EXPECT_TRUE(stored.ok());
    EXPECT_EQ(stored->size(), ids.size());
    uint32_t duplicates = 0;
    for (const auto& s : *stored) duplicates += s.outcome.duplicate;
    return duplicates;
  }

  testing::TempDir dir_{"sigflow-revoke-"};
  std::unique_ptr<Store> store_;
  FakeLog log_;
  TriggerDispatcherOptions options_;
};

// The batch's first Poll takes all six records; its second Poll (natural batching asks for more)
// revokes partition 1 before anything else: the six are flushed and committed from the listener.
TEST_F(RevokeFlushTest, RevokeMidBatchFlushesAndCommitsSoTheNextOwnerGetsNothingAgain) {
  FakeGroupConsumer a(&log_, {0, 1});
  a.RevokeOnPoll(2, {1});
  TriggerDispatcher da(store_.get(), &a, options_);
  size_t processed = 0;
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(da.probe().batches_flushed_on_revoke.load(), 1u);
  EXPECT_EQ(da.probe().signals_consumed.load(), 6u);
  EXPECT_EQ(log_.committed[0], 3);
  EXPECT_EQ(log_.committed[1], 3);  // committed while partition 1 was still owned
  EXPECT_EQ(a.skipped(), 0);
  auto executions = store_->ListExecutions(0);
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ(executions->front().signal_ids.size(), 6u);

  // The next owner of partition 1 starts after the flushed records; new records still flow.
  log_.partitions[1].push_back(SignalJson("m3", "MSFT"));
  FakeGroupConsumer b(&log_, {1});
  TriggerDispatcher db(store_.get(), &b, options_);
  ASSERT_TRUE(db.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 1u);
  EXPECT_EQ(db.probe().signals_consumed.load(), 1u);
  EXPECT_EQ(db.probe().pipelines_duplicate.load(), 0u);
  EXPECT_EQ(DuplicatesOf({"a0", "a1", "a2", "m0", "m1", "m2", "m3"}), 0u);
  EXPECT_EQ(log_.committed[1], 4);
}

// A revoke with nothing collected yet (at the batch's first Poll) flushes nothing.
TEST_F(RevokeFlushTest, RevokeBeforeAnyRecordFlushesNothing) {
  FakeGroupConsumer a(&log_, {0, 1});
  a.RevokeOnPoll(1, {1});
  TriggerDispatcher da(store_.get(), &a, options_);
  size_t processed = 0;
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 3u);  // partition 0's records only
  EXPECT_EQ(da.probe().batches_flushed_on_revoke.load(), 0u);
  EXPECT_EQ(log_.committed[0], 3);
  EXPECT_EQ(log_.committed[1], 0);
}

// When the flush cannot reach the store, the revoked partition's records leave the batch
// uncommitted (their next owner reads them), and the rest is processed once the store is back.
TEST_F(RevokeFlushTest, FailedFlushLeavesRevokedRecordsToTheNextOwnerAndKeepsTheRest) {
  FlakyStore flaky(store_.get());
  FakeGroupConsumer a(&log_, {0, 1});
  a.RevokeOnPoll(2, {1});
  TriggerDispatcher da(&flaky, &a, options_);
  flaky.down = true;
  EXPECT_FALSE(da.RunOnce().ok());  // the batch (partition 0's records) is kept pending
  EXPECT_EQ(da.probe().records_dropped_on_revoke.load(), 3u);
  EXPECT_EQ(log_.committed[1], 0);
  flaky.down = false;
  size_t processed = 0;
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 3u);
  EXPECT_EQ(log_.committed[0], 3);

  FakeGroupConsumer b(&log_, {1});
  TriggerDispatcher db(store_.get(), &b, options_);
  ASSERT_TRUE(db.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 3u);
  EXPECT_EQ(DuplicatesOf({"a0", "a1", "a2", "m0", "m1", "m2"}), 0u);
  EXPECT_EQ(log_.committed[1], 3);
}

// A failed commit's positions go out with the next commit, even for a partition the next batch
// has no record of.
TEST_F(RevokeFlushTest, AFailedCommitRidesWithTheNextCommitOfAnotherPartition) {
  FakeGroupConsumer a(&log_, {0, 1});
  a.fail_commits = 1;
  TriggerDispatcher da(store_.get(), &a, options_);
  size_t processed = 0;
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 6u);
  EXPECT_EQ(da.probe().commit_failures.load(), 1u);
  EXPECT_EQ(log_.committed[0], 0);
  EXPECT_EQ(log_.committed[1], 0);
  log_.partitions[0].push_back(SignalJson("a3", "AAPL"));
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 1u);
  EXPECT_EQ(log_.committed[0], 4);
  EXPECT_EQ(log_.committed[1], 3);  // from the failed commit
  EXPECT_EQ(da.probe().commit_retries.load(), 0u);
}

// A revoked partition's failed commit is retried while it is still owned, then forgotten: after
// the partition came back, the old position could move the group's offset backwards.
TEST_F(RevokeFlushTest, ARevokedPartitionsFailedCommitIsForgotten) {
  FakeGroupConsumer a(&log_, {0, 1});
  a.fail_commits = 2;  // the batch's commit, and the retry from the revoke listener
  TriggerDispatcher da(store_.get(), &a, options_);
  size_t processed = 0;
  ASSERT_TRUE(da.RunOnce(&processed).ok());
  EXPECT_EQ(processed, 6u);
  a.RevokeOnNextPoll({1});
  ASSERT_TRUE(da.RunOnce(&processed).ok());  // the revoke, then the bus idle: retried again
  EXPECT_EQ(processed, 0u);
  EXPECT_EQ(da.probe().commit_failures.load(), 2u);
  EXPECT_EQ(da.probe().commit_retries.load(), 2u);
  EXPECT_EQ(log_.committed[0], 3);
  EXPECT_EQ(log_.committed[1], 0);  // left to the next owner, which reads it again
  EXPECT_EQ(a.skipped(), 0);        // the idle retry did not name partition 1
}

}  // namespace
}  // namespace sigflow
