// AgentRegistry: agent_type -> Agent, and the validation of a pipeline's config.nodes.
//
// Registering an agent is one line (see RegisterBuiltinAgents in agent_registry.cc):
//   registry.Register(std::make_unique<BiasAgent>());
// The registry owns its agents. Register() is for set-up only: register everything before the
// registry is shared (with a PipelineRunner or a WorkerPool); from then on it is read-only and
// every const method is thread-safe. The registry must outlive whoever uses it.
//
// config.nodes grammar (seed 002): config_json is a JSON object; "nodes" is optional (absent means
// no nodes) and otherwise an array of objects {"agent_type": "<registered type>", "config":
// {...}} where "config" is optional (absent or null means {}) and is checked by the agent's
// ValidateConfig. Other keys of a node (ids, positions written by an editor) are ignored. Node
// indexes in messages are 0-based positions in config.nodes.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "work/agent.h"

namespace sigflow {

// One node of config.nodes, checked and resolved to its agent.
struct PipelineNode {
  std::string agent_type;
  nlohmann::json config;         // always an object
  const Agent* agent = nullptr;  // owned by the registry
};

class AgentRegistry {
 public:
  AgentRegistry() = default;
  AgentRegistry(const AgentRegistry&) = delete;
  AgentRegistry& operator=(const AgentRegistry&) = delete;

  // Adds `agent` under agent->type(). `invalid_argument` for a null agent or an empty type,
  // `conflict` when the type is already registered (the registry is unchanged).
  Status Register(std::unique_ptr<const Agent> agent);

  // The agent registered for `agent_type`, or nullptr.
  const Agent* Find(std::string_view agent_type) const;
  std::vector<std::string> Types() const;  // sorted

  // Parses and checks config_json's nodes (grammar above). On failure returns `invalid_argument`
  // whose message lists every problem found, separated by "; ", e.g.
  //   "unknown agent_type 'foo' at node 2"
  //   "unknown agent_type 'strategy_agent' at node 1: not built yet"
  //   "node 0: config.neutral_band must be a number >= 0"
  Result<std::vector<PipelineNode>> ParseNodes(std::string_view config_json) const;
  // ParseNodes without the result: what a pipeline must pass before it is saved.
  Status Validate(std::string_view config_json) const;

  // True for the agent types named by the seeds that sigflow has not built yet
  // (market_data_agent, strategy_agent, risk_manager, order_manager, time_trigger). When such a
  // type is not registered, its "unknown agent_type" error says "not built yet".
  static bool IsPlannedAgentType(std::string_view agent_type);

 private:
  std::map<std::string, std::unique_ptr<const Agent>, std::less<>> agents_;
};

// Registers every agent sigflow ships (today: bias_agent). `conflict` if one is already there.
Status RegisterBuiltinAgents(AgentRegistry* registry);

}  // namespace sigflow
