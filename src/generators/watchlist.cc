#include "generators/watchlist.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/ticker.h"

namespace sigflow {

Result<Watchlist> LoadWatchlist(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("watchlist " + path + ": cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("watchlist " + path + ": not valid JSON");
  if (!doc.is_object())
    return Status::InvalidArgument("watchlist " + path + ": expected an object");
  Watchlist out;
  if (doc.contains("version")) {
    if (!doc["version"].is_string()) {
      return Status::InvalidArgument("watchlist " + path + ": \"version\" must be a string");
    }
    out.version = doc["version"].get<std::string>();
  }
  if (doc.contains("description") && doc["description"].is_string()) {
    out.description = doc["description"].get<std::string>();
  }
  if (!doc.contains("tickers") || !doc["tickers"].is_array()) {
    return Status::InvalidArgument("watchlist " + path + ": \"tickers\" must be a list of symbols");
  }
  for (const auto& t : doc["tickers"]) {
    if (!t.is_string()) {
      return Status::InvalidArgument("watchlist " + path + ": \"tickers\" entry " + t.dump() +
                                     " is not a string");
    }
    auto symbol = NormalizeTicker(t.get<std::string>());
    if (!symbol) {
      return Status::InvalidArgument("watchlist " + path + ": \"tickers\" entry \"" +
                                     t.get<std::string>() + "\" is not a ticker symbol");
    }
    if (std::find(out.tickers.begin(), out.tickers.end(), *symbol) == out.tickers.end()) {
      out.tickers.push_back(std::move(*symbol));
    }
  }
  if (out.tickers.empty()) {
    return Status::InvalidArgument("watchlist " + path + ": \"tickers\" is empty");
  }
  return out;
}

}  // namespace sigflow
