// Replay: runs the bar-driven generators over a CSV of history as fast as the machine allows.
//
// Bars are fed in time order (tickers interleaved as in the file), every generator sees every
// bar, and each signal carries the time of the bar it fired on. Signals go to stdout (one JSON
// line each) or to the bus. Progress goes to stderr on long inputs.
#pragma once

#include <string>
#include <vector>

namespace sigflow {

struct ReplayFlags {
  std::string file;
  std::string ticker;    // OHLCV files: the ticker name (default: from the file name); wide
                         // files: replay only this column
  std::string from, to;  // YYYY-MM-DD, inclusive
  std::vector<std::string> generators = {"golden_cross", "death_cross", "volatility_breakout",
                                         "price_level"};
  bool to_bus = false;
  std::string store;
};

// Returns the process exit code; prints errors naming the file, line or flag.
int RunReplay(const ReplayFlags& flags);

}  // namespace sigflow
