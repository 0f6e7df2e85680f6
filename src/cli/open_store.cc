#include "cli/open_store.h"

#include <iostream>

#include "cli/adapters.h"

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

}  // namespace sigflow
