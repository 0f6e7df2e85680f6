// The trigger dispatcher on the Kafka bus (librdkafka's mock cluster, in this process) across a
// rebalance: dispatcher A holds a batch it is still collecting when dispatcher B joins the group.
// A's revoke listener flushes that batch (store transaction) and commits it from inside the
// rebalance callback. Whether the commit counts is the group coordinator's decision; measured on
// the mock cluster (the numbers are printed):
//  - cooperative-sticky: the revoke comes after the group has synced; the mock accepted the
//    commit in 6 of 7 runs, and then B starts after the flushed records: no record is delivered
//    twice (asserted whenever the commit was accepted);
//  - eager: the revoke comes while the group is rejoining, and the mock refused the commit
//    (REBALANCE_IN_PROGRESS) in every run, so the flushed records are delivered again and found
//    duplicate by the store. (A real Kafka accepts commits of the current generation while the
//    group prepares a rebalance.)
// Either way the result is exact: every signal recorded once, no pipeline woken twice by one
// signal, and every redelivery counted as a duplicate.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <set>
#include <thread>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/mock_cluster.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "trigger/trigger_dispatcher.h"
#include "trigger/trigger_test_util.h"

namespace sigflow {
namespace {

using testing_util::SignalJson;

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

bool WaitFor(const std::function<bool()>& done, std::chrono::seconds patience) {
  const auto deadline = SteadyClock::now() + patience;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

// A dispatcher on its own thread, as in its own process.
struct RunningDispatcher {
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<TriggerDispatcher> dispatcher;
  std::atomic<bool> stop{false};
  std::thread thread;

  void Start(Store* store, const TriggerDispatcherOptions& options) {
    dispatcher = std::make_unique<TriggerDispatcher>(store, consumer.get(), options);
    thread = std::thread([this] { dispatcher->Run(stop); });
  }
  void Stop() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  ~RunningDispatcher() { Stop(); }
};

class KafkaRevokeTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KafkaRevokeTest, BatchHeldAtRevokeIsFlushedAndTheResultIsExact) {
  const bool cooperative = std::string(GetParam()) == "cooperative-sticky";
  auto cluster = MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  ASSERT_TRUE((*cluster)->CreateTopic("revoke", 3).ok());
  KafkaOptions options;
  options.bootstrap_servers = (*cluster)->bootstrap_servers();
  options.topic = "revoke";
  options.session_timeout = milliseconds(4000);  // the shortest the mock accepts
  options.commit_timeout = milliseconds(5000);
  options.assignment_strategy = GetParam();
  options.properties = {{"max.in.flight.requests.per.connection", "1"}};
  auto producer = KafkaProducer::Open(options);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();

  testing::TempDir dir("sigflow-kafka-revoke-");
  auto store = OpenSqliteStore(dir.File("sigflow.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::vector<std::string> tickers = {"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL"};
  for (const auto& t : tickers) {
    Pipeline p;
    p.name = "watch-" + t;
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = {t};
    ASSERT_TRUE((*store)->AddPipeline(p).ok());
  }

  // Timer-mode batches that stay open long enough to be caught by B's join: A is still
  // collecting wave 1 (150 records, batch size 1000) when the group revokes its partitions.
  TriggerDispatcherOptions dispatch;
  dispatch.topic = "revoke";
  dispatch.batch_size = 1000;
  dispatch.natural_batching = false;
  dispatch.batch_timeout = milliseconds(12000);
  dispatch.idle_wait = milliseconds(50);

  std::vector<std::string> ids;
  auto publish_wave = [&](int wave) {
    std::vector<std::string> keys, payloads;
    for (int i = 0; i < 150; ++i) {
      const std::string id = "w" + std::to_string(wave) + "-" + std::to_string(i);
      ids.push_back(id);
      keys.push_back(tickers[static_cast<size_t>(i) % tickers.size()]);
      payloads.push_back(SignalJson(id, keys.back()));
    }
    std::vector<OutgoingRecord> batch;
    for (size_t i = 0; i < keys.size(); ++i) batch.push_back(OutgoingRecord{keys[i], payloads[i]});
    Status published = (*producer)->PublishBatch(batch);
    ASSERT_TRUE(published.ok()) << published.ToString();
  };
  auto recorded = [&] {
    auto counts = (*store)->Counts();
    return counts.ok() ? counts->signals : -1;
  };

  RunningDispatcher a;
  auto ca = KafkaConsumer::Open(options, "g-revoke", OffsetReset::kEarliest);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  a.consumer = std::move(ca).value();
  a.Start(store->get(), dispatch);
  ASSERT_TRUE(WaitFor([&] { return a.consumer->AssignedPartitions().size() == 3; },
                      std::chrono::seconds(20)));
  publish_wave(0);
  ASSERT_TRUE(WaitFor([&] { return a.consumer->probe().records_consumed_total.load() >= 150; },
                      std::chrono::seconds(20)));
  EXPECT_EQ(recorded(), 0);  // held in A's open batch

  RunningDispatcher b;
  auto cb = KafkaConsumer::Open(options, "g-revoke", OffsetReset::kEarliest);
  ASSERT_TRUE(cb.ok()) << cb.status().ToString();
  b.consumer = std::move(cb).value();
  b.Start(store->get(), dispatch);
  ASSERT_TRUE(WaitFor(
      [&] {
        return !a.consumer->AssignedPartitions().empty() &&
               !b.consumer->AssignedPartitions().empty() &&
               a.consumer->AssignedPartitions().size() + b.consumer->AssignedPartitions().size() ==
                   3;
      },
      std::chrono::seconds(30)));
  EXPECT_GE(a.dispatcher->probe().batches_flushed_on_revoke.load(), 1u);
  EXPECT_EQ(recorded(), 150);  // flushed from the listener, not after the batch timeout

  publish_wave(1);
  ASSERT_TRUE(WaitFor([&] { return recorded() == 300; }, std::chrono::seconds(40)));
  // Let redeliveries, if any, arrive (they come before wave 1 on their partitions).
  a.Stop();
  b.Stop();

  auto stored = (*store)->LoadSignals(ids);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), ids.size());
  uint64_t duplicate_matches = 0;
  for (const auto& s : *stored) duplicate_matches += s.outcome.duplicate;
  auto executions = (*store)->ListExecutions(0);
  ASSERT_TRUE(executions.ok());
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& e : *executions) {
    for (const auto& s : e.signal_ids) EXPECT_TRUE(pairs.insert({e.pipeline_id, s}).second);
  }
  EXPECT_EQ(executions->size(), tickers.size());  // each pipeline woken, none twice at once

  const uint64_t consumed =
      a.dispatcher->probe().signals_consumed.load() + b.dispatcher->probe().signals_consumed.load();
  const uint64_t commit_failures =
      a.dispatcher->probe().commit_failures.load() + b.dispatcher->probe().commit_failures.load();
  std::cout << "measured (" << GetParam()
            << "): flushed_on_revoke=" << a.dispatcher->probe().batches_flushed_on_revoke.load()
            << " commit_failures=" << commit_failures << " consumed=" << consumed
            << " of 300 published, duplicate_matches=" << duplicate_matches << "\n";
  // Every redelivered record was recognised by the store (each signal matches one pipeline).
  ASSERT_GE(consumed, 300u);
  EXPECT_EQ(duplicate_matches, consumed - 300);
  if (commit_failures == 0) {
    // The commit made inside the revoke counted: nothing was delivered twice.
    EXPECT_EQ(consumed, 300u);
    EXPECT_EQ(duplicate_matches, 0u);
  }
  if (!cooperative) {
    // Eager: the mock refuses OffsetCommit while the group rejoins, which is when the revoke
    // runs (REBALANCE_IN_PROGRESS), so the flushed batch is delivered again. If a later mock
    // accepts it, the branch above holds instead.
    RecordProperty("eager_commit_refused", commit_failures > 0 ? "yes" : "no");
  } else {
    // Cooperative: the revoke runs after the group synced and the mock accepted the commit in
    // 6 of 7 measured runs; the other was refused with REBALANCE_IN_PROGRESS (a rebalance was
    // under way again at that moment; why was not established).
    RecordProperty("cooperative_commit_refused", commit_failures > 0 ? "yes" : "no");
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, KafkaRevokeTest,
                         ::testing::Values("range,roundrobin", "cooperative-sticky"),
                         [](const auto& info) {
                           return std::string(info.param[0] == 'c' ? "Cooperative" : "Eager");
                         });

}  // namespace
}  // namespace sigflow
