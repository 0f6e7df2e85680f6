#include "generators/bar_driven_generator.h"

#include <algorithm>
#include <cmath>

#include "core/time_format.h"

namespace sigflow {

BarDrivenGenerator::BarDrivenGenerator(BarGeneratorOptions options)
    : options_(std::move(options)), watched_(options_.tickers.begin(), options_.tickers.end()) {
  options_.live_recent_bars = std::max(options_.live_recent_bars, 1);
}

Status BarDrivenGenerator::OnBar(const Bar& bar, std::vector<Signal>* out) {
  if (!watched_.empty() && !watched_.count(bar.ticker)) return Status::Ok();
  auto finite_positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!finite_positive(bar.open) || !finite_positive(bar.high) || !finite_positive(bar.low) ||
      !finite_positive(bar.close) || bar.high < bar.low) {
    return Status::InvalidArgument(std::string(name()) + ": bad " + bar.ticker + " bar at " +
                                   FormatIso8601(bar.ts_ms) +
                                   " (prices must be finite and > 0, high >= low)");
  }
  auto [it, inserted] = last_ts_ms_.try_emplace(bar.ticker, bar.ts_ms);
  if (!inserted) {
    if (bar.ts_ms <= it->second) {
      return Status::Error("out_of_order", std::string(name()) + ": " + bar.ticker + " bar at " +
                                               FormatIso8601(bar.ts_ms) + " does not come after " +
                                               FormatIso8601(it->second));
    }
    it->second = bar.ts_ms;
  }
  ProcessBar(bar, out);
  return Status::Ok();
}

Status BarDrivenGenerator::Generate(int64_t now_ms, std::vector<Signal>* out) {
  if (!source_) {
    return Status::Error("failed_precondition", std::string(name()) + ": no bar source set");
  }
  if (options_.tickers.empty()) {
    return Status::Error("failed_precondition", std::string(name()) + ": no tickers to watch");
  }
  Status first_error;
  for (const std::string& ticker : options_.tickers) {
    BarQuery query;
    query.ticker = ticker;
    query.to_ms = now_ms;
    if (auto it = last_ts_ms_.find(ticker); it != last_ts_ms_.end()) {
      if (it->second >= now_ms) continue;
      query.from_ms = it->second + 1;
    }
    pulled_.clear();
    if (Status s = source_->Read(query, &pulled_); !s.ok()) {
      if (first_error.ok()) first_error = s;
      continue;
    }
    if (pulled_.empty()) continue;
    const size_t recent = static_cast<size_t>(options_.live_recent_bars);
    const int64_t recent_from_ms = pulled_[pulled_.size() - std::min(recent, pulled_.size())].ts_ms;
    for (const Bar& bar : pulled_) {
      found_.clear();
      if (Status s = OnBar(bar, &found_); !s.ok()) {
        if (first_error.ok()) first_error = s;
        break;
      }
      for (Signal& signal : found_) {
        if (signal.timestamp_ms >= recent_from_ms) out->push_back(std::move(signal));
      }
    }
  }
  return first_error;
}

}  // namespace sigflow
