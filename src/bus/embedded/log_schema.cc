#include "bus/embedded/log_schema.h"

namespace sigflow::embedded_log {
namespace {

// "offset", "group", "key" and "partition" are SQL keywords: always quoted.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS bus_log (
  "offset"     INTEGER PRIMARY KEY AUTOINCREMENT,
  topic        TEXT NOT NULL,
  "key"        TEXT NOT NULL,
  payload      BLOB NOT NULL,
  published_at INTEGER NOT NULL  -- epoch microseconds (milliseconds in older files)
);
CREATE INDEX IF NOT EXISTS bus_log_by_topic ON bus_log (topic, "offset");
CREATE TABLE IF NOT EXISTS bus_offsets (
  "group"     TEXT NOT NULL,
  topic       TEXT NOT NULL,
  "partition" INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY ("group", topic, "partition")
) WITHOUT ROWID;
)sql";

}  // namespace

Status CreateLogTables(sqlite::Database* db) {
  auto tx = sqlite::Transaction::Begin(db);
  if (!tx.ok()) return tx.status();
  Status status = db->Exec(kSchema);
  if (!status.ok()) return status;
  return tx->Commit();
}

}  // namespace sigflow::embedded_log
