#include "cli/open_store.h"

#include <iostream>

#include "cli/adapters.h"
#include "cli/commands.h"

namespace sigflow {

std::optional<Settings> LoadSettingsOrPrint(const SettingFlags& flags) {
  auto settings = LoadSettings(flags);
  if (!settings.ok()) {
    std::cerr << "sigflow: bad configuration:\n" << settings.status().message() << "\n";
    return std::nullopt;
  }
  log::SetLevel(settings->log_level);
  return std::move(settings).value();
}

std::unique_ptr<Store> OpenStoreOrPrint(const Settings& settings) {
  auto store = OpenStore(settings);
  if (!store.ok()) {
    std::cerr << "sigflow: " << store.status().message() << "\n";
    return nullptr;
  }
  return std::move(store).value();
}

OpenedLedger OpenLedgerOrPrint(const std::string& store_flag, const char* command) {
  OpenedLedger opened;
  opened.settings = LoadSettingsOrPrint(SettingFlags{store_flag, std::nullopt});
  if (!opened.settings) {
    opened.exit_code = kExitUsage;
    return opened;
  }
  opened.store = OpenStoreOrPrint(*opened.settings);
  if (!opened.store) {
    opened.exit_code = kExitFailure;
    return opened;
  }
  auto ledger = OpenLedger(opened.store.get(), *opened.settings);
  if (!ledger.ok()) {
    std::cerr << command << ": " << ledger.status().message() << "\n";
    opened.exit_code = kExitFailure;
    return opened;
  }
  opened.ledger = std::move(ledger).value();
  return opened;
}

}  // namespace sigflow
