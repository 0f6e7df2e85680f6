// The LedgerStore (store/ledger_store.h) on SQLite, sharing a SqliteStore's connection.
//
// The ledger's tables come with the SqliteStore's migrations (version 3). Every call takes the
// store's connection mutex for its one transaction, so ledger and store calls from any threads
// interleave safely; other processes are serialised by SQLite's file locks. Claims, reaping and
// settlements are BEGIN IMMEDIATE transactions: holding the database's write lock from the
// start, a claim cannot hand a row to two dispatchers and a settlement's daily-limit count
// cannot be overtaken by another process's fill.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

// The ledger over `store`, which must be a store returned by OpenSqliteStore (not a wrapper
// around one) and must outlive the ledger. `invalid_argument` for any other Store.
Result<std::unique_ptr<LedgerStore>> OpenSqliteLedger(Store* store);

}  // namespace sigflow
