// The LedgerStore (store/ledger_store.h) on PostgreSQL, sharing a PostgresStore's connection pool.
//
// The ledger's tables, triggers and functions come with the PostgresStore's migrations
// (version 3, ledger_migration.h). Any number of processes may run execution dispatchers on one
// database:
//  - ClaimRecommendations is one UPDATE over `SELECT .. FOR UPDATE SKIP LOCKED`, committed on
//    its own: concurrent claimers never get the same row and never wait for each other's rows.
//  - Settle is one transaction of four round trips: BEGIN with a transaction-scoped advisory lock
//    on the ticker (so two dispatchers settling the same ticker take turns, and a daily limit
//    cannot be overrun), the recommendation's row FOR UPDATE with the ticker's activity, then
//    sigflow_settle (fill, then status), then COMMIT. Other tickers settle in parallel.
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
