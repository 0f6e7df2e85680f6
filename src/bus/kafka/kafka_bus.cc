// Options, validation and the seam-typed openers of the Kafka bus (see kafka_bus.h); the producer
// and consumer live in kafka_producer.cc and kafka_consumer.cc.
#include "bus/kafka/kafka_bus.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace sigflow {

KafkaOptions KafkaOptionsFromEnvironment(KafkaOptions defaults) {
  if (const char* v = std::getenv("KAFKA_BOOTSTRAP_SERVERS"); v != nullptr && *v != '\0') {
    defaults.bootstrap_servers = v;
  }
  if (const char* v = std::getenv("KAFKA_SIGNAL_TOPIC"); v != nullptr && *v != '\0') {
    defaults.topic = v;
  }
  return defaults;
}

Status ValidateKafkaOptions(const KafkaOptions& options, bool consumer) {
  std::vector<std::string> errors;
  if (options.bootstrap_servers.empty()) {
    errors.push_back("bootstrap_servers (KAFKA_BOOTSTRAP_SERVERS) is empty");
  }
  if (options.topic.empty()) errors.push_back("topic (KAFKA_SIGNAL_TOPIC) is empty");
  if (options.delivery_timeout < std::chrono::milliseconds(100)) {
    errors.push_back("delivery_timeout must be at least 100 ms, got " +
                     std::to_string(options.delivery_timeout.count()) + " ms");
  }
  if (consumer) {
    if (options.session_timeout < kMinSessionTimeout ||
        options.session_timeout > kMaxSessionTimeout) {
      errors.push_back(
          "session_timeout must be 4 s .. 1 h (brokers require >= 6 s by default), "
          "got " +
          std::to_string(options.session_timeout.count()) + " ms");
    }
    if (options.commit_timeout < std::chrono::milliseconds(100)) {
      errors.push_back("commit_timeout must be at least 100 ms, got " +
                       std::to_string(options.commit_timeout.count()) + " ms");
    }
    if (options.assignment_strategy.empty()) errors.push_back("assignment_strategy is empty");
  }
  if (errors.empty()) return Status::Ok();
  std::string text;
  for (const auto& e : errors) text += (text.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(text);
}

Result<std::unique_ptr<BusProducer>> OpenKafkaProducer(const KafkaOptions& options) {
  auto producer = KafkaProducer::Open(options);
  if (!producer.ok()) return producer.status();
  return std::unique_ptr<BusProducer>(std::move(producer).value());
}

Result<std::unique_ptr<BusConsumer>> OpenKafkaConsumer(const KafkaOptions& options,
                                                       const std::string& group,
                                                       OffsetReset reset) {
  auto consumer = KafkaConsumer::Open(options, group, reset);
  if (!consumer.ok()) return consumer.status();
  return std::unique_ptr<BusConsumer>(std::move(consumer).value());
}

}  // namespace sigflow
