// Versioned schema migrations of the SQLite store.
//
// kMigrations is ordered by version; each entry is applied at most once, in its own BEGIN IMMEDIATE
// transaction together with its `schema_migrations` row, so concurrent openers (threads or
// processes) never apply one twice and a crash leaves the schema at whole versions. Versions need
// not be contiguous: every known version that `schema_migrations` does not list is applied, in
// order, so a version numbered below one already applied (written on another branch and merged
// later, like 2 below 3) is still applied. Migrations whose numbers may be applied in either order
// must not depend on each other. Opening a database that has every known version only reads
// `schema_migrations`. A database whose highest version is newer than this binary knows is
// refused. Migrations are append-only: never edit a shipped entry, add a new one.
#pragma once

#include <cstdint>
#include <set>
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

// Applies every migration of Migrations() not yet recorded; `now_ms` stamps the rows of newly
// applied versions.
Status ApplyMigrations(sqlite::Database* db, int64_t now_ms);
// The same with another list of migrations (tests of the runner itself).
Status ApplyMigrations(sqlite::Database* db, int64_t now_ms, std::span<const Migration> known);

// The highest applied version, 0 for a database without `schema_migrations`.
Result<int> SchemaVersion(sqlite::Database* db);
// Every applied version (empty for a database without `schema_migrations`).
Result<std::set<int>> AppliedVersions(sqlite::Database* db);

}  // namespace sigflow::store_sqlite
