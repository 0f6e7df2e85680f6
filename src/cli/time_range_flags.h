// --since / --until / --today for the analytics commands.
#pragma once

#include <string>

#include "core/status.h"
#include "store/ledger_store.h"

namespace sigflow {

struct TimeRangeFlags {
  std::string since;   // ISO-8601 date or time (core/time_format.h); empty: no lower bound
  std::string until;   // exclusive; empty: no upper bound
  bool today = false;  // the current UTC day (of `now_ms`); not with --since / --until
};

// `invalid_argument` naming the flag when a time does not parse, --today is combined with the
// others, or the range is empty.
Result<TimeRange> ParseTimeRange(const TimeRangeFlags& flags, int64_t now_ms);

}  // namespace sigflow
