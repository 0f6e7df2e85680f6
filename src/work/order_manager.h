// OrderManager (agent_type "order_manager"): writes what risk_manager approved (an earlier node;
// `failed_precondition` without one) as PENDING rows of dispatch_recommendations
// (LedgerStore::AddRecommendation), for the execution dispatcher to gate and fill.
//
// One recommendation per approved entry: ticker, action, confidence as approved; created_at the
// execution's decision time (market_data_agent's as_of when it ran, else agent_services.h's
// DecisionTimeMs); pipeline_id, pipeline_execution_id (executions.id) and signal_ids from the
// execution; reason_json the explanation that links them, following ledger_store.h's convention:
//   {"rule": <strategy rule>, "pipeline_id", "execution_id", "decided_at",
//    "signals": [{"signal_id", "signal_type", "bias", "confidence"}, ...]  (those naming the
//    ticker) "features": <market_data_agent's features of the ticker, or {}>, "bias": <bias_agent's
//    reading of the ticker>, "strategy": <strategy_agent's decision>}
// Output: {"recommendations": [{"id", "ticker", "action", "confidence"}], "written": N}.
//
// Delivery: a worker that dies after this node wrote and before the execution completed runs the
// execution again (the queue is at-least-once), which writes its recommendations again; the
// execution dispatcher's per-ticker daily limit and recommendation-rate gate bound what a
// duplicate can do. A write that fails fails the node; rows written before it stay PENDING.
//
// Config: {} (no settings; any key is rejected). No ledger configured is `failed_precondition`.
// Thread-safe (the ledger is).
#pragma once

#include "work/agent_services.h"

namespace sigflow {

class OrderManager final : public Agent {
 public:
  static constexpr std::string_view kType = "order_manager";

  explicit OrderManager(const AgentServices& services) : services_(services) {}

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;

 private:
  const AgentServices services_;
};

}  // namespace sigflow
