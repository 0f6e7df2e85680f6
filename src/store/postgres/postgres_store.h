// PostgresStore: the Store (store/store.h) on PostgreSQL 15+ through libpq, for running many
// `sigflow dispatch` and `sigflow work` processes against one database.
//
// Schema: the logical schema of the SQLite store, applied by versioned migrations on open
// (schema_migrations table; concurrent openers serialise on an advisory lock), with trigger_mode
// a PostgreSQL ENUM and JSONB for scanner_tickers, config, signal_ids, result and payloads. JSONB
// keeps the value, not the text: what is read back (config_json, result_json, StoredSignal
// payload) is PostgreSQL's rendering of the same JSON (keys sorted, ", " and ": " separators).
// A "\u0000" escape, which JSONB cannot hold, is stored as "\ufffd" in payloads and results
// (and invalid UTF-8 in them, or in error texts, as U+FFFD), so that no data can make a write
// fail forever; a pipeline config holding one is refused (`invalid_argument`).
//
// Guarantees across processes (the database enforces them, whoever writes):
//  - Wake (core/wake.h) is ONE round trip, whatever the batch size: one call of the SQL function
//    sigflow_wake (created by the migrations) with the batch as array parameters, run as one
//    transaction. The unique key of `signals` decides which of several racing dispatchers records
//    (and wakes with) a signal; the partial unique index on executions(pipeline_id) over PENDING
//    and RUNNING keeps one active execution per pipeline; signal_wakes' key (pipeline_id,
//    signal_id) keeps a pair from waking twice. A batch with no signals and no dead letters makes
//    no round trip at all.
//  - Retrying a Wake whose outcome is unknown (`unavailable` after the connection was lost while
//    the transaction committed) is safe: either the first attempt did not commit and the retry
//    does everything, or it did and the retry finds every signal recorded, so it reports them all
//    as `duplicate` (adding their matches to the stored `duplicate` counts) and `enqueued` empty.
//    An execution is therefore reported as enqueued at most once: never twice, and not at all
//    when the first attempt's answer was lost (the execution exists and workers are notified).
//  - ClaimExecutions is one UPDATE over `FOR UPDATE SKIP LOCKED`: concurrent workers never get
//    the same execution and never wait for each other. Oldest first within a window: a PENDING
//    row older than the last full claim's floor (one requeued by another process, say) is
//    claimed by the next full claim, within a second (postgres_store_impl.h, Claim).
//  - Every lease time is the injected Clock's, sent as a parameter (never the server's now()).
//  - Recorded times follow the database's order: a claim's started_at is never before the
//    execution's created_at nor before the previous execution of its pipeline finished, and a
//    finished_at never before its started_at, even when the processes' clock reads (made before
//    their round trips) arrive out of order. So no two executions of a pipeline overlap in the
//    record, as they never overlap in fact.
//
// Notifications: adding or removing a pipeline NOTIFYs `sigflow_pipelines`; a transaction that
// creates or requeues PENDING executions NOTIFYs `sigflow_executions`. Callbacks registered with
// OnPipelinesChanged / OnExecutionsEnqueued run on the calling thread after this store's own
// changes, and on a background listener thread (its own connection, reconnecting with backoff)
// for other processes' changes; the listener also runs them once each time it starts listening,
// since changes made while it was not listening were not heard.
//
// Failures: every method returns `unavailable` while the server is unreachable, within
// connect_timeout (or at once during the reconnect backoff) or statement_timeout + 5 s, never a
// crash or an unbounded wait; the next calls reconnect by themselves. Connections: see pg_pool.h.
//
// Thread-safe: any thread may call any method. The clock and the probe must outlive the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/clock.h"
#include "core/status.h"
#include "store/postgres/postgres_options.h"
#include "store/store.h"

namespace sigflow {

// Counters of one PostgreSQL store, for benchmarks and metrics. Updated with relaxed atomics.
struct PostgresProbe {
  std::atomic<uint64_t> round_trips{0};          // statements sent on the pool's connections
  std::atomic<uint64_t> wake_batches{0};         // Wake calls that reached the database
  std::atomic<uint64_t> connects{0};             // connections opened by the pool
  std::atomic<uint64_t> connect_failures{0};     // failed connection attempts
  std::atomic<uint64_t> connections_lost{0};     // pool connections found dead and dropped
  std::atomic<uint64_t> notifications{0};        // notifications heard by the listener
  std::atomic<uint64_t> listener_reconnects{0};  // failed listener (re)connection attempts
};

// Connects (one connection, which the pool keeps), applies the migrations and returns the store.
// `unavailable` when the server cannot be reached, `invalid_argument` for a bad URL, `internal`
// when the database's schema is newer than this binary. `probe`, when given, receives the
// store's counters (else the store keeps its own).
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options,
                                                 const Clock* clock = SystemClock::Default(),
                                                 PostgresProbe* probe = nullptr);

}  // namespace sigflow
