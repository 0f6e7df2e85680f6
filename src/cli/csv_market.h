// A MarketView (risk/market_view.h) filled from a CSV file of bars, for `sigflow execute --bars`
// and `sigflow bench execute` (the store's market tables are read by StoreMarketView,
// store_market_view.h).
//
// Every bar of the file goes in, with the features computed from the bars before it
// (market/features.h, default periods); a feature row counts as computed at its bar's time, as
// if a feature computer had run when the bar closed. Files: the layouts of market/bar_csv.h.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "risk/in_memory_market_view.h"

namespace sigflow {

struct CsvMarketLoad {
  std::vector<std::string> tickers;
  size_t bars = 0;
  int64_t first_ms = 0, last_ms = 0;
};

// `not_found` / `bad_bar_data` naming the file and line (see CsvBarSource::Open).
Result<CsvMarketLoad> LoadCsvMarket(const std::string& path, InMemoryMarketView* view);

}  // namespace sigflow
