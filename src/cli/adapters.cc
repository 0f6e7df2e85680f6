#include "cli/adapters.h"

#include "bus/embedded/embedded_log.h"
#include "bus/kafka/kafka_bus.h"
#include "store/postgres/postgres_ledger.h"
#include "store/postgres/postgres_options.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/sqlite_store.h"

namespace sigflow {

bool IsPostgresStore(const std::string& store) {
  return store == "postgres" || store.rfind("postgres://", 0) == 0 ||
         store.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenStore(const Settings& settings) {
  if (!IsPostgresStore(settings.store_path)) {
    auto store = OpenSqliteStore(settings.store_path);
    if (!store.ok()) {
      return Status::Unavailable("cannot open the store " + settings.store_path + ": " +
                                 store.status().message());
    }
    return store;
  }
  auto options = settings.store_path == "postgres" ? PostgresOptionsFromEnv()
                                                   : PostgresOptionsFromUrl(settings.store_path);
  if (!options.ok()) return Status::InvalidArgument(options.status().message());
  auto store = OpenPostgresStore(*options, SystemClock::Default());
  if (!store.ok()) {
    return Status::Unavailable("cannot open PostgreSQL at " + DescribePostgres(*options) + ": " +
                               store.status().message());
  }
  return store;
}

Result<std::unique_ptr<LedgerStore>> OpenLedger(Store* store, const Settings& settings) {
  return IsPostgresStore(settings.store_path) ? OpenPostgresLedger(store) : OpenSqliteLedger(store);
}

namespace {

KafkaOptions KafkaFromSettings(const Settings& settings) {
  KafkaOptions options;
  options.bootstrap_servers = settings.kafka_bootstrap_servers;
  options.topic = settings.topic;
  options.properties = settings.kafka_properties;
  if (settings.kafka_session_timeout) options.session_timeout = *settings.kafka_session_timeout;
  if (settings.kafka_assignment_strategy) {
    options.assignment_strategy = *settings.kafka_assignment_strategy;
  }
  return options;
}

}  // namespace

Result<std::unique_ptr<BusProducer>> OpenProducer(const Settings& settings) {
  if (settings.bus == BusKind::kKafka) {
    auto producer = OpenKafkaProducer(KafkaFromSettings(settings));
    if (!producer.ok()) {
      return Status::Unavailable("cannot open the Kafka producer (" +
                                 settings.kafka_bootstrap_servers +
                                 "): " + producer.status().message());
    }
    return producer;
  }
  if (IsPostgresStore(settings.store_path)) {
    return Status::InvalidArgument(
        "the embedded bus lives in a SQLite store file; with a PostgreSQL store set "
        "KAFKA_BOOTSTRAP_SERVERS (the Kafka bus)");
  }
  auto producer = OpenEmbeddedProducer(settings.store_path, settings.topic);
  if (!producer.ok()) {
    return Status::Unavailable("cannot open the bus in " + settings.store_path + ": " +
                               producer.status().message());
  }
  return producer;
}

Result<std::unique_ptr<BusConsumer>> OpenConsumer(const Settings& settings) {
  if (settings.bus == BusKind::kKafka) {
    auto consumer = OpenKafkaConsumer(KafkaFromSettings(settings), settings.consumer_group,
                                      settings.offset_reset);
    if (!consumer.ok()) {
      return Status::Unavailable("cannot open the Kafka consumer (" +
                                 settings.kafka_bootstrap_servers +
                                 "): " + consumer.status().message());
    }
    return consumer;
  }
  if (IsPostgresStore(settings.store_path)) {
    return Status::InvalidArgument(
        "the embedded bus lives in a SQLite store file; with a PostgreSQL store set "
        "KAFKA_BOOTSTRAP_SERVERS (the Kafka bus)");
  }
  auto consumer = OpenEmbeddedConsumer(settings.store_path, settings.topic, settings.consumer_group,
                                       settings.offset_reset);
  if (!consumer.ok()) {
    return Status::Unavailable("cannot open the bus in " + settings.store_path + ": " +
                               consumer.status().message());
  }
  return consumer;
}

Result<KafkaGroupOffsets> DescribeDispatcherGroup(const Settings& settings) {
  if (settings.bus != BusKind::kKafka) {
    return Status::InvalidArgument(
        "consumer lag is shown for the Kafka bus only (set KAFKA_BOOTSTRAP_SERVERS); for the "
        "embedded bus it is not built yet");
  }
  return DescribeKafkaGroup(KafkaFromSettings(settings), settings.consumer_group,
                            settings.offset_reset);
}

}  // namespace sigflow
