#include "cli/demo_replay.h"

#include <filesystem>
#include <system_error>

namespace sigflow {

std::optional<std::string> FindDemoHistory() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path here = fs::path("data") / kDemoHistoryFile;
  if (fs::exists(here, ec)) return here.string();
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  // The build tree puts the binary at <repository>/build/<preset>/src/cli/sigflow.
  fs::path dir = exe.parent_path();
  for (int up = 0; up < 5 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path candidate = dir / "data" / kDemoHistoryFile;
    if (fs::exists(candidate, ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

ReplayFlags DemoReplayFlags(const std::string& file) {
  ReplayFlags flags;
  flags.file = file;
  flags.from = kDemoFrom;
  flags.store_bars = true;
  return flags;
}

}  // namespace sigflow
