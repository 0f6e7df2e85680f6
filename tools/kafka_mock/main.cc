// sigflow-kafka-mock: librdkafka's mock Kafka cluster as a process, for integration tests and
// local development without a Kafka installation. Any Kafka client can use it.
//
//   sigflow-kafka-mock --brokers 1 --topic trading-signals --partitions 3
//                      --bootstrap-file DIR/bootstrap
//
// Prints the bootstrap address on stdout and, once the topics exist, writes it to the bootstrap
// file (atomically: a reader sees the whole address or no file). Runs until SIGTERM or SIGINT
// (or --duration), then removes the file. SIGUSR1 takes every broker down, SIGUSR2 brings them
// back; --down-after/--down-for do the same on a timer. Each partition keeps only ~5 MiB.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bus/kafka/mock_cluster.h"
#include "obs/log.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Flags {
  int brokers = 1;
  std::vector<std::string> topics = {"trading-signals"};
  int partitions = 3;
  std::string bootstrap_file;
  double duration_seconds = 0;
  double down_after_seconds = -1;
  double down_for_seconds = 0;
};

bool WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << "\n";
    out.close();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::chrono::milliseconds Seconds(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

void SetBrokers(sigflow::MockKafkaCluster& cluster, bool up, const char* why) {
  sigflow::Status status = cluster.SetAllBrokersUp(up);
  if (!status.ok()) {
    sigflow::log::Error("kafka_mock_broker_change_failed", {{"error", status.ToString()}});
    return;
  }
  sigflow::log::Info(up ? "kafka_mock_brokers_up" : "kafka_mock_brokers_down",
                     {{"brokers", cluster.brokers()}, {"cause", why}});
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{
      "Runs librdkafka's mock Kafka cluster (real Kafka protocol on loopback ports) until SIGTERM "
      "or SIGINT. SIGUSR1 takes every broker down, SIGUSR2 brings them back up.",
      "sigflow-kafka-mock"};
  app.add_option("--brokers", flags.brokers, "number of brokers")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--topic", flags.topics, "topic to create (repeatable)")->capture_default_str();
  app.add_option("--partitions", flags.partitions, "partitions of each topic")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--bootstrap-file", flags.bootstrap_file,
                 "write the bootstrap address here once ready; removed on exit");
  app.add_option("--duration", flags.duration_seconds, "stop after this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--down-after", flags.down_after_seconds,
                 "take every broker down this many seconds after start");
  app.add_option("--down-for", flags.down_for_seconds,
                 "with --down-after: bring them back up after this many seconds (0: stay down)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  // Signals are taken synchronously by the main loop; blocked before librdkafka starts its
  // threads, which inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto started = sigflow::MockKafkaCluster::Start(flags.brokers);
  if (!started.ok()) {
    std::cerr << started.status().ToString() << "\n";
    return 1;
  }
  auto& cluster = *started.value();
  for (const auto& topic : flags.topics) {
    sigflow::Status created = cluster.CreateTopic(topic, flags.partitions);
    if (!created.ok()) {
      std::cerr << created.ToString() << "\n";
      return 1;
    }
  }
  std::cout << cluster.bootstrap_servers() << std::endl;
  if (!flags.bootstrap_file.empty() &&
      !WriteAtomically(flags.bootstrap_file, cluster.bootstrap_servers())) {
    std::cerr << "cannot write the bootstrap file " << flags.bootstrap_file << "\n";
    return 1;
  }
  nlohmann::json topics = flags.topics;
  sigflow::log::Info("kafka_mock_started", {{"bootstrap_servers", cluster.bootstrap_servers()},
                                            {"brokers", flags.brokers},
                                            {"topics", topics},
                                            {"partitions", flags.partitions}});

  const auto start = SteadyClock::now();
  bool timed_down_done = flags.down_after_seconds < 0;
  bool timed_up_done = timed_down_done || flags.down_for_seconds <= 0;
  const char* stopped_by = "duration";
  for (;;) {
    const auto now = SteadyClock::now();
    if (flags.duration_seconds > 0 && now - start >= Seconds(flags.duration_seconds)) break;
    if (!timed_down_done && now - start >= Seconds(flags.down_after_seconds)) {
      SetBrokers(cluster, false, "down_after");
      timed_down_done = true;
    }
    if (timed_down_done && !timed_up_done &&
        now - start >= Seconds(flags.down_after_seconds + flags.down_for_seconds)) {
      SetBrokers(cluster, true, "down_for");
      timed_up_done = true;
    }
    const timespec tick{0, 100 * 1000 * 1000};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGUSR1) SetBrokers(cluster, false, "SIGUSR1");
    if (sig == SIGUSR2) SetBrokers(cluster, true, "SIGUSR2");
    if (sig == SIGTERM || sig == SIGINT) {
      stopped_by = sig == SIGTERM ? "SIGTERM" : "SIGINT";
      break;
    }
  }
  if (!flags.bootstrap_file.empty()) std::remove(flags.bootstrap_file.c_str());
  sigflow::log::Info("kafka_mock_stopped", {{"cause", stopped_by}});
  return 0;
}
