// Versioned schema migrations of the PostgreSQL store: the logical schema of the SQLite store
// (store/sqlite/migrations.cc) in PostgreSQL's types, plus sigflow_wake(), the SQL function that
// runs a dispatcher batch in one round trip (see postgres_wake.cc for its contract).
//
// kMigrations is ordered and append-only: never edit a shipped entry, add a new one. Versions need
// not be contiguous: every known version that `schema_migrations` does not list is applied, in
// order, even one numbered below a version already applied (2, written on another branch, below
// 3); such migrations must not depend on each other. Each pending entry is applied in its own
// transaction together with its `schema_migrations` row, after taking a transaction-scoped
// advisory lock, so any number of processes may open the store at once: one applies, the others
// wait on the lock and then find the version recorded. A database holding every known version
// costs two reads. A database whose highest version is newer than this binary is refused.
// Objects are created in the connection's current schema (search_path), like every query.
#pragma once

#include <cstdint>
#include <set>
#include <span>

#include "core/status.h"
#include "store/postgres/pg_conn.h"

namespace sigflow::store_postgres {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

std::span<const Migration> Migrations();

// Applies every migration of Migrations() not yet recorded; `now_ms` stamps newly applied
// versions.
Status ApplyMigrations(PgConnection* conn, int64_t now_ms);
// The same with another list of migrations (tests of the runner itself).
Status ApplyMigrations(PgConnection* conn, int64_t now_ms, std::span<const Migration> known);

// The highest applied version; 0 when there is no schema_migrations table.
Result<int> SchemaVersion(PgConnection* conn);
// Every applied version (empty when there is no schema_migrations table).
Result<std::set<int>> AppliedVersions(PgConnection* conn);

}  // namespace sigflow::store_postgres
