// RunExecuteBench: how many recommendations per second the execution dispatcher claims, gates
// and fills on a given ledger (SQLite or PostgreSQL), the whole seed 003 path: open a run, reap,
// read the trading state, claim a batch (committed), per recommendation read the market view and
// settle it in one ledger transaction (ticker lock, activity counts, seven gates, pricing, the
// ledger append, the status), close the run.
//
// Workload per repetition: `recommendations` fresh PENDING recommendations (BUY_STOCK / BUY_CALL
// / BUY_PUT in turn, confidence 0.8) spread round-robin over `tickers` tickers, all with fresh
// bars and features, and a config under which every gate passes (the daily limit and the rate
// gate raised above the workload), so every recommendation is filled: the most expensive path.
// Inserting them is timed apart (insert_per_sec). Then `dispatchers` dispatchers, each on a
// connection of its own (as separate processes would be) and in its own thread, run until
// every recommendation is settled; the rate is recommendations / wall time of that phase.
//
// The ledger must be empty of PENDING recommendations; repetitions add to it (each batch of
// recommendations is created at a later decision time, so nothing else is claimed).
// Not thread-safe; one call at a time.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/status.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

struct ExecuteBenchOptions {
  size_t recommendations = 5000;  // per repetition
  size_t tickers = 200;
  int batch = 100;  // max_signals_per_run
  int dispatchers = 1;
  int repetitions = 3;  // the median rate is reported
};

// A new connection to the benchmarked database: a Store and the ledger over it.
struct BenchLedger {
  std::unique_ptr<Store> store;
  std::unique_ptr<LedgerStore> ledger;
};
using BenchLedgerOpener = std::function<Result<BenchLedger>()>;

// One JSON object: bench ("execute"), backend, the options, runs (per repetition:
// recommendations_per_sec, seconds, simulated), median_recommendations_per_sec,
// median_insert_per_sec, settle_p50_us / settle_p99_us (claim to commit, per recommendation,
// over every repetition). Errors (the ledger failed) are returned.
Result<nlohmann::json> RunExecuteBench(const ExecuteBenchOptions& options,
                                       const std::string& backend, const BenchLedgerOpener& open,
                                       std::ostream* progress);

}  // namespace sigflow
