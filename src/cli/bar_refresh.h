// Keeping the store's bars current from Finnhub: the options from the environment, the features
// recomputation shared with `sigflow bars ingest|fetch`, and the live refresher.
//
// BarRefresher (`sigflow generate|run --refresh-bars`) is a task on the GeneratorRunner: it
// emits no signals, and on each tick fetches every watchlist ticker's bars since its newest
// stored one (its newest bar is fetched again, so a day still trading is brought up to date;
// without any stored bar, the source's default history, 730 days), stores them and recomputes
// the ticker's features when anything changed. The bar-driven generators read those bars from
// the store on their own next tick. Running as its own task, on its own runner thread, one
// refresher serves every generator with one request per ticker, and its waits for the Finnhub
// quota (the source's 60 calls/minute limiter) never hold a generator's tick.
// Errors: a ticker's failed fetch or write is returned after the other tickers have been done
// (the runner logs it and the next tick tries again).
// Thread-safety: one tick at a time (SignalGenerator); `remote` and `market` are thread-safe
// and must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "generators/generator.h"
#include "market/bar_source.h"
#include "market/finnhub/finnhub_bar_source.h"
#include "store/market_store.h"

namespace sigflow {

// FINNHUB_API_KEY, FINNHUB_BASE_URL, FINNHUB_CALLS_PER_MINUTE; `invalid_argument` naming a bad
// value. A missing key is left for FinnhubBarSource::Open to refuse.
Result<FinnhubOptions> FinnhubFromEnv();

// Recomputes the features of `ticker` over every stored bar, so that a file of recent bars
// extends the history instead of restarting the indicators' warm-up. Returns the rows written.
Result<int64_t> RecomputeFeatures(MarketStore* market, const std::string& ticker);

class BarRefresher final : public SignalGenerator {
 public:
  BarRefresher(std::shared_ptr<const BarSource> remote, MarketStore* market,
               std::vector<std::string> tickers, std::chrono::milliseconds interval)
      : remote_(std::move(remote)),
        market_(market),
        tickers_(std::move(tickers)),
        interval_(interval) {}

  std::string_view name() const override { return "finnhub_bar_refresh"; }
  std::chrono::milliseconds interval() const override { return interval_; }
  // Appends nothing to `out`; see above.
  Status Generate(int64_t now_ms, std::vector<Signal>* out) override;

 private:
  std::shared_ptr<const BarSource> remote_;
  MarketStore* market_;
  std::vector<std::string> tickers_;
  std::chrono::milliseconds interval_;
};

}  // namespace sigflow
