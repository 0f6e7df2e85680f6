// ExecutionDispatcher: seed 003's risk-gated execution dispatcher, one run at a time.
//
// One run (RunOnce), step by step:
//  1. open a dispatcher_runs row (run_id, started_at, run_config_json = the whole config);
//  2. reap: PROCESSING claims older than processing_ttl_minutes go back to PENDING (FAILED after
//     max_processing_attempts claims);
//  3. read the trading state once for the run;
//  4. claim up to max_signals_per_run PENDING recommendations created within
//     lookback_window_minutes, committed before any further work;
//  5. per claimed recommendation: read the latest bar and features (MarketView), then settle it
//     in one ledger transaction holding the ticker's lock: read the ticker's fills today, its
//     recommendation rate and (REDUCING) open exposure; evaluate every gate (risk/gates.h) into
//     risk_gate_json; SKIPPED with the first failure's text, or priced, sized and stopped by the
//     broker and appended to the ledger as SIMULATED. An error (market data unreadable, the
//     order cannot be priced) makes it FAILED with its reason; the run goes on either way;
//  6. close the run with its counts and summary (reaper counts, skip and failure reasons, the
//     trading state, lost claims, duration).
// Every decision is logged (event `dispatch_decision`) with the config values it used.
//
// Clocks: `clock` is the decision clock: bar and feature ages, "today" for the daily limit (the
// UTC day), the lookback window, decision_ts / simulated_ts. During a replay it is the replayed
// bar's time, so old history is not stale. `wall_clock` times the operations: the run's
// started_at / finished_at, claims and their TTL, processed_at; a replay racing through years of
// history therefore never reaps claims that are seconds old.
//
// Not thread-safe: one thread drives RunOnce / RunEvery. Several dispatchers (threads or
// processes, each with its own ExecutionDispatcher) may run against one ledger at once: claims
// never overlap and each recommendation is settled once (store/ledger_store.h). The ledger,
// market view, broker and clocks must outlive the dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "risk/broker.h"
#include "risk/execution_config.h"
#include "risk/execution_probe.h"
#include "risk/market_view.h"
#include "store/ledger_store.h"

namespace sigflow {

struct RunReport {
  DispatcherRun run;  // as closed
  ReapedClaims reaped;
  TradingState trading_state = TradingState::kActive;
  int64_t lost_claims = 0;
  int64_t left_processing = 0;
  std::map<std::string, int64_t> skip_reasons;     // by reason code
  std::map<std::string, int64_t> failure_reasons;  // by reason code
};

class ExecutionDispatcher {
 public:
  ExecutionDispatcher(LedgerStore* ledger, MarketView* market, Broker* broker,
                      ExecutionConfig config, const Clock* clock = SystemClock::Default(),
                      const Clock* wall_clock = SystemClock::Default());

  // One run. Returns the ledger error that stopped it before it could claim (the run row is
  // then closed with that error in its summary when possible); per-recommendation errors do not
  // stop a run.
  Result<RunReport> RunOnce();
  // Runs every `period` (a run that takes longer is followed at once by the next) until `stop`.
  // Errors are logged and the next run tries again.
  void RunEvery(std::chrono::milliseconds period, const std::atomic<bool>& stop);

  const ExecutionConfig& config() const { return config_; }
  const ExecutionProbe& probe() const { return probe_; }

 private:
  enum class Outcome { kSimulated, kSkipped, kFailed, kLost, kLeftProcessing };
  Outcome Process(const Recommendation& claimed, TradingState state, RunReport* report);
  // Ends `claimed` FAILED with `reason` (a "code: message" text).
  Outcome FailClaim(const Recommendation& claimed, const std::string& reason, RunReport* report);
  Settlement Decide(const Recommendation& claimed, TradingState state,
                    const std::optional<MarketBar>& bar,
                    const std::optional<MarketFeatures>& features, const TickerActivity& activity,
                    int64_t now_ms) const;
  LedgerEntry CompleteFill(const Recommendation& claimed, TradingState state,
                           const nlohmann::ordered_json& gates, BrokerFill fill) const;
  void LogDecision(const Recommendation& claimed, const Settlement& settlement) const;
  void CloseRun(RunReport* report, const std::string& error,
                std::chrono::steady_clock::time_point started);

  LedgerStore* ledger_;
  MarketView* market_;
  Broker* broker_;
  const ExecutionConfig config_;
  const Clock* clock_;
  const Clock* wall_clock_;
  const nlohmann::ordered_json config_json_;       // every key: run_config_json
  const nlohmann::ordered_json gate_config_json_;  // the keys the gates read
  ExecutionProbe probe_;
};

}  // namespace sigflow
