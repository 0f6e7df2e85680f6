#include "trigger/batcher.h"

#include <chrono>

namespace sigflow {

std::string_view BatchCloseName(BatchClose reason) {
  switch (reason) {
    case BatchClose::kIdle:
      return "idle";
    case BatchClose::kSize:
      return "size";
    case BatchClose::kTimeout:
      return "timeout";
    case BatchClose::kBusEmpty:
      return "bus_empty";
    case BatchClose::kRevoke:
      return "revoke";
  }
  return "";
}

namespace {

// One Poll, straight into `out` or through `scratch` (see batcher.h). Returns how many records it
// brought.
Status PollInto(BusConsumer& consumer, size_t max, std::chrono::milliseconds wait,
                std::vector<BusRecord>* out, std::vector<BusRecord>* scratch, size_t* got) {
  if (scratch == nullptr) {
    const size_t before = out->size();
    Status status = consumer.Poll(max, wait, out);
    *got = out->size() - before;
    return status;
  }
  scratch->clear();
  Status status = consumer.Poll(max, wait, scratch);
  *got = scratch->size();
  for (auto& r : *scratch) out->push_back(std::move(r));
  scratch->clear();
  return status;
}

}  // namespace

Status CollectBatch(BusConsumer& consumer, const TriggerDispatcherOptions& options,
                    std::vector<BusRecord>* out, BatchClose* reason,
                    std::vector<BusRecord>* scratch) {
  using Clock = std::chrono::steady_clock;
  out->clear();
  const size_t limit = options.batch_size == 0 ? 1 : options.batch_size;
  size_t got = 0;
  Status status = PollInto(consumer, limit, options.idle_wait, out, scratch, &got);
  if (!status.ok()) return status;
  if (out->empty()) {
    *reason = BatchClose::kIdle;
    return Status::Ok();
  }
  const auto deadline = Clock::now() + options.batch_timeout;
  while (out->size() < limit) {
    const auto now = Clock::now();
    if (now >= deadline) {
      *reason = BatchClose::kTimeout;
      return Status::Ok();
    }
    // Natural batching takes only what is ready now; the seeds' timer mode waits for more.
    const auto wait = options.natural_batching
                          ? std::chrono::milliseconds(0)
                          : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    status = PollInto(consumer, limit - out->size(), wait, out, scratch, &got);
    if (!status.ok()) return status;
    if (got == 0 && options.natural_batching) {
      *reason = out->empty() ? BatchClose::kIdle : BatchClose::kBusEmpty;
      return Status::Ok();
    }
  }
  *reason = BatchClose::kSize;
  return Status::Ok();
}

}  // namespace sigflow
