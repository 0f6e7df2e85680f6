// MockKafkaCluster: librdkafka's mock Kafka cluster (rdkafka_mock.h), run inside this process,
// for tests and the sigflow-kafka-mock dev tool. Never used in production code paths.
//
// The brokers speak the real Kafka protocol on loopback TCP ports chosen by the system, so any
// Kafka client (librdkafka, kcat, kafka-python), in this process or another, can use
// bootstrap_servers(). Consumer groups, committed offsets, idempotent producers and watermarks
// work. Known limits: each partition keeps only about 5 MiB (older records are dropped); a group's
// first join waits 3 s for more members, and a rebalance waits about session.timeout.ms - 1 s for
// members to rejoin; consumers need session.timeout.ms >= 4000.
//
// Thread-safe: every method may be called from any thread (the mock runs on its own thread).
// Destroying it stops the brokers; clients still connected see them go down.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace sigflow {

class MockKafkaCluster {
 public:
  // Starts `brokers` brokers (ids 1..brokers). `internal` if librdkafka cannot start them.
  static Result<std::unique_ptr<MockKafkaCluster>> Start(int brokers);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:port,127.0.0.1:port...".
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int brokers() const { return brokers_; }

  // Creates `topic` with `partitions` partitions, each replicated on min(brokers, 3) brokers.
  // `invalid_argument` if it exists or the counts are bad.
  Status CreateTopic(const std::string& topic, int partitions);

  // A broker that is down drops its connections and refuses new ones; partition leadership does
  // not move. `invalid_argument` for an unknown broker id.
  Status SetBrokerUp(int32_t broker_id, bool up);
  Status SetAllBrokersUp(bool up);

 private:
  MockKafkaCluster(rd_kafka_s* rk, rd_kafka_mock_cluster_s* mock, int brokers);

  rd_kafka_s* rk_;
  rd_kafka_mock_cluster_s* mock_;
  int brokers_;
  std::string bootstrap_servers_;
};

}  // namespace sigflow
