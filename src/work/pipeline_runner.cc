#include "work/pipeline_runner.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <utility>
#include <vector>

#include "core/signal_codec.h"

namespace sigflow {
namespace {

RunOutcome Failed(std::string error) {
  RunOutcome out;
  out.kind = RunOutcome::Kind::kFailed;
  out.error = std::move(error);
  return out;
}

RunOutcome Abandoned(std::string error) {
  RunOutcome out;
  out.kind = RunOutcome::Kind::kAbandoned;
  out.error = std::move(error);
  return out;
}

// A store failure while loading: transient ones leave the execution to the reaper.
RunOutcome StoreFailure(const std::string& what, const Status& status) {
  std::string error = what + ": " + status.ToString();
  return status.code() == "unavailable" ? Abandoned(std::move(error)) : Failed(std::move(error));
}

double RoundedMs(std::chrono::steady_clock::duration d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  return std::round(ms * 1000.0) / 1000.0;
}

// Runs one agent, turning an exception into a failed Status.
Status RunAgent(const Agent& agent, const AgentContext& context, nlohmann::json* output) {
  try {
    return agent.Run(context, output);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("agent threw: ") + e.what());
  } catch (...) {
    return Status::Internal("agent threw a non-standard exception");
  }
}

}  // namespace

PipelineRunner::PipelineRunner(Store* store, const AgentRegistry* registry)
    : store_(store), registry_(registry) {}

RunOutcome PipelineRunner::Run(const Execution& execution,
                               const std::function<bool()>& keep_going) const {
  ExecutionInputs inputs;
  auto pipeline = store_->GetPipeline(execution.pipeline_id);
  if (pipeline.ok()) {
    inputs.pipeline = std::move(pipeline).value();
  } else if (pipeline.status().code() != "not_found") {
    return StoreFailure("loading pipeline '" + execution.pipeline_id + "'", pipeline.status());
  }
  if (inputs.pipeline && !execution.signal_ids.empty()) {
    auto stored = store_->LoadSignals(execution.signal_ids);
    if (!stored.ok()) return StoreFailure("loading signals", stored.status());
    inputs.signals = std::move(stored).value();
  }
  return Run(execution, std::move(inputs), keep_going);
}

RunOutcome PipelineRunner::Run(const Execution& execution, ExecutionInputs inputs,
                               const std::function<bool()>& keep_going) const {
  if (!inputs.pipeline) {
    RunOutcome removed = Failed("pipeline '" + execution.pipeline_id +
                                "' not found: it was removed after this execution was queued");
    removed.pipeline_removed = true;
    return removed;
  }
  const Pipeline& pipeline = *inputs.pipeline;

  auto nodes = registry_->ParseNodes(pipeline.config_json);
  if (!nodes.ok()) return Failed("invalid pipeline config: " + nodes.status().message());

  std::vector<Signal> signals;
  std::vector<std::string> payloads;
  nlohmann::json signal_ids = nlohmann::json::array();
  nlohmann::json missing = nlohmann::json::array();
  if (!execution.signal_ids.empty()) {
    // One decoder per thread: it keeps parser buffers and is not thread-safe.
    thread_local SignalDecoder decoder;
    signals.resize(inputs.signals.size());
    payloads.reserve(inputs.signals.size());
    for (size_t i = 0; i < inputs.signals.size(); ++i) {
      StoredSignal& s = inputs.signals[i];
      DecodeError error;
      if (!decoder.Decode(s.payload, &signals[i], &error)) {
        return Failed("signal '" + s.signal_id + "': stored payload does not decode: " +
                      std::string(error.code) + ": " + error.message);
      }
      signal_ids.push_back(s.signal_id);
      payloads.push_back(std::move(s.payload));
    }
    for (const auto& id : execution.signal_ids) {
      bool found = false;
      for (const Signal& s : signals) found = found || s.signal_id == id;
      if (!found) missing.push_back(id);
    }
  }

  std::vector<NodeOutput> outputs;
  outputs.reserve(nodes->size());
  RunOutcome outcome;
  for (size_t i = 0; i < nodes->size(); ++i) {
    const PipelineNode& node = (*nodes)[i];
    if (keep_going && !keep_going()) {
      RunOutcome abandoned = Abandoned("lease lost before node " + std::to_string(i));
      abandoned.nodes_run = outcome.nodes_run;
      return abandoned;
    }
    const AgentContext context{
        .pipeline = pipeline,
        .execution = execution,
        .signals = signals,
        .signal_payloads = payloads,
        .node_index = static_cast<int>(i),
        .config = node.config,
        .previous = outputs,
    };
    nlohmann::json output = nlohmann::json::object();
    const auto started = std::chrono::steady_clock::now();
    Status status = RunAgent(*node.agent, context, &output);
    const double duration_ms = RoundedMs(std::chrono::steady_clock::now() - started);
    if (!status.ok()) {
      RunOutcome failed = Failed("node " + std::to_string(i) + " (" + node.agent_type +
                                 ") failed: " + status.ToString());
      failed.nodes_run = outcome.nodes_run;
      return failed;
    }
    ++outcome.nodes_run;
    outputs.push_back(NodeOutput{node.agent_type, std::move(output), duration_ms});
  }

  nlohmann::json result = {{"nodes", nlohmann::json::array()}, {"signals", std::move(signal_ids)}};
  for (NodeOutput& out : outputs) {
    result["nodes"].push_back({{"agent_type", std::move(out.agent_type)},
                               {"output", std::move(out.output)},
                               {"duration_ms", out.duration_ms}});
  }
  if (!missing.empty()) result["missing_signals"] = std::move(missing);
  outcome.kind = RunOutcome::Kind::kCompleted;
  outcome.result_json = result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return outcome;
}

std::optional<ExecutionOutcome> PipelineRunner::ToRecord(const Execution& execution,
                                                         std::string_view worker,
                                                         const RunOutcome& outcome) {
  if (outcome.kind == RunOutcome::Kind::kAbandoned) return std::nullopt;
  const bool completed = outcome.kind == RunOutcome::Kind::kCompleted;
  return ExecutionOutcome{.execution_id = execution.id,
                          .worker = worker,
                          .completed = completed,
                          .text = completed ? outcome.result_json : outcome.error};
}

}  // namespace sigflow
