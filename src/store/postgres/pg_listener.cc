#include "store/postgres/pg_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "obs/log.h"

namespace sigflow::store_postgres {

PgListener::PgListener(ConnectSettings settings, std::vector<std::string> channels,
                       const PostgresOptions& options, PostgresProbe* probe,
                       NotifyHandler on_notify, std::function<void()> on_listening)
    : settings_(std::move(settings)),
      channels_(std::move(channels)),
      backoff_min_(std::max(options.reconnect_backoff_min, std::chrono::milliseconds(1))),
      backoff_max_(std::max(options.reconnect_backoff_max, options.reconnect_backoff_min)),
      probe_(probe),
      on_notify_(std::move(on_notify)),
      on_listening_(std::move(on_listening)) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

PgListener::~PgListener() {
  stop_.store(true);
  if (wake_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = write(wake_[1], &byte, 1);
  }
  thread_.join();
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool PgListener::Sleep(int64_t ms) {
  pollfd fd{wake_[0], POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop_.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return true;
    // Without a self-pipe, poll nothing and re-check the flag every 50 ms.
    poll(wake_[0] >= 0 ? &fd : nullptr, wake_[0] >= 0 ? 1 : 0,
         static_cast<int>(std::min<int64_t>(left, wake_[0] >= 0 ? left : 50)));
  }
  return false;
}

void PgListener::Run() {
  std::chrono::milliseconds backoff{0};
  while (!stop_.load()) {
    auto conn = PgConnection::Open(settings_);
    Status status = conn.ok() ? Status::Ok() : conn.status();
    if (status.ok()) {
      std::string sql;
      for (const auto& channel : channels_) sql += "LISTEN " + channel + ";";
      status = (*conn)->ExecScript(sql.c_str());
    }
    if (!status.ok()) {
      probe_->listener_reconnects.fetch_add(1, std::memory_order_relaxed);
      backoff = backoff.count() == 0 ? backoff_min_ : std::min(backoff * 2, backoff_max_);
      log::Debug("postgres_listener_unavailable",
                 {{"error", status.ToString()}, {"retry_in_ms", backoff.count()}});
      if (!Sleep(backoff.count())) return;
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    on_listening_();
    Listen(conn->get());
  }
}

void PgListener::Listen(PgConnection* conn) {
  pollfd fds[2] = {{conn->socket(), POLLIN, 0}, {wake_[0], POLLIN, 0}};
  const nfds_t count = wake_[0] >= 0 ? 2 : 1;
  while (!stop_.load()) {
    const int r = poll(fds, count, wake_[0] >= 0 ? -1 : 50);
    if (r < 0 && errno != EINTR) return;
    if (r <= 0 || (fds[0].revents == 0)) continue;
    if (PQconsumeInput(conn->raw()) == 0) {
      log::Warn("postgres_listener_connection_lost",
                {{"server", settings_.description}, {"error", PQerrorMessage(conn->raw())}});
      return;
    }
    while (PGnotify* n = PQnotifies(conn->raw())) {
      probe_->notifications.fetch_add(1, std::memory_order_relaxed);
      on_notify_(n->relname, n->be_pid);
      PQfreemem(n);
    }
    if (PQstatus(conn->raw()) != CONNECTION_OK) return;
  }
}

}  // namespace sigflow::store_postgres
