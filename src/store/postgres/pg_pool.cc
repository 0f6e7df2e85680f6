#include "store/postgres/pg_pool.h"

#include <algorithm>

#include "obs/log.h"

namespace sigflow::store_postgres {

PgPool::PgPool(ConnectSettings settings, const PostgresOptions& options, PostgresProbe* probe)
    : settings_(std::move(settings)),
      size_(static_cast<size_t>(std::max(options.pool_size, 1))),
      backoff_min_(std::max(options.reconnect_backoff_min, std::chrono::milliseconds(1))),
      backoff_max_(std::max(options.reconnect_backoff_max, options.reconnect_backoff_min)),
      probe_(probe) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_));
}

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + settings_.round_trip_timeout;
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->CheckIdle()) return Lease(this, std::move(conn));
      // The server hung up on it while idle (restart, idle timeout, terminated backend).
      pids_.erase(conn->backend_pid());
      --open_;
      probe_->connections_lost.fetch_add(1, std::memory_order_relaxed);
    }
    if (open_ < size_) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return Status::Unavailable("all " + std::to_string(size_) +
                                 " postgres connections stayed busy");
    }
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    return Status::Unavailable(
        "postgres at " + settings_.description + " unreachable; next connect attempt in " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count()) +
        " ms");
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Open(settings_);
  lock.lock();
  if (!conn.ok()) {
    --open_;
    backoff_ = backoff_.count() == 0 ? backoff_min_ : std::min(backoff_ * 2, backoff_max_);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    probe_->connect_failures.fetch_add(1, std::memory_order_relaxed);
    returned_.notify_one();
    return conn.status();
  }
  if (backoff_.count() != 0) {
    log::Info("postgres_reconnected", {{"server", settings_.description}});
  }
  backoff_ = std::chrono::milliseconds(0);
  next_attempt_ = {};
  (*conn)->CountRoundTripsIn(&probe_->round_trips);
  pids_.insert((*conn)->backend_pid());
  probe_->connects.fetch_add(1, std::memory_order_relaxed);
  return Lease(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mu_);
  if (conn->ok()) {
    idle_.push_back(std::move(conn));
  } else {
    pids_.erase(conn->backend_pid());
    --open_;
    probe_->connections_lost.fetch_add(1, std::memory_order_relaxed);
  }
  returned_.notify_one();
}

bool PgPool::OwnsBackend(int pid) const {
  std::lock_guard lock(mu_);
  return pids_.count(pid) != 0;
}

}  // namespace sigflow::store_postgres
