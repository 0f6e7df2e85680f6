// NormalizeTickerInto: core/ticker.h's rule, writing into a caller's string instead of returning a
// new one, for hot paths (the signal decoder) that normalise tickers into reused Signals.
//
// Declared apart from core/ticker.h only to keep that header's edit out of this change; both are
// implemented in ticker.cc and follow the one rule stated there.
#pragma once

#include <string>
#include <string_view>

namespace sigflow {

// When `text` is a valid ticker, writes its normalised (upper-case) form to `*out` and returns
// true; allocates only if `*out` lacks the capacity. Otherwise returns false and leaves `*out`
// unchanged. `out` must not be null and must not alias `text`'s bytes.
bool NormalizeTickerInto(std::string_view text, std::string* out);

}  // namespace sigflow
