#include "cli/store_market_view.h"

namespace sigflow {

Result<std::optional<MarketBar>> StoreMarketView::LatestBar(std::string_view ticker,
                                                            int64_t as_of_ms) {
  auto stored = market_->LatestBar(ticker, as_of_ms);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<MarketBar>();
  return std::optional<MarketBar>(MarketBar{(*stored)->bar.ts_ms, (*stored)->bar.close});
}

Result<std::optional<MarketFeatures>> StoreMarketView::LatestFeatures(std::string_view ticker,
                                                                      int64_t as_of_ms) {
  auto rows = market_->LatestFeatures(ticker, as_of_ms, kFeatureScan);
  if (!rows.ok()) return rows.status();
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    if (it->computed_at_ms > as_of_ms) continue;  // not computed yet at as_of
    return std::optional<MarketFeatures>(
        MarketFeatures{it->ts_ms, it->computed_at_ms, it->recent_vol, it->atr});
  }
  return std::optional<MarketFeatures>();
}

}  // namespace sigflow
