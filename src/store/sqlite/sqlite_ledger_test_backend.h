// The SQLite LedgerTestBackend: one database file in a temporary directory.
#pragma once

#include "sqlite/database.h"
#include "store/ledger_test_backend.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/store_test_util.h"

namespace sigflow::testing {

class SqliteLedgerBackend final : public LedgerTestBackend {
 public:
  std::string name() const override { return "sqlite"; }
  LedgerHandle Open() override {
    LedgerHandle handle;
    handle.store = OpenOrDie(path_, SystemClock::Default());
    if (handle.store == nullptr) return handle;
    auto ledger = OpenSqliteLedger(handle.store.get());
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    if (ledger.ok()) handle.ledger = std::move(ledger).value();
    return handle;
  }
  Status Exec(const std::string& sql) override {
    auto db = sqlite::Database::Open(path_);
    if (!db.ok()) return db.status();
    return (*db)->Exec(sql);
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_ = dir_.File("ledger.db");
};

}  // namespace sigflow::testing
