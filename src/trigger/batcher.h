// CollectBatch: takes one batch of records off a bus consumer, by DESIGN.md's batching rule.
//
// The batch closes at options.batch_size records, batch_timeout after its first record, or (with
// natural batching) as soon as the bus has nothing more ready. Returns OK with an empty batch
// when nothing arrived within options.idle_wait. Not thread-safe (one consumer, one thread).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"
#include "trigger/dispatcher_options.h"

namespace sigflow {

// kRevoke: flushed early because the bus was revoking partitions (see trigger_dispatcher.h).
enum class BatchClose : uint8_t { kIdle, kSize, kTimeout, kBusEmpty, kRevoke };
std::string_view BatchCloseName(BatchClose reason);

// Appends the batch to `*out` (cleared first) and reports why it closed.
//
// With `scratch`, every Poll fills `*scratch` and its records are moved to `*out` only once the
// Poll returned: while a Poll runs, `*out` holds exactly the records already handed over, so a
// revoke listener (bus.h) that runs inside the Poll may process them and clear `*out`; the batch
// then goes on with what the later Polls bring.
Status CollectBatch(BusConsumer& consumer, const TriggerDispatcherOptions& options,
                    std::vector<BusRecord>* out, BatchClose* reason,
                    std::vector<BusRecord>* scratch = nullptr);

}  // namespace sigflow
