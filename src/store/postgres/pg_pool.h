// PgPool: the PostgreSQL store's connections, shared by all its calling threads.
//
// Why a pool and not a connection per thread: callers are few long-lived threads (a dispatcher,
// N workers, the API) plus short-lived ones (CLI, tests); a pool bounds the server backends to
// pool_size whatever the thread count, and a connection found dead is replaced in one place.
//
// Acquire() hands out an idle connection (checking, without a round trip, that the server did not
// hang up on it while idle), or opens a new one while fewer than pool_size exist, or waits for one
// to be returned (at most round_trip_timeout). Opening fails fast with `unavailable` while a
// reconnect backoff runs: after a failed connect no new attempt is made for backoff_min, doubling
// up to backoff_max, reset by the first success. So while the server is down a call costs at most
// one connect_timeout (a refused connect costs microseconds), and calls succeed again once it is
// back, without restarting anything.
//
// Thread-safe. A Lease is used by one thread and returns its connection when destroyed; a
// connection that failed (ok() false) is closed instead of returned. The pool must outlive its
// leases.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "store/postgres/pg_conn.h"
#include "store/postgres/postgres_store.h"

namespace sigflow::store_postgres {

class PgPool {
 public:
  PgPool(ConnectSettings settings, const PostgresOptions& options, PostgresProbe* probe);
  ~PgPool();

  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection* operator->() { return conn_.get(); }
    PgConnection& operator*() { return *conn_; }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  Result<Lease> Acquire();

  // Whether `pid` is the server backend of one of this pool's connections (notifications sent
  // by our own statements are already handled on the calling thread).
  bool OwnsBackend(int pid) const;

  const ConnectSettings& settings() const { return settings_; }

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const ConnectSettings settings_;
  const size_t size_;
  const std::chrono::milliseconds backoff_min_, backoff_max_;
  PostgresProbe* probe_;

  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;     // guarded by mu_
  size_t open_ = 0;                                     // guarded by mu_: idle + leased + opening
  std::set<int> pids_;                                  // guarded by mu_
  std::chrono::steady_clock::time_point next_attempt_;  // guarded by mu_
  std::chrono::milliseconds backoff_{0};                // guarded by mu_
};

}  // namespace sigflow::store_postgres
