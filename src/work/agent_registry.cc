#include "work/agent_registry.h"

#include <utility>

#include "work/bias_agent.h"
#include "work/market_data_agent.h"
#include "work/order_manager.h"
#include "work/risk_manager.h"
#include "work/strategy_agent.h"
#include "work/time_trigger.h"

namespace sigflow {
namespace {

std::string JoinErrors(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

}  // namespace

Status AgentRegistry::Register(std::unique_ptr<const Agent> agent) {
  if (agent == nullptr) return Status::InvalidArgument("cannot register a null agent");
  std::string type(agent->type());
  if (type.empty()) return Status::InvalidArgument("cannot register an agent with an empty type");
  if (agents_.contains(type)) {
    return Status::Error("conflict", "agent_type '" + type + "' is already registered");
  }
  agents_.emplace(std::move(type), std::move(agent));
  return Status::Ok();
}

const Agent* AgentRegistry::Find(std::string_view agent_type) const {
  auto it = agents_.find(agent_type);
  return it == agents_.end() ? nullptr : it->second.get();
}

std::vector<std::string> AgentRegistry::Types() const {
  std::vector<std::string> out;
  out.reserve(agents_.size());
  for (const auto& [type, agent] : agents_) out.push_back(type);
  return out;
}

Result<std::vector<PipelineNode>> AgentRegistry::ParseNodes(std::string_view config_json) const {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/
                                                      false);
  if (config.is_discarded()) return Status::InvalidArgument("config is not valid JSON");
  if (!config.is_object()) return Status::InvalidArgument("config must be a JSON object");

  std::vector<PipelineNode> nodes;
  auto nodes_it = config.find("nodes");
  if (nodes_it == config.end() || nodes_it->is_null()) return nodes;
  if (!nodes_it->is_array()) return Status::InvalidArgument("config.nodes must be an array");

  std::vector<std::string> errors;
  nodes.reserve(nodes_it->size());
  for (size_t i = 0; i < nodes_it->size(); ++i) {
    const nlohmann::json& node = (*nodes_it)[i];
    const std::string at = "node " + std::to_string(i);
    if (!node.is_object()) {
      errors.push_back(at + ": must be an object");
      continue;
    }
    auto type_it = node.find("agent_type");
    if (type_it == node.end() || !type_it->is_string() ||
        type_it->get_ref<const std::string&>().empty()) {
      errors.push_back(at + ": agent_type must be a non-empty string");
      continue;
    }
    const auto& type = type_it->get_ref<const std::string&>();
    const Agent* agent = Find(type);
    if (agent == nullptr) {
      std::string known;
      for (const auto& [name, registered] : agents_) known += (known.empty() ? "" : ", ") + name;
      errors.push_back("unknown agent_type '" + type + "' at node " + std::to_string(i) +
                       " (known: " + known + ")");
      continue;
    }
    nlohmann::json node_config = nlohmann::json::object();
    if (auto config_it = node.find("config"); config_it != node.end() && !config_it->is_null()) {
      if (!config_it->is_object()) {
        errors.push_back(at + " (" + type + "): config must be an object");
        continue;
      }
      node_config = *config_it;
    }
    if (Status s = agent->ValidateConfig(node_config); !s.ok()) {
      errors.push_back(at + " (" + type + "): " + s.message());
      continue;
    }
    nodes.push_back(PipelineNode{type, std::move(node_config), agent});
  }
  if (!errors.empty()) return Status::InvalidArgument(JoinErrors(errors));
  return nodes;
}

Status AgentRegistry::Validate(std::string_view config_json) const {
  auto nodes = ParseNodes(config_json);
  return nodes.ok() ? Status::Ok() : nodes.status();
}

Status RegisterBuiltinAgents(AgentRegistry* registry, const AgentServices& services) {
  // One line per agent.
  std::unique_ptr<const Agent> agents[] = {
      std::make_unique<MarketDataAgent>(services), std::make_unique<BiasAgent>(),
      std::make_unique<StrategyAgent>(),           std::make_unique<RiskManager>(),
      std::make_unique<OrderManager>(services),    std::make_unique<TimeTrigger>(services.clock)};
  for (auto& agent : agents) {
    if (Status s = registry->Register(std::move(agent)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace sigflow
