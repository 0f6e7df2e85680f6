// The rules every stored or fed bar and feature row obeys (bar.h, features.h), in one place, so
// that the CSV source, the store and remote sources refuse the same things with the same words.
//
// ValidateBar: ticker a normalised symbol (core/ticker.h), prices finite and > 0, volume finite
//   and >= 0, high >= low. ValidateFeatures: ticker a normalised symbol, close finite and > 0,
//   every present indicator value finite, bars >= 1. Both return OK or `invalid_argument` with a
//   message naming the ticker, the bar's date and the field ("AAPL 2020-01-02: high 9 is below
//   low 10"). Pure functions, thread-safe.
#pragma once

#include "core/status.h"
#include "market/bar.h"
#include "market/features.h"

namespace sigflow {

Status ValidateBar(const Bar& bar);
Status ValidateFeatures(const Features& row);

}  // namespace sigflow
