// Migration 3 of the PostgreSQL store: the execution side of seed 003 — dispatch_recommendations,
// dispatch_executions (the ledger), dispatcher_runs, trading_state_changes, the triggers that
// enforce their rules (store/ledger_store.h), the functions the ledger's Settle and the HALTED
// trigger dispatcher call (sigflow_settle, sigflow_wake_halted), and signals.trading_halted.
// Private to store/postgres/. Independent of migration 2 (the market tables): either may be
// applied first.
#pragma once

namespace sigflow::store_postgres {

// The whole migration as one script; the string lives for the process.
const char* LedgerMigrationSql();

}  // namespace sigflow::store_postgres
