#include "cli/time_range_flags.h"

#include "core/time_format.h"

namespace sigflow {

Result<TimeRange> ParseTimeRange(const TimeRangeFlags& flags, int64_t now_ms) {
  TimeRange range;
  if (flags.today) {
    if (!flags.since.empty() || !flags.until.empty()) {
      return Status::InvalidArgument("--today cannot be combined with --since or --until");
    }
    range.since_ms = now_ms - ((now_ms % kDayMs) + kDayMs) % kDayMs;
    range.until_ms = range.since_ms + kDayMs;
    return range;
  }
  for (auto [flag, text, out] : {std::tuple{"--since", &flags.since, &range.since_ms},
                                 std::tuple{"--until", &flags.until, &range.until_ms}}) {
    if (text->empty()) continue;
    auto ms = ParseIso8601(*text);
    if (!ms) {
      return Status::InvalidArgument(std::string(flag) +
                                     ": expected a date or time like 2024-03-04 or "
                                     "2024-03-04T15:00:00Z, got '" +
                                     *text + "'");
    }
    *out = *ms;
  }
  if (range.since_ms >= range.until_ms) {
    return Status::InvalidArgument("--since must be before --until");
  }
  return range;
}

}  // namespace sigflow
