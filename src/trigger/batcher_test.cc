#include "trigger/batcher.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "bus/embedded/embedded_log.h"
#include "testing/temp_dir.h"

namespace sigflow {
namespace {

// A bus consumer that always has one more record ready: a flood that never runs dry.
class EndlessConsumer final : public BusConsumer {
 public:
  Status Poll(size_t max, std::chrono::milliseconds, std::vector<BusRecord>* out) override {
    if (max == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    out->push_back(BusRecord{"K", "{}", 0, next_++, 0});
    return Status::Ok();
  }
  Status Commit(const std::vector<BusPosition>&) override { return Status::Ok(); }

 private:
  int64_t next_ = 0;
};

struct Fixture {
  testing::TempDir dir{"sigflow-batcher-"};
  std::string db = dir.File("bus.db");
  std::unique_ptr<BusProducer> producer;
  std::unique_ptr<BusConsumer> consumer;
  Fixture() {
    auto p = OpenEmbeddedProducer(db, kDefaultSignalTopic);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    producer = std::move(p).value();
    auto c = OpenEmbeddedConsumer(db, kDefaultSignalTopic, "g", OffsetReset::kEarliest);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    consumer = std::move(c).value();
  }
  void Publish(int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(producer->Publish("AAPL", "{}").ok());
  }
};

TEST(BatcherTest, ClosesAtBatchSize) {
  Fixture f;
  f.Publish(50);
  TriggerDispatcherOptions options;
  options.batch_size = 20;
  std::vector<BusRecord> batch;
  BatchClose reason;
  ASSERT_TRUE(CollectBatch(*f.consumer, options, &batch, &reason).ok());
  EXPECT_EQ(batch.size(), 20u);
  EXPECT_EQ(reason, BatchClose::kSize);
}

TEST(BatcherTest, ClosesAtOnceWhenTheBusIsEmpty) {
  Fixture f;
  f.Publish(3);
  TriggerDispatcherOptions options;
  options.batch_size = 20;
  options.batch_timeout = std::chrono::milliseconds(5000);
  std::vector<BusRecord> batch;
  BatchClose reason;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(CollectBatch(*f.consumer, options, &batch, &reason).ok());
  EXPECT_EQ(batch.size(), 3u);
  EXPECT_EQ(reason, BatchClose::kBusEmpty);
  // It did not wait for the 5 s timeout (a generous bound for a loaded machine).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
}

TEST(BatcherTest, ClosesByTimeoutUnderAFloodSmallerThanTheBatch) {
  EndlessConsumer consumer;
  TriggerDispatcherOptions options;
  options.batch_size = 1000000;
  options.batch_timeout = std::chrono::milliseconds(100);
  std::vector<BusRecord> batch;
  BatchClose reason;
  ASSERT_TRUE(CollectBatch(consumer, options, &batch, &reason).ok());
  EXPECT_EQ(reason, BatchClose::kTimeout);
  EXPECT_GT(batch.size(), 1u);
  EXPECT_LT(batch.size(), 1000000u);
}

TEST(BatcherTest, TimerModeWaitsForTheTimeoutLikeTheSeeds) {
  Fixture f;
  f.Publish(1);
  TriggerDispatcherOptions options;
  options.natural_batching = false;
  options.batch_size = 20;
  options.batch_timeout = std::chrono::milliseconds(150);
  std::vector<BusRecord> batch;
  BatchClose reason;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(CollectBatch(*f.consumer, options, &batch, &reason).ok());
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(reason, BatchClose::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(140));
}

TEST(BatcherTest, ReportsIdleWhenNothingArrives) {
  Fixture f;
  TriggerDispatcherOptions options;
  options.idle_wait = std::chrono::milliseconds(20);
  std::vector<BusRecord> batch;
  BatchClose reason;
  ASSERT_TRUE(CollectBatch(*f.consumer, options, &batch, &reason).ok());
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(reason, BatchClose::kIdle);
}

}  // namespace
}  // namespace sigflow
