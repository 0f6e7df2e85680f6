// Structured logging: one JSON object per line on stderr, with the seeds' event names.
//
//   {"timestamp":"2025-12-09T15:30:00.123Z","level":"info","event":"batch_enqueue_completed",
//    "enqueued":2,"skipped_running":1}
//
// Thread-safe. The level comes from LOG_LEVEL (DEBUG, INFO, WARNING, ERROR; default INFO).
// Callers on hot paths check Enabled() before building fields, so a disabled per-signal debug
// line costs one atomic load.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace sigflow::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

std::optional<Level> ParseLevel(std::string_view text);  // case-insensitive; WARN == WARNING
void SetLevel(Level level);
bool Enabled(Level level);

void Event(Level level, std::string_view event, const nlohmann::json& fields = nlohmann::json());

inline void Debug(std::string_view event, const nlohmann::json& fields = nlohmann::json()) {
  if (Enabled(Level::kDebug)) Event(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, const nlohmann::json& fields = nlohmann::json()) {
  Event(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event, const nlohmann::json& fields = nlohmann::json()) {
  Event(Level::kWarning, event, fields);
}
inline void Error(std::string_view event, const nlohmann::json& fields = nlohmann::json()) {
  Event(Level::kError, event, fields);
}

}  // namespace sigflow::log
