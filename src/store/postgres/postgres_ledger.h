// The LedgerStore (store/ledger_store.h) on PostgreSQL, sharing a PostgresStore's connection pool.
//
// The ledger's tables, triggers and functions come with the PostgresStore's migrations
// (version 3, ledger_migration.h). Any number of processes may run execution dispatchers on one
// database:
//  - ClaimRecommendations is one UPDATE over `SELECT .. FOR UPDATE SKIP LOCKED`, committed on
//    its own: concurrent claimers never get the same row and never wait for each other's rows.
//  - Settle is two round trips, optimistic: one read of the claim and the ticker's activity, then
//    one statement, sigflow_settle (ledger_migration.cc), that takes a transaction-scoped
//    advisory lock on the ticker (two dispatchers settling the same ticker take turns, so a
//    daily limit cannot be overrun), locks the recommendation's row, re-reads the activity and
//    writes the fill and the status only if the activity is what the decision was made on;
//    otherwise it returns the fresh activity and the decision is made again (a third round
//    trip, rare: another dispatcher filled the same ticker in between). Other tickers settle in
//    parallel.
// Failures are those of postgres_store.h (`unavailable` while the server is unreachable, within
// bounded time). Thread-safe.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

// The ledger over `store`, which must be a store returned by OpenPostgresStore (not a wrapper
// around one) and must outlive the ledger. `invalid_argument` for any other Store.
Result<std::unique_ptr<LedgerStore>> OpenPostgresLedger(Store* store);

}  // namespace sigflow
