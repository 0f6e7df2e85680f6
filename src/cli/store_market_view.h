// StoreMarketView: the execution dispatcher's MarketView (risk/market_view.h) over the store's
// market tables (store/market_store.h: bars in lane_telemetry, features in lane_features).
//
// LatestBar(ticker, as_of) is the newest stored bar with ts_ms <= as_of. LatestFeatures(ticker,
// as_of) is the newest feature row with ts_ms <= as_of whose computed_at_ms <= as_of, looked for
// among the newest kFeatureScan rows at or before as_of: a row computed after as_of (a later
// recomputation, or features computed on the wall clock read by a decision made "as of" the past)
// is not visible then, and if none of those rows is visible the answer is nullopt (the
// feature-freshness gate's FEATURES_MISSING) rather than a scan of the whole history.
//
// Lives in src/cli because it joins two seams (risk's MarketView and the store's MarketStore);
// it depends on their interfaces only. Thread-safe as the MarketStore is. `market` must outlive
// it.
#pragma once

#include "risk/market_view.h"
#include "store/market_store.h"

namespace sigflow {

class StoreMarketView final : public MarketView {
 public:
  static constexpr int kFeatureScan = 8;

  explicit StoreMarketView(MarketStore* market) : market_(market) {}

  Result<std::optional<MarketBar>> LatestBar(std::string_view ticker, int64_t as_of_ms) override;
  Result<std::optional<MarketFeatures>> LatestFeatures(std::string_view ticker,
                                                       int64_t as_of_ms) override;

 private:
  MarketStore* const market_;
};

}  // namespace sigflow
