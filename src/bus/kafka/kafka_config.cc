#include "bus/kafka/kafka_config.h"

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>

#include "obs/log.h"

namespace sigflow {
namespace kafka {
namespace {

// Properties that carry the bus's guarantees, or that sigflow sets from KafkaOptions fields.
constexpr std::array<std::string_view, 13> kReserved = {
    "acks",
    "request.required.acks",
    "enable.idempotence",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "group.id",
    "auto.offset.reset",
    "message.timeout.ms",
    "delivery.timeout.ms",
    "session.timeout.ms",
    "bootstrap.servers",
    "metadata.broker.list",
    "partition.assignment.strategy",
};

// librdkafka's levels are syslog's: 0 emergency .. 3 error, 4 warning, 5 notice, 6 info, 7 debug.
constexpr int kSyslogError = 3;
constexpr int kSyslogWarning = 4;

void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  if (level > kSyslogWarning) return;
  nlohmann::json fields = {{"client", rk != nullptr ? rd_kafka_name(rk) : ""},
                           {"facility", facility != nullptr ? facility : ""},
                           {"message", message != nullptr ? message : ""}};
  log::Event(level <= kSyslogError ? log::Level::kError : log::Level::kWarning, "kafka_client_log",
             fields);
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  const bool fatal = code == RD_KAFKA_RESP_ERR__FATAL;
  log::Event(fatal ? log::Level::kError : log::Level::kWarning, "kafka_error",
             {{"client", rd_kafka_name(rk)},
              {"code", rd_kafka_err2name(code)},
              {"reason", reason != nullptr ? reason : ""},
              {"fatal", fatal}});
}

bool IsReserved(const std::string& name) {
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end() ||
         name.ends_with("_cb") || name == "opaque";
}

}  // namespace

std::string ErrorText(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2str(err)) + " (" + rd_kafka_err2name(err) + ")";
}

int ClampMs(std::chrono::milliseconds ms) {
  return static_cast<int>(std::clamp<int64_t>(ms.count(), 0, INT_MAX));
}

Result<ConfPtr> BuildConf(const KafkaOptions& options, const Properties& ours) {
  ConfPtr conf(rd_kafka_conf_new());
  std::string errors;
  char errstr[512];
  for (const auto& [name, value] : ours) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      errors += name + "=" + value + ": " + errstr + "\n";
    }
  }
  for (const auto& [name, value] : options.properties) {
    if (IsReserved(name)) {
      errors += "property " + name + " is set by sigflow itself (use the KafkaOptions field)\n";
      continue;
    }
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      errors += "property " + name + "=" + value + ": " + errstr + "\n";
    }
  }
  if (!errors.empty()) {
    errors.pop_back();
    return Status::InvalidArgument(errors);
  }
  RouteLogs(conf.get());
  return conf;
}

void RouteLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, OnLog);
  rd_kafka_conf_set_error_cb(conf, OnError);
}

}  // namespace kafka
}  // namespace sigflow
