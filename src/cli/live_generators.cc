#include "cli/live_generators.h"

#include <iostream>
#include <limits>

#include "generators/bar_driven_generator.h"
#include "generators/generator_registry.h"
#include "obs/log.h"

namespace sigflow {

std::vector<std::string> MarketStoreBarSource::Tickers() const {
  std::vector<std::string> out;
  auto series = market_->ListBarSeries();
  if (!series.ok()) return out;
  for (const auto& s : *series) out.push_back(s.ticker);
  return out;
}

Status MarketStoreBarSource::Read(const BarQuery& query, std::vector<Bar>* out) const {
  if (query.ticker.empty()) {
    return Status::InvalidArgument("store bar source: a ticker is required");
  }
  auto bars = market_->ReadBars(query.ticker, query.from_ms, query.to_ms);
  if (!bars.ok()) return bars.status();
  // A read from the beginning of time that finds nothing: the ticker has no bars yet. A
  // generator that has seen bars reads from after its last one, where nothing new is normal.
  if (bars->empty() && query.from_ms == std::numeric_limits<int64_t>::min()) {
    std::lock_guard lock(mu_);
    if (warned_.insert(query.ticker).second) {
      log::Warn("no_bars_for_ticker",
                {{"ticker", query.ticker},
                 {"hint", "the bar-driven generators skip " + query.ticker +
                              " until its daily bars are in the store: sigflow bars ingest "
                              "FILE.csv --ticker " +
                              query.ticker + ", or sigflow bars fetch " + query.ticker +
                              " (needs FINNHUB_API_KEY)"}});
    }
    return Status::Ok();
  }
  out->insert(out->end(), bars->begin(), bars->end());
  return Status::Ok();
}

std::set<std::string> MarketStoreBarSource::warned_tickers() const {
  std::lock_guard lock(mu_);
  return warned_;
}

Status StdoutProducer::Publish(std::string_view /*key*/, std::string_view payload) {
  std::cout << payload << std::endl;  // flushed: a reader sees the signal when the tick ends
  return std::cout ? Status::Ok() : Status::Unavailable("stdout: write failed");
}

Status StdoutProducer::PublishBatch(const std::vector<OutgoingRecord>& records) {
  for (const auto& r : records) std::cout << r.payload << '\n';
  std::cout.flush();
  return std::cout ? Status::Ok() : Status::Unavailable("stdout: write failed");
}

std::string GeneratorsFlagHelp() {
  return "comma-separated generators. Live (no --replay): any of mock, golden_cross, "
         "death_cross, volatility_breakout, price_level; default SIGFLOW_GENERATORS, else all "
         "five. Replay: the bar-driven ones; default golden_cross,death_cross,"
         "volatility_breakout,price_level";
}

Result<std::vector<std::unique_ptr<SignalGenerator>>> BuildLiveGenerators(
    const LiveGeneratorOptions& options, const std::shared_ptr<const BarSource>& bars) {
  if (options.generators.empty()) return Status::InvalidArgument("no generators to run");
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  std::vector<std::unique_ptr<SignalGenerator>> out;
  std::set<std::string> seen;
  for (const std::string& type : options.generators) {
    if (!seen.insert(type).second) {
      return Status::InvalidArgument("generator '" + type + "' is listed twice");
    }
    nlohmann::json config = {{"tickers", options.tickers}};
    if (type == "mock") {
      config["interval_seconds"] = options.mock_interval.count() / 1000.0;
    } else if (auto it = options.intervals.find(type); it != options.intervals.end()) {
      config["interval_seconds"] = it->second.count() / 1000.0;
    }
    auto created = registry.Create(type, config);
    if (!created.ok()) return created.status();
    if (auto* bar_driven = dynamic_cast<BarDrivenGenerator*>(created->get())) {
      if (!bars) {
        return Status::Error(
            "failed_precondition",
            "generator '" + type + "' reads bars, but the store has no bars table");
      }
      bar_driven->SetBarSource(bars);
    }
    out.push_back(std::move(created).value());
  }
  return out;
}

}  // namespace sigflow
