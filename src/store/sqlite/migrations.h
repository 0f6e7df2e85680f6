// Versioned schema migrations of the SQLite store.
//
// kMigrations is an ordered list; each entry is applied at most once, in its own BEGIN IMMEDIATE
// transaction together with its `schema_migrations` row, so concurrent openers (threads or
// processes) never apply one twice and a crash leaves the schema at a whole version. Opening a
// database already at the latest version only reads `schema_migrations`. A database whose version
// is newer than this binary knows is refused. Migrations are append-only: never edit a shipped
// entry, add a new one.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "sqlite/database.h"

namespace sigflow::store_sqlite {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

std::span<const Migration> Migrations();

// Brings `db` to the latest version; `now_ms` stamps the rows of newly applied versions.
Status ApplyMigrations(sqlite::Database* db, int64_t now_ms);

// The highest applied version, 0 for a database without `schema_migrations`.
Result<int> SchemaVersion(sqlite::Database* db);

}  // namespace sigflow::store_sqlite
