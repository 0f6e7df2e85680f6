#include "cli/csv_market.h"

#include <map>

#include "market/csv_bar_source.h"
#include "market/features.h"

namespace sigflow {

Result<CsvMarketLoad> LoadCsvMarket(const std::string& path, InMemoryMarketView* view) {
  auto source = CsvBarSource::Open(path);
  if (!source.ok()) return source.status();
  CsvMarketLoad load;
  ManualClock computed_at;  // the bar's time: see the header
  std::map<std::string, FeatureComputer> computers;
  for (const Bar& bar : (*source)->bars()) {
    auto it = computers.find(bar.ticker);
    if (it == computers.end()) {
      it =
          computers.emplace(bar.ticker, FeatureComputer(bar.ticker, FeatureOptions{}, &computed_at))
              .first;
    }
    computed_at.SetMs(bar.ts_ms);
    Features f;
    if (Status s = it->second.Update(bar, &f); !s.ok()) {
      return Status::Error(s.code(), path + ": " + bar.ticker + ": " + s.message());
    }
    view->PutBar(bar.ticker, MarketBar{bar.ts_ms, bar.close});
    view->PutFeatures(bar.ticker, MarketFeatures{f.ts_ms, f.computed_at_ms, f.recent_vol, f.atr});
    if (load.bars == 0) load.first_ms = bar.ts_ms;
    load.last_ms = std::max(load.last_ms, bar.ts_ms);
    ++load.bars;
  }
  for (const auto& [ticker, computer] : computers) load.tickers.push_back(ticker);
  return load;
}

}  // namespace sigflow
