// MarketStore: durable price bars (seed 003's `lane_telemetry`) and the features computed from
// them (`lane_features`), beside the Store's pipelines and queue, in the same database.
//
// Who calls it: the bar ingestion (`sigflow bars ingest`, replays that store their bars), the
// feature computation, the generators' store-backed bar source, and the readers of seed 003's
// risk path: the bar-freshness gate (LatestBar's ts_ms and ingested_at_ms), the feature-freshness
// gate (LatestFeature's computed_at_ms), the entry price (the latest bar's close), the stop
// distance (the features' recent_vol and atr).
//
// Implementations: the SQLite and the PostgreSQL stores implement it on the connection(s) they
// already hold (store/sqlite/sqlite_market.cc, store/postgres/postgres_market.cc); get it with
// MarketStoreOf(store). It lives exactly as long as that Store.
//
// Rows:
//  - A bar is keyed by (ticker, ts_ms). UpsertBars inserts the bars it has not seen, rewrites a
//    stored bar whose values differ (a vendor's correction), and leaves an identical one
//    untouched, ingested_at included: ingesting the same bars twice changes nothing and reports
//    them all `unchanged`. `ingested_at_ms` is the store Clock's time when the row was last
//    written. Prices and volume are stored as IEEE doubles and read back bit for bit.
//  - A feature row is keyed by (ticker, ts_ms), ts_ms being its bar's time. UpsertFeatures
//    writes every row given (a recomputation replaces the old one, computed_at_ms included):
//    computed_at_ms is when the numbers were computed, which the freshness gates compare with
//    now. An indicator that was not warmed up is stored as NULL and read back as nullopt.
//
// Validation (the whole call is refused, nothing written, `invalid_argument` naming the index
// and what is wrong): tickers must be normalised symbols (core/ticker.h; NormalizeTicker(t) ==
// t); bars must pass ValidateBar (market/bar_validation.h); feature values must be finite and
// the close > 0; one call must not hold the same (ticker, ts_ms) twice. Query tickers are
// normalised first (" aapl" reads AAPL); an invalid one is `invalid_argument`; a ticker with no
// rows gives an empty answer, not an error.
//
// Durability and atomicity: each write call is one transaction (all rows or none); a returned
// OK means committed. Reads see committed rows only. Failures as in store.h: `unavailable` when
// the database cannot be reached or stays busy, `internal` otherwise.
//
// Thread-safety: every method may be called from any thread, concurrently.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "market/bar.h"
#include "market/features.h"
#include "store/store.h"

namespace sigflow {

struct StoredBar {
  Bar bar;
  int64_t ingested_at_ms = 0;  // when this row was last written (store Clock)
};

struct BarWriteResult {
  int64_t inserted = 0;   // new (ticker, ts_ms)
  int64_t updated = 0;    // existed with other values, now rewritten
  int64_t unchanged = 0;  // existed with exactly these values
};

// One ticker's stored bars at a glance (`sigflow bars list`).
struct BarSeriesInfo {
  std::string ticker;
  int64_t bars = 0;
  int64_t first_ts_ms = 0;
  int64_t last_ts_ms = 0;
  int64_t last_ingested_at_ms = 0;  // the newest ingested_at of the ticker's rows
};

class MarketStore {
 public:
  static constexpr int64_t kNoLimitMs = std::numeric_limits<int64_t>::max();

  virtual ~MarketStore() = default;

  // ---- bars (lane_telemetry) ----
  virtual Result<BarWriteResult> UpsertBars(std::span<const Bar> bars) = 0;
  // The last `limit` (>= 1, else `invalid_argument`) bars of `ticker` with ts_ms <=
  // at_or_before_ms, in ascending time.
  virtual Result<std::vector<StoredBar>> LatestBars(std::string_view ticker,
                                                    int64_t at_or_before_ms, int limit) = 0;
  // Every bar of `ticker` with from_ms <= ts_ms <= to_ms, ascending (what a BarSource reads).
  virtual Result<std::vector<Bar>> ReadBars(std::string_view ticker, int64_t from_ms,
                                            int64_t to_ms) = 0;
  // One entry per ticker that has bars, by ticker.
  virtual Result<std::vector<BarSeriesInfo>> ListBarSeries() = 0;

  // ---- features (lane_features) ----
  // Returns the number of rows written (= rows.size()).
  virtual Result<int64_t> UpsertFeatures(std::span<const Features> rows) = 0;
  // The last `limit` (>= 1) feature rows of `ticker` with ts_ms <= at_or_before_ms, ascending.
  virtual Result<std::vector<Features>> LatestFeatures(std::string_view ticker,
                                                       int64_t at_or_before_ms, int limit) = 0;

  // ---- the single-row reads the risk gates make ----
  // The newest bar at or before the time; nullopt when the ticker has none.
  Result<std::optional<StoredBar>> LatestBar(std::string_view ticker,
                                             int64_t at_or_before_ms = kNoLimitMs) {
    auto rows = LatestBars(ticker, at_or_before_ms, 1);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<StoredBar>();
    return std::optional<StoredBar>(std::move(rows->back()));
  }
  // The newest feature row at or before the time; nullopt when the ticker has none.
  Result<std::optional<Features>> LatestFeature(std::string_view ticker,
                                                int64_t at_or_before_ms = kNoLimitMs) {
    auto rows = LatestFeatures(ticker, at_or_before_ms, 1);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<Features>();
    return std::optional<Features>(std::move(rows->back()));
  }
};

// The MarketStore side of `store` when it has one (both of sigflow's stores do; a wrapper such as
// ForwardingStore does not), else nullptr. Valid while `store` lives.
inline MarketStore* MarketStoreOf(Store* store) { return dynamic_cast<MarketStore*>(store); }

}  // namespace sigflow
