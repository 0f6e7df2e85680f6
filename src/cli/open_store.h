// Helpers shared by the subcommands: settings, logging and the store, opened with one clear
// error message each (printed to stderr) instead of a crash.
#pragma once

#include <memory>
#include <optional>

#include "cli/settings.h"
#include "store/store.h"

namespace sigflow {

// Loads settings (printing every bad value), applies LOG_LEVEL. nullopt after printing errors.
std::optional<Settings> LoadSettingsOrPrint(const SettingFlags& flags);
// Opens and migrates the store at settings.store_path; nullptr after printing the error.
std::unique_ptr<Store> OpenStoreOrPrint(const Settings& settings);

}  // namespace sigflow
