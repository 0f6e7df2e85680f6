// Embedded log: the default Bus, a durable signal log kept in a table of the embedded SQLite
// database (the same file as the store), with Kafka's semantics (see bus/bus.h).
//
// One partition (0); offsets are the log's row ids. Consumer groups keep their committed position
// in a table of the same file, so a group survives restarts and is shared by every process that
// opens the file. A consumer waiting in Poll() is woken at once by a producer of the same process,
// and within a few milliseconds by one of another process.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/status.h"

namespace sigflow {

inline constexpr char kDefaultSignalTopic[] = "trading-signals";

// `path` is the database file (created when absent). `clock` stamps published records.
Result<std::unique_ptr<BusProducer>> OpenEmbeddedProducer(const std::string& path,
                                                          const std::string& topic,
                                                          const Clock* clock = SystemClock::Default());

Result<std::unique_ptr<BusConsumer>> OpenEmbeddedConsumer(const std::string& path,
                                                          const std::string& topic,
                                                          const std::string& group,
                                                          OffsetReset reset);

}  // namespace sigflow
