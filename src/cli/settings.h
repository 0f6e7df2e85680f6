// Settings: everything a sigflow process is configured with, resolved once at start-up from
// flags > environment variables (the seeds' names) > defaults.
//
// LoadSettings() checks every value and reports all problems at once, each naming its variable
// or flag, before anything starts. The result is immutable for the process lifetime.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"
#include "obs/log.h"
#include "trigger/dispatcher_options.h"
#include "work/worker_options.h"

namespace sigflow {

enum class BusKind : uint8_t { kEmbedded, kKafka };

struct Settings {
  std::string store_path = "./data/sigflow.db";            // --store, SIGFLOW_STORE
  std::string topic = "trading-signals";                   // KAFKA_SIGNAL_TOPIC
  std::string consumer_group = "trigger-dispatcher";       // KAFKA_CONSUMER_GROUP
  OffsetReset offset_reset = OffsetReset::kLatest;         // KAFKA_AUTO_OFFSET_RESET
  TriggerDispatcherOptions dispatcher;                     // BATCH_SIZE, BATCH_TIMEOUT_SECONDS,
                                                           // CACHE_REFRESH_INTERVAL_SECONDS,
                                                           // SIGFLOW_BATCHING=natural|timer
  log::Level log_level = log::Level::kInfo;                // LOG_LEVEL
  std::string watchlist_path = "config/watchlist.json";    // WATCHLIST_CONFIG_PATH
  std::optional<std::chrono::milliseconds> mock_interval;  // MOCK_GENERATOR_INTERVAL_SECONDS
  // SIGFLOW_GENERATORS="mock,golden_cross,...": the generators `generate` and `run` start live
  // (names are checked against the registry when they start).
  std::vector<std::string> generators = {"mock", "golden_cross", "death_cross",
                                         "volatility_breakout", "price_level"};
  // Bar-driven generators' check intervals by generator type, when their variable is set:
  // GOLDEN_CROSS_CHECK_INTERVAL_SECONDS, DEATH_CROSS_CHECK_INTERVAL_SECONDS,
  // VOLATILITY_BREAKOUT_CHECK_INTERVAL_SECONDS, PRICE_LEVEL_CHECK_INTERVAL_SECONDS (else 300 s).
  std::map<std::string, std::chrono::milliseconds> generator_intervals;
  // The worker pool, with WorkerOptions' defaults: threads (--workers, SIGFLOW_WORKERS),
  // claim_batch (SIGFLOW_CLAIM_BATCH), lease (SIGFLOW_LEASE_SECONDS), record_wait
  // (SIGFLOW_RECORD_WAIT_SECONDS).
  WorkerOptions workers;
  // SIGFLOW_BUS=embedded|kafka; default kafka when KAFKA_BOOTSTRAP_SERVERS is set.
  BusKind bus = BusKind::kEmbedded;
  std::string kafka_bootstrap_servers;  // KAFKA_BOOTSTRAP_SERVERS
  // SIGFLOW_KAFKA_PROPERTIES="key=value,key=value": extra librdkafka properties.
  std::vector<std::pair<std::string, std::string>> kafka_properties;
  // The consumer group's two tuning knobs that sigflow sets itself (so not through
  // SIGFLOW_KAFKA_PROPERTIES): SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS (4..3600) and
  // SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY ("range", "roundrobin", both comma-separated, or
  // "cooperative-sticky" alone). Unset keeps KafkaOptions' defaults.
  std::optional<std::chrono::milliseconds> kafka_session_timeout;
  std::optional<std::string> kafka_assignment_strategy;
};

// Flags given on the command line; empty/unset means "not given".
struct SettingFlags {
  std::string store_path;
  std::optional<int> worker_threads;
};

// Reads the process environment. `invalid_argument` lists every bad value, one per line.
Result<Settings> LoadSettings(const SettingFlags& flags);

// "20s", "500ms", "2m", "1h", or a plain number of seconds ("0.5"). nullopt if malformed or
// negative.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// The environment variables LoadSettings reads, with their defaults, for --help texts.
std::string EnvironmentHelp();

}  // namespace sigflow
