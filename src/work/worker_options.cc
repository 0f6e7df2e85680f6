#include "work/worker_options.h"

#include <utility>
#include <vector>

namespace sigflow {

Status WorkerOptions::Validate() const {
  std::vector<std::string> errors;
  if (threads < 1) errors.push_back("threads must be >= 1");
  if (lease.count() <= 0) errors.push_back("lease must be > 0");
  if (claim_batch < 1) errors.push_back("claim_batch must be >= 1");
  if (record_wait.count() < 0) errors.push_back("record_wait must be >= 0");
  if (idle_poll.count() <= 0) errors.push_back("idle_poll must be > 0");
  if (max_attempts < 1) errors.push_back("max_attempts must be >= 1");
  if (reap_interval.count() <= 0) errors.push_back("reap_interval must be > 0");
  if (renew_interval.count() < 0) errors.push_back("renew_interval must be >= 0");
  if (lease.count() > 0 && renew_interval >= lease) {
    errors.push_back("renew_interval must be shorter than the lease");
  }
  if (worker_id_prefix.empty()) errors.push_back("worker_id_prefix must not be empty");
  if (errors.empty()) return Status::Ok();
  std::string message = "invalid worker options: ";
  for (size_t i = 0; i < errors.size(); ++i) message += (i ? "; " : "") + errors[i];
  return Status::InvalidArgument(std::move(message));
}

}  // namespace sigflow
