// Database: one SQLite connection, opened the way every sigflow adapter wants it (WAL,
// synchronous=NORMAL, busy timeout, foreign keys), with a cache of prepared statements.
//
// A Database is NOT thread-safe: one thread at a time (callers that share one put a mutex around
// it). Several Database objects, in one process or many, may open the same file: SQLite's locks
// serialise writers, and a writer waits up to `busy_timeout_ms` before failing with `unavailable`.
// Errors come back as Status (see FromSqlite in statement.h for the code mapping); nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "sqlite/statement.h"

struct sqlite3;

namespace sigflow::sqlite {

struct DatabaseOptions {
  // How long a writer waits for another connection's write lock before `unavailable`.
  // Longer rides out bursts from other processes; shorter reports a stuck peer sooner.
  int busy_timeout_ms = 5000;
  // false (default): synchronous=NORMAL. In WAL mode a commit is then written to the WAL but
  // not fsync'ed (the WAL is synced at checkpoints): a commit survives a crash of the process,
  // an OS crash or power cut may roll back the last commits but never corrupts the file nor
  // reorders them (recovery keeps a prefix of the WAL, so the store's effects and the bus offsets
  // committed after them stay consistent). One fsync per commit would cost more than a whole
  // dispatcher batch. true: synchronous=FULL, every commit fsync'ed.
  bool synchronous_full = false;
};

class Database {
 public:
  // Opens (creating it and its parent directories when absent) the database at `path`;
  // ":memory:" is a private in-memory database. `unavailable` naming the path on failure.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows (schema, pragmas, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // A new statement owned by the caller.
  Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per connection and reused: it is reset with its bindings cleared
  // when the returned handle goes away. `sql` is the cache key; hold at most one handle per key.
  Result<CachedStatement> Cached(std::string_view sql);

  int64_t LastInsertRowid() const;
  int64_t Changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool InTransaction() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Configure(const DatabaseOptions& options);

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, StringHash, std::equal_to<>> cache_;
};

// Transaction: BEGIN on construction, ROLLBACK on destruction unless Commit() succeeded.
// Immediate (the default) takes the write lock at once, so a read-then-write transaction cannot
// fail half-way with SQLITE_BUSY_SNAPSHOT; deferred suits read-only snapshots.
class Transaction {
 public:
  enum class Mode { kImmediate, kDeferred };
  static Result<Transaction> Begin(Database* db, Mode mode = Mode::kImmediate);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // nullptr once committed, rolled back or moved from
};

}  // namespace sigflow::sqlite
