// BarDrivenGenerator: a SignalGenerator whose signals come from price bars, fed one at a time.
//
// Two ways to drive one:
// - Replay: call OnBar() with each bar of history, as fast as you like. A signal is appended on
//   exactly the bar where its condition occurs, stamped with that bar's time. Bars of different
//   tickers may interleave; each ticker's bars must come in strictly ascending time (a bar that
//   does not is rejected with `out_of_order` and changes nothing).
// - Live: SetBarSource() once, then the runner calls Generate(now) on interval(). For each
//   configured ticker it reads the bars newer than the last one seen (up to now) and feeds them
//   through OnBar(). The first call catches up on all the history the source has (warming up
//   the indicators); of the signals found in one call, only those on the last
//   `live_recent_bars` bars read are emitted (seed 004's lookback window: lookback_days for the
//   crosses, 1 for the others); older ones are history. Every bar is fed once, so a signal is
//   never emitted twice.
// Bars of tickers outside `tickers` are ignored when `tickers` is non-empty; an empty list
// accepts every ticker (replay of a whole file), but Generate() needs tickers.
//
// To add a generator: derive, implement ProcessBar() (called once per accepted bar, per ticker in
// time order; keep per-ticker state keyed by bar.ticker) and name(), give it a static
// Create(const nlohmann::json&) using ConfigReader, and add one line to builtin_generators.cc.
//
// Thread-safety: like every SignalGenerator, one thread at a time per instance. The bar source
// must be set before the runner starts and is shared (BarSource is thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "generators/generator.h"
#include "market/bar.h"
#include "market/bar_source.h"

namespace sigflow {

struct BarGeneratorOptions {
  std::vector<std::string> tickers;            // normalised symbols; empty: any ticker
  std::chrono::milliseconds interval{300000};  // live polling interval
  int live_recent_bars = 1;                    // >= 1, see above
};

class BarDrivenGenerator : public SignalGenerator {
 public:
  // Feeds one bar. Errors (nothing appended, state unchanged): `out_of_order`; `invalid_argument`
  // for a bar with a non-finite or non-positive price or high < low. A bar of an unwatched
  // ticker is ignored (OK).
  Status OnBar(const Bar& bar, std::vector<Signal>* out);

  // Live mode, see above. `failed_precondition` without a bar source or without tickers; a
  // source error for one ticker is returned after the other tickers have been processed.
  Status Generate(int64_t now_ms, std::vector<Signal>* out) final;
  std::chrono::milliseconds interval() const final { return options_.interval; }

  void SetBarSource(std::shared_ptr<const BarSource> source) { source_ = std::move(source); }
  const std::vector<std::string>& tickers() const { return options_.tickers; }

 protected:
  explicit BarDrivenGenerator(BarGeneratorOptions options);
  virtual void ProcessBar(const Bar& bar, std::vector<Signal>* out) = 0;

 private:
  BarGeneratorOptions options_;
  std::unordered_set<std::string> watched_;
  std::unordered_map<std::string, int64_t> last_ts_ms_;  // per ticker
  std::shared_ptr<const BarSource> source_;
  std::vector<Bar> pulled_;    // reused by Generate()
  std::vector<Signal> found_;  // reused by Generate()
};

}  // namespace sigflow
