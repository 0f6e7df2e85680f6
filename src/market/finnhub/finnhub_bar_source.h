// FinnhubBarSource: a BarSource (market/bar_source.h) over Finnhub's REST API, daily candles
// (GET {base_url}/stock/candle?symbol=S&resolution=D&from=SECONDS&to=SECONDS; the key goes in
// the X-Finnhub-Token header, so it never appears in a URL or a log line).
//
// Quota: every request first passes a RateLimiter (rate_limiter.h), calls_per_minute in any
// sliding minute: the free tier's 60 by default. Several generators sharing one source share its
// quota; a request waits for its slot rather than being refused by Finnhub.
//
// Read(query): one request for one ticker (an empty ticker is `invalid_argument`: the API cannot
// list symbols, so Tickers() is empty). An unbounded from_ms asks for the last
// `max_history_days` (enough to warm a 200-day SMA); an unbounded to_ms means now (the Clock).
// Bars outside [from_ms, to_ms] are dropped after flooring (finnhub_candles.h), so the answer
// honours the query exactly.
//
// Errors (nothing appended), each naming the ticker and what to do:
//   `failed_precondition`  no API key (Open refuses it: "FINNHUB_API_KEY is not set ...")
//   `unauthenticated`      HTTP 401: the key is wrong or revoked
//   `permission_denied`    HTTP 403: the key's plan does not include this endpoint
//   `rate_limited`         HTTP 429: the quota is spent anyway (another process on the same key)
//   `unavailable`          no connection, a timeout, HTTP 5xx or another unexpected status
//   `not_found`            {"s":"no_data"} for an unbounded (whole-history) query: Finnhub knows
//                          no daily candles for the symbol. For a bounded range no_data is an
//                          empty answer, OK (a weekend, a holiday).
//   `bad_bar_data` / `invalid_argument`  a malformed answer or an {"error": ...} body
//                          (finnhub_candles.h)
// Thread-safe: Read() may run on many threads (one libcurl handle per request). The clock must
// outlive the source.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "market/bar_source.h"
#include "market/finnhub/rate_limiter.h"

namespace sigflow {

struct FinnhubOptions {
  std::string api_key;                                 // FINNHUB_API_KEY; required
  std::string base_url = "https://finnhub.io/api/v1";  // FINNHUB_BASE_URL; tests: a local server
  int calls_per_minute = 60;                           // FINNHUB_CALLS_PER_MINUTE; the free tier
  std::chrono::milliseconds timeout{10000};            // a whole request, connect included
  int max_history_days = 730;                          // what an unbounded from_ms means
};

class FinnhubBarSource final : public BarSource {
 public:
  // `failed_precondition` without an API key; `invalid_argument` for a base_url that is not
  // http(s)://... or calls_per_minute < 1. `sleep` is how the rate limiter waits (tests inject
  // one that advances a ManualClock).
  static Result<std::unique_ptr<FinnhubBarSource>> Open(
      FinnhubOptions options, const Clock* clock = SystemClock::Default(),
      RateLimiter::SleepFn sleep = RateLimiter::RealSleep);

  std::vector<std::string> Tickers() const override { return {}; }
  Status Read(const BarQuery& query, std::vector<Bar>* out) const override;

  const FinnhubOptions& options() const { return options_; }

 private:
  FinnhubBarSource(FinnhubOptions options, const Clock* clock, RateLimiter::SleepFn sleep);

  FinnhubOptions options_;
  const Clock* clock_;
  mutable RateLimiter limiter_;
};

}  // namespace sigflow
