// PgListener: a background thread with its own connection that LISTENs on a few channels and
// hands each notification to a handler, so that every sigflow process hears the changes of the
// others (pipeline edits, new executions) without polling.
//
// The thread connects, LISTENs, then calls `on_listening` (changes made before that moment, or
// while a connection was down, were not heard: the owner treats this call as "anything may have
// changed") and waits on the socket, handing every notification to `on_notify` as it arrives.
// When the connection is lost it reconnects with the pool's backoff (min doubling to max) and
// calls `on_listening` again once listening. Handlers run on the listener thread, one at a time;
// they must be quick and must not block on the listener.
//
// The destructor stops the thread (through a self-pipe: at once, or after a connection attempt
// in progress, at most connect_timeout) and joins it.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/postgres/pg_conn.h"
#include "store/postgres/postgres_store.h"

namespace sigflow::store_postgres {

class PgListener {
 public:
  using NotifyHandler = std::function<void(std::string_view channel, int sender_pid)>;

  PgListener(ConnectSettings settings, std::vector<std::string> channels,
             const PostgresOptions& options, PostgresProbe* probe, NotifyHandler on_notify,
             std::function<void()> on_listening);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void Run();
  // Sleeps up to `ms` or until stopped; false when stopped.
  bool Sleep(int64_t ms);
  // Waits for notifications until the connection fails or the listener stops.
  void Listen(PgConnection* conn);

  const ConnectSettings settings_;
  const std::vector<std::string> channels_;
  const std::chrono::milliseconds backoff_min_, backoff_max_;
  PostgresProbe* probe_;
  NotifyHandler on_notify_;
  std::function<void()> on_listening_;
  int wake_[2] = {-1, -1};  // self-pipe: written by the destructor
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sigflow::store_postgres
