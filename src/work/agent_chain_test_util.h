// Test helper: runs agents one after another on one pipeline and its signals, as PipelineRunner
// would (each node sees the outputs of those before it), without a store. For unit tests of the
// agents.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "work/agent.h"

namespace sigflow::testing_util {

inline Signal MakeTickerSignal(std::string id, int64_t ts_ms, std::string ticker, Bias bias,
                               double confidence, std::string type = "golden_cross") {
  Signal s;
  s.signal_id = std::move(id);
  s.timestamp_ms = ts_ms;
  s.signal_type = std::move(type);
  s.source = "test";
  TickerSignal t;
  t.ticker = std::move(ticker);
  t.bias = bias;
  t.confidence = confidence;
  s.tickers.push_back(std::move(t));
  return s;
}

class AgentChain {
 public:
  AgentChain(Pipeline pipeline, std::vector<Signal> signals)
      : pipeline_(std::move(pipeline)), signals_(std::move(signals)) {
    payloads_.assign(signals_.size(), "{}");
    execution_.id = 42;
    execution_.pipeline_id = pipeline_.id;
    execution_.triggered_by_signal = !signals_.empty();
    for (const auto& s : signals_) execution_.signal_ids.push_back(s.signal_id);
  }

  // Runs `agent` as the next node; its output is kept for the nodes after it.
  Status Run(const Agent& agent, const nlohmann::json& config = nlohmann::json::object()) {
    const AgentContext context{.pipeline = pipeline_,
                               .execution = execution_,
                               .signals = signals_,
                               .signal_payloads = payloads_,
                               .node_index = static_cast<int>(previous_.size()),
                               .config = config,
                               .previous = previous_};
    nlohmann::json output = nlohmann::json::object();
    Status s = agent.Run(context, &output);
    if (s.ok()) previous_.push_back(NodeOutput{std::string(agent.type()), std::move(output), 0});
    return s;
  }
  // Adds a node output as if `agent_type` had produced it.
  void Inject(std::string agent_type, nlohmann::json output) {
    previous_.push_back(NodeOutput{std::move(agent_type), std::move(output), 0});
  }
  const nlohmann::json& last() const { return previous_.back().output; }
  Execution& execution() { return execution_; }

 private:
  Pipeline pipeline_;
  Execution execution_;
  std::vector<Signal> signals_;
  std::vector<std::string> payloads_;
  std::vector<NodeOutput> previous_;
};

inline Pipeline SignalPipeline(std::vector<std::string> tickers) {
  Pipeline p;
  p.id = "pipe-1";
  p.name = "chain test";
  p.trigger_mode = TriggerMode::kSignal;
  p.scanner_tickers = std::move(tickers);
  return p;
}

}  // namespace sigflow::testing_util
