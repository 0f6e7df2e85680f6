// Execution: one run of a pipeline, queued by the trigger dispatcher and claimed by a worker.
//
// State machine: PENDING -> RUNNING -> COMPLETED | FAILED. A RUNNING execution whose lease has
// expired (its worker died) is reaped back to PENDING while attempts < max_attempts, else FAILED.
// At most one execution per pipeline is PENDING or RUNNING at any time (the store enforces it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigflow {

enum class ExecutionStatus : uint8_t { kPending, kRunning, kCompleted, kFailed };

std::string_view ExecutionStatusName(ExecutionStatus status);  // "PENDING", ...
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view text);

struct Execution {
  int64_t id = 0;
  std::string pipeline_id;
  ExecutionStatus status = ExecutionStatus::kPending;
  bool triggered_by_signal = false;
  std::vector<std::string> signal_ids;  // waking signal first, then the batch's other matches
  std::string result_json;              // set when COMPLETED
  std::string error;                    // set when FAILED
  int attempts = 0;                     // claims so far
  std::string lease_owner;              // worker id while RUNNING
  int64_t lease_expires_at_ms = 0;
  int64_t created_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
};

}  // namespace sigflow
