#include "risk/in_memory_market_view.h"

#include <algorithm>

namespace sigflow {
namespace {

// Inserts `row` into `rows` (sorted by ts_ms), replacing a row of the same ts_ms.
template <typename Row>
void Upsert(std::vector<Row>* rows, const Row& row) {
  auto it = std::lower_bound(rows->begin(), rows->end(), row.ts_ms,
                             [](const Row& r, int64_t ts) { return r.ts_ms < ts; });
  if (it != rows->end() && it->ts_ms == row.ts_ms) {
    *it = row;
  } else {
    rows->insert(it, row);
  }
}

// The last row with ts_ms <= as_of that `visible` accepts, scanning back from there.
template <typename Row, typename Visible>
std::optional<Row> LatestAsOf(const std::vector<Row>& rows, int64_t as_of, Visible visible) {
  auto it = std::upper_bound(rows.begin(), rows.end(), as_of,
                             [](int64_t ts, const Row& r) { return ts < r.ts_ms; });
  while (it != rows.begin()) {
    --it;
    if (visible(*it)) return *it;
  }
  return std::nullopt;
}

}  // namespace

void InMemoryMarketView::PutBar(std::string_view ticker, const MarketBar& bar) {
  std::lock_guard lock(mu_);
  Upsert(&bars_[std::string(ticker)], bar);
}

void InMemoryMarketView::PutFeatures(std::string_view ticker, const MarketFeatures& features) {
  std::lock_guard lock(mu_);
  Upsert(&features_[std::string(ticker)], features);
}

void InMemoryMarketView::FailNext(std::string message) {
  std::lock_guard lock(mu_);
  fail_next_ = std::move(message);
}

Result<std::optional<MarketBar>> InMemoryMarketView::LatestBar(std::string_view ticker,
                                                               int64_t as_of_ms) {
  std::lock_guard lock(mu_);
  if (!fail_next_.empty()) return Status::Unavailable(std::exchange(fail_next_, ""));
  auto it = bars_.find(ticker);
  if (it == bars_.end()) return std::optional<MarketBar>();
  return LatestAsOf(it->second, as_of_ms, [](const MarketBar&) { return true; });
}

Result<std::optional<MarketFeatures>> InMemoryMarketView::LatestFeatures(std::string_view ticker,
                                                                         int64_t as_of_ms) {
  std::lock_guard lock(mu_);
  if (!fail_next_.empty()) return Status::Unavailable(std::exchange(fail_next_, ""));
  auto it = features_.find(ticker);
  if (it == features_.end()) return std::optional<MarketFeatures>();
  return LatestAsOf(it->second, as_of_ms,
                    [as_of_ms](const MarketFeatures& f) { return f.computed_at_ms <= as_of_ms; });
}

}  // namespace sigflow
