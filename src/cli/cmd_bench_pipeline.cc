// `sigflow bench pipeline`: the production path on this machine (bench/pipeline_bench.h), wired
// here to librdkafka's mock cluster (started in this process: it speaks the real Kafka protocol
// over loopback TCP) and to the PostgreSQL named by --store. Prints one JSON line per phase.
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "bench/pipeline_bench.h"
#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/mock_cluster.h"
#include "cli/adapters.h"
#include "cli/commands.h"
#include "store/postgres/postgres_options.h"
#include "store/postgres/postgres_store.h"

namespace sigflow {
namespace {

struct PipelineBenchFlags {
  std::string store;
  std::string loads = "1000,10000,max";
  int brokers = 1;
  // librdkafka defaults to 500. The mock holds a fetch that finds nothing for all of it, even
  // when records arrive meanwhile (a broker answers then), so the bench keeps it short.
  int fetch_wait_ms = 1;
  double publish_interval_ms = 4;  // PipelineBenchOptions::publish_interval
  PipelineBenchOptions options;
};

// "1000,10000,max" -> {1000, 10000, 0}; nullopt for anything else.
std::optional<std::vector<int64_t>> ParseLoads(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "max") {
      out.push_back(0);
      continue;
    }
    try {
      size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v <= 0) return std::nullopt;
      out.push_back(v);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

int RunPipelineBenchCommand(PipelineBenchFlags flags) {
  constexpr char kCommand[] = "sigflow bench pipeline";
  if (!IsPostgresStore(flags.store) || flags.store == "postgres") {
    std::cerr << kCommand << ": --store must be a PostgreSQL URL (postgres://...); start a "
              << "throwaway server with scripts/pg-test.sh\n";
    return kExitUsage;
  }
  auto loads = ParseLoads(flags.loads);
  const PipelineBenchOptions& o = flags.options;
  if (!loads || o.seconds <= 0 || o.pipelines == 0 || o.tickers < 2 || o.batch_size == 0 ||
      o.partitions <= 0 || o.dispatchers <= 0 || o.worker_threads <= 0 || o.claim_batch <= 0 ||
      o.max_in_flight == 0 || o.queue_rounds < 0 || o.unmatched_load < 0 || flags.brokers <= 0) {
    std::cerr
        << kCommand << ": --loads is a comma-separated list of positive rates or 'max'; "
        << "--seconds, --pipelines, --batch-size, --partitions, --dispatchers, --worker-threads, "
        << "--claim-batch, --max-in-flight and --brokers must be positive, --tickers at "
        << "least 2\n";
    return kExitUsage;
  }
  if (!(flags.publish_interval_ms >= 0 && flags.publish_interval_ms <= 1000)) {
    std::cerr << kCommand << ": --publish-interval-ms must be between 0 and 1000\n";
    return kExitUsage;
  }
  flags.options.loads = *loads;
  flags.options.publish_interval =
      std::chrono::microseconds(std::llround(flags.publish_interval_ms * 1000));
  auto pg = PostgresOptionsFromUrl(flags.store);
  if (!pg.ok()) {
    std::cerr << kCommand << ": " << pg.status().ToString() << "\n";
    return kExitUsage;
  }
  auto cluster = MockKafkaCluster::Start(flags.brokers);
  if (!cluster.ok()) {
    std::cerr << kCommand << ": " << cluster.status().ToString() << "\n";
    return kExitFailure;
  }
  KafkaOptions kafka;
  kafka.bootstrap_servers = (*cluster)->bootstrap_servers();
  kafka.session_timeout = std::chrono::milliseconds(6000);
  // The mock answers pipelined produce requests late (see kafka_bus.h).
  const std::vector<std::pair<std::string, std::string>> producer_properties = {
      {"max.in.flight.requests.per.connection", "1"}, {"linger.ms", "0"}};

  // Fetch waits: see BENCHMARKS.md (the mock holds an empty fetch for fetch.wait.max.ms).
  const std::vector<std::pair<std::string, std::string>> consumer_properties = {
      {"fetch.wait.max.ms", std::to_string(flags.fetch_wait_ms)},
      {"fetch.error.backoff.ms", std::to_string(flags.fetch_wait_ms)}};
  std::vector<std::unique_ptr<PostgresProbe>> probes;  // outlive the stores
  PipelineBenchWiring wiring;
  wiring.backend = "kafka-mock+postgres";
  wiring.open_store = [&]() -> Result<BenchStore> {
    auto& probe = probes.emplace_back(std::make_unique<PostgresProbe>());
    PostgresProbe* p = probe.get();
    auto store = OpenPostgresStore(*pg, SystemClock::Default(), p);
    if (!store.ok()) return store.status();
    return BenchStore{std::move(store).value(), [p] { return p->round_trips.load(); }};
  };
  wiring.create_topic = [&](const std::string& topic, int partitions) {
    return (*cluster)->CreateTopic(topic, partitions);
  };
  wiring.open_producer = [&](const std::string& topic) -> Result<std::unique_ptr<BusProducer>> {
    KafkaOptions k = kafka;
    k.topic = topic;
    k.properties = producer_properties;
    return OpenKafkaProducer(k);
  };
  wiring.open_consumer = [&](const std::string& topic,
                             const std::string& group) -> Result<std::unique_ptr<BusConsumer>> {
    KafkaOptions k = kafka;
    k.topic = topic;
    k.properties = consumer_properties;
    return OpenKafkaConsumer(k, group, OffsetReset::kEarliest);
  };
  auto lines = RunPipelineBench(flags.options, wiring, &std::cerr);
  if (!lines.ok()) {
    std::cerr << kCommand << ": " << lines.status().ToString() << "\n";
    return kExitFailure;
  }
  for (const auto& line : *lines) std::cout << line.dump() << std::endl;
  return kExitOk;
}

}  // namespace

void AddPipelineBenchCommand(CLI::App& bench, int* exit_code) {
  auto flags = std::make_shared<PipelineBenchFlags>();
  PipelineBenchOptions& o = flags->options;
  auto* cmd = bench.add_subcommand(
      "pipeline",
      "Kafka (librdkafka's mock cluster, in this process) -> trigger dispatcher -> PostgreSQL ->\n"
      "workers at several offered loads, then the worker queue alone; one JSON line per phase.");
  cmd->add_option("--store", flags->store, "PostgreSQL URL of an empty database")->required();
  cmd->add_option("--loads", flags->loads,
                  "offered signals/s, comma-separated; max = as fast as "
                  "sustained")
      ->capture_default_str();
  cmd->add_option("--seconds", o.seconds, "publishing time per load")->capture_default_str();
  cmd->add_option("--unmatched-load", o.unmatched_load,
                  "signals/s of the nothing-matched phase (0 skips it)")
      ->capture_default_str();
  cmd->add_option("--pipelines", o.pipelines, "signal-mode pipelines")->capture_default_str();
  cmd->add_option("--tickers", o.tickers, "distinct tickers (pipelines watch the first half)")
      ->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "the dispatcher's BATCH_SIZE")
      ->capture_default_str();
  cmd->add_option("--partitions", o.partitions, "partitions of each topic")->capture_default_str();
  cmd->add_option("--dispatchers", o.dispatchers, "dispatchers in the consumer group")
      ->capture_default_str();
  cmd->add_option("--brokers", flags->brokers, "mock brokers")->capture_default_str();
  cmd->add_option("--fetch-wait-ms", flags->fetch_wait_ms,
                  "the consumer's fetch.wait.max.ms and fetch.error.backoff.ms")
      ->capture_default_str();
  cmd->add_option("--publish-interval-ms", flags->publish_interval_ms,
                  "paced loads: the producer publishes what arrived once per interval (0 = as "
                  "soon as a signal is due); latency counts from each signal's arrival")
      ->capture_default_str();
  cmd->add_option("--max-in-flight", o.max_in_flight,
                  "load max: published but not yet dispatched, at most")
      ->capture_default_str();
  cmd->add_option("--worker-threads", o.worker_threads, "worker pool threads")
      ->capture_default_str();
  cmd->add_option("--claim-batch", o.claim_batch, "executions per claim")->capture_default_str();
  cmd->add_option("--queue-rounds", o.queue_rounds, "rounds of the worker-queue phase (0 skips)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "workload random seed")->capture_default_str();
  cmd->callback([flags, exit_code] { *exit_code = RunPipelineBenchCommand(*flags); });
}

}  // namespace sigflow
