// `sigflow lag`: where the dispatchers' consumer group stands on the signal topic, per
// partition — what it committed, the partition's end, and the lag between them — like
// `kafka-consumer-groups --describe`. Asking never joins or rebalances the group.
#include <cstdio>
#include <iostream>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "cli/open_store.h"

namespace sigflow {
namespace {

struct LagFlags {
  bool json = false;
};

int RunLag(const LagFlags& flags) {
  auto settings = LoadSettingsOrPrint(SettingFlags{});
  if (!settings) return kExitUsage;
  auto offsets = DescribeDispatcherGroup(*settings);
  if (!offsets.ok()) {
    std::cerr << "sigflow lag: " << offsets.status().message() << "\n";
    return offsets.status().code() == "invalid_argument" ? kExitUsage : kExitFailure;
  }
  if (flags.json) {
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto& p : offsets->partitions) {
      partitions.push_back({{"partition", p.partition},
                            {"committed", p.committed},
                            {"low", p.low},
                            {"high", p.high},
                            {"lag", p.lag}});
    }
    nlohmann::json out = {{"group", offsets->group},
                          {"topic", offsets->topic},
                          {"partitions", partitions},
                          {"lag", offsets->total_lag}};
    std::cout << out.dump() << std::endl;
    return kExitOk;
  }
  std::printf("group %s on topic %s\n", offsets->group.c_str(), offsets->topic.c_str());
  std::printf("%-9s  %12s  %12s  %12s\n", "PARTITION", "COMMITTED", "END", "LAG");
  for (const auto& p : offsets->partitions) {
    const std::string committed = p.committed >= 0 ? std::to_string(p.committed) : "-";
    std::printf("%-9d  %12s  %12lld  %12lld\n", p.partition, committed.c_str(),
                static_cast<long long>(p.high), static_cast<long long>(p.lag));
  }
  std::printf("total lag %lld\n", static_cast<long long>(offsets->total_lag));
  return kExitOk;
}

}  // namespace

void AddLagCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<LagFlags>();
  auto* cmd = app.add_subcommand(
      "lag",
      "Show the dispatchers' consumer group (KAFKA_CONSUMER_GROUP) on the signal topic: per\n"
      "partition the committed offset ('-' when none), the end offset and the lag. Kafka bus\n"
      "only. A partition never committed counts as lag from its oldest record when\n"
      "KAFKA_AUTO_OFFSET_RESET=earliest, else 0.");
  cmd->add_flag("--json", flags->json,
                "print one JSON object: group, topic, partitions [{partition, committed, low, "
                "high, lag}], lag");
  cmd->callback([flags, exit_code] { *exit_code = RunLag(*flags); });
}

}  // namespace sigflow
