// InMemoryMarketView: a MarketView over bars and features held in memory, for tests, benchmarks
// and replays that compute features in process.
//
// Thread-safe (one mutex; writers and readers may run at once). Rows may be added in any order;
// each ticker's rows are kept sorted by ts_ms (a row with the ts_ms of an existing one replaces
// it). Lookups are O(log n) per ticker. FailNext() makes the next lookup fail with `unavailable`,
// so that tests can exercise the dispatcher's error path.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "risk/market_view.h"

namespace sigflow {

class InMemoryMarketView final : public MarketView {
 public:
  void PutBar(std::string_view ticker, const MarketBar& bar);
  void PutFeatures(std::string_view ticker, const MarketFeatures& features);
  // The next LatestBar or LatestFeatures call fails with `unavailable` and `message`.
  void FailNext(std::string message);

  Result<std::optional<MarketBar>> LatestBar(std::string_view ticker, int64_t as_of_ms) override;
  Result<std::optional<MarketFeatures>> LatestFeatures(std::string_view ticker,
                                                       int64_t as_of_ms) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<MarketBar>, std::less<>> bars_;           // guarded by mu_
  std::map<std::string, std::vector<MarketFeatures>, std::less<>> features_;  // guarded by mu_
  std::string fail_next_;                                                     // guarded by mu_
};

}  // namespace sigflow
