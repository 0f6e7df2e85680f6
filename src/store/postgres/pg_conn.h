// The thin layer over libpq that the PostgreSQL store is written on: statement parameters in
// binary format (one-dimensional arrays included), results, and one connection whose every round
// trip is bounded in time. Private to store/postgres/.
//
// PgConnection is not thread-safe: one thread uses it at a time (the pool hands it out). Every
// failure is a Status: `unavailable` when the connection is lost or the server cannot serve now
// (shutting down, too many connections, statement timeout, deadlock, serialization failure),
// `conflict` for a unique violation, `not_found` for a foreign-key violation, `invalid_argument`
// for bad data (invalid JSON, a CHECK), `internal` otherwise. After `unavailable` for a lost
// connection, ok() is false and the connection must be dropped.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_text.h"
#include "store/postgres/postgres_options.h"

namespace sigflow::store_postgres {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
namespace oid {
inline constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt4 = 23, kText = 25, kFloat8 = 701;
inline constexpr Oid kBoolArray = 1000, kByteaArray = 1001, kInt4Array = 1007, kTextArray = 1009,
                     kInt8Array = 1016, kFloat8Array = 1022;
}  // namespace oid

// The parameters of one statement ($1, $2, ... in order of the calls), binary format. Text must
// be valid UTF-8 without NUL bytes (the server refuses it otherwise). Reusable: Clear() keeps the
// buffers, so a steady stream of statements allocates nothing.
class PgParams {
 public:
  void Clear();
  PgParams& Null(Oid type);
  PgParams& Text(std::string_view value);
  PgParams& Bytea(std::string_view value);
  PgParams& Int8(int64_t value);
  PgParams& Int4(int32_t value);
  PgParams& Bool(bool value);
  PgParams& Float8(double value);  // the IEEE bits, exactly

  // An array parameter: BeginArray, one Element* call per element, EndArray.
  PgParams& BeginArray(Oid array_type, Oid element_type);
  void ElementBytes(std::string_view value);  // text or bytea
  void ElementInt8(int64_t value);
  void ElementInt4(int32_t value);
  void ElementBool(bool value);
  void ElementFloat8(double value);
  void ElementNull();  // a NULL element, of any array type
  PgParams& EndArray();

  int size() const { return static_cast<int>(types_.size()); }
  size_t bytes() const { return data_.size(); }

 private:
  friend class PgConnection;
  void Begin(Oid type);
  void End();
  void AppendInt32(int32_t value);
  void AppendInt64(int64_t value);

  std::string data_;
  std::vector<Oid> types_;
  std::vector<int64_t> offsets_;  // into data_; -1 for NULL
  std::vector<int> lengths_, formats_;
  std::vector<const char*> values_;  // filled when sent
  size_t array_start_ = 0;           // offset of the open array's header
  int32_t array_count_ = 0;
};

// A statement's result rows (text format). Move-only.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result) {}
  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view Text(int row, int col) const;  // "" for NULL
  int64_t Int(int row, int col) const;            // 0 for NULL
  // A float8 column: PostgreSQL's default text output (extra_float_digits >= 1) is the shortest
  // exact form, so this is the stored double bit for bit. 0 for NULL.
  double Double(int row, int col) const;
  bool Bool(int row, int col) const { return Text(row, col) == "t"; }
  std::string Bytea(int row, int col) const;  // decoded from the text format ("\x...")

 private:
  struct Deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Deleter> result_;
};

class PgConnection {
 public:
  // Connects (blocking, at most connect_timeout) and switches the socket to non-blocking mode.
  // `unavailable` with libpq's reason when the server cannot be reached.
  static Result<std::unique_ptr<PgConnection>> Open(const ConnectSettings& settings);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement, extended protocol: one round trip. Waits at most round_trip_timeout for the
  // answer, then drops the connection (`unavailable`).
  Result<PgResult> Exec(const char* sql, PgParams& params);
  Result<PgResult> Exec(const char* sql);
  // The same as a prepared statement of this connection, for the statements that run hundreds
  // of times a second: prepared on first use (in the same round trip, as a pipeline), then
  // neither parsed nor planned again once PostgreSQL settles on a generic plan (after five
  // runs, when it costs no more than the custom ones). Planning the worker's claim cost a
  // third as much as running it (BENCHMARKS.md, run F). `sql` must give the same plan shape
  // for any parameters: a generic plan does not see them.
  Result<PgResult> ExecPrepared(const char* sql, PgParams& params);
  // Several statements separated by ';', simple protocol, no parameters (migrations, LISTEN).
  Status ExecScript(const char* sql);

  // False once the connection was lost (or a round trip timed out).
  bool ok() const;
  // Whether an idle connection is still usable: picks up what the server sent while it was
  // idle (a shutdown notice, EOF) without a round trip.
  bool CheckIdle();
  // Every Exec / ExecScript adds one to *counter from now on (the store's probe).
  void CountRoundTripsIn(std::atomic<uint64_t>* counter) { round_trips_ = counter; }
  int backend_pid() const { return PQbackendPID(conn_); }
  int socket() const { return PQsocket(conn_); }
  PGconn* raw() { return conn_; }

 private:
  PgConnection(PGconn* conn, std::chrono::milliseconds timeout) : conn_(conn), timeout_(timeout) {}
  // Sends what is queued and collects the results of the sent command(s); keeps the first error
  // (its SQLSTATE in last_error_state_, the command's index in failed_command_). `pipelined`:
  // that many commands and a sync were sent in pipeline mode, which this leaves; the result is
  // the last command's. Otherwise the first result.
  Result<PgResult> Finish(const char* what, int pipelined = 0);
  // Binds params' values for sending.
  static void BindValues(PgParams& params);
  // Waits for the socket (POLLIN, plus POLLOUT when `write`) until `deadline`; false on timeout.
  bool Wait(bool write, std::chrono::steady_clock::time_point deadline);
  Status Lost(const std::string& what);

  PGconn* conn_;
  std::chrono::milliseconds timeout_;
  bool broken_ = false;
  std::atomic<uint64_t>* round_trips_ = nullptr;
  std::string last_error_state_;
  int failed_command_ = 0;
  // A prepared statement's generic plan is frozen with the table sizes of its day; a queue table
  // that grew from nothing made the finish's a sequential scan of 100,000 rows. Preparing each
  // statement again once a second keeps plans within a second of the statistics.
  static constexpr std::chrono::seconds kPreparedMaxAge{1};
  struct Prepared {
    std::string name;
    std::chrono::steady_clock::time_point prepared_at;
  };
  std::unordered_map<std::string, Prepared> prepared_;  // by sql
  uint64_t statements_prepared_ = 0;                    // names them
};

// The Status for a failed result (code chosen from its SQLSTATE, see the top of this file).
Status StatusFromResult(const PGresult* result, PGconn* conn);

}  // namespace sigflow::store_postgres
