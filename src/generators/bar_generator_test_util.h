// Test helper shared by the bar-driven generators' tests: a built-in generator made through the
// registry, as the CLI makes it. Tests only. A type or config the registry rejects, or a type that
// is not bar-driven, fails the calling test (with the reason) and returns nullptr.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "generators/bar_driven_generator.h"
#include "generators/generator_registry.h"

namespace sigflow::testing_util {

inline std::unique_ptr<BarDrivenGenerator> MakeBarGenerator(
    const std::string& type, const nlohmann::json& config = nlohmann::json::object()) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  auto gen = registry.Create(type, config);
  EXPECT_TRUE(gen.ok()) << gen.status().ToString();
  if (!gen.ok()) return nullptr;
  auto* bar_driven = dynamic_cast<BarDrivenGenerator*>(gen->get());
  EXPECT_NE(bar_driven, nullptr) << type << " is not a bar-driven generator";
  if (bar_driven == nullptr) return nullptr;
  gen->release();
  return std::unique_ptr<BarDrivenGenerator>(bar_driven);
}

}  // namespace sigflow::testing_util
