#include "store/postgres/pg_conn.h"

#include <poll.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "obs/log.h"

namespace sigflow::store_postgres {
namespace {

std::string Trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

// ---- PgParams ----

void PgParams::Clear() {
  data_.clear();
  types_.clear();
  offsets_.clear();
  lengths_.clear();
  formats_.clear();
}

void PgParams::Begin(Oid type) {
  types_.push_back(type);
  offsets_.push_back(static_cast<int64_t>(data_.size()));
  formats_.push_back(1);
}

void PgParams::End() { lengths_.push_back(static_cast<int>(data_.size() - offsets_.back())); }

void PgParams::AppendInt32(int32_t value) {
  const auto v = static_cast<uint32_t>(value);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  data_.append(bytes, 4);
}

void PgParams::AppendInt64(int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  AppendInt32(static_cast<int32_t>(v >> 32));
  AppendInt32(static_cast<int32_t>(v & 0xffffffffu));
}

PgParams& PgParams::Null(Oid type) {
  types_.push_back(type);
  offsets_.push_back(-1);
  formats_.push_back(1);
  lengths_.push_back(0);
  return *this;
}

PgParams& PgParams::Text(std::string_view value) {
  Begin(oid::kText);
  data_.append(value);
  End();
  return *this;
}

PgParams& PgParams::Bytea(std::string_view value) {
  Begin(oid::kBytea);
  data_.append(value);
  End();
  return *this;
}

PgParams& PgParams::Int8(int64_t value) {
  Begin(oid::kInt8);
  AppendInt64(value);
  End();
  return *this;
}

PgParams& PgParams::Float8(double value) {
  Begin(oid::kFloat8);
  // float8's binary form is the IEEE 754 bit pattern, big-endian, like int8's.
  int64_t bits;
  static_assert(sizeof(bits) == sizeof(value));
  std::memcpy(&bits, &value, sizeof(bits));
  AppendInt64(bits);
  End();
  return *this;
}

PgParams& PgParams::Int4(int32_t value) {
  Begin(oid::kInt4);
  AppendInt32(value);
  End();
  return *this;
}

PgParams& PgParams::Bool(bool value) {
  Begin(oid::kBool);
  data_.push_back(value ? 1 : 0);
  End();
  return *this;
}

// Binary array format (PostgreSQL's array_recv): ndim, has-nulls flag, element type, then per
// dimension its size and lower bound, then each element as length + bytes.
PgParams& PgParams::BeginArray(Oid array_type, Oid element_type) {
  Begin(array_type);
  array_start_ = data_.size();
  array_count_ = 0;
  AppendInt32(1);
  AppendInt32(0);
  AppendInt32(static_cast<int32_t>(element_type));
  AppendInt32(0);  // size, patched by EndArray
  AppendInt32(1);
  return *this;
}

void PgParams::ElementBytes(std::string_view value) {
  AppendInt32(static_cast<int32_t>(value.size()));
  data_.append(value);
  ++array_count_;
}

void PgParams::ElementInt8(int64_t value) {
  AppendInt32(8);
  AppendInt64(value);
  ++array_count_;
}

void PgParams::ElementInt4(int32_t value) {
  AppendInt32(4);
  AppendInt32(value);
  ++array_count_;
}

void PgParams::ElementBool(bool value) {
  AppendInt32(1);
  data_.push_back(value ? 1 : 0);
  ++array_count_;
}

void PgParams::ElementFloat8(double value) {
  AppendInt32(8);
  AppendInt64(std::bit_cast<int64_t>(value));
  ++array_count_;
}

// array_recv reads a length of -1 as NULL whatever the header's has-nulls flag says.
void PgParams::ElementNull() {
  AppendInt32(-1);
  ++array_count_;
}

PgParams& PgParams::EndArray() {
  if (array_count_ == 0) {
    // An empty array has no dimensions: keep ndim = 0, flags and the element type.
    data_.resize(array_start_ + 12);
    data_[array_start_ + 3] = 0;
  } else {
    const auto n = static_cast<uint32_t>(array_count_);
    char* size = data_.data() + array_start_ + 12;
    size[0] = static_cast<char>(n >> 24);
    size[1] = static_cast<char>(n >> 16);
    size[2] = static_cast<char>(n >> 8);
    size[3] = static_cast<char>(n);
  }
  End();
  return *this;
}

// ---- PgResult ----

std::string_view PgResult::Text(int row, int col) const {
  if (IsNull(row, col)) return {};
  return {PQgetvalue(result_.get(), row, col),
          static_cast<size_t>(PQgetlength(result_.get(), row, col))};
}

int64_t PgResult::Int(int row, int col) const {
  std::string_view text = Text(row, col);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

double PgResult::Double(int row, int col) const {
  std::string_view text = Text(row, col);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string PgResult::Bytea(int row, int col) const {
  if (IsNull(row, col)) return {};
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, col)), &length);
  if (bytes == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

// ---- PgConnection ----

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const ConnectSettings& settings) {
  std::vector<const char*> keywords, values;
  for (const auto& [k, v] : settings.keywords) {
    keywords.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/0);
  if (conn == nullptr) return Status::Unavailable("postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status status = Status::Unavailable("cannot connect to " + settings.description + ": " +
                                        Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return status;
  }
  // Server notices (NOTICE, WARNING) would go to stderr raw, between our JSON log lines.
  PQsetNoticeProcessor(
      conn,
      [](void*, const char* message) {
        log::Debug("postgres_notice", {{"message", Trimmed(message)}});
      },
      nullptr);
  if (PQsetnonblocking(conn, 1) != 0) {
    Status status = Status::Unavailable("postgres: " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return status;
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn, settings.round_trip_timeout));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::ok() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

Status PgConnection::Lost(const std::string& what) {
  broken_ = true;
  return Status::Unavailable("postgres connection lost (" + what +
                             "): " + Trimmed(PQerrorMessage(conn_)));
}

bool PgConnection::Wait(bool write, std::chrono::steady_clock::time_point deadline) {
  pollfd fd{PQsocket(conn_), static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int r = poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1'000'000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // let libpq report the socket's error
  }
}

Result<PgResult> PgConnection::Finish(const char* what, int pipelined) {
  if (round_trips_) round_trips_->fetch_add(1, std::memory_order_relaxed);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return Lost(what);
    if (!Wait(true, deadline)) return Lost(std::string(what) + ": no answer in time");
    if (PQconsumeInput(conn_) == 0) return Lost(what);
  }
  PgResult kept;
  bool have_kept = false;
  Status error;
  last_error_state_.clear();
  failed_command_ = 0;
  // Outside a pipeline, one command's results end with NULL. In one, each command's do, and the
  // sync's own result follows the last.
  const int commands = std::max(pipelined, 1);
  for (int command = 0; command < commands + (pipelined > 0 ? 1 : 0); ++command) {
    const bool is_sync = pipelined > 0 && command == commands;
    const bool keep = pipelined == 0 || command == commands - 1;
    for (;;) {
      while (PQisBusy(conn_)) {
        if (!Wait(false, deadline)) return Lost(std::string(what) + ": no answer in time");
        if (PQconsumeInput(conn_) == 0) return Lost(what);
      }
      PGresult* result = PQgetResult(conn_);
      if (result == nullptr) break;
      const ExecStatusType status = PQresultStatus(result);
      if (status == PGRES_PIPELINE_SYNC || status == PGRES_PIPELINE_ABORTED) {
        PQclear(result);  // the error that aborted the pipeline is kept already
        if (is_sync) break;
      } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (keep && !have_kept) {
          kept = PgResult(result);
          have_kept = true;
        } else {
          PQclear(result);
        }
      } else {
        if (error.ok()) {
          error = StatusFromResult(result, conn_);
          const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
          if (state != nullptr) last_error_state_ = state;
          failed_command_ = command;
        }
        PQclear(result);
      }
    }
    if (PQstatus(conn_) != CONNECTION_OK) break;
  }
  if (pipelined > 0 && PQstatus(conn_) == CONNECTION_OK && PQexitPipelineMode(conn_) == 0) {
    return Lost(std::string(what) + ": pipeline");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    if (error.ok() || error.code() != "unavailable") return Lost(what);
  }
  if (!error.ok()) return error;
  return kept;
}

void PgConnection::BindValues(PgParams& params) {
  const int n = params.size();
  params.values_.resize(n);
  for (int i = 0; i < n; ++i) {
    params.values_[i] = params.offsets_[i] < 0 ? nullptr : params.data_.data() + params.offsets_[i];
  }
}

Result<PgResult> PgConnection::Exec(const char* sql, PgParams& params) {
  if (!ok()) return Lost("not connected");
  const int n = params.size();
  BindValues(params);
  if (PQsendQueryParams(conn_, sql, n, params.types_.data(), params.values_.data(),
                        params.lengths_.data(), params.formats_.data(), /*resultFormat=*/0) == 0) {
    return Lost("send");
  }
  return Finish("query");
}

Result<PgResult> PgConnection::Exec(const char* sql) {
  PgParams none;
  return Exec(sql, none);
}

Result<PgResult> PgConnection::ExecPrepared(const char* sql, PgParams& params) {
  // "cached plan must not change result type": a column the statement returns changed type
  // under it (a migration by a newer process). Preparing it again is all it needs.
  constexpr char kResultTypeChanged[] = "0A000";
  const int n = params.size();
  BindValues(params);
  for (int attempt = 0;; ++attempt) {
    if (!ok()) return Lost("not connected");
    const auto now = std::chrono::steady_clock::now();
    auto it = prepared_.find(sql);
    if (it != prepared_.end() && now - it->second.prepared_at < kPreparedMaxAge) {
      if (PQsendQueryPrepared(conn_, it->second.name.c_str(), n, params.values_.data(),
                              params.lengths_.data(), params.formats_.data(),
                              /*resultFormat=*/0) == 0) {
        return Lost("send");
      }
      auto result = Finish("query");
      if (result.ok() || attempt > 0 || last_error_state_ != kResultTypeChanged) return result;
      it->second.prepared_at = {};  // prepare it again
      continue;
    }
    // (Re)prepared and run in one round trip: the commands go out as a pipeline.
    const std::string stale = it == prepared_.end() ? "" : "DEALLOCATE " + it->second.name;
    const std::string name = "sigflow_" + std::to_string(++statements_prepared_);
    const int preparing = stale.empty() ? 0 : 1;  // the index of the PREPARE in the pipeline
    if (PQenterPipelineMode(conn_) == 0 ||
        (!stale.empty() &&
         PQsendQueryParams(conn_, stale.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 0) ||
        PQsendPrepare(conn_, name.c_str(), sql, n, params.types_.data()) == 0 ||
        PQsendQueryPrepared(conn_, name.c_str(), n, params.values_.data(), params.lengths_.data(),
                            params.formats_.data(), /*resultFormat=*/0) == 0 ||
        PQpipelineSync(conn_) == 0) {
      return Lost("send");
    }
    auto result = Finish("prepare and query", preparing + 2);
    if (result.ok() || failed_command_ > preparing) {
      prepared_[sql] = Prepared{name, now};
    } else {
      prepared_.erase(sql);  // not prepared; a failed DEALLOCATE leaves a name unused, no more
    }
    return result;
  }
}

Status PgConnection::ExecScript(const char* sql) {
  if (!ok()) return Lost("not connected");
  if (PQsendQuery(conn_, sql) == 0) return Lost("send");
  auto result = Finish("script");
  return result.ok() ? Status::Ok() : result.status();
}

bool PgConnection::CheckIdle() {
  if (!ok()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (poll(&fd, 1, 0) > 0) {
    // Nothing is expected on an idle connection but a notice before the server hangs up.
    if (PQconsumeInput(conn_) == 0) broken_ = true;
    while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
  }
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    broken_ = true;
  }
  return !broken_;
}

Status StatusFromResult(const PGresult* result, PGconn* conn) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string message = primary ? primary : Trimmed(PQerrorMessage(conn));
  if (detail) message += std::string(" (") + detail + ")";
  if (PQstatus(conn) != CONNECTION_OK) {
    return Status::Unavailable("postgres connection lost: " + message);
  }
  if (state == nullptr) return Status::Internal("postgres: " + message);
  const std::string_view s(state);
  const std::string_view cls = s.substr(0, 2);
  // Connection exceptions, shutdown, too many connections / out of resources, statement timeout,
  // serialization failures and deadlocks, lock timeouts: the server cannot serve now; retry.
  if (cls == "08" || cls == "53" || cls == "40" || s == "57P01" || s == "57P02" || s == "57P03" ||
      s == "57014" || s == "55P03") {
    return Status::Unavailable("postgres: " + message + " [" + std::string(s) + "]");
  }
  if (s == "23505") return Status::Error("conflict", message);
  if (s == "23503") return Status::NotFound(message);
  if (cls == "22" || s == "23514" || s == "23502") return Status::InvalidArgument(message);
  return Status::Internal("postgres: " + message + " [" + std::string(s) + "]");
}

}  // namespace sigflow::store_postgres
