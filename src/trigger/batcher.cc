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
  }
  return "";
}

Status CollectBatch(BusConsumer& consumer, const TriggerDispatcherOptions& options,
                    std::vector<BusRecord>* out, BatchClose* reason) {
  using Clock = std::chrono::steady_clock;
  out->clear();
  const size_t limit = options.batch_size == 0 ? 1 : options.batch_size;
  Status status = consumer.Poll(limit, options.idle_wait, out);
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
    const size_t before = out->size();
    status = consumer.Poll(limit - before, wait, out);
    if (!status.ok()) return status;
    if (out->size() == before && options.natural_batching) {
      *reason = BatchClose::kBusEmpty;
      return Status::Ok();
    }
  }
  *reason = BatchClose::kSize;
  return Status::Ok();
}

}  // namespace sigflow
