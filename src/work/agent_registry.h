// AgentRegistry: agent_type -> Agent, and the validation of a pipeline's config.nodes.
//
// Registering an agent is one line (see RegisterBuiltinAgents in agent_registry.cc):
//   registry.Register(std::make_unique<BiasAgent>());
// An unknown agent_type is refused wherever a pipeline is saved: `sigflow pipelines add` and the
// Store API path (PipelineValidatingStore, validating_store.h) both call Validate().
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
#include "work/agent_services.h"

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
  //   "unknown agent_type 'foo' at node 2 (known: bias_agent, market_data_agent, ...)"
  //   "node 0 (bias_agent): config.neutral_band must be a number >= 0"
  Result<std::vector<PipelineNode>> ParseNodes(std::string_view config_json) const;
  // ParseNodes without the result: what a pipeline must pass before it is saved.
  Status Validate(std::string_view config_json) const;

 private:
  std::map<std::string, std::unique_ptr<const Agent>, std::less<>> agents_;
};

// Registers every agent sigflow ships: market_data_agent, bias_agent, strategy_agent,
// risk_manager, order_manager, time_trigger (agent_services.h says what each may reach; with the
// default services the ones that need a store fail their node, which is enough for checking
// configs). `conflict` if one is already there.
Status RegisterBuiltinAgents(AgentRegistry* registry, const AgentServices& services = {});

}  // namespace sigflow
