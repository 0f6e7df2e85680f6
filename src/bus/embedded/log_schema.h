// The embedded log's tables, created by the log itself on open (idempotent, independent of the
// store's migrations: a process may open the log without the store).
//
//   bus_log(offset INTEGER PRIMARY KEY AUTOINCREMENT, topic, key, payload BLOB, published_at)
//   bus_offsets(group, topic, partition, next_offset; PRIMARY KEY(group, topic, partition))
//
// Offsets are bus_log row ids: increasing, never reused, shared by all topics (so one topic's
// offsets have gaps, as Kafka's may). Writers are serialised by SQLite, so offsets become visible
// in order: a reader never sees offset k+1 before k.
#pragma once

#include "core/status.h"
#include "sqlite/database.h"

namespace sigflow::embedded_log {

Status CreateLogTables(sqlite::Database* db);

}  // namespace sigflow::embedded_log
