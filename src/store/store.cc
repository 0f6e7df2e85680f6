// Store's default batch calls: made of the one-at-a-time calls, for stores whose round trips cost
// little (see store.h).
#include "store/store.h"

namespace sigflow {

Result<std::vector<ClaimedExecution>> Store::ClaimExecutionsWithInputs(
    std::string_view worker, int max, std::chrono::milliseconds lease) {
  auto claimed = ClaimExecutions(worker, max, lease);
  if (!claimed.ok()) return claimed.status();
  std::vector<ClaimedExecution> out;
  out.reserve(claimed->size());
  for (Execution& execution : *claimed) out.push_back({std::move(execution), std::nullopt});
  return out;
}

std::vector<Status> Store::FinishExecutions(const std::vector<ExecutionOutcome>& outcomes) {
  std::vector<Status> statuses;
  statuses.reserve(outcomes.size());
  for (const ExecutionOutcome& o : outcomes) {
    if (!statuses.empty() && statuses.back().code() == "unavailable") {
      statuses.push_back(statuses.back());  // the store is down: do not knock on it again
      continue;
    }
    statuses.push_back(o.completed ? CompleteExecution(o.execution_id, o.worker, o.text)
                                   : FailExecution(o.execution_id, o.worker, o.text));
  }
  return statuses;
}

}  // namespace sigflow
