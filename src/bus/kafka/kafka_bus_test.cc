// Kafka bus against librdkafka's mock cluster, in this process (each test starts its own).
//
// Group joins cost ~3 s each on the mock, rebalances about session_timeout - 1 s: tests reuse
// their consumers and use the shortest session timeout the mock accepts (4 s).
#include "bus/kafka/kafka_bus.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/kafka/kafka_group_offsets.h"
#include "bus/kafka/mock_cluster.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kPatience = std::chrono::seconds(25);

// One consumer and everything it was given.
struct Member {
  std::unique_ptr<KafkaConsumer> consumer;
  std::vector<BusRecord> seen;
  bool commit_after_poll = true;
};

std::vector<BusPosition> PositionsOf(const std::vector<BusRecord>& records) {
  std::map<int32_t, int64_t> next;
  for (const auto& r : records) next[r.partition] = std::max(next[r.partition], r.offset + 1);
  std::vector<BusPosition> out;
  for (const auto& [p, o] : next) out.push_back(BusPosition{p, o});
  return out;
}

// One Poll; what it returns is recorded and, if the member commits, committed at once
// ("processed, then committed").
void PollOnce(Member& m, milliseconds wait = milliseconds(50)) {
  std::vector<BusRecord> batch;
  Status polled = m.consumer->Poll(1000, wait, &batch);
  ASSERT_TRUE(polled.ok()) << polled.ToString();
  m.seen.insert(m.seen.end(), batch.begin(), batch.end());
  if (m.commit_after_poll && !batch.empty()) {
    Status committed = m.consumer->Commit(PositionsOf(batch));
    ASSERT_TRUE(committed.ok()) << committed.ToString();
  }
}

// Polls every member in turn until `done` holds; false on timeout.
bool PollUntil(const std::vector<Member*>& members, const std::function<bool()>& done,
               std::chrono::seconds patience = kPatience) {
  const auto deadline = SteadyClock::now() + patience;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    for (Member* m : members) {
      PollOnce(*m);
      if (::testing::Test::HasFatalFailure()) return false;
    }
  }
  return true;
}

// True when the members own `partitions` partitions between them, each at least one, disjoint.
bool Balanced(const std::vector<Member*>& members, int partitions) {
  std::set<int32_t> all;
  size_t total = 0;
  for (Member* m : members) {
    auto mine = m->consumer->AssignedPartitions();
    if (mine.empty()) return false;
    total += mine.size();
    all.insert(mine.begin(), mine.end());
  }
  return total == static_cast<size_t>(partitions) && all.size() == total;
}

std::set<std::string> Payloads(const std::vector<BusRecord>& records) {
  std::set<std::string> out;
  for (const auto& r : records) out.insert(r.payload);
  return out;
}

// What `group` has committed, asked of the cluster by a client outside the group.
std::map<int32_t, int64_t> Committed(const std::string& bootstrap, const std::string& group,
                                     const std::string& topic, int partitions) {
  std::map<int32_t, int64_t> out;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr));
  rd_kafka_conf_set(conf, "group.id", group.c_str(), errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    ADD_FAILURE() << errstr;
    return out;
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  EXPECT_EQ(rd_kafka_committed(rk, list, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

// The broker id leading `partition` of `topic`, from the cluster's metadata; -1 if unknown.
int32_t LeaderOf(const std::string& bootstrap, const std::string& topic, int32_t partition) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) return -1;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int32_t leader = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int t = 0; t < md->topic_cnt; ++t) {
      for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
        if (md->topics[t].partitions[p].id == partition)
          leader = md->topics[t].partitions[p].leader;
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return leader;
}

class KafkaBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
  }

  void CreateTopic(const std::string& topic, int partitions) {
    Status created = cluster_->CreateTopic(topic, partitions);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  KafkaOptions Options(const std::string& topic) const {
    KafkaOptions o;
    o.bootstrap_servers = cluster_->bootstrap_servers();
    o.topic = topic;
    o.session_timeout = milliseconds(4000);
    o.commit_timeout = milliseconds(5000);
    // Reconnect soon after a broker comes back.
    o.properties = {{"reconnect.backoff.max.ms", "500"}};
    return o;
  }

  std::unique_ptr<KafkaProducer> Producer(const KafkaOptions& options) {
    auto p = KafkaProducer::Open(options);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  std::unique_ptr<KafkaConsumer> Consumer(const KafkaOptions& options, const std::string& group,
                                          OffsetReset reset = OffsetReset::kEarliest) {
    auto c = KafkaConsumer::Open(options, group, reset);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
};

TEST(KafkaOptionsTest, OpenRejectsBadOptionsListingEveryProblem) {
  KafkaOptions o;
  o.topic = "";
  o.session_timeout = milliseconds(1000);
  o.properties = {{"enable.auto.commit", "true"}};
  auto consumer = KafkaConsumer::Open(o, "g", OffsetReset::kEarliest);
  ASSERT_FALSE(consumer.ok());
  EXPECT_EQ(consumer.status().code(), "invalid_argument");
  const std::string& m = consumer.status().message();
  EXPECT_NE(m.find("KAFKA_BOOTSTRAP_SERVERS"), std::string::npos) << m;
  EXPECT_NE(m.find("KAFKA_SIGNAL_TOPIC"), std::string::npos) << m;
  EXPECT_NE(m.find("session_timeout"), std::string::npos) << m;

  o.bootstrap_servers = "127.0.0.1:1";
  o.topic = "t";
  o.session_timeout = milliseconds(6000);
  o.properties = {{"enable.auto.commit", "true"}, {"no.such.property", "1"}};
  consumer = KafkaConsumer::Open(o, "g", OffsetReset::kEarliest);
  ASSERT_FALSE(consumer.ok());
  EXPECT_NE(consumer.status().message().find("enable.auto.commit"), std::string::npos);
  EXPECT_NE(consumer.status().message().find("no.such.property"), std::string::npos);

  o.properties = {{"acks", "1"}};
  auto producer = KafkaProducer::Open(o);
  ASSERT_FALSE(producer.ok());
  EXPECT_NE(producer.status().message().find("acks"), std::string::npos);
}

TEST_F(KafkaBusTest, PublishPollCommitRoundTripAndLag) {
  CreateTopic("roundtrip", 3);
  auto producer = Producer(Options("roundtrip"));
  Member m{Consumer(Options("roundtrip"), "g-roundtrip")};
  ASSERT_TRUE(producer && m.consumer);

  const int64_t before_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  ASSERT_TRUE(producer->Publish("AAPL", "s-0").ok());
  std::vector<std::string> payloads;
  std::vector<OutgoingRecord> batch;
  const char* keys[] = {"AAPL", "MSFT", "NVDA"};
  for (int i = 1; i < 10; ++i) payloads.push_back("s-" + std::to_string(i));
  for (int i = 1; i < 10; ++i) batch.push_back(OutgoingRecord{keys[i % 3], payloads[i - 1]});
  Status published = producer->PublishBatch(batch);
  ASSERT_TRUE(published.ok()) << published.ToString();
  EXPECT_EQ(producer->probe().records_published_total.load(), 10u);
  EXPECT_EQ(producer->probe().kafka_publish_failures_total.load(), 0u);

  ASSERT_TRUE(PollUntil({&m}, [&] { return m.seen.size() >= 10; }));
  EXPECT_EQ(m.seen.size(), 10u);
  EXPECT_EQ(Payloads(m.seen).size(), 10u);
  for (const auto& r : m.seen) {
    const int i = std::stoi(r.payload.substr(2));
    EXPECT_EQ(r.key, keys[i % 3]) << r.payload;
    EXPECT_GE(r.timestamp_us, (before_ms - 1000) * 1000);
    EXPECT_LE(r.timestamp_us, (before_ms + 60000) * 1000);
  }
  EXPECT_EQ(m.consumer->probe().commits_total.load(), m.consumer->probe().commits_total.load());
  EXPECT_GE(m.consumer->probe().commits_total.load(), 1u);
  EXPECT_EQ(m.consumer->AssignedPartitions(), (std::vector<int32_t>{0, 1, 2}));

  // Positions past what was given are refused.
  Status bogus = m.consumer->Commit({BusPosition{m.seen[0].partition, 1000000}});
  EXPECT_EQ(bogus.code(), "invalid_argument");

  // All caught up: no lag anywhere.
  int64_t total_lag = 0;
  for (const auto& l : m.consumer->Lag()) {
    EXPECT_GE(l.high_watermark, 0);
    EXPECT_EQ(l.lag, 0) << "partition " << l.partition;
    total_lag += l.lag;
  }
  EXPECT_EQ(total_lag, 0);

  // Five more, not polled: the lag shows them.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(producer->Publish("TSLA", "late").ok());
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  std::vector<PartitionLag> lags;
  do {
    std::this_thread::sleep_for(milliseconds(100));
    lags = m.consumer->Lag();
    total_lag = 0;
    for (const auto& l : lags) total_lag += std::max<int64_t>(l.lag, 0);
  } while (total_lag != 5 && SteadyClock::now() < deadline);
  EXPECT_EQ(total_lag, 5);
  ASSERT_EQ(lags.size(), 3u);
  for (const auto& l : lags) EXPECT_EQ(l.lag, l.high_watermark - l.position);
}

TEST_F(KafkaBusTest, KeysKeepTheirOrderWithinAPartition) {
  CreateTopic("ordering", 3);
  auto producer = Producer(Options("ordering"));
  Member m{Consumer(Options("ordering"), "g-ordering")};
  ASSERT_TRUE(producer && m.consumer);
  const std::vector<std::string> keys = {"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL"};
  constexpr int kPerKey = 60;
  std::vector<std::string> payloads;
  for (int i = 0; i < kPerKey; ++i) {
    for (const auto& k : keys) payloads.push_back(k + ":" + std::to_string(i));
  }
  // Interleaved keys, in batches of 30.
  for (size_t start = 0; start < payloads.size(); start += 30) {
    std::vector<OutgoingRecord> batch;
    for (size_t i = start; i < start + 30; ++i) {
      batch.push_back(OutgoingRecord{keys[i % keys.size()], payloads[i]});
    }
    ASSERT_TRUE(producer->PublishBatch(batch).ok());
  }
  ASSERT_TRUE(PollUntil({&m}, [&] { return m.seen.size() >= payloads.size(); }));
  EXPECT_EQ(Payloads(m.seen).size(), payloads.size());

  std::map<std::string, std::set<int32_t>> partitions_of_key;
  std::map<std::string, std::vector<int>> sequence_of_key;
  std::map<int32_t, int64_t> last_offset;
  for (const auto& r : m.seen) {
    partitions_of_key[r.key].insert(r.partition);
    sequence_of_key[r.key].push_back(std::stoi(r.payload.substr(r.payload.find(':') + 1)));
    auto it = last_offset.find(r.partition);
    if (it != last_offset.end()) {
      EXPECT_GT(r.offset, it->second);  // delivered in log order
    }
    last_offset[r.partition] = r.offset;
  }
  std::set<int32_t> used;
  for (const auto& k : keys) {
    EXPECT_EQ(partitions_of_key[k].size(), 1u) << k;
    used.insert(partitions_of_key[k].begin(), partitions_of_key[k].end());
    std::vector<int> expected(kPerKey);
    for (int i = 0; i < kPerKey; ++i) expected[i] = i;
    EXPECT_EQ(sequence_of_key[k], expected) << k;
  }
  EXPECT_GE(used.size(), 2u);  // six keys do not all hash to one partition
}

TEST_F(KafkaBusTest, GroupResumesFromCommittedOffsetAfterRestart) {
  CreateTopic("resume", 1);
  auto producer = Producer(Options("resume"));
  ASSERT_TRUE(producer);
  std::vector<std::string> payloads;
  std::vector<OutgoingRecord> batch;
  for (int i = 0; i < 20; ++i) payloads.push_back("r-" + std::to_string(i));
  for (const auto& p : payloads) batch.push_back(OutgoingRecord{"AAPL", p});
  ASSERT_TRUE(producer->PublishBatch(batch).ok());

  int64_t resume_at = -1;
  {
    Member first{Consumer(Options("resume"), "g-resume")};
    first.commit_after_poll = false;
    ASSERT_TRUE(PollUntil({&first}, [&] { return first.seen.size() >= 20; }));
    ASSERT_EQ(first.seen[10].payload, "r-10");
    // Only the first ten were "processed": commit them, then go away (a crash after processing
    // the rest but before committing them looks the same to the group).
    resume_at = first.seen[10].offset;
    ASSERT_TRUE(first.consumer->Commit({BusPosition{0, resume_at}}).ok());
  }
  EXPECT_EQ(Committed(cluster_->bootstrap_servers(), "g-resume", "resume", 1)[0], resume_at);

  Member second{Consumer(Options("resume"), "g-resume", OffsetReset::kLatest)};
  ASSERT_TRUE(PollUntil({&second}, [&] { return second.seen.size() >= 10; }));
  std::this_thread::sleep_for(milliseconds(200));
  PollOnce(second);
  ASSERT_EQ(second.seen.size(), 10u);  // the uncommitted ten again, the committed ten never
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(second.seen[i].payload, payloads[10 + i]);
    EXPECT_EQ(second.seen[i].offset, resume_at + i);
  }
}

TEST_F(KafkaBusTest, NewGroupStartsAtEarliestOrLatest) {
  CreateTopic("reset", 1);
  auto producer = Producer(Options("reset"));
  ASSERT_TRUE(producer);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(producer->Publish("AAPL", "old-" + std::to_string(i)).ok());

  // Both groups join at the same time (each join costs ~3 s).
  Member early{Consumer(Options("reset"), "g-early", OffsetReset::kEarliest)};
  Member late{Consumer(Options("reset"), "g-late", OffsetReset::kLatest)};
  ASSERT_TRUE(early.consumer && late.consumer);
  ASSERT_TRUE(PollUntil({&early, &late}, [&] {
    return early.seen.size() >= 5 && !late.consumer->AssignedPartitions().empty();
  }));
  // `latest` resolves its start right after the assignment: publish markers until one arrives.
  int markers = 0;
  ASSERT_TRUE(PollUntil({&late}, [&] {
    if (!late.seen.empty()) return true;
    EXPECT_TRUE(producer->Publish("AAPL", "marker-" + std::to_string(markers++)).ok());
    return false;
  }));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(producer->Publish("AAPL", "new-" + std::to_string(i)).ok());
  ASSERT_TRUE(PollUntil({&early, &late}, [&] {
    auto seen = Payloads(late.seen);
    return seen.count("new-2") == 1 && Payloads(early.seen).count("new-2") == 1;
  }));

  for (const auto& r : late.seen) EXPECT_NE(r.payload.rfind("old-", 0), 0u) << r.payload;
  auto late_payloads = Payloads(late.seen);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(late_payloads.count("new-" + std::to_string(i)), 1u);
  ASSERT_GE(early.seen.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(early.seen[i].payload, "old-" + std::to_string(i));
}

TEST_F(KafkaBusTest, TwoConsumersSplitPartitionsAndSeeEveryRecordOnce) {
  CreateTopic("split", 3);
  auto producer = Producer(Options("split"));
  Member a{Consumer(Options("split"), "g-split")};
  Member b{Consumer(Options("split"), "g-split")};
  ASSERT_TRUE(producer && a.consumer && b.consumer);
  ASSERT_TRUE(PollUntil({&a, &b}, [&] { return Balanced({&a, &b}, 3); }));

  std::vector<std::string> payloads;
  for (int i = 0; i < 300; ++i) payloads.push_back("split-" + std::to_string(i));
  for (size_t start = 0; start < payloads.size(); start += 50) {
    std::vector<std::string> keys;  // the records only view their keys
    for (size_t i = start; i < start + 50; ++i) keys.push_back("T" + std::to_string(i % 17));
    std::vector<OutgoingRecord> batch;
    for (size_t i = start; i < start + 50; ++i) {
      batch.push_back(OutgoingRecord{keys[i - start], payloads[i]});
    }
    ASSERT_TRUE(producer->PublishBatch(batch).ok());
  }
  ASSERT_TRUE(PollUntil({&a, &b}, [&] { return a.seen.size() + b.seen.size() >= 300; }));
  std::this_thread::sleep_for(milliseconds(300));
  PollOnce(a);
  PollOnce(b);

  EXPECT_FALSE(a.seen.empty());
  EXPECT_FALSE(b.seen.empty());
  EXPECT_EQ(a.seen.size() + b.seen.size(), 300u);  // exactly once between them
  std::vector<BusRecord> all = a.seen;
  all.insert(all.end(), b.seen.begin(), b.seen.end());
  EXPECT_EQ(Payloads(all), std::set<std::string>(payloads.begin(), payloads.end()));
  for (auto* m : {&a, &b}) {
    auto mine = m->consumer->AssignedPartitions();
    for (const auto& r : m->seen) {
      EXPECT_TRUE(std::count(mine.begin(), mine.end(), r.partition)) << r.partition;
    }
  }
  // Everything is committed: the group's offsets are the ends of the partitions.
  std::map<int32_t, int64_t> end;
  for (const auto& r : all) end[r.partition] = std::max(end[r.partition], r.offset + 1);
  auto committed = Committed(cluster_->bootstrap_servers(), "g-split", "split", 3);
  for (const auto& [p, o] : end) EXPECT_EQ(committed[p], o) << "partition " << p;
}

// A second consumer joins while the first holds processed-but-uncommitted records. Nothing is
// lost, and the first consumer's late commit does not touch the partitions it lost.
class KafkaRebalanceTest : public KafkaBusTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(KafkaRebalanceTest, SecondConsumerJoinsMidStreamLosesNothingAndNoRevokedCommit) {
  CreateTopic("rebalance", 3);
  KafkaOptions options = Options("rebalance");
  options.assignment_strategy = GetParam();
  auto producer = Producer(options);
  Member a{Consumer(options, "g-rebalance")};
  ASSERT_TRUE(producer && a.consumer);
  // The listener hears of every revoke while the partitions are still owned. (A commit from it
  // would be refused by the mock, which rejects OffsetCommit during a rebalance; Kafka accepts
  // it.)
  // A join can take more than one rebalance (the eager protocol revokes everything each time), so
  // every announcement is checked on its own: each announced partition must still be owned.
  std::set<int32_t> heard_revoked;
  std::set<int32_t> announced_while_owned;
  a.consumer->SetRevokeListener([&](const std::vector<int32_t>& partitions, bool lost) {
    EXPECT_FALSE(lost);
    heard_revoked.insert(partitions.begin(), partitions.end());
    const auto owned = a.consumer->AssignedPartitions();
    for (int32_t p : partitions) {
      if (std::count(owned.begin(), owned.end(), p)) announced_while_owned.insert(p);
    }
  });
  ASSERT_TRUE(PollUntil({&a}, [&] { return a.consumer->AssignedPartitions().size() == 3; }));

  std::vector<std::string> payloads;
  auto publish_wave = [&](int wave) {
    std::vector<OutgoingRecord> batch;
    const size_t start = payloads.size();
    for (int i = 0; i < 150; ++i) {
      payloads.push_back("w" + std::to_string(wave) + "-" + std::to_string(i));
    }
    std::vector<std::string> keys;  // the records only view their keys
    for (size_t i = start; i < payloads.size(); ++i) keys.push_back("K" + std::to_string(i % 13));
    for (size_t i = start; i < payloads.size(); ++i) {
      batch.push_back(OutgoingRecord{keys[i - start], payloads[i]});
    }
    Status published = producer->PublishBatch(batch);
    ASSERT_TRUE(published.ok()) << published.ToString();
  };

  // Wave 0: processed and committed by A alone.
  publish_wave(0);
  ASSERT_TRUE(PollUntil({&a}, [&] { return a.seen.size() >= 150; }));
  const auto committed_before =
      Committed(cluster_->bootstrap_servers(), "g-rebalance", "rebalance", 3);

  // Wave 1: A takes records of every partition but has not committed them when B joins.
  publish_wave(1);
  a.commit_after_poll = false;
  ASSERT_TRUE(PollUntil({&a}, [&] {
    std::set<int32_t> parts;
    for (const auto& r : a.seen) {
      if (r.payload.rfind("w1-", 0) == 0) parts.insert(r.partition);
    }
    return parts.size() == 3;
  }));
  const auto owned_before = a.consumer->AssignedPartitions();

  Member b{Consumer(options, "g-rebalance")};
  b.commit_after_poll = false;  // until A's late commit has been checked
  ASSERT_TRUE(b.consumer);
  ASSERT_TRUE(PollUntil({&a, &b}, [&] { return Balanced({&a, &b}, 3); }));
  std::vector<int32_t> revoked;
  const auto owned_after = a.consumer->AssignedPartitions();
  for (int32_t p : owned_before) {
    if (!std::count(owned_after.begin(), owned_after.end(), p)) revoked.push_back(p);
  }
  ASSERT_FALSE(revoked.empty());
  for (int32_t p : revoked) {
    EXPECT_EQ(heard_revoked.count(p), 1u) << p;
    EXPECT_EQ(announced_while_owned.count(p), 1u) << p;
  }

  // A commits what it holds: positions of partitions it lost are skipped, not committed.
  const uint64_t skipped_before = a.consumer->probe().commits_skipped_revoked_total.load();
  Status late = a.consumer->Commit(PositionsOf(a.seen));
  ASSERT_TRUE(late.ok()) << late.ToString();
  EXPECT_EQ(a.consumer->probe().commits_skipped_revoked_total.load() - skipped_before,
            revoked.size());
  auto committed_now = Committed(cluster_->bootstrap_servers(), "g-rebalance", "rebalance", 3);
  for (int32_t p : revoked) {
    EXPECT_EQ(committed_now[p], committed_before.at(p)) << "revoked partition " << p;
  }

  // B reads the lost partitions from where the group's commits left them: the held records of
  // those partitions are delivered again (at-least-once), none skipped.
  a.commit_after_poll = true;
  b.commit_after_poll = true;
  if (!b.seen.empty()) {
    ASSERT_TRUE(b.consumer->Commit(PositionsOf(b.seen)).ok());
  }
  publish_wave(2);
  std::set<std::string> wanted(payloads.begin(), payloads.end());
  ASSERT_TRUE(PollUntil({&a, &b}, [&] {
    std::vector<BusRecord> all = a.seen;
    all.insert(all.end(), b.seen.begin(), b.seen.end());
    return Payloads(all) == wanted;
  }));
  std::map<int32_t, int64_t> first_b_offset;
  for (const auto& r : b.seen) {
    if (!first_b_offset.count(r.partition)) first_b_offset[r.partition] = r.offset;
  }
  for (int32_t p : revoked) {
    if (first_b_offset.count(p)) {
      EXPECT_EQ(first_b_offset[p], committed_before.at(p)) << p;
    }
  }

  // In the end the group has committed every partition to its end.
  std::vector<BusRecord> all = a.seen;
  all.insert(all.end(), b.seen.begin(), b.seen.end());
  std::map<int32_t, int64_t> end;
  for (const auto& r : all) end[r.partition] = std::max(end[r.partition], r.offset + 1);
  auto committed = Committed(cluster_->bootstrap_servers(), "g-rebalance", "rebalance", 3);
  for (const auto& [p, o] : end) EXPECT_EQ(committed[p], o) << "partition " << p;
}

INSTANTIATE_TEST_SUITE_P(Protocols, KafkaRebalanceTest,
                         ::testing::Values("range,roundrobin", "cooperative-sticky"),
                         [](const auto& info) {
                           return std::string(info.param[0] == 'c' ? "Cooperative" : "Eager");
                         });

// Seed 001's fallback: while Kafka is down, Publish fails within the delivery timeout, counts
// the failure and never hangs; Commit fails within the commit timeout; both work again once the
// broker is back. Destroying a consumer while the coordinator is unreachable is bounded too
// (rd_kafka_consumer_close alone can wait forever: librdkafka issue 3740).
TEST_F(KafkaBusTest, BrokersDownPublishAndCommitFailFastAndRecover) {
  CreateTopic("fallback", 3);
  KafkaOptions options = Options("fallback");
  options.delivery_timeout = milliseconds(1500);
  options.commit_timeout = milliseconds(1500);
  auto producer = Producer(options);
  Member m{Consumer(options, "g-fallback")};
  m.commit_after_poll = false;
  ASSERT_TRUE(producer && m.consumer);
  ASSERT_TRUE(producer->Publish("AAPL", "before").ok());
  ASSERT_TRUE(PollUntil({&m}, [&] { return m.seen.size() == 1; }));

  ASSERT_TRUE(cluster_->SetAllBrokersUp(false).ok());
  auto started = SteadyClock::now();
  ::testing::internal::CaptureStderr();
  Status down = producer->Publish("AAPL", "during");
  const std::string logged = ::testing::internal::GetCapturedStderr();
  auto elapsed = SteadyClock::now() - started;
  // Not silent: the caller gets the failure, and the log says what was not delivered.
  EXPECT_NE(logged.find(R"("event":"kafka_publish_failed")"), std::string::npos) << logged;
  EXPECT_NE(logged.find(R"("failed":1)"), std::string::npos) << logged;
  EXPECT_EQ(down.code(), "unavailable");
  EXPECT_NE(down.message().find("not delivered"), std::string::npos) << down.ToString();
  EXPECT_LT(elapsed, milliseconds(1500 + 1000 + 500));
  EXPECT_EQ(producer->probe().kafka_publish_failures_total.load(), 1u);

  std::vector<OutgoingRecord> batch = {{"AAPL", "b1"}, {"MSFT", "b2"}, {"NVDA", "b3"}};
  Status batch_down = producer->PublishBatch(batch);
  EXPECT_EQ(batch_down.code(), "unavailable");
  EXPECT_NE(batch_down.message().find("3 of 3 records"), std::string::npos)
      << batch_down.ToString();
  EXPECT_EQ(producer->probe().kafka_publish_failures_total.load(), 4u);

  started = SteadyClock::now();
  Status commit_down = m.consumer->Commit(PositionsOf(m.seen));
  EXPECT_EQ(commit_down.code(), "unavailable") << commit_down.ToString();
  EXPECT_LT(SteadyClock::now() - started, milliseconds(1500 + 500));
  EXPECT_EQ(m.consumer->probe().commit_failures_total.load(), 1u);

  ASSERT_TRUE(cluster_->SetAllBrokersUp(true).ok());
  Status up = producer->Publish("AAPL", "after");
  EXPECT_TRUE(up.ok()) << up.ToString();
  EXPECT_EQ(producer->probe().kafka_publish_failures_total.load(), 4u);
  EXPECT_EQ(producer->probe().records_published_total.load(), 2u);
  m.commit_after_poll = true;
  ASSERT_TRUE(PollUntil({&m}, [&] { return Payloads(m.seen).count("after") == 1; }));
  EXPECT_EQ(Payloads(m.seen), (std::set<std::string>{"before", "after"}));
  auto committed = Committed(cluster_->bootstrap_servers(), "g-fallback", "fallback", 3);
  for (const auto& p : PositionsOf(m.seen)) EXPECT_EQ(committed[p.partition], p.next_offset);

  ASSERT_TRUE(cluster_->SetAllBrokersUp(false).ok());
  started = SteadyClock::now();
  m.consumer.reset();
  EXPECT_LT(SteadyClock::now() - started, options.session_timeout + std::chrono::seconds(3));
}

// The operator's view (`sigflow lag`): asked from outside the group, it shows what the group
// committed and how far that is behind each partition's end, and asking never rebalances the
// group.
TEST_F(KafkaBusTest, DescribeGroupShowsCommittedEndAndLagWithoutJoiningIt) {
  CreateTopic("described", 3);
  const KafkaOptions options = Options("described");
  auto producer = Producer(options);
  Member m{Consumer(options, "g-described")};
  ASSERT_TRUE(producer && m.consumer);

  // Before anything is committed: nothing to show but the ends.
  std::vector<OutgoingRecord> batch;
  const char* keys[] = {"AAPL", "MSFT", "NVDA", "JPM", "AMD", "INTC"};
  for (const char* key : keys) batch.push_back(OutgoingRecord{key, key});
  ASSERT_TRUE(producer->PublishBatch(batch).ok());
  auto fresh = DescribeKafkaGroup(options, "g-described", OffsetReset::kEarliest);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_EQ(fresh->partitions.size(), 3u);
  int64_t ends = 0;
  for (int i = 0; i < 3; ++i) {
    const auto& p = fresh->partitions[static_cast<size_t>(i)];
    EXPECT_EQ(p.partition, i);
    EXPECT_EQ(p.committed, -1);
    EXPECT_EQ(p.low, 0);
    EXPECT_EQ(p.lag, p.high - p.low);
    ends += p.high;
  }
  EXPECT_EQ(ends, 6);
  EXPECT_EQ(fresh->total_lag, 6);
  EXPECT_EQ(DescribeKafkaGroup(options, "g-described", OffsetReset::kLatest)->total_lag, 0);

  // Consumed and committed: committed == end, no lag. Three more published: lag 3.
  ASSERT_TRUE(PollUntil({&m}, [&] { return m.seen.size() == 6; }));
  const uint64_t rebalances = m.consumer->probe().rebalances_total.load();
  auto caught_up = DescribeKafkaGroup(options, "g-described", OffsetReset::kEarliest);
  ASSERT_TRUE(caught_up.ok()) << caught_up.status().ToString();
  EXPECT_EQ(caught_up->total_lag, 0);
  for (const auto& p : caught_up->partitions) EXPECT_EQ(p.committed, p.high) << p.partition;
  batch.resize(3);
  ASSERT_TRUE(producer->PublishBatch(batch).ok());
  auto behind = DescribeKafkaGroup(options, "g-described", OffsetReset::kEarliest);
  ASSERT_TRUE(behind.ok()) << behind.status().ToString();
  EXPECT_EQ(behind->total_lag, 3);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(behind->partitions[i].committed, caught_up->partitions[i].committed);
  }
  // The member kept its partitions throughout and still reads on.
  ASSERT_TRUE(PollUntil({&m}, [&] { return m.seen.size() == 9; }));
  EXPECT_EQ(m.consumer->probe().rebalances_total.load(), rebalances);
  EXPECT_EQ(DescribeKafkaGroup(options, "g-described", OffsetReset::kEarliest)->total_lag, 0);

  // What cannot be answered says so, within the timeout. (An unknown topic is `not_found` on a
  // real cluster; the mock creates any topic it is asked about.)
  EXPECT_EQ(DescribeKafkaGroup(options, "", OffsetReset::kEarliest).status().code(),
            "invalid_argument");
  KafkaOptions nowhere = options;
  nowhere.bootstrap_servers = "127.0.0.1:1";
  const auto started = SteadyClock::now();
  EXPECT_EQ(
      DescribeKafkaGroup(nowhere, "g", OffsetReset::kEarliest, milliseconds(500)).status().code(),
      "unavailable");
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds(3));
}

// One broker of three goes down: records for the partitions it leads cannot be delivered, the
// others can. Whatever Publish reports as not delivered is counted in
// kafka_publish_failures_total, everything else reaches the topic: delivered + failed ==
// published, and nothing is dropped without a word. Then the producer recovers.
TEST(KafkaBusFallbackTest, OneBrokerDownCountsEveryRecordNotDeliveredAndDeliversTheRest) {
  auto started = MockKafkaCluster::Start(3);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto cluster = std::move(started).value();
  ASSERT_TRUE(cluster->CreateTopic("partial", 3).ok());
  KafkaOptions options;
  options.bootstrap_servers = cluster->bootstrap_servers();
  options.topic = "partial";
  options.delivery_timeout = milliseconds(1500);
  options.session_timeout = milliseconds(4000);
  options.properties = {{"reconnect.backoff.max.ms", "500"}};
  auto opened = KafkaProducer::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto producer = std::move(opened).value();
  ASSERT_TRUE(producer->Publish("AAPL", "warm-up").ok());  // metadata: every leader known

  constexpr size_t kRecords = 300;
  std::vector<std::string> payloads;
  std::vector<OutgoingRecord> batch;
  const char* keys[] = {"AAPL", "MSFT", "NVDA", "JPM", "AMD", "INTC", "TSLA", "META"};
  for (size_t i = 0; i < kRecords; ++i) payloads.push_back("r-" + std::to_string(i));
  for (size_t i = 0; i < kRecords; ++i) batch.push_back({keys[i % 8], payloads[i]});
  // Down goes the leader of partition 0; the mock places leaders at random, so whether it leads
  // the other partitions too varies, which the checks below allow for.
  const int32_t down = LeaderOf(cluster->bootstrap_servers(), "partial", 0);
  ASSERT_GE(down, 1);
  std::set<int32_t> up_partitions;
  for (int32_t p = 1; p < 3; ++p) {
    if (LeaderOf(cluster->bootstrap_servers(), "partial", p) != down) up_partitions.insert(p);
  }
  ASSERT_TRUE(cluster->SetBrokerUp(down, false).ok());
  ::testing::internal::CaptureStderr();
  Status published = producer->PublishBatch(batch);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(cluster->SetBrokerUp(down, true).ok());

  const uint64_t delivered = producer->probe().records_published_total.load() - 1;
  const uint64_t failed = producer->probe().kafka_publish_failures_total.load();
  RecordProperty("delivered", std::to_string(delivered));
  RecordProperty("failed", std::to_string(failed));
  EXPECT_GT(failed, 0u);
  if (!up_partitions.empty()) {
    EXPECT_GT(delivered, 0u);
  }
  EXPECT_EQ(delivered + failed, kRecords);
  EXPECT_EQ(published.code(), "unavailable");
  EXPECT_NE(published.message().find(std::to_string(failed) + " of " + std::to_string(kRecords) +
                                     " records"),
            std::string::npos)
      << published.ToString();
  EXPECT_NE(logged.find(R"("event":"kafka_publish_failed")"), std::string::npos) << logged;
  EXPECT_NE(logged.find("\"failed\":" + std::to_string(failed)), std::string::npos) << logged;

  // Every delivered record is on the topic (a failed one may be too: its ack may be what was
  // lost), and the producer delivers again once the broker is back.
  auto consumer = KafkaConsumer::Open(options, "g-partial", OffsetReset::kEarliest);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  Member m{std::move(consumer).value()};
  Status after = producer->Publish("AAPL", "after");
  EXPECT_TRUE(after.ok()) << after.ToString();
  ASSERT_TRUE(PollUntil({&m}, [&] {
    const auto seen = Payloads(m.seen);
    return seen.size() >= delivered + 2 && seen.count("after") == 1;
  }));
  const auto seen = Payloads(m.seen);
  EXPECT_LE(seen.size(), kRecords + 2);
}

}  // namespace
}  // namespace sigflow
