#include "bus/kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "bus/kafka/kafka_config.h"

namespace sigflow {

Result<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Start(int brokers) {
  if (brokers < 1 || brokers > 64) {
    return Status::InvalidArgument("mock kafka: brokers must be 1..64, got " +
                                   std::to_string(brokers));
  }
  // The mock cluster lives on a handle of its own, which never connects anywhere.
  kafka::ConfPtr conf(rd_kafka_conf_new());
  kafka::RouteLogs(conf.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) return Status::Internal(std::string("mock kafka: ") + errstr);
  (void)conf.release();  // rd_kafka_new took it
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(rk, brokers);
  if (mock == nullptr) {
    rd_kafka_destroy(rk);
    return Status::Internal("mock kafka: cannot start the mock cluster");
  }
  return std::unique_ptr<MockKafkaCluster>(new MockKafkaCluster(rk, mock, brokers));
}

MockKafkaCluster::MockKafkaCluster(rd_kafka_s* rk, rd_kafka_mock_cluster_s* mock, int brokers)
    : rk_(rk),
      mock_(mock),
      brokers_(brokers),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(mock)) {}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_mock_cluster_destroy(mock_);
  rd_kafka_destroy(rk_);
}

Status MockKafkaCluster::CreateTopic(const std::string& topic, int partitions) {
  if (topic.empty() || partitions < 1) {
    return Status::InvalidArgument("mock kafka: a topic needs a name and at least one partition");
  }
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions, std::min(brokers_, 3));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::InvalidArgument("mock kafka: cannot create topic " + topic + ": " +
                                   kafka::ErrorText(err));
  }
  return Status::Ok();
}

Status MockKafkaCluster::SetBrokerUp(int32_t broker_id, bool up) {
  const rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(mock_, broker_id)
                                     : rd_kafka_mock_broker_set_down(mock_, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::InvalidArgument("mock kafka: broker " + std::to_string(broker_id) + ": " +
                                   kafka::ErrorText(err));
  }
  return Status::Ok();
}

Status MockKafkaCluster::SetAllBrokersUp(bool up) {
  for (int32_t id = 1; id <= brokers_; ++id) {
    Status status = SetBrokerUp(id, up);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace sigflow
