// Bar: one price bar of one ticker (a row of seed 003's `lane_telemetry`).
//
// A plain value. `ts_ms` is the bar's start in epoch milliseconds, UTC; daily bars are stamped at
// that date's 00:00 UTC. Prices are positive and finite, volume is finite and >= 0, and
// high >= low (the CSV source rejects anything else). Open and close are not required to lie
// inside [low, high]: vendors' feeds sometimes disagree by a tick, and every indicator here stays
// well defined.
//
// Close-only data (e.g. a wide file of daily closes) has `has_ohlc == false`; such a bar carries
// open == high == low == close and volume == 0, so indicators that read the range (true range,
// ATR, highest high) degrade to close-to-close measures instead of failing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace sigflow {

struct Bar {
  std::string ticker;
  int64_t ts_ms = 0;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
  bool has_ohlc = true;
};

// A close-only bar: open = high = low = close, volume 0, has_ohlc false.
inline Bar CloseOnlyBar(std::string ticker, int64_t ts_ms, double close) {
  return Bar{std::move(ticker), ts_ms, close, close, close, close, 0.0, false};
}

}  // namespace sigflow
