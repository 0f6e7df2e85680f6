#include "cli/settings.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "bus/kafka/kafka_bus.h"

namespace sigflow {
namespace {

// Seed 004 names GOLDEN_CROSS_CHECK_INTERVAL_SECONDS; the other generators' variables follow its
// pattern.
constexpr std::pair<const char*, const char*> kGeneratorIntervalVariables[] = {
    {"golden_cross", "GOLDEN_CROSS_CHECK_INTERVAL_SECONDS"},
    {"death_cross", "DEATH_CROSS_CHECK_INTERVAL_SECONDS"},
    {"volatility_breakout", "VOLATILITY_BREAKOUT_CHECK_INTERVAL_SECONDS"},
    {"price_level", "PRICE_LEVEL_CHECK_INTERVAL_SECONDS"},
};

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::optional<double> ParseNumber(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long> ParsePositiveInt(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v <= 0) return std::nullopt;
  return v;
}

// Reads a variable holding seconds (fractions allowed) into a duration.
void ReadSeconds(const char* name, bool allow_zero, std::chrono::milliseconds* out,
                 std::vector<std::string>* errors) {
  auto text = Env(name);
  if (!text) return;
  auto v = ParseNumber(*text);
  if (!v || *v < 0 || (!allow_zero && *v == 0) || *v > 86400.0 * 365) {
    errors->push_back(std::string(name) + ": expected a " +
                      (allow_zero ? "non-negative" : "positive") + " number of seconds, got '" +
                      *text + "'");
    return;
  }
  *out = std::chrono::milliseconds(std::llround(*v * 1000));
}

// librdkafka's assignors: the eager ones combine, the cooperative one stands alone.
bool IsAssignmentStrategy(const std::string& text) {
  if (text == "cooperative-sticky") return true;
  std::stringstream in(text);
  std::string item;
  int items = 0;
  while (std::getline(in, item, ',')) {
    if (item != "range" && item != "roundrobin") return false;
    ++items;
  }
  return items > 0 && text.back() != ',';
}

// SIGFLOW_KAFKA_PROPERTIES keys that sigflow sets itself and that have a variable of their own.
constexpr std::pair<const char*, const char*> kKafkaPropertiesWithAVariable[] = {
    {"session.timeout.ms", "SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS"},
    {"partition.assignment.strategy", "SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY"},
};

void ReadKafkaGroupSettings(Settings* s, std::vector<std::string>* errors) {
  if (auto v = Env("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS")) {
    const auto seconds = ParseNumber(*v);
    const double ms = seconds ? *seconds * 1000 : -1;
    if (ms < static_cast<double>(kMinSessionTimeout.count()) ||
        ms > static_cast<double>(kMaxSessionTimeout.count())) {
      errors->push_back("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS: expected " +
                        std::to_string(kMinSessionTimeout.count() / 1000) + " to " +
                        std::to_string(kMaxSessionTimeout.count() / 1000) +
                        " seconds (a broker refuses less than its group.min.session.timeout.ms, "
                        "6 by default), got '" +
                        *v + "'");
    } else {
      s->kafka_session_timeout = std::chrono::milliseconds(std::llround(ms));
    }
  }
  if (auto v = Env("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY")) {
    if (!IsAssignmentStrategy(*v)) {
      errors->push_back(
          "SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY: expected 'range', 'roundrobin' (or both, "
          "comma-separated) or 'cooperative-sticky', got '" +
          *v + "'");
    } else {
      s->kafka_assignment_strategy = *v;
    }
  }
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  struct Unit {
    const char* suffix;
    double ms;
  };
  static constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  for (const auto& unit : kUnits) {
    const std::string suffix = unit.suffix;
    if (text.size() > suffix.size() &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto v = ParseNumber(text.substr(0, text.size() - suffix.size()));
      if (!v || *v < 0) return std::nullopt;
      return std::chrono::milliseconds(std::llround(*v * unit.ms));
    }
  }
  auto v = ParseNumber(text);
  if (!v || *v < 0) return std::nullopt;
  return std::chrono::milliseconds(std::llround(*v * 1000));
}

Result<Settings> LoadSettings(const SettingFlags& flags) {
  Settings s;
  std::vector<std::string> errors;

  if (!flags.store_path.empty()) {
    s.store_path = flags.store_path;
  } else if (auto v = Env("SIGFLOW_STORE")) {
    s.store_path = *v;
  }
  if (auto v = Env("KAFKA_SIGNAL_TOPIC")) s.topic = *v;
  s.dispatcher.topic = s.topic;
  if (auto v = Env("KAFKA_CONSUMER_GROUP")) s.consumer_group = *v;
  if (auto v = Env("KAFKA_AUTO_OFFSET_RESET")) {
    if (*v == "earliest") {
      s.offset_reset = OffsetReset::kEarliest;
    } else if (*v == "latest") {
      s.offset_reset = OffsetReset::kLatest;
    } else {
      errors.push_back("KAFKA_AUTO_OFFSET_RESET: expected 'earliest' or 'latest', got '" + *v +
                       "'");
    }
  }
  if (auto v = Env("BATCH_SIZE")) {
    auto n = ParsePositiveInt(*v);
    if (!n || *n > 100000) {
      errors.push_back("BATCH_SIZE: expected an integer from 1 to 100000, got '" + *v + "'");
    } else {
      s.dispatcher.batch_size = static_cast<size_t>(*n);
    }
  }
  ReadSeconds("BATCH_TIMEOUT_SECONDS", /*allow_zero=*/true, &s.dispatcher.batch_timeout, &errors);
  ReadSeconds("CACHE_REFRESH_INTERVAL_SECONDS", /*allow_zero=*/false,
              &s.dispatcher.cache_refresh_interval, &errors);
  if (auto v = Env("SIGFLOW_BATCHING")) {
    if (*v == "natural") {
      s.dispatcher.natural_batching = true;
    } else if (*v == "timer") {
      s.dispatcher.natural_batching = false;
    } else {
      errors.push_back("SIGFLOW_BATCHING: expected 'natural' or 'timer', got '" + *v + "'");
    }
  }
  if (auto v = Env("LOG_LEVEL")) {
    if (auto level = log::ParseLevel(*v)) {
      s.log_level = *level;
    } else {
      errors.push_back("LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got '" + *v + "'");
    }
  }
  if (auto v = Env("WATCHLIST_CONFIG_PATH")) s.watchlist_path = *v;
  if (Env("MOCK_GENERATOR_INTERVAL_SECONDS")) {
    std::chrono::milliseconds interval{0};
    const size_t before = errors.size();
    ReadSeconds("MOCK_GENERATOR_INTERVAL_SECONDS", /*allow_zero=*/false, &interval, &errors);
    if (errors.size() == before) s.mock_interval = interval;
  }
  if (auto v = Env("SIGFLOW_GENERATORS")) {
    s.generators.clear();
    std::stringstream list(*v);
    for (std::string name; std::getline(list, name, ',');) {
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (!name.empty()) s.generators.push_back(name);
    }
    if (s.generators.empty()) {
      errors.push_back("SIGFLOW_GENERATORS: expected comma-separated generator names, got '" + *v +
                       "'");
    }
  }
  for (const auto& [type, name] : kGeneratorIntervalVariables) {
    if (!Env(name)) continue;
    std::chrono::milliseconds interval{0};
    const size_t before = errors.size();
    ReadSeconds(name, /*allow_zero=*/false, &interval, &errors);
    if (errors.size() == before) s.generator_intervals[type] = interval;
  }
  if (flags.worker_threads) {
    if (*flags.worker_threads < 1 || *flags.worker_threads > 256) {
      errors.push_back("--workers: expected 1 to 256, got " +
                       std::to_string(*flags.worker_threads));
    } else {
      s.workers.threads = *flags.worker_threads;
    }
  } else if (auto v = Env("SIGFLOW_WORKERS")) {
    auto n = ParsePositiveInt(*v);
    if (!n || *n > 256) {
      errors.push_back("SIGFLOW_WORKERS: expected an integer from 1 to 256, got '" + *v + "'");
    } else {
      s.workers.threads = static_cast<int>(*n);
    }
  }

  if (auto v = Env("SIGFLOW_CLAIM_BATCH")) {
    auto n = ParsePositiveInt(*v);
    if (!n || *n > 10'000) {
      errors.push_back("SIGFLOW_CLAIM_BATCH: expected an integer from 1 to 10000, got '" + *v +
                       "'");
    } else {
      s.workers.claim_batch = static_cast<int>(*n);
    }
  }
  ReadSeconds("SIGFLOW_LEASE_SECONDS", /*allow_zero=*/false, &s.workers.lease, &errors);
  ReadSeconds("SIGFLOW_RECORD_WAIT_SECONDS", /*allow_zero=*/true, &s.workers.record_wait, &errors);

  if (auto v = Env("KAFKA_BOOTSTRAP_SERVERS")) {
    s.kafka_bootstrap_servers = *v;
    s.bus = BusKind::kKafka;
  }
  if (auto v = Env("SIGFLOW_BUS")) {
    if (*v == "embedded") {
      s.bus = BusKind::kEmbedded;
    } else if (*v == "kafka") {
      s.bus = BusKind::kKafka;
      if (s.kafka_bootstrap_servers.empty()) {
        errors.push_back("SIGFLOW_BUS: 'kafka' needs KAFKA_BOOTSTRAP_SERVERS (host:port,...)");
      }
    } else {
      errors.push_back("SIGFLOW_BUS: expected 'embedded' or 'kafka', got '" + *v + "'");
    }
  }
  if (auto v = Env("SIGFLOW_KAFKA_PROPERTIES")) {
    std::stringstream in(*v);
    std::string item;
    while (std::getline(in, item, ',')) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        errors.push_back("SIGFLOW_KAFKA_PROPERTIES: expected key=value pairs, got '" + item + "'");
        continue;
      }
      const std::string key = item.substr(0, eq);
      bool has_variable = false;
      for (const auto& [property, variable] : kKafkaPropertiesWithAVariable) {
        if (key != property) continue;
        errors.push_back("SIGFLOW_KAFKA_PROPERTIES: " + key + " is set by sigflow; use " +
                         variable);
        has_variable = true;
      }
      if (!has_variable) s.kafka_properties.emplace_back(key, item.substr(eq + 1));
    }
  }
  ReadKafkaGroupSettings(&s, &errors);

  if (!errors.empty()) {
    std::ostringstream msg;
    for (size_t i = 0; i < errors.size(); ++i) msg << (i ? "\n" : "") << errors[i];
    return Status::InvalidArgument(msg.str());
  }
  return s;
}

std::string EnvironmentHelp() {
  return R"(Environment (flags take precedence):
  SIGFLOW_STORE                   store database file            (./data/sigflow.db)
  KAFKA_SIGNAL_TOPIC              signal topic                   (trading-signals)
  KAFKA_CONSUMER_GROUP            dispatcher consumer group      (trigger-dispatcher)
  KAFKA_AUTO_OFFSET_RESET         earliest | latest, for a new group (latest)
  BATCH_SIZE                      signals per batch, at most     (20)
  BATCH_TIMEOUT_SECONDS           batch closes this long after its first signal (0.5)
  SIGFLOW_BATCHING                natural (close when the bus is empty) | timer (seeds) (natural)
  CACHE_REFRESH_INTERVAL_SECONDS  pipeline index rebuild period  (30)
  WATCHLIST_CONFIG_PATH           generators' watchlist JSON     (config/watchlist.json)
  MOCK_GENERATOR_INTERVAL_SECONDS mock generator period          (60; `run` demo: 1)
  SIGFLOW_GENERATORS              live generators, comma-separated
                                  (mock,golden_cross,death_cross,volatility_breakout,price_level)
  GOLDEN_CROSS_CHECK_INTERVAL_SECONDS         golden cross check period        (300)
  DEATH_CROSS_CHECK_INTERVAL_SECONDS          death cross check period         (300)
  VOLATILITY_BREAKOUT_CHECK_INTERVAL_SECONDS  volatility breakout check period (300)
  PRICE_LEVEL_CHECK_INTERVAL_SECONDS          price level check period         (300)
  SIGFLOW_WORKERS                 worker threads                 (2)
  SIGFLOW_CLAIM_BATCH             executions a worker claims per store call (8)
  SIGFLOW_LEASE_SECONDS           a claim's lease, renewed while it runs (30)
  SIGFLOW_RECORD_WAIT_SECONDS     an outcome waits this long for the rest of its claim (0.01)
  KAFKA_BOOTSTRAP_SERVERS         Kafka brokers; when set, the bus is Kafka (unset: embedded log)
  SIGFLOW_BUS                     embedded | kafka               (kafka if KAFKA_BOOTSTRAP_SERVERS)
  SIGFLOW_KAFKA_PROPERTIES        extra librdkafka properties, key=value,key=value
  SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS  consumer group session timeout (10)
  SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY      range,roundrobin (eager) | cooperative-sticky
                                         (range,roundrobin)
  POSTGRES_USER/PASSWORD/HOST/PORT/DB  PostgreSQL for --store postgres (or --store postgres://...)
  LOG_LEVEL                       DEBUG | INFO | WARNING | ERROR (INFO))";
}

}  // namespace sigflow
