// What the Store implementations share, whatever the database: the rules a pipeline must meet
// before it is written (Store::AddPipeline's contract, store.h), and the JSON text of the id
// lists both backends store (executions.signal_ids, pipelines.scanner_tickers). Private to
// store/ (sqlite/ and postgres/). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "core/status.h"

namespace sigflow::store_rows {

// Validates `p` and normalises its tickers (core/ticker.h; trimmed, repeats dropped) so that they
// compare equal to the tickers of decoded signals. `invalid_argument` names the bad field:
// "name: ...", "scanner_tickers[i]: ...", "config: ...".
Status ValidatePipeline(Pipeline* p);

// Appends `s` as a JSON string: quoted, with '"', '\' and control bytes escaped and every other
// byte as it is. Not the signal codec's writer (core/signal_codec.cc), which also repairs invalid
// UTF-8: ids reach the stores already checked, and a store must write back what it was given.
void AppendJsonString(std::string_view s, std::string* out);
// Appends `items` as a JSON array of such strings.
void AppendJsonStringArray(const std::vector<std::string>& items, std::string* out);

}  // namespace sigflow::store_rows
