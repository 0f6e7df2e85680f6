// Bus: the signal log between generators and trigger dispatchers (topic `trading-signals`).
//
// Semantics shared by every implementation (the embedded log in bus/embedded/, Kafka later):
//  - Publish returns OK only once the record is durable (the embedded log has committed it; Kafka
//    has acks=all). Records with the same key keep their order (the key is the signal's first
//    ticker).
//  - Consumers belong to a named group. Each group has one committed position per partition; a
//    group with none starts at the earliest or latest record (KAFKA_AUTO_OFFSET_RESET).
//  - Delivery is at-least-once: records after the last committed position are delivered again
//    after a restart, so consumers commit only after they have durably acted on a batch.
//  - A consumer of a group whose partitions can move between members (Kafka) announces a revoke
//    through its revoke listener BEFORE it gives the partitions up, so that work done on their
//    records can be made durable and committed while the commit still counts.
// A producer or consumer object is used by one thread at a time; separate objects may be used
// from separate threads concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sigflow {

struct BusRecord {
  std::string key;
  std::string payload;
  int32_t partition = 0;
  int64_t offset = 0;
  // When it was published, epoch microseconds. Kafka keeps milliseconds (multiplied up here); the
  // embedded log keeps microseconds, so that sub-millisecond latencies are seen.
  int64_t timestamp_us = 0;
};

// The next offset a group will read from one partition (one past the last processed record).
struct BusPosition {
  int32_t partition = 0;
  int64_t next_offset = 0;
};

enum class OffsetReset : uint8_t { kEarliest, kLatest };

struct OutgoingRecord {
  std::string_view key;
  std::string_view payload;
};

class BusProducer {
 public:
  virtual ~BusProducer() = default;
  // Durable on OK. `unavailable` when the log cannot be written; nothing was published then.
  virtual Status Publish(std::string_view key, std::string_view payload) = 0;
  // All-or-nothing for the embedded log; for Kafka, per-record failures are reported as one error
  // naming how many failed.
  virtual Status PublishBatch(const std::vector<OutgoingRecord>& records) = 0;
};

class BusConsumer {
 public:
  virtual ~BusConsumer() = default;
  // Appends up to `max` records to `*out`. Waits up to `wait` for the first record but never
  // waits to fill up: it returns as soon as at least one is ready (so wait=0 means "whatever is
  // ready now"). Returns OK with nothing appended when none arrived in time.
  virtual Status Poll(size_t max, std::chrono::milliseconds wait, std::vector<BusRecord>* out) = 0;
  // Commits the group's positions. Only positions of records this consumer was given may be
  // committed. `unavailable` when the commit could not be made durable.
  virtual Status Commit(const std::vector<BusPosition>& positions) = 0;

  // Called on the polling thread, from inside Poll, just before `partitions` stop being owned by
  // this consumer (a rebalance moved them to another member). lost=true when the group already
  // gave them away (a missed session timeout): a Commit for them is skipped then, since their
  // new owner may have committed. Otherwise, while the listener runs, Commit still accepts
  // positions of those partitions (whether the group coordinator accepts the commit at that
  // point is up to it; see bus/kafka/kafka_bus.h). Records of the revoked partitions that the
  // interrupted Poll had not returned yet are never returned. The listener may call Commit, but
  // not Poll. Not called when the consumer is destroyed. Set it before the first Poll.
  // Default: a consumer whose partitions never move (the embedded log) never calls it.
  using RevokeListener = std::function<void(const std::vector<int32_t>& partitions, bool lost)>;
  virtual void SetRevokeListener(RevokeListener /*listener*/) {}
};

}  // namespace sigflow
