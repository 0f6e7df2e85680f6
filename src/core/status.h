// Status and Result<T>: failure as a value on paths where failure is normal.
//
// A Status is either OK or carries a stable machine-readable `code` (snake_case, from a closed set
// chosen by the module that returns it) and a human-readable message. Result<T> holds either a T
// or a non-OK Status. Both are cheap to move and safe to copy; neither is thread-safe to mutate
// concurrently (like any value type).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sigflow {

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message) {
    return Status(std::move(code), std::move(message));
  }
  // Common codes shared across modules.
  static Status NotFound(std::string message) { return Error("not_found", std::move(message)); }
  static Status InvalidArgument(std::string message) {
    return Error("invalid_argument", std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Error("unavailable", std::move(message));
  }
  static Status Internal(std::string message) { return Error("internal", std::move(message)); }

  bool ok() const { return code_.empty(); }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : code_ + ": " + message_; }

 private:
  Status(std::string code, std::string message)
      : code_(std::move(code)), message_(std::move(message)) {
    assert(!code_.empty());
  }
  std::string code_;
  std::string message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace sigflow
