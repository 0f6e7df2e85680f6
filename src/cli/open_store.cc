#include "cli/open_store.h"

#include <iostream>

#include "store/sqlite/sqlite_store.h"

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
  auto store = OpenSqliteStore(settings.store_path);
  if (!store.ok()) {
    std::cerr << "sigflow: cannot open the store " << settings.store_path << ": "
              << store.status().message() << "\n";
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace sigflow
