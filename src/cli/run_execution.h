// RunExecution: the execution dispatcher (seed 003) as a role of `sigflow run`, so that the one
// process goes signal -> pipeline -> recommendation -> gates -> simulated fill -> ledger.
//
// Market data comes from the store (StoreMarketView over lane_telemetry / lane_features). Two
// clocks, as risk/execution_dispatcher.h describes:
//  - replay (ReplayClock()): the decision clock is a manual clock that the replay moves:
//    SettleAt(t) sets it to the replayed time t and runs the dispatcher until nothing is left
//    to claim, so the freshness gates, the lookback window and "today" of the daily limit all
//    read the replayed bar's time, and twenty years of history give fills, not stale skips;
//  - live (StartLive(period)): a thread runs the dispatcher every `period` on the wall clock.
// Finish() stops the thread (live) and makes a last run that drains what is left.
//
// The summary (Summary / PrintSummary) counts what this process did: recommendations written
// during the run (the ledger's count before and after), claims settled, gate skips by reason,
// failures, fills, and the ledger's rows in all. Not thread-safe: one controlling thread calls
// every method. The store and the ledger must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/store_market_view.h"
#include "core/clock.h"
#include "core/status.h"
#include "risk/broker.h"
#include "risk/execution_dispatcher.h"
#include "store/ledger_store.h"
#include "store/store.h"

namespace sigflow {

struct ExecutionRunSummary {
  int64_t recommendations = 0;  // written during this run
  int64_t runs = 0;             // dispatcher runs
  int64_t claimed = 0;
  int64_t fills = 0;  // SIMULATED during this run
  int64_t skipped = 0;
  int64_t failed = 0;
  std::map<std::string, int64_t> skips_by_reason;     // the deciding gate's reason code
  std::map<std::string, int64_t> failures_by_reason;  // by reason code
  int64_t ledger_rows = 0;                            // dispatch_executions rows in all
  int64_t pending_left = 0;                           // PENDING recommendations at the end

  nlohmann::json ToJson() const;
};

class RunExecution {
 public:
  // `invalid_argument` when the store keeps no market data.
  static Result<std::unique_ptr<RunExecution>> Create(Store* store, LedgerStore* ledger,
                                                      ExecutionConfig config = {});
  ~RunExecution();

  // Replay: the decision clock the replay moves. A RunExecution is either replayed or live.
  void SettleAt(int64_t time_ms);
  // Live: runs every `period` on the wall clock, on a thread of its own, until Finish().
  void StartLive(std::chrono::milliseconds period);
  // Stops the live thread and drains what is left (on the replay clock where it was used).
  void Finish();

  ExecutionRunSummary Summary();
  static void PrintSummary(const ExecutionRunSummary& summary);  // the text lines of the summary

 private:
  RunExecution() = default;
  void Drain();  // RunOnce until a run claims less than max_signals_per_run
  void Add(const RunReport& report);

  LedgerStore* ledger_ = nullptr;
  std::unique_ptr<StoreMarketView> market_;
  std::unique_ptr<Broker> broker_;
  ManualClock replay_clock_;
  bool replay_ = false;
  ExecutionConfig config_;
  std::unique_ptr<ExecutionDispatcher> dispatcher_;
  std::atomic<bool> stop_{false};
  std::thread live_thread_;
  int64_t recommendations_before_ = 0;
  ExecutionRunSummary totals_;  // written by the live thread while it runs, else by the caller
};

}  // namespace sigflow
