// Watchlist: the tickers the generators watch, from seed 004's watchlist JSON
// ({"version": "1.0", "description": "...", "tickers": ["AAPL", ...]}), at WATCHLIST_CONFIG_PATH.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace sigflow {

struct Watchlist {
  std::string version;
  std::string description;
  std::vector<std::string> tickers;  // upper-case, no duplicates, in file order
};

// Errors name the file and the key: `not_found` when the file is missing, `invalid_argument`
// for bad JSON or a bad/empty "tickers" list.
Result<Watchlist> LoadWatchlist(const std::string& path);

}  // namespace sigflow
