// Embedded log: the default Bus, a durable signal log kept in a table of the embedded SQLite
// database (the same file as the store), with Kafka's semantics (see bus/bus.h).
//
// One partition (0); offsets are the log's row ids. Consumer groups keep their committed position
// in a table of the same file, so a group survives restarts and is shared by every process that
// opens the file. A group with no committed position that starts at `latest` records the end of
// the log when its first consumer opens, so records published while no consumer runs are not
// skipped later. A consumer waiting in Poll() is woken at once by a producer of the same process,
// and within a few milliseconds by one of another process. Every consumer of a group reads the
// whole log (there is no partition assignment): run one consumer per group. Committed positions
// only move forward. Durability: a committed record survives a crash of the process; see
// sqlite/database.h (synchronous=NORMAL) for an OS crash or power cut.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/status.h"

namespace sigflow {

inline constexpr char kDefaultSignalTopic[] = "trading-signals";

// `path` is the database file (created when absent, with its tables). `clock` stamps published
// records and must outlive the producer. Both fail with `unavailable` naming the path.
Result<std::unique_ptr<BusProducer>> OpenEmbeddedProducer(
    const std::string& path, const std::string& topic, const Clock* clock = SystemClock::Default());

Result<std::unique_ptr<BusConsumer>> OpenEmbeddedConsumer(const std::string& path,
                                                          const std::string& topic,
                                                          const std::string& group,
                                                          OffsetReset reset);

}  // namespace sigflow
