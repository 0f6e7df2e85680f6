// Helpers shared by the subcommands: settings, logging and the store, opened with one clear
// error message each (printed to stderr) instead of a crash.
#pragma once

#include <memory>
#include <optional>

#include "cli/settings.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

// Loads settings (printing every bad value), applies LOG_LEVEL. nullopt after printing errors.
std::optional<Settings> LoadSettingsOrPrint(const SettingFlags& flags);
// Opens and migrates the store at settings.store_path; nullptr after printing the error.
std::unique_ptr<Store> OpenStoreOrPrint(const Settings& settings);

// The store named by `store_flag` (or SIGFLOW_STORE, ...) and the ledger over it, for the
// execution-side commands. On failure `ledger` is null and `exit_code` says why (the error was
// printed, prefixed with `command`).
struct OpenedLedger {
  std::unique_ptr<Store> store;
  std::unique_ptr<LedgerStore> ledger;
  int exit_code = 0;
  std::optional<Settings> settings;
};
OpenedLedger OpenLedgerOrPrint(const std::string& store_flag, const char* command);

}  // namespace sigflow
