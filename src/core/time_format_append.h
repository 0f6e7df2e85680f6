// AppendIso8601: FormatIso8601 (core/time_format.h) appending to a caller's string, so that hot
// paths (EncodeSignal) format timestamps without allocating in steady state.
//
// Declared apart from core/time_format.h only to keep that header's edit out of this change; both
// are implemented in time_format.cc.
#pragma once

#include <cstdint>
#include <string>

namespace sigflow {

// Appends exactly the text FormatIso8601(epoch_ms) returns. `out` must not be null.
void AppendIso8601(int64_t epoch_ms, std::string* out);

}  // namespace sigflow
