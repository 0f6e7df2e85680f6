// GeneratorRegistry: generator type name -> factory from a JSON config.
//
// Factories validate their config and fail with `invalid_argument` naming the key. The registry
// is filled at start-up (RegisterBuiltinGenerators) and read-only afterwards, so lookups are
// thread-safe once filled.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "generators/generator.h"

namespace sigflow {

class GeneratorRegistry {
 public:
  using Factory = std::function<Result<std::unique_ptr<SignalGenerator>>(const nlohmann::json&)>;

  void Register(std::string type, Factory factory);
  // `invalid_argument` listing the known types when `type` is unknown.
  Result<std::unique_ptr<SignalGenerator>> Create(const std::string& type,
                                                  const nlohmann::json& config) const;
  std::vector<std::string> Types() const;

 private:
  std::map<std::string, Factory> factories_;
};

// Registers every generator shipped with sigflow.
void RegisterBuiltinGenerators(GeneratorRegistry* registry);

}  // namespace sigflow
