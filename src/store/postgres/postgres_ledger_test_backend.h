// The PostgreSQL LedgerTestBackend: a schema of its own on the test server (postgres_test_util.h).
#pragma once

#include "store/ledger_test_backend.h"
#include "store/postgres/postgres_ledger.h"
#include "store/postgres/postgres_test_util.h"

namespace sigflow::testing {

class PostgresLedgerBackend final : public LedgerTestBackend {
 public:
  std::string name() const override { return "postgres"; }
  bool available() const override { return TestPostgresUrl() != nullptr; }
  LedgerHandle Open() override {
    LedgerHandle handle;
    handle.store = schema_.Open(SystemClock::Default());
    if (handle.store == nullptr) return handle;
    auto ledger = OpenPostgresLedger(handle.store.get());
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    if (ledger.ok()) handle.ledger = std::move(ledger).value();
    return handle;
  }
  Status Exec(const std::string& sql) override { return schema_.Try(sql); }
  const TestSchema& schema() const { return schema_; }

 private:
  TestSchema schema_;
};

}  // namespace sigflow::testing
