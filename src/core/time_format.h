// Conversions between epoch milliseconds and ISO-8601 / RFC 3339 text, always in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigflow {

// Milliseconds in a UTC day (no leap seconds: epoch time has none).
inline constexpr int64_t kDayMs = 86'400'000;

// "2025-12-05T10:30:00Z", or "2025-12-05T10:30:00.250Z" when there are milliseconds.
std::string FormatIso8601(int64_t epoch_ms);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff...]]" with an optional "Z" or "+HH:MM"/"-HH:MM"
// offset (a space may replace the "T"); no offset means UTC. Returns nullopt on anything else.
std::optional<int64_t> ParseIso8601(std::string_view text);

}  // namespace sigflow
