// For tests: one LedgerStore backend (SQLite or PostgreSQL) behind one interface, so that the
// same tests (ledger_store_conformance.h, the racing dispatchers of src/risk) run on both.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "core/status.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow::testing {

// A Store and the ledger over its connection(s).
struct LedgerHandle {
  std::unique_ptr<Store> store;
  std::unique_ptr<LedgerStore> ledger;
};

class LedgerTestBackend {
 public:
  virtual ~LedgerTestBackend() = default;
  virtual std::string name() const = 0;
  // False when the backend cannot run here (no test PostgreSQL): the test skips.
  virtual bool available() const { return true; }
  // A new connection (a new Store and its ledger) to this backend's one database, as another
  // process would open it. Fails the test (and returns nulls) on error.
  virtual LedgerHandle Open() = 0;
  // Raw SQL on a connection of its own, as any other client of the database could send it.
  virtual Status Exec(const std::string& sql) = 0;
};

using LedgerBackendFactory = std::function<std::unique_ptr<LedgerTestBackend>()>;

// The parameter of tests run on every backend; printed (and so named in ctest) by its name.
struct LedgerBackendParam {
  std::string name;
  LedgerBackendFactory make;
};
inline void PrintTo(const LedgerBackendParam& param, std::ostream* os) { *os << param.name; }

}  // namespace sigflow::testing
