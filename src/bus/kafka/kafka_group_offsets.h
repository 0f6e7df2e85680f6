// DescribeKafkaGroup: where a consumer group stands on a topic, per partition — its committed
// offset, the partition's end, and the lag between them — asked of the cluster from outside the
// group, like `kafka-consumer-groups --describe`.
//
// The client it uses never joins the group (it only fetches the group's committed offsets and
// the partitions' watermarks), so asking does not rebalance the group or disturb its members;
// any number of callers may ask at any time, from any thread (each call has its own client).
// Nothing is committed or consumed.
//
// Failures: `invalid_argument` for bad options or an empty group; `not_found` when the topic
// does not exist; `unavailable` when the cluster does not answer within `timeout` (each of the
// three requests — metadata, committed offsets, watermarks — gets at most `timeout`).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bus/kafka/kafka_bus.h"
#include "core/status.h"

namespace sigflow {

struct GroupPartitionOffsets {
  int32_t partition = 0;
  int64_t committed = -1;  // the group's next offset to read; -1 when it committed nothing yet
  int64_t low = -1;        // oldest offset the partition still keeps
  int64_t high = -1;       // offset of the next record to be written (the end)
  // high - committed; when nothing is committed, what a new member would read: high - low
  // (KAFKA_AUTO_OFFSET_RESET=earliest) or 0 (latest).
  int64_t lag = 0;
};

struct KafkaGroupOffsets {
  std::string group;
  std::string topic;
  std::vector<GroupPartitionOffsets> partitions;  // ascending partition
  int64_t total_lag = 0;
};

// options.bootstrap_servers, options.topic and options.properties are used; `reset` only decides
// the lag of a partition the group has not committed.
Result<KafkaGroupOffsets> DescribeKafkaGroup(
    const KafkaOptions& options, const std::string& group, OffsetReset reset,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace sigflow
