// Test helper shared by the bar-driven generators' tests: a built-in generator made through the
// registry, as the CLI makes it. Tests only. A type or config the registry rejects fails the
// calling test (with the registry's message) and returns nullptr.
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
  return std::unique_ptr<BarDrivenGenerator>(
      dynamic_cast<BarDrivenGenerator*>(std::move(gen).value().release()));
}

}  // namespace sigflow::testing_util
