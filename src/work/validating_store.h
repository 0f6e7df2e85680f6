// PipelineValidatingStore: a Store whose AddPipeline refuses a config.nodes the agent registry
// does not accept (an unknown agent_type, a bad node config), with AgentRegistry::Validate's
// message as `invalid_argument` — so that every path that saves pipelines through a Store (the
// CLI, the demo seeding, an API) gives the same clear error before anything is written. Every
// other call passes through (ForwardingStore). Thread-safety is the target's; the target and the
// registry must outlive it.
#pragma once

#include "store/forwarding_store.h"
#include "work/agent_registry.h"

namespace sigflow {

class PipelineValidatingStore final : public ForwardingStore {
 public:
  PipelineValidatingStore(Store* target, const AgentRegistry* registry)
      : ForwardingStore(target), registry_(registry) {}

  Result<Pipeline> AddPipeline(Pipeline pipeline) override {
    if (Status valid = registry_->Validate(pipeline.config_json); !valid.ok()) {
      return Status::InvalidArgument("invalid pipeline config: " + valid.message());
    }
    return ForwardingStore::AddPipeline(std::move(pipeline));
  }

 private:
  const AgentRegistry* const registry_;
};

}  // namespace sigflow
