// The Kafka consumer (see kafka_bus.h).
//
// State and who touches it:
//  - owned_, committed_, given_: the partitions owned now, what this consumer committed for
//    them, and one past the last record it delivered per partition. Written by the rebalance
//    callback, Poll and Commit (the polling thread), read by Lag() and AssignedPartitions() from
//    any thread: guarded by mu_.
//  - withdraw_: polling thread only (the rebalance callback runs inside rd_kafka_consumer_poll,
//    on the thread that calls Poll).
// Commits go through a private queue (rd_kafka_commit_queue) so that Commit can wait with a
// bound; a plain synchronous rd_kafka_commit waits for the coordinator without one.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_config.h"
#include "obs/log.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;
using kafka::ClampMs;
using kafka::ErrorText;
using kafka::PartitionListPtr;

// How long Lag() may wait for the broker when librdkafka has nothing cached.
constexpr int kLagQueryTimeoutMs = 1000;

nlohmann::json PartitionsJson(const std::vector<int32_t>& partitions) {
  nlohmann::json out = nlohmann::json::array();
  for (int32_t p : partitions) out.push_back(p);
  return out;
}

class KafkaConsumerImpl final : public KafkaConsumer {
 public:
  KafkaConsumerImpl(KafkaOptions options, std::string group, OffsetReset reset)
      : options_(std::move(options)), group_(std::move(group)), reset_(reset) {}

  ~KafkaConsumerImpl() override {
    if (rk_ == nullptr) return;
    closing_ = true;
    commit_queue_.reset();
    Close();
  }

  Status Start(kafka::ConfPtr conf) {
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumerImpl::OnRebalance);
    rd_kafka_conf_set_opaque(conf.get(), this);
    char errstr[512];
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr));
    if (rk_ == nullptr) return Status::InvalidArgument(std::string("kafka consumer: ") + errstr);
    (void)conf.release();  // rd_kafka_new took it
    // Errors and logs are served by rd_kafka_consumer_poll, i.e. by Poll.
    rd_kafka_poll_set_consumer(rk_);
    commit_queue_.reset(rd_kafka_queue_new(rk_));
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable("kafka consumer: cannot subscribe to " + options_.topic + ": " +
                                 ErrorText(err));
    }
    return Status::Ok();
  }

  Status Poll(size_t max, std::chrono::milliseconds wait, std::vector<BusRecord>* out) override {
    if (max == 0) return Status::Ok();
    const size_t start = out->size();
    const auto deadline = SteadyClock::now() + wait;
    Status error;
    for (;;) {
      const size_t have = out->size() - start;
      if (have >= max) break;
      int timeout_ms = 0;
      if (have == 0) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
        timeout_ms = std::max(0, ClampMs(left));
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
      if (!withdraw_.empty()) Withdraw(out, start);  // a revoke ran inside that poll
      if (m == nullptr) {
        if (out->size() > start || SteadyClock::now() >= deadline) break;
        continue;  // only callbacks were served, or records were withdrawn: wait on
      }
      const rd_kafka_resp_err_t err = m->err;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Append(*m, out);
        rd_kafka_message_destroy(m);
        continue;
      }
      Status status = ConsumerError(m);
      rd_kafka_message_destroy(m);
      if (status.ok()) continue;  // not an error (end of partition)
      if (err == RD_KAFKA_RESP_ERR__FATAL) return status;
      error = std::move(status);
      break;
    }
    const size_t appended = out->size() - start;
    probe_.records_consumed_total.fetch_add(appended, std::memory_order_relaxed);
    // Records in hand are never lost to an error that came after them: it is logged, and the
    // caller sees it on its next Poll if it persists.
    if (appended > 0) return Status::Ok();
    return error;
  }

  Status Commit(const std::vector<BusPosition>& positions) override {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
    std::vector<BusPosition> committing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const BusPosition& p : positions) {
        auto given = given_.find(p.partition);
        if (p.next_offset < 0 || given == given_.end() || p.next_offset > given->second) {
          return Status::InvalidArgument(
              "kafka: position " + std::to_string(p.next_offset) + " of partition " +
              std::to_string(p.partition) + " is past what this consumer was given (" +
              (given == given_.end() ? std::string("nothing") : std::to_string(given->second)) +
              ")");
        }
      }
      for (const BusPosition& p : positions) {
        if (owned_.count(p.partition) == 0) {
          probe_.commits_skipped_revoked_total.fetch_add(1, std::memory_order_relaxed);
          log::Info("kafka_commit_skipped_revoked",
                    {{"group", group_}, {"partition", p.partition}, {"offset", p.next_offset}});
          continue;
        }
        rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p.partition)->offset =
            p.next_offset;
        committing.push_back(p);
      }
    }
    if (committing.empty()) return Status::Ok();
    Status status = CommitList(list.get());
    if (!status.ok()) {
      probe_.commit_failures_total.fetch_add(1, std::memory_order_relaxed);
      return status;
    }
    probe_.commits_total.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    for (const BusPosition& p : committing) {
      if (owned_.count(p.partition) != 0) committed_[p.partition] = p.next_offset;
    }
    return Status::Ok();
  }

  std::vector<PartitionLag> Lag() override {
    std::vector<PartitionLag> lags;
    std::map<int32_t, int64_t> committed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int32_t p : owned_) lags.push_back(PartitionLag{p, -1, -1, -1});
      committed = committed_;
    }
    if (lags.empty()) return lags;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(lags.size())));
    for (const auto& l : lags) {
      rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), l.partition);
    }
    // Where this consumer is: past the last record it delivered; else what it or the group
    // committed (what it will start from).
    rd_kafka_position(rk_, list.get());
    bool ask_group = false;
    for (int i = 0; i < list->cnt; ++i) {
      int64_t& offset = list->elems[i].offset;
      if (offset < 0) {
        auto c = committed.find(list->elems[i].partition);
        if (c != committed.end()) offset = c->second;
      }
      ask_group = ask_group || offset < 0;
    }
    if (ask_group) {
      PartitionListPtr group(rd_kafka_topic_partition_list_copy(list.get()));
      if (rd_kafka_committed(rk_, group.get(), kLagQueryTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < list->cnt; ++i) {
          if (list->elems[i].offset < 0) list->elems[i].offset = group->elems[i].offset;
        }
      }
    }
    for (int i = 0; i < list->cnt; ++i) {
      PartitionLag& l = lags[static_cast<size_t>(i)];
      int64_t position = list->elems[i].offset;
      int64_t low = -1;
      int64_t high = -1;
      const bool cached =
          rd_kafka_get_watermark_offsets(rk_, options_.topic.c_str(), l.partition, &low, &high) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          high >= 0;
      if (!cached || position < 0) {
        // Nothing cached yet, or nothing delivered nor committed: ask the partition's leader.
        // With no position at all the group starts at the reset point.
        low = high = -1;
        if (rd_kafka_query_watermark_offsets(rk_, options_.topic.c_str(), l.partition, &low, &high,
                                             kLagQueryTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            position < 0) {
          position = reset_ == OffsetReset::kEarliest ? low : high;
        }
      }
      l.high_watermark = high >= 0 ? high : -1;
      l.position = position >= 0 ? position : -1;
      if (l.high_watermark >= 0 && l.position >= 0) {
        l.lag = std::max<int64_t>(0, l.high_watermark - l.position);
      }
    }
    return lags;
  }

  std::vector<int32_t> AssignedPartitions() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::vector<int32_t>(owned_.begin(), owned_.end());
  }

  const KafkaConsumerProbe& probe() const override { return probe_; }

  void SetRevokeListener(RevokeListener listener) override { listener_ = std::move(listener); }

 private:
  // Leaves the group (serving the final revoke through OnRebalance) so that the partitions move
  // to the other members at once instead of after session_timeout, then destroys the handle.
  // rd_kafka_consumer_close() can wait forever for an unreachable coordinator (librdkafka issue
  // 3740), so the close is asynchronous and given up after session_timeout: by then the group has
  // dropped this member anyway.
  void Close() {
    const auto deadline = SteadyClock::now() + options_.session_timeout;
    kafka::QueuePtr queue(rd_kafka_queue_new(rk_));
    bool closed = false;
    if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk_, queue.get())) {
      log::Warn("kafka_consumer_close_failed",
                {{"group", group_}, {"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    } else {
      while (!(closed = rd_kafka_consumer_closed(rk_) != 0) && SteadyClock::now() < deadline) {
        rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), 100);
        if (event == nullptr) continue;
        // The final revoke arrives as an event here, not through the callback.
        if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
          Rebalance(rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event));
        }
        rd_kafka_event_destroy(event);
      }
    }
    queue.reset();
    if (closed) {
      rd_kafka_destroy(rk_);
      return;
    }
    log::Warn("kafka_consumer_close_timeout",
              {{"group", group_},
               {"waited_ms", options_.session_timeout.count()},
               {"note",
                "the group coordinator did not answer; the group drops this member "
                "after session.timeout.ms"}});
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }

  static void OnRebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<KafkaConsumerImpl*>(opaque)->Rebalance(err, partitions);
  }

  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
    std::vector<int32_t> ids;
    for (int i = 0; i < partitions->cnt; ++i) {
      if (options_.topic == partitions->elems[i].topic)
        ids.push_back(partitions->elems[i].partition);
    }
    std::sort(ids.begin(), ids.end());
    switch (err) {
      case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: {
        Assign(partitions, cooperative);
        {
          std::lock_guard<std::mutex> lock(mu_);
          owned_.insert(ids.begin(), ids.end());
        }
        probe_.rebalances_total.fetch_add(1, std::memory_order_relaxed);
        log::Info("kafka_partitions_assigned",
                  {{"group", group_},
                   {"topic", options_.topic},
                   {"partitions", PartitionsJson(ids)},
                   {"protocol", cooperative ? "cooperative" : "eager"}});
        return;
      }
      case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: {
        const bool lost = rd_kafka_assignment_lost(rk_) != 0;
        if (lost) Disown(ids);  // their new owner may already have committed: commit nothing
        if (listener_ && !closing_) listener_(ids, lost);
        Disown(ids);
        Unassign(partitions, cooperative);
        log::Info("kafka_partitions_revoked", {{"group", group_},
                                               {"topic", options_.topic},
                                               {"partitions", PartitionsJson(ids)},
                                               {"lost", lost}});
        return;
      }
      default: {
        log::Warn("kafka_rebalance_failed", {{"group", group_}, {"error", ErrorText(err)}});
        std::vector<int32_t> all = AssignedPartitions();
        Disown(all);
        rd_kafka_assign(rk_, nullptr);
        return;
      }
    }
  }

  void Assign(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk_, partitions)) {
        log::Error("kafka_assign_failed",
                   {{"group", group_}, {"error", rd_kafka_error_string(error)}});
        rd_kafka_error_destroy(error);
      }
    } else if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_, partitions)) {
      log::Error("kafka_assign_failed", {{"group", group_}, {"error", ErrorText(err)}});
    }
  }

  void Unassign(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk_, partitions)) {
        log::Error("kafka_unassign_failed",
                   {{"group", group_}, {"error", rd_kafka_error_string(error)}});
        rd_kafka_error_destroy(error);
      }
    } else if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_, nullptr)) {
      log::Error("kafka_unassign_failed", {{"group", group_}, {"error", ErrorText(err)}});
    }
  }

  // From now on Commit skips these partitions, and the current Poll takes back their records.
  void Disown(const std::vector<int32_t>& ids) {
    withdraw_.insert(ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(mu_);
    for (int32_t p : ids) {
      owned_.erase(p);
      committed_.erase(p);
    }
  }

  // Removes from out[start..] the records of partitions revoked during this Poll: they were not
  // handed to the caller yet, and the partition's next owner reads them from the committed offset.
  void Withdraw(std::vector<BusRecord>* out, size_t start) {
    const auto first = out->begin() + static_cast<std::ptrdiff_t>(start);
    const auto kept = std::remove_if(
        first, out->end(), [&](const BusRecord& r) { return withdraw_.count(r.partition) != 0; });
    probe_.records_withdrawn_total.fetch_add(static_cast<uint64_t>(out->end() - kept),
                                             std::memory_order_relaxed);
    out->erase(kept, out->end());
    withdraw_.clear();
  }

  void Append(const rd_kafka_message_t& m, std::vector<BusRecord>* out) {
    BusRecord& r = out->emplace_back();
    if (m.key != nullptr) r.key.assign(static_cast<const char*>(m.key), m.key_len);
    if (m.payload != nullptr) r.payload.assign(static_cast<const char*>(m.payload), m.len);
    r.partition = m.partition;
    r.offset = m.offset;
    const int64_t ts = rd_kafka_message_timestamp(&m, nullptr);
    r.timestamp_us = ts >= 0 ? ts * 1000 : 0;
    std::lock_guard<std::mutex> lock(mu_);
    int64_t& given = given_[m.partition];
    given = std::max(given, m.offset + 1);
  }

  // Logs a consumer error message; OK when it is not an error at all.
  Status ConsumerError(const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status::Ok();
    std::string reason = rd_kafka_message_errstr(m);
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512];
      const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, fatal, sizeof(fatal));
      reason = "fatal consumer error, the consumer must be recreated: " + ErrorText(cause) + ": " +
               fatal;
    }
    log::Warn("kafka_consumer_error", {{"group", group_},
                                       {"topic", options_.topic},
                                       {"code", rd_kafka_err2name(m->err)},
                                       {"reason", reason}});
    return Status::Unavailable("kafka: consuming " + options_.topic + " for group " + group_ +
                               ": " + ErrorText(m->err) + ": " + reason);
  }

  // Commits `list` and waits (up to commit_timeout) for the coordinator's answer.
  Status CommitList(rd_kafka_topic_partition_list_t* list) {
    const uintptr_t tag = ++commit_tag_;
    const rd_kafka_resp_err_t queued = rd_kafka_commit_queue(rk_, list, commit_queue_.get(),
                                                             nullptr, reinterpret_cast<void*>(tag));
    if (queued != RD_KAFKA_RESP_ERR_NO_ERROR) return CommitFailure(ErrorText(queued));
    const auto deadline = SteadyClock::now() + options_.commit_timeout;
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) {
        return CommitFailure("no answer from the group coordinator within " +
                             std::to_string(options_.commit_timeout.count()) + " ms");
      }
      rd_kafka_event_t* event = rd_kafka_queue_poll(commit_queue_.get(), ClampMs(left));
      if (event == nullptr) continue;
      // An answer to an earlier commit that timed out is skipped.
      if (rd_kafka_event_type(event) != RD_KAFKA_EVENT_OFFSET_COMMIT ||
          reinterpret_cast<uintptr_t>(rd_kafka_event_opaque(event)) != tag) {
        rd_kafka_event_destroy(event);
        continue;
      }
      std::string failure;
      if (rd_kafka_resp_err_t err = rd_kafka_event_error(event)) {
        failure = ErrorText(err);
      } else if (const rd_kafka_topic_partition_list_t* result =
                     rd_kafka_event_topic_partition_list(event)) {
        for (int i = 0; i < result->cnt; ++i) {
          if (result->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            failure += (failure.empty() ? "" : "; ") + std::string("partition ") +
                       std::to_string(result->elems[i].partition) + ": " +
                       ErrorText(result->elems[i].err);
          }
        }
      }
      rd_kafka_event_destroy(event);
      if (!failure.empty()) return CommitFailure(failure);
      return Status::Ok();
    }
  }

  Status CommitFailure(const std::string& reason) {
    log::Warn("kafka_commit_failed",
              {{"group", group_}, {"topic", options_.topic}, {"error", reason}});
    return Status::Unavailable("kafka: commit for group " + group_ + " on " + options_.topic +
                               " failed: " + reason);
  }

  const KafkaOptions options_;
  const std::string group_;
  const OffsetReset reset_;
  rd_kafka_t* rk_ = nullptr;
  kafka::QueuePtr commit_queue_;
  KafkaConsumerProbe probe_;
  RevokeListener listener_;
  bool closing_ = false;
  uintptr_t commit_tag_ = 0;

  mutable std::mutex mu_;
  std::set<int32_t> owned_;               // guarded by mu_
  std::map<int32_t, int64_t> committed_;  // guarded by mu_
  std::map<int32_t, int64_t> given_;      // guarded by mu_
  std::set<int32_t> withdraw_;            // polling thread: revoked since Poll last looked
};

}  // namespace

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Open(const KafkaOptions& options,
                                                           const std::string& group,
                                                           OffsetReset reset) {
  Status valid = ValidateKafkaOptions(options, /*consumer=*/true);
  if (!valid.ok()) return valid;
  if (group.empty())
    return Status::InvalidArgument("kafka consumer: group (KAFKA_CONSUMER_GROUP) is empty");
  const int64_t session_ms = options.session_timeout.count();
  auto conf = kafka::BuildConf(
      options,
      {
          {"bootstrap.servers", options.bootstrap_servers},
          {"client.id", options.client_id},
          {"group.id", group},
          {"enable.auto.commit", "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", reset == OffsetReset::kEarliest ? "earliest" : "latest"},
          {"session.timeout.ms", std::to_string(session_ms)},
          {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, session_ms / 4))},
          {"partition.assignment.strategy", options.assignment_strategy},
          {"enable.partition.eof", "false"},
          {"log.connection.close", "false"},
          // librdkafka's 500 ms default lets a broker hold an empty fetch that long, which puts
          // up to half a second between a signal's arrival and its batch (BENCHMARKS.md, bench
          // pipeline; 5 ms is the setting measured there). Signals must wake pipelines within
          // milliseconds; an idle consumer's extra fetch requests are cheap.
          // SIGFLOW_KAFKA_PROPERTIES overrides both.
          {"fetch.wait.max.ms", "5"},
          {"fetch.error.backoff.ms", "5"},
      });
  if (!conf.ok()) return conf.status();
  auto consumer = std::make_unique<KafkaConsumerImpl>(options, group, reset);
  Status started = consumer->Start(std::move(conf).value());
  if (!started.ok()) return started;
  log::Info("kafka_consumer_initialized",
            {{"topic", options.topic},
             {"group", group},
             {"auto_offset_reset", reset == OffsetReset::kEarliest ? "earliest" : "latest"},
             {"bootstrap_servers", options.bootstrap_servers}});
  return std::unique_ptr<KafkaConsumer>(std::move(consumer));
}

}  // namespace sigflow
