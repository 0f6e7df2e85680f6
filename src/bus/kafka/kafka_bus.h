// Kafka bus: the Bus seam (bus/bus.h) on Apache Kafka through librdkafka, for when one machine
// is not enough. Topic `trading-signals` by default, partitions keyed by the signal's first
// ticker, consumer groups with manual commits.
//
// Guarantees, on top of bus.h:
//  - Producer: acks=all and idempotence, so a record is written once and in key order even when
//    librdkafka retries. The key picks the partition with Java's murmur2 partitioner (the
//    partition a Java or Python producer would pick); an empty key goes to a random partition.
//    Publish/PublishBatch block until every record's delivery report has arrived: OK means
//    every record is on all in-sync replicas. They never block longer than
//    `delivery_timeout` plus about a second; when Kafka is unreachable they return `unavailable`
//    naming how many records were not delivered, count them in the probe and log one
//    `kafka_publish_failed` line. A failed record may still have reached Kafka (the broker's ack
//    was lost): retrying it may duplicate it, never lose it.
//  - Consumer: offsets are stored only by Commit (no auto commit, no auto offset store), and only
//    for partitions the consumer owns at the time of the call: a position for a partition the
//    group has moved to another member is skipped, never committed, so the new owner's progress
//    cannot be overwritten. Records delivered by a Poll during which their partition was revoked
//    are taken back out of that Poll's output (the new owner reads them). Commit waits at most
//    `commit_timeout` for the group coordinator. Within one assignment a partition's records are
//    delivered once, in order; a record delivered and not committed is delivered again (here or
//    to another member) once its partition is reassigned or the group restarts (at-least-once),
//    never skipped. So a caller that cannot act on a batch retries that batch rather than
//    polling past it.
//
// Threading (as bus.h): a producer or consumer is used by one thread at a time. Its probe, and
// KafkaConsumer::Lag() and AssignedPartitions(), may be called from any thread.
// Lifetime: destroying a producer waits (up to `delivery_timeout`) for records still queued;
// destroying a consumer leaves its group cleanly (its partitions move to the other members at
// once) and commits nothing. When the group coordinator is unreachable that gives up after
// `session_timeout` (the group drops the member by then anyway), so destruction never hangs.
// Failures at open (a bad property, a missing bootstrap address) are `invalid_argument` listing
// every problem; an unreachable Kafka is not an open failure (librdkafka connects in the
// background and reconnects by itself).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"

namespace sigflow {

// The session timeouts ValidateKafkaOptions accepts.
inline constexpr std::chrono::milliseconds kMinSessionTimeout{4000};
inline constexpr std::chrono::milliseconds kMaxSessionTimeout{3600000};

// Fixed for the lifetime of one producer or consumer.
struct KafkaOptions {
  // KAFKA_BOOTSTRAP_SERVERS: "host:port[,host:port...]". Required.
  std::string bootstrap_servers;
  // KAFKA_SIGNAL_TOPIC. The topic must exist (sigflow does not create it).
  std::string topic = "trading-signals";
  // Extra librdkafka properties ("security.protocol", "sasl.mechanisms", "partitioner",
  // "reconnect.backoff.max.ms", ...), applied after sigflow's own. Those that carry the
  // guarantees above (acks, enable.idempotence, enable.auto.commit, enable.auto.offset.store,
  // group.id, auto.offset.reset, message.timeout.ms, session.timeout.ms, bootstrap.servers,
  // partition.assignment.strategy, callbacks) are rejected: set them through the fields of this
  // struct instead. Against librdkafka's mock cluster, producers should add
  // {"max.in.flight.requests.per.connection", "1"}: the mock answers pipelined requests late, so
  // a batch spread over several partitions takes ~45 ms instead of ~1 ms. Keep the default (5)
  // on a real Kafka.
  std::vector<std::pair<std::string, std::string>> properties;
  // Producer: how long librdkafka may try to deliver a record, retries included
  // (message.timeout.ms); Publish returns `unavailable` for what is not delivered by then.
  // Shorter fails over to the caller's fallback sooner; longer rides out a longer broker outage.
  std::chrono::milliseconds delivery_timeout{5000};
  // Consumer: a member that sends no heartbeat for this long is dropped from the group and its
  // partitions move. kMinSessionTimeout..kMaxSessionTimeout; brokers narrow it further
  // (group.min.session.timeout.ms, 6 s by default, and group.max.session.timeout.ms), and the mock
  // cluster needs >= 4 s. Shorter moves partitions of a dead dispatcher sooner; every rebalance
  // also waits about this long for the members to rejoin.
  std::chrono::milliseconds session_timeout{10000};
  // Consumer: the longest Commit waits for the group coordinator's answer.
  std::chrono::milliseconds commit_timeout{10000};
  // Consumer: "range,roundrobin" (eager: every rebalance revokes everything, then assigns) or
  // "cooperative-sticky" (only moved partitions are revoked; the others keep flowing during a
  // rebalance, at the cost of a second rebalance round). Both are handled.
  std::string assignment_strategy = "range,roundrobin";
  // Shown to brokers in logs and quotas (client.id).
  std::string client_id = "sigflow";
};

// KafkaOptions with bootstrap_servers and topic taken from KAFKA_BOOTSTRAP_SERVERS and
// KAFKA_SIGNAL_TOPIC when those are set (other fields keep `defaults`).
KafkaOptions KafkaOptionsFromEnvironment(KafkaOptions defaults = {});

// Every problem with `options` for a producer (consumer=false) or a consumer, one per line;
// OK when none.
Status ValidateKafkaOptions(const KafkaOptions& options, bool consumer);

// Counters of one producer, readable from any thread (kafka_publish_failures_total is the seeds'
// metric).
struct KafkaProducerProbe {
  std::atomic<uint64_t> records_published_total{0};
  std::atomic<uint64_t> kafka_publish_failures_total{0};  // records not delivered
};

class KafkaProducer : public BusProducer {
 public:
  // Fails only on bad options (see ValidateKafkaOptions) or when librdkafka refuses them.
  static Result<std::unique_ptr<KafkaProducer>> Open(const KafkaOptions& options);
  virtual const KafkaProducerProbe& probe() const = 0;
};

// How far one owned partition is behind its end (kafka_consumer_lag).
struct PartitionLag {
  int32_t partition = 0;
  int64_t high_watermark = -1;  // offset of the next record to be written; -1 if unknown
  int64_t position = -1;        // next offset this consumer will deliver; -1 if unknown
  int64_t lag = -1;             // high_watermark - position; -1 if either is unknown
};

struct KafkaConsumerProbe {
  std::atomic<uint64_t> records_consumed_total{0};
  std::atomic<uint64_t> commits_total{0};
  std::atomic<uint64_t> commit_failures_total{0};
  // Positions skipped by Commit because their partition is no longer owned.
  std::atomic<uint64_t> commits_skipped_revoked_total{0};
  // Records taken back out of a Poll because their partition was revoked during it.
  std::atomic<uint64_t> records_withdrawn_total{0};
  std::atomic<uint64_t> rebalances_total{0};
};

class KafkaConsumer : public BusConsumer {
 public:
  // Joins `group` (KAFKA_CONSUMER_GROUP) on options.topic. A group with no committed offset for
  // a partition starts it at `reset` (KAFKA_AUTO_OFFSET_RESET). The join completes in the
  // background, during the first Polls (a few seconds).
  static Result<std::unique_ptr<KafkaConsumer>> Open(const KafkaOptions& options,
                                                     const std::string& group, OffsetReset reset);

  // Per owned partition: the high watermark (librdkafka's cached one) minus this consumer's
  // position, which is one past the last record it delivered; before it delivered any, what it
  // or the group committed; before anything was committed, the reset point (earliest: the
  // oldest record kept, latest: the end). May block up to about a second per partition to ask
  // the broker when nothing is cached yet.
  virtual std::vector<PartitionLag> Lag() = 0;
  // The partitions this consumer owns now, ascending.
  virtual std::vector<int32_t> AssignedPartitions() const = 0;
  virtual const KafkaConsumerProbe& probe() const = 0;

  // SetRevokeListener (bus.h) is served from the rebalance callback, before the partitions are
  // unassigned. Measured against librdkafka's mock cluster (src/trigger/kafka_revoke_test.cc):
  // a Commit from the listener is refused under the eager protocol (the mock answers
  // OffsetCommit with REBALANCE_IN_PROGRESS while the group rejoins, which is when eager
  // revokes run), and was accepted under cooperative-sticky in 6 of 7 runs (the revoke comes
  // after the group synced). A real Kafka accepts commits of the current generation while a
  // rebalance is being prepared. A refused commit costs a redelivery, never a loss.
};

// The seam's view of the above, for code that only needs bus.h.
Result<std::unique_ptr<BusProducer>> OpenKafkaProducer(const KafkaOptions& options);
Result<std::unique_ptr<BusConsumer>> OpenKafkaConsumer(const KafkaOptions& options,
                                                       const std::string& group, OffsetReset reset);

}  // namespace sigflow
