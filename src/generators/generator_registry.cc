#include "generators/generator_registry.h"

namespace sigflow {

void GeneratorRegistry::Register(std::string type, Factory factory) {
  factories_[std::move(type)] = std::move(factory);
}

Result<std::unique_ptr<SignalGenerator>> GeneratorRegistry::Create(
    const std::string& type, const nlohmann::json& config) const {
  auto it = factories_.find(type);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [name, factory] : factories_) known += (known.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("unknown generator '" + type + "' (known: " + known + ")");
  }
  return it->second(config);
}

std::vector<std::string> GeneratorRegistry::Types() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_) out.push_back(name);
  return out;
}

}  // namespace sigflow
