#include "bus/embedded/embedded_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sqlite/database.h"
#include "testing/temp_dir.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class EmbeddedLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<BusProducer> Producer(const std::string& topic = kDefaultSignalTopic) {
    auto p = OpenEmbeddedProducer(path_, topic, &clock_);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }
  std::unique_ptr<BusConsumer> Consumer(const std::string& group,
                                        OffsetReset reset = OffsetReset::kEarliest,
                                        const std::string& topic = kDefaultSignalTopic) {
    auto c = OpenEmbeddedConsumer(path_, topic, group, reset);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  static std::vector<std::string> Payloads(const std::vector<BusRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.payload);
    return out;
  }
  static std::vector<std::string> PollAll(BusConsumer* consumer) {
    std::vector<BusRecord> records;
    EXPECT_TRUE(consumer->Poll(1000, milliseconds(0), &records).ok());
    return Payloads(records);
  }
  static BusPosition After(const std::vector<BusRecord>& records) {
    return BusPosition{0, records.back().offset + 1};
  }

  const testing::TempDir dir_{"sigflow_bus_"};
  const std::string path_ = dir_.File("sigflow.db");
  ManualClock clock_{1'700'000'000'000};
};

TEST_F(EmbeddedLogTest, PublishPollCommit) {
  auto producer = Producer();
  auto consumer = Consumer("g");
  ASSERT_TRUE(producer->Publish("AAPL", "one").ok());
  ASSERT_TRUE(producer->Publish("MSFT", std::string("t\0wo", 4)).ok());
  ASSERT_TRUE(producer->Publish("AAPL", "three").ok());

  std::vector<BusRecord> records;
  ASSERT_TRUE(consumer->Poll(2, milliseconds(0), &records).ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "AAPL");
  EXPECT_EQ(records[0].payload, "one");
  EXPECT_EQ(records[0].partition, 0);
  EXPECT_EQ(records[0].timestamp_us, 1'700'000'000'000'000);
  EXPECT_EQ(records[1].payload, std::string("t\0wo", 4));
  EXPECT_LT(records[0].offset, records[1].offset);
  ASSERT_TRUE(consumer->Commit({After(records)}).ok());

  records.clear();
  ASSERT_TRUE(consumer->Poll(10, milliseconds(0), &records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, "three");
  EXPECT_TRUE(PollAll(consumer.get()).empty());  // a consumer never re-delivers
}

TEST_F(EmbeddedLogTest, PollWithNothingReadyReturnsEmptyAfterTheWait) {
  auto consumer = Consumer("g");
  std::vector<BusRecord> records;
  const auto start = SteadyClock::now();
  ASSERT_TRUE(consumer->Poll(10, milliseconds(30), &records).ok());
  EXPECT_TRUE(records.empty());
  EXPECT_GE(SteadyClock::now() - start, milliseconds(30));
}

TEST_F(EmbeddedLogTest, EarliestAndLatest) {
  auto producer = Producer();
  ASSERT_TRUE(producer->Publish("k", "old").ok());
  auto earliest = Consumer("from-earliest", OffsetReset::kEarliest);
  auto latest = Consumer("from-latest", OffsetReset::kLatest);
  ASSERT_TRUE(producer->Publish("k", "new").ok());
  EXPECT_EQ(PollAll(earliest.get()), (std::vector<std::string>{"old", "new"}));
  EXPECT_EQ(PollAll(latest.get()), (std::vector<std::string>{"new"}));
}

TEST_F(EmbeddedLogTest, LatestIsPinnedWhenTheGroupFirstOpens) {
  auto producer = Producer();
  ASSERT_TRUE(producer->Publish("k", "before").ok());
  { auto first = Consumer("g", OffsetReset::kLatest); }  // opens, reads nothing, goes away
  ASSERT_TRUE(producer->Publish("k", "while-away").ok());
  auto second = Consumer("g", OffsetReset::kLatest);
  EXPECT_EQ(PollAll(second.get()), (std::vector<std::string>{"while-away"}));
}

TEST_F(EmbeddedLogTest, PositionsSurviveReopen) {
  {
    auto producer = Producer();
    for (const char* p : {"a", "b", "c"}) ASSERT_TRUE(producer->Publish("k", p).ok());
    auto consumer = Consumer("g");
    std::vector<BusRecord> records;
    ASSERT_TRUE(consumer->Poll(2, milliseconds(0), &records).ok());
    ASSERT_TRUE(consumer->Commit({After(records)}).ok());
  }
  auto consumer = Consumer("g", OffsetReset::kLatest);  // the committed position wins
  EXPECT_EQ(PollAll(consumer.get()), (std::vector<std::string>{"c"}));
}

TEST_F(EmbeddedLogTest, GroupsAreIndependent) {
  auto producer = Producer();
  for (const char* p : {"a", "b"}) ASSERT_TRUE(producer->Publish("k", p).ok());
  auto g1 = Consumer("g1");
  std::vector<BusRecord> records;
  ASSERT_TRUE(g1->Poll(10, milliseconds(0), &records).ok());
  ASSERT_TRUE(g1->Commit({After(records)}).ok());
  auto g2 = Consumer("g2");
  EXPECT_EQ(PollAll(g2.get()), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(PollAll(Consumer("g1").get()).empty());
}

TEST_F(EmbeddedLogTest, TopicsAreIndependent) {
  auto signals = Producer("trading-signals");
  auto other = Producer("other");
  ASSERT_TRUE(signals->Publish("k", "s").ok());
  ASSERT_TRUE(other->Publish("k", "o").ok());
  EXPECT_EQ(PollAll(Consumer("g", OffsetReset::kEarliest, "other").get()),
            std::vector<std::string>{"o"});
}

TEST_F(EmbeddedLogTest, UncommittedRecordsAreRedeliveredToANewConsumer) {
  auto producer = Producer();
  for (const char* p : {"a", "b", "c"}) ASSERT_TRUE(producer->Publish("k", p).ok());
  {
    auto consumer = Consumer("g");
    std::vector<BusRecord> records;
    ASSERT_TRUE(consumer->Poll(1, milliseconds(0), &records).ok());
    ASSERT_TRUE(consumer->Commit({After(records)}).ok());  // "a" done
    records.clear();
    ASSERT_TRUE(consumer->Poll(10, milliseconds(0), &records).ok());  // "b", "c": crash
    ASSERT_EQ(records.size(), 2u);
  }
  auto consumer = Consumer("g");
  EXPECT_EQ(PollAll(consumer.get()), (std::vector<std::string>{"b", "c"}));
}

TEST_F(EmbeddedLogTest, CommitAcceptsOnlyDeliveredPositions) {
  auto producer = Producer();
  ASSERT_TRUE(producer->Publish("k", "a").ok());
  auto consumer = Consumer("g");
  std::vector<BusRecord> records;
  ASSERT_TRUE(consumer->Poll(10, milliseconds(0), &records).ok());
  EXPECT_EQ(consumer->Commit({BusPosition{0, records.back().offset + 2}}).code(),
            "invalid_argument");
  EXPECT_EQ(consumer->Commit({BusPosition{1, 1}}).code(), "invalid_argument");
  EXPECT_TRUE(consumer->Commit({After(records)}).ok());
}

TEST_F(EmbeddedLogTest, PollWakesPromptlyWhenAnotherThreadPublishes) {
  auto consumer = Consumer("g");
  auto producer = Producer();
  std::thread publisher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    ASSERT_TRUE(producer->Publish("k", "hello").ok());
  });
  std::vector<BusRecord> records;
  const auto start = SteadyClock::now();
  ASSERT_TRUE(consumer->Poll(10, milliseconds(10'000), &records).ok());
  const auto waited = SteadyClock::now() - start;
  publisher.join();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, "hello");
  EXPECT_LT(waited, milliseconds(2000));  // not the full 10 s
}

// Another process's producer writes the file without touching this process's notifier; a
// raw connection stands for it. The consumer must notice through the table within milliseconds.
TEST_F(EmbeddedLogTest, WaitingConsumerSeesAnotherConnectionsPublish) {
  auto consumer = Consumer("g");
  auto db = sqlite::Database::Open(path_);
  ASSERT_TRUE(db.ok());
  std::thread other_process([&] {
    std::this_thread::sleep_for(milliseconds(50));
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO bus_log (topic, \"key\", payload, published_at) "
                           "VALUES ('trading-signals', 'k', 'from afar', 1)")
                    .ok());
  });
  std::vector<BusRecord> records;
  const auto start = SteadyClock::now();
  ASSERT_TRUE(consumer->Poll(10, milliseconds(10'000), &records).ok());
  const auto waited = SteadyClock::now() - start;
  other_process.join();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, "from afar");
  EXPECT_LT(waited, milliseconds(2000));
}

TEST_F(EmbeddedLogTest, SecondProducerObjectIsSeenByAWaitingConsumer) {
  auto first = Producer();
  auto consumer = Consumer("g", OffsetReset::kLatest);
  ASSERT_TRUE(first->Publish("k", "one").ok());
  std::thread other([&] {
    auto second = Producer();
    std::this_thread::sleep_for(milliseconds(20));
    ASSERT_TRUE(second->Publish("k", "two").ok());
  });
  std::vector<BusRecord> records;
  ASSERT_TRUE(consumer->Poll(10, milliseconds(5000), &records).ok());
  ASSERT_FALSE(records.empty());
  if (records.size() == 1) {
    ASSERT_TRUE(consumer->Poll(10, milliseconds(5000), &records).ok());
  }
  other.join();
  EXPECT_EQ(Payloads(records), (std::vector<std::string>{"one", "two"}));
}

TEST_F(EmbeddedLogTest, PublishBatchIsAllOrNothing) {
  auto producer = Producer();
  ASSERT_TRUE(producer
                  ->PublishBatch({OutgoingRecord{"a", "1"}, OutgoingRecord{"b", "2"},
                                  OutgoingRecord{"c", "3"}})
                  .ok());
  auto consumer = Consumer("g");
  EXPECT_EQ(PollAll(consumer.get()), (std::vector<std::string>{"1", "2", "3"}));
  {
    // A fault on the second record of the next batch.
    auto db = sqlite::Database::Open(path_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TRIGGER poison BEFORE INSERT ON bus_log "
                           "WHEN CAST(NEW.payload AS TEXT) = 'poison' "
                           "BEGIN SELECT RAISE(ABORT, 'poison'); END")
                    .ok());
  }
  Status failed = producer->PublishBatch(
      {OutgoingRecord{"a", "4"}, OutgoingRecord{"b", "poison"}, OutgoingRecord{"c", "6"}});
  EXPECT_EQ(failed.code(), "unavailable");
  EXPECT_TRUE(PollAll(consumer.get()).empty());
  ASSERT_TRUE(producer->PublishBatch({OutgoingRecord{"a", "7"}}).ok());
  EXPECT_EQ(PollAll(consumer.get()), std::vector<std::string>{"7"});
}

TEST_F(EmbeddedLogTest, OpeningTwiceIsIdempotentAndNeedsNoStore) {
  auto a = Producer();
  auto b = Producer();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto db = sqlite::Database::Open(path_);
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare(
      "SELECT count(*) FROM sqlite_schema WHERE name IN ('bus_log', 'bus_offsets', "
      "'schema_migrations')");
  ASSERT_TRUE(st.ok() && *st->Step());
  EXPECT_EQ(st->ColumnInt(0), 2);
}

}  // namespace
}  // namespace sigflow
