// The default of `sigflow run`: with no --replay, no --duration and no --mock it replays the
// bundled history of the 30 Dow stocks (data/dowjones30_1991_2001_close.csv) through the whole
// path on the replay clock — generators, the demo pipelines' agent chain, workers, the execution
// dispatcher — and ends with ledger rows, in well under 30 seconds.
//
// The replay emits the signals of the year 2000 (kDemoFrom; the decade before warms the
// indicators up), stores every bar and its features (lane_telemetry, lane_features) so that the
// agents and the risk gates read them, and settles each replayed day before the next.
#pragma once

#include <optional>
#include <string>

#include "cli/replay.h"

namespace sigflow {

inline constexpr char kDemoHistoryFile[] = "dowjones30_1991_2001_close.csv";
inline constexpr char kDemoFrom[] = "2000-01-01";

// The bundled file: ./data/<file> from the working directory (the repository root, where
// `make run` starts), else data/<file> in the binary's directory or one of its four parents
// (the build tree: <repository>/build/<preset>/src/cli/sigflow). nullopt when none exists.
std::optional<std::string> FindDemoHistory();

// The replay the default `sigflow run` makes over `file`.
ReplayFlags DemoReplayFlags(const std::string& file);

}  // namespace sigflow
