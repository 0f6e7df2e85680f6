// Agent: one step of a pipeline (a node of config.nodes), run by a worker for one execution.
//
// Contract:
//  - Thread-safety: one Agent instance is registered once (see agent_registry.h) and shared by
//    every worker thread, so Run() and ValidateConfig() may be called from several threads at
//    once, for different executions. Agents are stateless, or synchronise their own state.
//  - Run() reads everything it needs from the AgentContext and writes its output (any JSON value;
//    an object by convention) to *output, which starts as an empty object. Everything the context
//    refers to is owned by the caller and lives only for the duration of the call: copy what you
//    want to keep.
//  - Failure is a value: Run() returns a non-OK Status (stable snake_case code + message) and the
//    execution stops at this node and is FAILED with that message. An agent should not throw; if
//    it does, the runner turns the exception into a failure of the node all the same.
//  - Agents reach the store only through the interfaces they were built with (agent_services.h:
//    market_data_agent reads the MarketStore, order_manager writes recommendations to the
//    LedgerStore), and never complete or fail the execution themselves; the runner and the
//    worker pool own the execution's lifecycle (and its lease).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/execution.h"
#include "core/pipeline.h"
#include "core/signal.h"
#include "core/status.h"

namespace sigflow {

// What one node produced, as seen by the nodes after it.
struct NodeOutput {
  std::string agent_type;
  nlohmann::json output;
  double duration_ms = 0;
};

struct AgentContext {
  const Pipeline& pipeline;    // id, name, scanner_tickers, ... as loaded for this execution
  const Execution& execution;  // id, signal_ids, triggered_by_signal, attempts, ...
  // The triggering signals found in the history, decoded, in the order of execution.signal_ids
  // (ids that are no longer recorded are left out). signal_payloads[i] is the canonical JSON of
  // signals[i]. Empty for an execution that no signal woke (periodic or manual runs).
  const std::vector<Signal>& signals;
  const std::vector<std::string>& signal_payloads;
  // This node: its position in config.nodes (0-based) and its "config" object ({} when absent).
  int node_index = 0;
  const nlohmann::json& config;
  // The outputs of the nodes that ran before this one in this execution, in order.
  const std::vector<NodeOutput>& previous;

  // The output of the latest earlier node of `agent_type`, or nullptr when none ran.
  const nlohmann::json* FindOutput(std::string_view agent_type) const {
    for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
      if (it->agent_type == agent_type) return &it->output;
    }
    return nullptr;
  }
};

class Agent {
 public:
  virtual ~Agent() = default;

  // The agent_type this agent answers to in config.nodes, e.g. "bias_agent". Constant.
  virtual std::string_view type() const = 0;

  // Checks a node's "config" object ({} when absent) when a pipeline is saved and before it runs.
  // Returns `invalid_argument` naming the bad key. The default accepts any object.
  virtual Status ValidateConfig(const nlohmann::json& config) const {
    (void)config;
    return Status::Ok();
  }

  // Runs the node; see the contract at the top of this file.
  virtual Status Run(const AgentContext& context, nlohmann::json* output) const = 0;
};

}  // namespace sigflow
