#include "market/finnhub/finnhub_bar_source.h"

#include <curl/curl.h>

#include <limits>
#include <mutex>

#include "core/ticker.h"
#include "core/time_format.h"
#include "market/finnhub/finnhub_candles.h"

namespace sigflow {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

struct HttpAnswer {
  long status = 0;
  std::string body;
};

// One GET with libcurl; `unavailable` when no HTTP answer came back.
Result<HttpAnswer> HttpGet(const std::string& url, const std::string& token,
                           std::chrono::milliseconds timeout) {
  InitCurlOnce();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Internal("libcurl could not start a request");
  const std::string header = "X-Finnhub-Token: " + token;
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
      curl_slist_append(nullptr, header.c_str()), curl_slist_free_all);
  HttpAnswer answer;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "sigflow");
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Status::Unavailable(std::string(error[0] ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string Escape(const std::string& text) {
  std::unique_ptr<char, void (*)(void*)> escaped(
      curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size())), curl_free);
  return escaped ? std::string(escaped.get()) : text;
}

// Finnhub's refusals carry {"error": "..."}; a short excerpt of any other body.
std::string Excerpt(const std::string& body) {
  if (body.empty()) return "(empty body)";
  return "'" + body.substr(0, 200) + (body.size() > 200 ? "...'" : "'");
}

Status StatusForHttp(long status, const std::string& ticker, const std::string& body) {
  const std::string what = "Finnhub answered HTTP " + std::to_string(status) + " for the " +
                           ticker + " candles " + Excerpt(body);
  switch (status) {
    case 401:
      return Status::Error("unauthenticated",
                           what + ": the API key was refused; check FINNHUB_API_KEY");
    case 403:
      return Status::Error("permission_denied",
                           what + ": this key's plan does not include daily candles");
    case 429:
      return Status::Error("rate_limited",
                           what +
                               ": the key's quota is spent (another process using it?); "
                               "lower FINNHUB_CALLS_PER_MINUTE or the number of tickers");
    default:
      return Status::Unavailable(what);
  }
}

}  // namespace

Result<std::unique_ptr<FinnhubBarSource>> FinnhubBarSource::Open(FinnhubOptions options,
                                                                 const Clock* clock,
                                                                 RateLimiter::SleepFn sleep) {
  if (options.api_key.empty()) {
    return Status::Error("failed_precondition",
                         "FINNHUB_API_KEY is not set: the Finnhub bar source needs an API key "
                         "(a free one from finnhub.io)");
  }
  if (options.base_url.rfind("http://", 0) != 0 && options.base_url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("FINNHUB_BASE_URL: expected http://... or https://..., got '" +
                                   options.base_url + "'");
  }
  if (options.calls_per_minute < 1) {
    return Status::InvalidArgument("FINNHUB_CALLS_PER_MINUTE: expected >= 1, got " +
                                   std::to_string(options.calls_per_minute));
  }
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  return std::unique_ptr<FinnhubBarSource>(
      new FinnhubBarSource(std::move(options), clock, std::move(sleep)));
}

FinnhubBarSource::FinnhubBarSource(FinnhubOptions options, const Clock* clock,
                                   RateLimiter::SleepFn sleep)
    : options_(std::move(options)),
      clock_(clock),
      limiter_(options_.calls_per_minute, std::chrono::minutes(1), clock, std::move(sleep)) {}

Status FinnhubBarSource::Read(const BarQuery& query, std::vector<Bar>* out) const {
  if (query.ticker.empty()) {
    return Status::InvalidArgument(
        "the Finnhub source serves one ticker per query: name the ticker");
  }
  auto ticker = NormalizeTicker(query.ticker);
  if (!ticker) return Status::InvalidArgument("'" + query.ticker + "' is not a ticker symbol");
  const bool whole_history = query.from_ms == std::numeric_limits<int64_t>::min();
  const int64_t now = clock_->NowMs();
  const int64_t from_ms = whole_history ? now - options_.max_history_days * kDayMs : query.from_ms;
  const int64_t to_ms = query.to_ms == std::numeric_limits<int64_t>::max() ? now : query.to_ms;
  if (from_ms > to_ms) return Status::Ok();
  // Whole seconds covering [from_ms, to_ms]; the floor-to-day below may move a candle earlier, so
  // ask from the start of from_ms's day.
  const int64_t from_s = (from_ms - ((from_ms % kDayMs) + kDayMs) % kDayMs) / 1000;
  const int64_t to_s = to_ms / 1000 + (to_ms % 1000 != 0 ? 1 : 0);
  const std::string url = options_.base_url + "/stock/candle?symbol=" + Escape(*ticker) +
                          "&resolution=D&from=" + std::to_string(from_s) +
                          "&to=" + std::to_string(to_s);

  limiter_.Acquire();
  auto answer = HttpGet(url, options_.api_key, options_.timeout);
  if (!answer.ok()) {
    return Status::Unavailable("cannot reach Finnhub at " + options_.base_url + " for the " +
                               *ticker + " candles: " + answer.status().message());
  }
  if (answer->status != 200) return StatusForHttp(answer->status, *ticker, answer->body);
  auto candles = ParseFinnhubCandles(answer->body, *ticker);
  if (!candles.ok()) return candles.status();
  if (candles->no_data) {
    if (!whole_history) return Status::Ok();
    return Status::NotFound("Finnhub has no daily candles for " + *ticker + " in the last " +
                            std::to_string(options_.max_history_days) +
                            " days (\"s\":\"no_data\"): is the symbol right?");
  }
  for (Bar& bar : candles->bars) {
    if (bar.ts_ms >= from_ms && bar.ts_ms <= to_ms) out->push_back(std::move(bar));
  }
  return Status::Ok();
}

}  // namespace sigflow
