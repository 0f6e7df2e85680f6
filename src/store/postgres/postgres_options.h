// PostgresOptions: where the PostgreSQL store connects and how long it may wait, fixed when the
// store is opened (one options struct per lifetime).
//
// Sources: the seeds' environment variables POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_HOST,
// POSTGRES_PORT and POSTGRES_DB (defaults dev / dev / postgres / 5432 / trading_platform), or a URL
// (postgres://user:password@host:port/db?param=value..., also postgresql://) in POSTGRES_URL,
// which wins over the parts when set. Any libpq URI parameter may be given in the URL (sslmode,
// options, ...); the timeouts below are added to it unless the URL sets the same parameter
// (statement_timeout joins the URL's `options`), and client_encoding is always UTF8.
//
// Plain values, no hidden state: safe to copy and to share between threads read-only.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sigflow {

struct PostgresOptions {
  // A postgres:// or postgresql:// URL. When set, host/port/user/password/database are ignored.
  std::string url;
  std::string host = "postgres";
  int port = 5432;
  std::string user = "dev";
  std::string password = "dev";
  std::string database = "trading_platform";
  std::string application_name = "sigflow";

  // How long opening a connection may take (libpq's connect_timeout; libpq rounds 1 s up to 2 s).
  // Short: while the server is down every call that needs a new connection waits this long at
  // most, then returns `unavailable`.
  std::chrono::seconds connect_timeout{5};
  // The server cancels a statement running longer than this (statement_timeout, lock waits
  // included): the call returns `unavailable`. The client also gives up on a round trip after
  // statement_timeout + 5 s without an answer (a dead network), dropping the connection.
  std::chrono::milliseconds statement_timeout{30'000};
  // TCP keepalives find a silently dead peer (host gone, cable cut) on idle connections, the
  // listener's above all: probes after `keepalive_idle` of silence, every `keepalive_interval`,
  // `keepalive_count` times.
  std::chrono::seconds keepalive_idle{10};
  std::chrono::seconds keepalive_interval{5};
  int keepalive_count = 3;

  // Connections kept for the store's calls: at most this many run at once; a call finding all of
  // them busy waits (at most statement_timeout) for one. Each is a server backend (a process, a
  // few MiB), so keep it near the number of threads that call the store at once.
  int pool_size = 8;
  // After a failed connect, calls fail fast (`unavailable`, no network) until the backoff has
  // passed; it doubles from min to max on each failure and resets on success.
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{2'000};
  // One more connection, opened by a background thread on the first On...() registration, that
  // LISTENs for other processes' changes. Off: callbacks hear only this process's own changes.
  bool listen = true;
};

// Reads POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_HOST, POSTGRES_PORT and
// POSTGRES_DB through `getenv` (unset or empty: the default). `invalid_argument` lists every bad
// variable by name ("POSTGRES_PORT: \"x\" is not a port number (1-65535)").
Result<PostgresOptions> PostgresOptionsFromEnv(
    const std::function<const char*(const char*)>& getenv);
Result<PostgresOptions> PostgresOptionsFromEnv();  // the process environment

// Options with `url` set, after checking that libpq can parse it (`invalid_argument` otherwise).
Result<PostgresOptions> PostgresOptionsFromUrl(std::string_view url);

// "postgresql://user@host:port/db" for logs and messages: never the password.
std::string DescribePostgres(const PostgresOptions& options);

namespace store_postgres {

// What one libpq connection is opened with (keyword/value pairs for PQconnectdbParams) and how
// long a round trip may take on it. Derived from PostgresOptions; `invalid_argument` when the URL
// does not parse.
struct ConnectSettings {
  std::vector<std::pair<std::string, std::string>> keywords;
  std::chrono::milliseconds round_trip_timeout{35'000};
  std::string description;  // DescribePostgres()
};
Result<ConnectSettings> MakeConnectSettings(const PostgresOptions& options);

}  // namespace store_postgres
}  // namespace sigflow
