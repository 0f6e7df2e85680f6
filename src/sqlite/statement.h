// Statement: one prepared sqlite3_stmt, move-only, with bind/step/column helpers.
//
// Binding is chainable (`st.BindInt(1, x).BindText(2, s)`); the first bind error is remembered
// and returned by the next Step()/Run(). Text and blobs are borrowed, not copied: they must stay
// valid until Reset() (which clears every binding) or the statement's destruction. A Statement
// belongs to the Database that prepared it and is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sigflow::sqlite {

// Maps a SQLite result code to a Status: SQLITE_BUSY / SQLITE_LOCKED (another connection holds
// the lock past the busy timeout) and failures to open or write the file -> `unavailable`;
// UNIQUE / PRIMARY KEY violations -> `conflict`; other constraint violations ->
// `invalid_argument`; anything else -> `internal`. The message is `context` plus SQLite's text.
Status FromSqlite(int rc, sqlite3* db, std::string_view context);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL (?1, ?2, ...).
  Statement& BindInt(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Advances: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to the end (ignoring rows), then resets. For INSERT/UPDATE/DELETE.
  Status Run();
  // Rewinds and clears every binding (and the remembered bind error).
  void Reset();

  // Columns are 0-based. Views are valid until the next Step()/Reset().
  int64_t ColumnInt(int index) const;
  double ColumnDouble(int index) const;
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

  std::string_view sql() const;

 private:
  void NoteBind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // first failed sqlite3_bind_* result code, 0 when none
};

// A handle on a statement of Database's cache; resets it (clearing bindings) when destroyed, so
// no cached statement keeps a read transaction open after use.
class CachedStatement {
 public:
  explicit CachedStatement(Statement* statement) : statement_(statement) {}
  CachedStatement(CachedStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  CachedStatement& operator=(CachedStatement&&) = delete;
  ~CachedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }
  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

}  // namespace sigflow::sqlite
