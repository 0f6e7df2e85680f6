#include "bus/kafka/kafka_group_offsets.h"

#include <algorithm>
#include <memory>

#include "bus/kafka/kafka_config.h"

namespace sigflow {
namespace {

using kafka::ClampMs;
using kafka::ErrorText;

struct HandleDeleter {
  // The handle never joined the group: there is no membership to leave.
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};

Status Unanswered(const std::string& what, const KafkaOptions& options, rd_kafka_resp_err_t err) {
  return Status::Unavailable("kafka: " + what + " for topic " + options.topic + " at " +
                             options.bootstrap_servers + ": " + ErrorText(err));
}

// The topic's partition count, from the cluster's metadata.
Result<int> PartitionCount(rd_kafka_t* rk, const KafkaOptions& options, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> rkt(
      rd_kafka_topic_new(rk, options.topic.c_str(), nullptr));
  if (!rkt) return Status::InvalidArgument("kafka: topic " + options.topic + ": cannot open");
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &raw, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Unanswered("no metadata", options, err);
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
  if (md->topic_cnt != 1) return Status::NotFound("kafka: topic " + options.topic);
  const rd_kafka_metadata_topic_t& topic = md->topics[0];
  if (topic.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || topic.partition_cnt == 0) {
    return Status::NotFound("kafka: topic " + options.topic + " does not exist at " +
                            options.bootstrap_servers);
  }
  if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) return Unanswered("no metadata", options, topic.err);
  return topic.partition_cnt;
}

}  // namespace

Result<KafkaGroupOffsets> DescribeKafkaGroup(const KafkaOptions& options, const std::string& group,
                                             OffsetReset reset, std::chrono::milliseconds timeout) {
  Status valid = ValidateKafkaOptions(options, /*consumer=*/false);
  if (!valid.ok()) return valid;
  if (group.empty()) {
    return Status::InvalidArgument("kafka: group (KAFKA_CONSUMER_GROUP) is empty");
  }
  auto conf = kafka::BuildConf(options, {
                                            {"bootstrap.servers", options.bootstrap_servers},
                                            {"client.id", options.client_id + "-describe"},
                                            {"group.id", group},
                                            {"enable.auto.commit", "false"},
                                            {"log.connection.close", "false"},
                                        });
  if (!conf.ok()) return conf.status();
  char errstr[512];
  HandlePtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof(errstr)));
  if (!rk) return Status::InvalidArgument(std::string("kafka: ") + errstr);
  (void)conf->release();  // rd_kafka_new took it

  const int timeout_ms = ClampMs(timeout);
  auto count = PartitionCount(rk.get(), options, timeout_ms);
  if (!count.ok()) return count.status();

  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(*count));
  for (int p = 0; p < *count; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), options.topic.c_str(), p);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_committed(rk.get(), list.get(), timeout_ms)) {
    return Unanswered("no committed offsets of group " + group, options, err);
  }

  KafkaGroupOffsets out;
  out.group = group;
  out.topic = options.topic;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& elem = list->elems[i];
    if (elem.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unanswered("no committed offset of group " + group + " for partition " +
                            std::to_string(elem.partition),
                        options, elem.err);
    }
    GroupPartitionOffsets p;
    p.partition = elem.partition;
    p.committed = elem.offset >= 0 ? elem.offset : -1;
    if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            rk.get(), options.topic.c_str(), p.partition, &p.low, &p.high, timeout_ms)) {
      return Unanswered("no watermarks for partition " + std::to_string(p.partition), options, err);
    }
    if (p.committed >= 0) {
      p.lag = std::max<int64_t>(0, p.high - p.committed);
    } else {
      p.lag = reset == OffsetReset::kEarliest ? std::max<int64_t>(0, p.high - p.low) : 0;
    }
    out.total_lag += p.lag;
    out.partitions.push_back(p);
  }
  std::sort(out.partitions.begin(), out.partitions.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  return out;
}

}  // namespace sigflow
