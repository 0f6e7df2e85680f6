// Pipeline: a user's trading pipeline, as stored (seed columns of the `pipelines` table).
//
// A signal-mode pipeline is woken when a signal names one of its scanner_tickers; a periodic one
// runs on its schedule (time_trigger). config_json holds {"nodes": [{"agent_type": ..., "config":
// {...}}, ...]}, the agents run in order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigflow {

enum class TriggerMode : uint8_t { kPeriodic, kSignal };

std::string_view TriggerModeName(TriggerMode mode);  // "periodic" | "signal"
std::optional<TriggerMode> ParseTriggerMode(std::string_view text);

struct Pipeline {
  std::string id;  // UUID text; assigned by the store when empty
  std::string name;
  std::string description;
  std::string user_id;
  TriggerMode trigger_mode = TriggerMode::kPeriodic;
  std::vector<std::string> scanner_tickers;
  bool is_active = true;
  std::string config_json = "{}";
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

}  // namespace sigflow
