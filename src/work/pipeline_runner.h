// PipelineRunner: runs the agents of one claimed execution's pipeline and says what to record.
//
// Run(execution), for an execution the caller has claimed (it is RUNNING under the caller's
// lease):
//  1. loads the pipeline; one removed since the execution was queued fails the execution
//     ("pipeline '<id>' not found: it was removed after this execution was queued");
//  2. parses config.nodes with AgentRegistry::ParseNodes — every node is checked before any runs,
//     so a bad node N fails the execution with no side effect of nodes 0..N-1 (e.g. "invalid
//     pipeline config: unknown agent_type 'x' at node 2 (known: ...)", listing the registered
//     types);
//  3. loads the triggering signals (Store::LoadSignals(execution.signal_ids)) and decodes them;
//  4. runs the nodes in order, each seeing the outputs of the ones before; the first node that
//     fails (or throws) fails the execution ("node 1 (bias_agent) failed: <code>: <message>") and
//     the nodes after it do not run.
// A COMPLETED execution's result is
//   {"nodes": [{"agent_type": "...", "output": {...}, "duration_ms": 1.234}, ...],
//    "signals": ["<id>", ...]}
// where "signals" lists the signals the agents saw, and "missing_signals" (only when non-empty)
// the execution's signal ids no longer in the history. A pipeline without nodes completes with
// {"nodes": [], "signals": [...]}.
//
// A transient store failure (`unavailable`) while loading does not fail the execution: the
// outcome is kAbandoned and nothing is recorded: the caller may run it again (the worker pool
// does, while its lease holds), or let its lease run out so that the reaper queues it again
// (bounded by max_attempts). The same holds when `keep_going` (checked before every node)
// says the lease was lost.
//
// Thread-safe: one runner may serve every worker thread. `store` and `registry` must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/execution.h"
#include "core/status.h"
#include "store/store.h"
#include "work/agent_registry.h"

namespace sigflow {

struct RunOutcome {
  enum class Kind : uint8_t {
    kCompleted,  // result_json is set: CompleteExecution
    kFailed,     // error is set: FailExecution
    kAbandoned,  // error says why; record nothing and let the lease expire
  };
  Kind kind = Kind::kFailed;
  std::string result_json;
  std::string error;
  int nodes_run = 0;  // nodes that returned OK
  // The pipeline no longer exists (kFailed). A store may remove a pipeline's executions with it
  // (SQLite cascades), so recording this failure can then find no execution (`conflict`).
  bool pipeline_removed = false;
};

class PipelineRunner {
 public:
  PipelineRunner(Store* store, const AgentRegistry* registry);

  // Runs `execution` (steps above). Never throws; never writes to the store. `keep_going`, when
  // set, is called before each node; returning false abandons the run.
  RunOutcome Run(const Execution& execution,
                 const std::function<bool()>& keep_going = nullptr) const;
  // The same with the pipeline and signals already read (Store::ClaimExecutionsWithInputs):
  // steps 1 and 3 use `inputs` instead of the store, so this makes no store call at all.
  RunOutcome Run(const Execution& execution, ExecutionInputs inputs,
                 const std::function<bool()>& keep_going = nullptr) const;

  // What to record for `outcome` of `execution`, claimed under lease owner `worker`, with
  // Store::FinishExecutions: COMPLETED with the result or FAILED with the error; nullopt for
  // kAbandoned (record nothing; the lease runs out). A view into `outcome`, which must outlive it.
  static std::optional<ExecutionOutcome> ToRecord(const Execution& execution,
                                                  std::string_view worker,
                                                  const RunOutcome& outcome);

 private:
  Store* const store_;
  const AgentRegistry* const registry_;
};

}  // namespace sigflow
