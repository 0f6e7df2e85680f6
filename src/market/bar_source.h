// BarSource: the seam through which sigflow reads price bars (CSV files, Finnhub, a store).
//
// Contract for every implementation:
// - Thread-safety: Read() and Tickers() may be called concurrently from any number of threads.
// - Ordering: Read() appends bars in ascending ts_ms; bars with the same ts_ms (several tickers on
//   the same day) come in the source's ticker order (Tickers()). So the bars of any one ticker are
//   strictly ascending in time, which is what indicators and bar-driven generators require.
// - Errors are values: a Status with a code from {not_found, invalid_argument, unavailable,
//   bad_bar_data}, and for remote sources also {failed_precondition, unauthenticated,
//   permission_denied, rate_limited} (see the source's header). On error nothing is appended.
// - Bars are validated (see bar.h): positive finite prices, high >= low, volume >= 0.
// Ownership: the caller owns the source; bars are returned by value.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/status.h"
#include "market/bar.h"

namespace sigflow {

struct BarQuery {
  std::string ticker;                                     // empty: every ticker the source has
  int64_t from_ms = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ms = std::numeric_limits<int64_t>::max();    // inclusive
};

class BarSource {
 public:
  virtual ~BarSource() = default;

  // The tickers this source can serve, in its order; empty when it cannot list them (a remote
  // API that serves any symbol).
  virtual std::vector<std::string> Tickers() const = 0;

  // Appends the bars matching `query` to *out (see ordering above). A ticker the source does not
  // have is `not_found`; a range with no bars is OK and appends nothing.
  virtual Status Read(const BarQuery& query, std::vector<Bar>* out) const = 0;
};

}  // namespace sigflow
