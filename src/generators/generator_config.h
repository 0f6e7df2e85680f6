// ConfigReader: reads one generator's JSON config, checking every key, and reports all problems
// at once.
//
// Each getter returns the value of `key`, or the default when the key is absent (or null); a
// present value of the wrong type or out of range is recorded as an error and the default is
// returned, so reading can go on. Finish() then returns OK, or one `invalid_argument` listing
// every error, unknown keys included ("golden_cross.sma_short: expected an integer in [1, 1000],
// got 0; golden_cross: unknown config key 'sma_shrot'"). A config that is not an object is an
// error too. One reader per Create() call; not thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sigflow {

class ConfigReader {
 public:
  // `generator` prefixes every message (e.g. "golden_cross"). `config` must outlive the reader.
  ConfigReader(std::string generator, const nlohmann::json& config);

  int Int(const std::string& key, int default_value, int min, int max);
  double Number(const std::string& key, double default_value, double min, double max);
  // One of `allowed` (exact match).
  std::string String(const std::string& key, const std::string& default_value,
                     const std::vector<std::string>& allowed);
  // A list of symbols, normalised (core/ticker.h) and de-duplicated in order; absent: empty.
  std::vector<std::string> Tickers(const std::string& key);
  // Seconds in (0, 1e7], fractions allowed, as milliseconds.
  std::chrono::milliseconds Seconds(const std::string& key, double default_seconds);

  Status Finish();

 private:
  const nlohmann::json* Find(const std::string& key);
  void Fail(const std::string& key, const std::string& what);

  std::string generator_;
  const nlohmann::json& config_;
  std::set<std::string> read_;
  std::vector<std::string> errors_;
};

}  // namespace sigflow
