#include "sqlite/database.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

namespace sigflow::sqlite {
namespace {

bool IsFileOnDisk(const std::string& path) {
  return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  if (IsFileOnDisk(path)) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::Unavailable("cannot open database " + path + ": cannot create directory " +
                                 parent.string() + ": " + ec.message());
    }
  }
  sqlite3* db = nullptr;
  // NOMUTEX: a Database is used by one thread at a time (see the header), so SQLite's own
  // per-connection mutex would be pure overhead.
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                     (path.rfind("file:", 0) == 0 ? SQLITE_OPEN_URI : 0),
                                 nullptr);
  if (rc != SQLITE_OK) {
    Status status = Status::Unavailable("cannot open database " + path + ": " +
                                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<Database> database(new Database(db, path));
  Status configured = database->Configure(options);
  if (!configured.ok()) {
    return Status::Unavailable("cannot open database " + path + ": " + configured.message());
  }
  return database;
}

Status Database::Configure(const DatabaseOptions& options) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  // Switching to WAL needs a moment of exclusive access, which a concurrent opener of the same
  // file may hold; the busy handler does not cover every such case, so retry until the timeout.
  // On a file already in WAL mode this is a cheap read.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
  for (;;) {
    Status wal = Exec("PRAGMA journal_mode=WAL");
    if (wal.ok()) break;
    if (wal.code() != "unavailable" || std::chrono::steady_clock::now() >= deadline) return wal;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // synchronous=NORMAL: see DatabaseOptions::synchronous_full for the trade-off.
  return Exec(options.synchronous_full ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"
                                       : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
}

Database::~Database() {
  cache_.clear();  // every statement must be finalized before the connection closes
  sqlite3_close(db_);
}

Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) return FromSqlite(rc, db_, text);
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return FromSqlite(rc, db_, "prepare " + std::string(sql));
  }
  return Statement(db_, stmt);
}

Result<CachedStatement> Database::Cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(prepared).value()))
             .first;
  }
  return CachedStatement(it->second.get());
}

int64_t Database::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<Transaction> Transaction::Begin(Database* db, Mode mode) {
  auto begin = db->Cached(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!begin.ok()) return begin.status();
  Status status = (*begin)->Run();
  if (!status.ok()) return status;
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) {
    auto rollback = db_->Cached("ROLLBACK");
    if (rollback.ok()) (void)(*rollback)->Run();
  }
}

Status Transaction::Commit() {
  auto commit = db_->Cached("COMMIT");
  if (!commit.ok()) return commit.status();
  Status status = (*commit)->Run();
  if (status.ok()) db_ = nullptr;
  return status;
}

}  // namespace sigflow::sqlite
