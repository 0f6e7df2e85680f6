// The Kafka producer (see kafka_bus.h).
//
// Every Publish/PublishBatch is one "round": its records are produced tagged with the round's
// number, then the caller's thread flushes (which sends at once, ignoring linger.ms, and runs the
// delivery-report callback) until every record of the round has its report or the round's
// deadline passes. A report that arrives after its round gave up (only possible past
// message.timeout.ms plus the grace below) is recognised by its stale round number and ignored.
// bus.h makes a producer single-threaded, so the round state needs no lock: delivery reports
// run on the thread that flushes.
#include <chrono>
#include <cstdint>
#include <utility>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_config.h"
#include "obs/log.h"

namespace sigflow {
namespace {

using SteadyClock = std::chrono::steady_clock;
using kafka::ClampMs;
using kafka::ErrorText;

// Past message.timeout.ms, librdkafka has reported every record; this margin covers the report's
// way back to the caller. Past it, what is left is purged and reported as not delivered.
constexpr auto kReportGrace = std::chrono::milliseconds(1000);
constexpr auto kFlushSlice = std::chrono::milliseconds(100);

class KafkaProducerImpl final : public KafkaProducer {
 public:
  explicit KafkaProducerImpl(KafkaOptions options) : options_(std::move(options)) {}

  ~KafkaProducerImpl() override {
    if (rk_ == nullptr) return;
    // Nothing is queued between rounds; this only matters if a round was abandoned.
    rd_kafka_flush(rk_, ClampMs(options_.delivery_timeout));
    if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
    rd_kafka_destroy(rk_);
  }

  // Creates the librdkafka handle, whose callbacks reach this object.
  Status Start(kafka::ConfPtr conf) {
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducerImpl::OnDelivery);
    rd_kafka_conf_set_opaque(conf.get(), this);
    char errstr[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr));
    if (rk_ == nullptr) return Status::InvalidArgument(std::string("kafka producer: ") + errstr);
    (void)conf.release();  // rd_kafka_new took it
    rkt_ = rd_kafka_topic_new(rk_, options_.topic.c_str(), nullptr);
    if (rkt_ == nullptr) {
      return Status::InvalidArgument("kafka producer: topic " + options_.topic + ": " +
                                     ErrorText(rd_kafka_last_error()));
    }
    return Status::Ok();
  }

  Status Publish(std::string_view key, std::string_view payload) override {
    const OutgoingRecord record{key, payload};
    return Deliver(&record, 1);
  }

  Status PublishBatch(const std::vector<OutgoingRecord>& records) override {
    return Deliver(records.data(), records.size());
  }

  const KafkaProducerProbe& probe() const override { return probe_; }

  static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    static_cast<KafkaProducerImpl*>(opaque)->Delivered(message);
  }

 private:
  void Delivered(const rd_kafka_message_t* message) {
    if (reinterpret_cast<uintptr_t>(message->_private) != round_) {
      log::Warn("kafka_late_delivery_report",
                {{"topic", options_.topic}, {"error", ErrorText(message->err)}});
      return;
    }
    --pending_;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++failed_;
      if (first_error_ == RD_KAFKA_RESP_ERR_NO_ERROR) first_error_ = message->err;
    }
  }

  Status Deliver(const OutgoingRecord* records, size_t count) {
    if (count == 0) return Status::Ok();
    rd_kafka_poll(rk_, 0);  // error callbacks queued since the last round
    ++round_;
    pending_ = 0;
    failed_ = 0;
    first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    const auto started = SteadyClock::now();
    const auto deadline = started + options_.delivery_timeout + kReportGrace;

    for (size_t i = 0; i < count; ++i) Produce(records[i], deadline);
    while (pending_ > 0) {
      const auto now = SteadyClock::now();
      if (now >= deadline) break;
      rd_kafka_flush(
          rk_,
          ClampMs(std::min<std::chrono::milliseconds>(
              kFlushSlice, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                               std::chrono::milliseconds(1))));
    }
    if (pending_ > 0) Abandon();

    probe_.records_published_total.fetch_add(count - failed_, std::memory_order_relaxed);
    if (failed_ == 0) return Status::Ok();
    probe_.kafka_publish_failures_total.fetch_add(failed_, std::memory_order_relaxed);
    return Failure(count, started);
  }

  // Queues one record; a record librdkafka refuses at once counts as failed.
  void Produce(const OutgoingRecord& r, SteadyClock::time_point deadline) {
    for (;;) {
      // RD_KAFKA_MSG_F_COPY: librdkafka copies the payload, so it is never written through.
      const int rc = rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                      const_cast<char*>(r.payload.data()), r.payload.size(),
                                      r.key.empty() ? nullptr : r.key.data(), r.key.size(),
                                      reinterpret_cast<void*>(static_cast<uintptr_t>(round_)));
      if (rc == 0) {
        ++pending_;
        return;
      }
      const rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && SteadyClock::now() < deadline) {
        rd_kafka_poll(rk_, 10);  // let reports drain the local queue
        continue;
      }
      ++failed_;
      if (first_error_ == RD_KAFKA_RESP_ERR_NO_ERROR) first_error_ = err;
      return;
    }
  }

  // The deadline passed with reports missing (librdkafka should have timed the records out
  // itself): purge them so their reports arrive now, and count whatever is still missing.
  void Abandon() {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto until = SteadyClock::now() + std::chrono::milliseconds(200);
    while (pending_ > 0 && SteadyClock::now() < until) rd_kafka_poll(rk_, 10);
    if (pending_ > 0) {
      failed_ += pending_;
      pending_ = 0;
      if (first_error_ == RD_KAFKA_RESP_ERR_NO_ERROR) first_error_ = RD_KAFKA_RESP_ERR__TIMED_OUT;
    }
  }

  Status Failure(size_t count, SteadyClock::time_point started) {
    std::string reason = ErrorText(first_error_);
    if (first_error_ == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512];
      const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, fatal, sizeof(fatal));
      reason = "fatal producer error, the producer must be recreated: " + ErrorText(cause) + ": " +
               fatal;
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
    log::Warn("kafka_publish_failed", {{"topic", options_.topic},
                                       {"failed", failed_},
                                       {"records", count},
                                       {"error", reason},
                                       {"elapsed_ms", elapsed.count()},
                                       {"bootstrap_servers", options_.bootstrap_servers}});
    const std::string what =
        count == 1 ? std::string("the record was")
                   : std::to_string(failed_) + " of " + std::to_string(count) + " records were";
    return Status::Unavailable("kafka: " + what + " not delivered to topic " + options_.topic +
                               " at " + options_.bootstrap_servers + " within " +
                               std::to_string(elapsed.count()) + " ms: " + reason);
  }

  const KafkaOptions options_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  KafkaProducerProbe probe_;
  // The current round (see the top of this file).
  uint64_t round_ = 0;
  size_t pending_ = 0;
  size_t failed_ = 0;
  rd_kafka_resp_err_t first_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
};

}  // namespace

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(const KafkaOptions& options) {
  Status valid = ValidateKafkaOptions(options, /*consumer=*/false);
  if (!valid.ok()) return valid;
  const std::string timeout = std::to_string(options.delivery_timeout.count());
  auto conf = kafka::BuildConf(options, {
                                            {"bootstrap.servers", options.bootstrap_servers},
                                            {"client.id", options.client_id},
                                            {"acks", "all"},
                                            {"enable.idempotence", "true"},
                                            {"message.timeout.ms", timeout},
                                            // Java's partitioner: the same key lands on the
                                            // same partition as from Java or Python producers.
                                            {"partitioner", "murmur2_random"},
                                            {"log.connection.close", "false"},
                                        });
  if (!conf.ok()) return conf.status();
  auto producer = std::make_unique<KafkaProducerImpl>(options);
  Status started = producer->Start(std::move(conf).value());
  if (!started.ok()) return started;
  log::Info("kafka_producer_initialized",
            {{"topic", options.topic}, {"bootstrap_servers", options.bootstrap_servers}});
  return std::unique_ptr<KafkaProducer>(std::move(producer));
}

}  // namespace sigflow
