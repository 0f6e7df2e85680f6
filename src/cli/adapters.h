// Adapters: the one place that turns settings into concrete Store and Bus objects.
//
// Store: `--store` / SIGFLOW_STORE is a SQLite file path (the embedded default), a PostgreSQL
// URL (postgres://user:pass@host:port/db), or the word `postgres` for PostgreSQL configured by
// POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_HOST / POSTGRES_PORT / POSTGRES_DB.
// Bus: `embedded` (the signal log inside the SQLite store file) or `kafka`
// (KAFKA_BOOTSTRAP_SERVERS); see Settings::bus.
// Errors name what could not be opened and why; nothing here throws.
#pragma once

#include <memory>

#include "bus/bus.h"
#include "bus/kafka/kafka_group_offsets.h"
#include "cli/settings.h"
#include "core/status.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

Result<std::unique_ptr<Store>> OpenStore(const Settings& settings);
// The ledger (store/ledger_store.h) over `store`, which OpenStore(settings) returned and which
// must outlive it.
Result<std::unique_ptr<LedgerStore>> OpenLedger(Store* store, const Settings& settings);
Result<std::unique_ptr<BusProducer>> OpenProducer(const Settings& settings);
Result<std::unique_ptr<BusConsumer>> OpenConsumer(const Settings& settings);

// Where the dispatchers' consumer group (KAFKA_CONSUMER_GROUP) stands on the signal topic, per
// partition, asked without joining the group (`sigflow lag`). Kafka bus only: on the embedded
// bus `invalid_argument` (not built there yet); otherwise DescribeKafkaGroup's errors.
Result<KafkaGroupOffsets> DescribeDispatcherGroup(const Settings& settings);

// True when the store setting names PostgreSQL rather than a SQLite file.
bool IsPostgresStore(const std::string& store);

}  // namespace sigflow
