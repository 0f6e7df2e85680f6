// Live generators: builds the generators `sigflow generate` and `sigflow run` start on their
// intervals, and the bar source the bar-driven ones read the store's bars through.
//
// MarketStoreBarSource serves the bars table (lane_telemetry) of a MarketStore, which
// `sigflow bars ingest` and `sigflow bars fetch` fill, possibly from another process while the
// generators run. A bar-driven generator reads, on each tick, the bars of each watched ticker
// newer than the last one it evaluated (bar_driven_generator.h), so a bar appended between two
// ticks is evaluated on the next one, and a cross already emitted is never emitted again. A
// ticker with no bars at all is not an error (the store may not be filled yet): the source logs
// one warning per ticker, naming it and how to ingest its bars, and serves nothing.
//
// BuildLiveGenerators creates each named generator from the registry with the watchlist's
// tickers and its interval, and gives every bar-driven one the bar source.
//
// StdoutProducer stands in for the bus under `sigflow generate --stdout` (seed 004's phase 1
// emitter): each record's payload is printed as one line and flushed, so a reader sees every
// signal as soon as its tick ends.
//
// Thread-safety: MarketStoreBarSource may be read from any number of threads (BarSource); the
// store must outlive it. BuildLiveGenerators is called once, before the runner starts.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"
#include "generators/generator.h"
#include "market/bar_source.h"
#include "store/market_store.h"

namespace sigflow {

class MarketStoreBarSource final : public BarSource {
 public:
  explicit MarketStoreBarSource(MarketStore* market) : market_(market) {}

  // The tickers that have bars (ListBarSeries); empty when the store cannot be read.
  std::vector<std::string> Tickers() const override;
  // `query.ticker` is required (`invalid_argument` without). A ticker without bars up to
  // query.to_ms is OK and appends nothing (see above); store failures are returned as they are.
  Status Read(const BarQuery& query, std::vector<Bar>* out) const override;

  // Tickers warned about so far (each warned once).
  std::set<std::string> warned_tickers() const;

 private:
  MarketStore* market_;
  mutable std::mutex mu_;
  mutable std::set<std::string> warned_;  // guarded by mu_
};

class StdoutProducer final : public BusProducer {
 public:
  Status Publish(std::string_view key, std::string_view payload) override;
  Status PublishBatch(const std::vector<OutgoingRecord>& records) override;
};

// The --generators flag's help text, for live runs and replays alike.
std::string GeneratorsFlagHelp();

struct LiveGeneratorOptions {
  std::vector<std::string> generators;  // registry types, e.g. {"mock", "golden_cross"}
  std::vector<std::string> tickers;     // the watchlist
  std::chrono::milliseconds mock_interval{60000};
  // Interval by generator type; a bar-driven type missing here uses its config default (300 s).
  std::map<std::string, std::chrono::milliseconds> intervals;
};

// `invalid_argument` for an unknown or repeated generator name (listing the known ones) or an
// empty list; `failed_precondition` when a bar-driven generator is asked for but `bars` is null
// (a store without a bars table).
Result<std::vector<std::unique_ptr<SignalGenerator>>> BuildLiveGenerators(
    const LiveGeneratorOptions& options, const std::shared_ptr<const BarSource>& bars);

}  // namespace sigflow
