// Internal to bus/kafka: turning KafkaOptions into a librdkafka configuration, and the RAII
// handles and error texts the producer and consumer share. Not for use outside bus/kafka/.
//
// BuildConf() collects every problem before failing. The configuration it returns routes
// librdkafka's own log lines (warning and above) and its error callbacks to obs/log.h; both may
// be called from librdkafka's threads, which log.h allows.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bus/kafka/kafka_bus.h"
#include "core/status.h"

namespace sigflow::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

using Properties = std::vector<std::pair<std::string, std::string>>;

// `ours` first, then options.properties, which may override `ours` except for the properties
// that carry the bus's guarantees (see KafkaOptions::properties).
// `invalid_argument` listing every rejected property.
Result<ConfPtr> BuildConf(const KafkaOptions& options, const Properties& ours);

// Routes librdkafka's log lines (warning and above) and error callbacks to obs/log.h. BuildConf
// does this; for handles configured otherwise (the mock cluster's).
void RouteLogs(rd_kafka_conf_t* conf);

// "Local: Message timed out (_MSG_TIMED_OUT)".
std::string ErrorText(rd_kafka_resp_err_t err);

// Milliseconds for librdkafka's int timeouts, clamped to [0, INT_MAX].
int ClampMs(std::chrono::milliseconds ms);

}  // namespace sigflow::kafka
