#include "cli/bar_refresh.h"

#include <cstdlib>
#include <limits>

#include "market/features.h"
#include "obs/log.h"

namespace sigflow {

Result<FinnhubOptions> FinnhubFromEnv() {
  FinnhubOptions options;
  if (const char* key = std::getenv("FINNHUB_API_KEY")) options.api_key = key;
  if (const char* url = std::getenv("FINNHUB_BASE_URL"); url && *url) options.base_url = url;
  if (const char* calls = std::getenv("FINNHUB_CALLS_PER_MINUTE"); calls && *calls) {
    char* end = nullptr;
    const long n = std::strtol(calls, &end, 10);
    if (*end != '\0' || n < 1 || n > 100000) {
      return Status::InvalidArgument(
          std::string("FINNHUB_CALLS_PER_MINUTE: expected an integer from 1 to 100000, got '") +
          calls + "'");
    }
    options.calls_per_minute = static_cast<int>(n);
  }
  return options;
}

Result<int64_t> RecomputeFeatures(MarketStore* market, const std::string& ticker) {
  auto bars = market->ReadBars(ticker, std::numeric_limits<int64_t>::min(),
                               std::numeric_limits<int64_t>::max());
  if (!bars.ok()) return bars.status();
  FeatureComputer computer(ticker);
  std::vector<Features> rows(bars->size());
  for (size_t i = 0; i < bars->size(); ++i) {
    if (Status s = computer.Update((*bars)[i], &rows[i]); !s.ok()) return s;
  }
  return market->UpsertFeatures(rows);
}

Status BarRefresher::Generate(int64_t now_ms, std::vector<Signal>* /*out*/) {
  Status first_error;
  auto note = [&first_error](const Status& s) {
    if (first_error.ok()) first_error = s;
  };
  for (const std::string& ticker : tickers_) {
    BarQuery query;
    query.ticker = ticker;
    query.to_ms = now_ms;
    auto latest = market_->LatestBar(ticker);
    if (!latest.ok()) {
      note(latest.status());
      continue;
    }
    if (*latest) query.from_ms = (*latest)->bar.ts_ms;
    std::vector<Bar> bars;
    if (Status s = remote_->Read(query, &bars); !s.ok()) {
      note(Status::Error(s.code(), ticker + ": " + s.message()));
      continue;
    }
    if (bars.empty()) continue;
    auto written = market_->UpsertBars(bars);
    if (!written.ok()) {
      note(written.status());
      continue;
    }
    if (written->inserted + written->updated == 0) continue;
    auto features = RecomputeFeatures(market_, ticker);
    if (!features.ok()) note(features.status());
    log::Info("bars_refreshed", {{"ticker", ticker},
                                 {"source", "finnhub"},
                                 {"inserted", written->inserted},
                                 {"updated", written->updated}});
  }
  return first_error;
}

}  // namespace sigflow
