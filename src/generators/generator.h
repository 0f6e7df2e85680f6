// SignalGenerator: a source of market signals (seed 004's BaseSignalGenerator).
//
// A generator is configured once (from JSON) and then asked, on its interval, for the signals it
// sees now. Generate() is called from one thread at a time for a given instance; it returns
// failure as a Status (e.g. market data unavailable) and the runner logs it and carries on.
// To add a generator: write the class and add one line to generators/builtin_generators.cc
// (see README.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/signal.h"
#include "core/status.h"

namespace sigflow {

class SignalGenerator {
 public:
  virtual ~SignalGenerator() = default;
  // The registry name, also the signals' `source` (e.g. "mock_generator").
  virtual std::string_view name() const = 0;
  virtual std::chrono::milliseconds interval() const = 0;
  // Appends the signals seen at `now_ms` (epoch milliseconds) to `*out`.
  virtual Status Generate(int64_t now_ms, std::vector<Signal>* out) = 0;
};

}  // namespace sigflow
