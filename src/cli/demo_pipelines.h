// The demo pipelines `sigflow run` seeds into an empty store, so a first run shows signals
// waking pipelines. Each is labelled "[demo]" with user_id "demo"; remove them with
// `sigflow pipelines remove ID`.
#pragma once

#include "core/status.h"
#include "store/store.h"

namespace sigflow {

// Adds the demo pipelines when the store has no pipeline at all. Returns how many were added.
Result<int> SeedDemoPipelinesIfEmpty(Store* store);

}  // namespace sigflow
