// The embedded log's producer and consumer (see embedded_log.h, log_schema.h).
//
// Each producer and consumer object owns one SQLite connection; bus.h makes each object
// single-threaded, so no locking here beyond SQLite's.
#include "bus/embedded/embedded_log.h"

#include <algorithm>
#include <chrono>

#include "bus/embedded/log_schema.h"
#include "bus/embedded/notifier.h"
#include "sqlite/database.h"

namespace sigflow {
namespace {

using embedded_log::LogNotifier;
using SteadyClock = std::chrono::steady_clock;

// How often a waiting consumer re-checks the file for other processes' publishes. Each check is
// one `PRAGMA data_version` (a read of the WAL index), so this is cheap.
constexpr auto kRecheckInterval = std::chrono::milliseconds(3);

// bus_log.published_at is epoch microseconds. Logs written before it was (epoch milliseconds) are
// read as such: any value below 10^14 is a millisecond time (10^14 us is 1973; 10^14 ms is the
// year 5138), so the two never overlap.
int64_t PublishedMicros(int64_t stored) {
  constexpr int64_t kSmallestMicros = 100'000'000'000'000;
  return stored < kSmallestMicros ? stored * 1000 : stored;
}

constexpr char kInsertRecord[] =
    "INSERT INTO bus_log (topic, \"key\", payload, published_at) VALUES (?1, ?2, ?3, ?4)";
constexpr char kFetch[] =
    "SELECT \"offset\", \"key\", payload, published_at FROM bus_log "
    "WHERE topic = ?1 AND \"offset\" >= ?2 ORDER BY \"offset\" LIMIT ?3";
constexpr char kCommittedPosition[] =
    "SELECT next_offset FROM bus_offsets WHERE \"group\" = ?1 AND topic = ?2 AND \"partition\" = 0";
// A new group starting at `latest` pins its start at once: the end of the log now.
constexpr char kPinLatest[] =
    "INSERT INTO bus_offsets (\"group\", topic, \"partition\", next_offset) "
    "SELECT ?1, ?2, 0, coalesce(max(\"offset\"), 0) + 1 FROM bus_log WHERE topic = ?2 "
    "ON CONFLICT DO NOTHING";
// Positions only move forward: a stale consumer cannot drag the group back.
constexpr char kCommit[] =
    "INSERT INTO bus_offsets (\"group\", topic, \"partition\", next_offset) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (\"group\", topic, \"partition\") "
    "DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)";

Status AsUnavailable(const Status& status, const std::string& what) {
  if (status.ok() || status.code() == "unavailable") return status;
  return Status::Unavailable(what + ": " + status.ToString());
}

Result<std::unique_ptr<sqlite::Database>> OpenLog(const std::string& path) {
  auto db = sqlite::Database::Open(path);
  if (!db.ok()) return db.status();
  Status created = embedded_log::CreateLogTables(db->get());
  if (!created.ok()) return AsUnavailable(created, "cannot create the bus tables in " + path);
  return db;
}

class EmbeddedProducer final : public BusProducer {
 public:
  EmbeddedProducer(std::unique_ptr<sqlite::Database> db, std::string topic, const Clock* clock)
      : db_(std::move(db)), topic_(std::move(topic)), clock_(clock) {}

  Status Publish(std::string_view key, std::string_view payload) override {
    Status status = Insert(key, payload);  // one statement: its own durable transaction
    if (!status.ok()) return AsUnavailable(status, "publish to " + topic_);
    LogNotifier::Instance().Notify();
    return status;
  }

  Status PublishBatch(const std::vector<OutgoingRecord>& records) override {
    if (records.empty()) return Status::Ok();
    Status status = InsertAll(records);
    if (!status.ok()) return AsUnavailable(status, "publish a batch to " + topic_);
    LogNotifier::Instance().Notify();
    return status;
  }

 private:
  Status Insert(std::string_view key, std::string_view payload) {
    auto st = db_->Cached(kInsertRecord);
    if (!st.ok()) return st.status();
    return (*st)
        ->BindText(1, topic_)
        .BindText(2, key)
        .BindBlob(3, payload)
        .BindInt(4, clock_->NowMicros())
        .Run();
  }

  Status InsertAll(const std::vector<OutgoingRecord>& records) {
    auto tx = sqlite::Transaction::Begin(db_.get());
    if (!tx.ok()) return tx.status();
    for (const OutgoingRecord& r : records) {
      Status status = Insert(r.key, r.payload);
      if (!status.ok()) return status;  // rolls back: all or nothing
    }
    return tx->Commit();
  }

  std::unique_ptr<sqlite::Database> db_;
  std::string topic_;
  const Clock* clock_;
};

class EmbeddedConsumer final : public BusConsumer {
 public:
  EmbeddedConsumer(std::unique_ptr<sqlite::Database> db, std::string topic, std::string group,
                   int64_t next_offset)
      : db_(std::move(db)),
        topic_(std::move(topic)),
        group_(std::move(group)),
        next_offset_(next_offset) {}

  Status Poll(size_t max, std::chrono::milliseconds wait, std::vector<BusRecord>* out) override {
    if (max == 0) return Status::Ok();
    const auto deadline = SteadyClock::now() + wait;
    LogNotifier& notifier = LogNotifier::Instance();
    // Both change marks are read before the table, so a publish between them and the read is
    // either seen by the read or changes a mark.
    uint64_t sequence = notifier.Sequence();
    auto version = DataVersion();
    if (!version.ok()) return version.status();
    auto fetched = Fetch(max, out);
    if (!fetched.ok() || *fetched > 0) return fetched.status();
    for (;;) {
      const auto now = SteadyClock::now();
      if (now >= deadline) return Status::Ok();
      const uint64_t new_sequence =
          notifier.WaitUntil(sequence, std::min(deadline, now + kRecheckInterval));
      auto new_version = DataVersion();
      if (!new_version.ok()) return new_version.status();
      if (new_sequence == sequence && *new_version == *version) continue;
      sequence = new_sequence;
      version = new_version;
      fetched = Fetch(max, out);
      if (!fetched.ok() || *fetched > 0) return fetched.status();
    }
  }

  Status Commit(const std::vector<BusPosition>& positions) override {
    for (const BusPosition& p : positions) {
      if (p.partition != 0) {
        return Status::InvalidArgument("the embedded log has one partition (0), not " +
                                       std::to_string(p.partition));
      }
      if (p.next_offset < 0 || p.next_offset > next_offset_) {
        return Status::InvalidArgument("position " + std::to_string(p.next_offset) +
                                       " is past what this consumer was given (" +
                                       std::to_string(next_offset_) + ")");
      }
    }
    for (const BusPosition& p : positions) {
      auto st = db_->Cached(kCommit);
      if (!st.ok()) return st.status();
      Status status = (*st)
                          ->BindText(1, group_)
                          .BindText(2, topic_)
                          .BindInt(3, p.partition)
                          .BindInt(4, p.next_offset)
                          .Run();
      if (!status.ok()) return AsUnavailable(status, "commit group " + group_);
    }
    return Status::Ok();
  }

 private:
  // Changes whenever another connection (any process) commits to the file.
  Result<int64_t> DataVersion() {
    auto st = db_->Cached("PRAGMA data_version");
    if (!st.ok()) return st.status();
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    return (*st)->ColumnInt(0);
  }

  // Appends the records at or after this consumer's position; returns how many.
  Result<size_t> Fetch(size_t max, std::vector<BusRecord>* out) {
    auto st = db_->Cached(kFetch);
    if (!st.ok()) return st.status();
    (*st)->BindText(1, topic_).BindInt(2, next_offset_).BindInt(3, static_cast<int64_t>(max));
    size_t count = 0;
    for (;;) {
      auto row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      BusRecord& r = out->emplace_back();
      r.offset = (*st)->ColumnInt(0);
      r.key = (*st)->ColumnText(1);
      r.payload = (*st)->ColumnBlob(2);
      r.partition = 0;
      r.timestamp_us = PublishedMicros((*st)->ColumnInt(3));
      next_offset_ = r.offset + 1;
      ++count;
    }
    return count;
  }

  std::unique_ptr<sqlite::Database> db_;
  std::string topic_;
  std::string group_;
  int64_t next_offset_;  // the next offset this consumer reads: it never re-delivers
};

// The group's committed position, or where a group without one starts.
Result<int64_t> StartPosition(sqlite::Database* db, const std::string& topic,
                              const std::string& group, OffsetReset reset) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      auto st = db->Cached(kCommittedPosition);
      if (!st.ok()) return st.status();
      auto row = (*st)->BindText(1, group).BindText(2, topic).Step();
      if (!row.ok()) return row.status();
      if (*row) return (*st)->ColumnInt(0);
    }
    if (reset == OffsetReset::kEarliest) return 0;
    auto pin = db->Cached(kPinLatest);
    if (!pin.ok()) return pin.status();
    Status status = (*pin)->BindText(1, group).BindText(2, topic).Run();
    if (!status.ok()) return status;
  }
  return Status::Internal("group " + group + ": start position vanished");
}

}  // namespace

Result<std::unique_ptr<BusProducer>> OpenEmbeddedProducer(const std::string& path,
                                                          const std::string& topic,
                                                          const Clock* clock) {
  auto db = OpenLog(path);
  if (!db.ok()) return db.status();
  return std::unique_ptr<BusProducer>(
      std::make_unique<EmbeddedProducer>(std::move(db).value(), topic, clock));
}

Result<std::unique_ptr<BusConsumer>> OpenEmbeddedConsumer(const std::string& path,
                                                          const std::string& topic,
                                                          const std::string& group,
                                                          OffsetReset reset) {
  auto db = OpenLog(path);
  if (!db.ok()) return db.status();
  auto start = StartPosition(db->get(), topic, group, reset);
  if (!start.ok()) return AsUnavailable(start.status(), "open group " + group);
  return std::unique_ptr<BusConsumer>(
      std::make_unique<EmbeddedConsumer>(std::move(db).value(), topic, group, *start));
}

}  // namespace sigflow
