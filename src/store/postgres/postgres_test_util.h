// Helpers shared by the PostgresStore tests.
//
// The tests need a PostgreSQL server: SIGFLOW_TEST_POSTGRES_URL names it (ctest's `pg` fixture
// starts one with scripts/pg-test.sh and sets it); without it every test is skipped. Each test
// works in a schema of its own (created here, dropped at the end), so tests may run in parallel
// against one server. The WakeBatch builder is the SQLite store tests' (store_test_util.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "store/postgres/pg_conn.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow::testing {

inline const char* TestPostgresUrl() {
  const char* url = std::getenv("SIGFLOW_TEST_POSTGRES_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

#define SIGFLOW_REQUIRE_POSTGRES()                                                \
  do {                                                                            \
    if (::sigflow::testing::TestPostgresUrl() == nullptr) {                       \
      GTEST_SKIP() << "SIGFLOW_TEST_POSTGRES_URL is not set (run through ctest)"; \
    }                                                                             \
  } while (0)

// A fresh schema on the test server, and the options of a store that lives in it.
class TestSchema {
 public:
  explicit TestSchema(std::string base_url = TestPostgresUrl() ? TestPostgresUrl() : "")
      : base_url_(std::move(base_url)) {
    static std::atomic<int> counter{0};
    std::random_device random;
    name_ = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(random() % 100000);
    Exec("CREATE SCHEMA " + name_);
  }
  ~TestSchema() { Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }

  const std::string& name() const { return name_; }

  PostgresOptions Options() const {
    PostgresOptions options;
    options.url = base_url_ + "?options=-c%20search_path%3D" + name_;
    options.connect_timeout = std::chrono::seconds(2);
    options.reconnect_backoff_min = std::chrono::milliseconds(20);
    options.reconnect_backoff_max = std::chrono::milliseconds(200);
    return options;
  }

  std::unique_ptr<Store> Open(const Clock* clock, PostgresProbe* probe = nullptr) const {
    auto store = OpenPostgresStore(Options(), clock, probe);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // One statement in this schema, on a connection of its own. Fails the test on error.
  store_postgres::PgResult Query(const std::string& sql) const {
    auto conn = Connect();
    if (!conn) return {};
    auto r = conn->Exec(sql.c_str());
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : store_postgres::PgResult();
  }
  int64_t QueryInt(const std::string& sql) const {
    auto r = Query(sql);
    return r.rows() > 0 ? r.Int(0, 0) : -1;
  }
  Status Try(const std::string& sql) const {
    auto conn = Connect();
    if (!conn) return Status::Unavailable("no connection");
    return conn->ExecScript(sql.c_str());
  }

  // A connection of its own in this schema, for a test that needs one session (PREPARE, SET).
  std::unique_ptr<store_postgres::PgConnection> Connect() const {
    auto settings = store_postgres::MakeConnectSettings(Options());
    EXPECT_TRUE(settings.ok());
    if (!settings.ok()) return nullptr;
    auto conn = store_postgres::PgConnection::Open(*settings);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    return conn.ok() ? std::move(conn).value() : nullptr;
  }

 private:
  void Exec(const std::string& sql) const {
    if (base_url_.empty()) return;
    PostgresOptions options;
    options.url = base_url_;
    auto settings = store_postgres::MakeConnectSettings(options);
    if (!settings.ok()) return;
    auto conn = store_postgres::PgConnection::Open(*settings);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)->ExecScript(sql.c_str()).ok()) << sql;
  }

  std::string base_url_;
  std::string name_;
};

// Polls `condition` every 10 ms for up to `timeout`.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// prefix + n, built by appending (GCC 12's -Wrestrict misfires on "literal" + std::string).
inline std::string Name(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

inline std::vector<std::string> Ids(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(Name(prefix, i));
  return out;
}

}  // namespace sigflow::testing
