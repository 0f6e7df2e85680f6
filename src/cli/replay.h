// Replay: runs the bar-driven generators over a CSV of history as fast as the machine allows.
//
// Bars are fed in time order (tickers interleaved as in the file) and every generator sees every
// bar; each signal carries the time of the bar it fired on. Bars before --from are fed too, to
// warm the indicators up (a 200-day SMA needs 200 bars), but only signals of bars in
// [--from, --to] are emitted: a window of a replay gives exactly the signals the whole replay
// gives in that window. Signals go to stdout (one JSON line each), to the bus, or, under
// `sigflow run --replay`, through the whole path (dispatcher, workers) in one process. With
// --store-bars every bar fed and its features (computed_at = the bar's time: the replay clock)
// go to the store's lane_telemetry / lane_features as the replay runs, always before the signals
// of those bars are emitted, so that an agent woken by a signal finds its bar stored. Progress goes
// to stderr on long inputs (once a second).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/signal.h"
#include "core/status.h"
#include "generators/bar_driven_generator.h"
#include "market/bar.h"
#include "market/features.h"
#include "store/market_store.h"

namespace sigflow {

struct ReplayFlags {
  std::string file;
  std::string ticker;    // OHLCV files: the ticker name (default: from the file name); wide
                         // files: replay only this column
  std::string from, to;  // YYYY-MM-DD, inclusive
  std::vector<std::string> generators = {"golden_cross", "death_cross", "volatility_breakout",
                                         "price_level"};
  bool to_bus = false;
  bool to_stdout = false;  // live `sigflow generate --stdout` (not a replay flag)
  bool store_bars = false;
  std::string store;
};

class Replay {
 public:
  // Receives each batch of signals (in bar order); a failure stops the replay.
  using Emit = std::function<Status(std::vector<Signal>* signals)>;

  // Loads the file and builds the generators. On failure prints what is wrong (naming the file
  // and line, or the flag) and returns nullptr with *exit_code set.
  static std::unique_ptr<Replay> Load(const ReplayFlags& flags, int* exit_code);

  // Feeds every bar (see above); `market` (optional) receives the bars and their features.
  // Returns the exit code, printing any failure.
  int Run(const Emit& emit, MarketStore* market);

  // Paces the replay on the path downstream: with `settle` set, the signals of each replayed
  // time (every ticker's bar of one day) are emitted together, after that time's bars are
  // stored, and settle(time_ms) is called with that time before the next time is fed (it waits
  // until the pipelines have run and decides on the replay clock), as a live feed leaves a bar's
  // signals time to be acted on before the next bar. Without it (the default) signals go out in
  // batches of 256, as fast as possible.
  using Settle = std::function<void(int64_t time_ms)>;
  void set_settle(Settle settle) { settle_ = std::move(settle); }

  size_t bars() const { return bars_.size(); }
  size_t signals() const { return signals_; }

 private:
  Replay() = default;
  Status StoreBars(MarketStore* market, size_t begin, size_t end);

  std::vector<Bar> bars_;
  size_t tickers_ = 0;
  int64_t emit_from_ms_ = 0;
  std::vector<std::unique_ptr<BarDrivenGenerator>> generators_;
  // --store-bars: the features of a replayed bar count as computed at that bar's time (the
  // replay clock), as if a feature computer had run when the bar closed, so that decisions made
  // on the replayed time find them fresh rather than computed years "later".
  ManualClock bar_clock_;
  FeatureBook features_{FeatureOptions{}, &bar_clock_};
  size_t signals_ = 0;
  Settle settle_;
};

// An Emit that encodes each signal once (EncodeSignal) and prints it, one JSON line each, when
// `producer` is null, or publishes the batch keyed by ticker; `published` (optional) is told how
// many went out.
Replay::Emit EncodingEmit(BusProducer* producer, std::function<void(size_t)> published = {});

// `sigflow generate --replay`: returns the process exit code.
int RunReplay(const ReplayFlags& flags);

}  // namespace sigflow
