// SqliteStore: the embedded Store (see store/store.h) on one SQLite database file.
//
// WAL mode, busy timeout, versioned migrations applied on open (schema_migrations table). The
// file may be shared with the embedded bus log and with other sigflow processes: SQLite's locking
// serialises writers, so every guarantee of store.h holds across processes too.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace sigflow {

// Opens (creating when absent, with parent directories) and migrates the database at `path`.
// ":memory:" gives a private in-memory database (tests). `clock` must outlive the store.
// Fails with `unavailable` and a message naming the path when the file cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const Clock* clock = SystemClock::Default());

}  // namespace sigflow
