// Runtime: the composition root. Brings up the roles a subcommand asks for on the embedded
// adapters (SQLite store, embedded bus log) in dependency order, and takes them down in reverse.
//
//   store + ledger -> bus consumer + trigger dispatcher thread -> worker pool (+ the periodic
//   scheduler of time_trigger pipelines) -> generators
//
// Only this file (and the subcommands) know concrete adapters. Start/Drain/Stop are called from
// one controlling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "cli/settings.h"
#include "core/status.h"
#include "generators/generator_runner.h"
#include "store/ledger_store.h"
#include "store/store.h"
#include "trigger/trigger_dispatcher.h"
#include "work/agent_registry.h"
#include "work/time_trigger.h"
#include "work/worker_pool.h"

namespace sigflow {

struct RuntimeRoles {
  bool dispatch = false;
  bool work = false;
  bool generate = false;
  // Mock generator period when MOCK_GENERATOR_INTERVAL_SECONDS is unset.
  std::chrono::milliseconds default_mock_interval{60000};
  // The generators to run live (--generators); empty: Settings::generators (SIGFLOW_GENERATORS).
  std::vector<std::string> generators;
  bool generators_to_stdout = false;  // print the generators' signals instead of publishing
  // --refresh-bars: a BarRefresher (cli/bar_refresh.h) keeps the watchlist's bars current from
  // Finnhub, on the shortest bar-driven generator's interval.
  bool refresh_bars = false;
};

struct RunSummary {
  double seconds = 0;
  uint64_t signals_published = 0, signals_consumed = 0, signals_dead_lettered = 0;
  uint64_t pipelines_matched = 0, pipelines_enqueued = 0, pipelines_skipped_running = 0,
           pipelines_duplicate = 0, pipelines_trading_halted = 0;
  uint64_t executions_completed = 0, executions_failed = 0;
  // Queued by the periodic scheduler, not by a signal: completed counts these too.
  uint64_t executions_scheduled = 0;
  uint64_t batches = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0;
};

class Runtime {
 public:
  // Opens the store and starts the requested roles. Errors name what could not start.
  static Result<std::unique_ptr<Runtime>> Start(const Settings& settings, RuntimeRoles roles);
  ~Runtime();

  Store* store() { return store_.get(); }
  // Counts signals this process published outside the generator runner (a replay under
  // `sigflow run --replay`), so that Drain waits for them and the summary includes them.
  void NotePublished(uint64_t signals) { external_published_.fetch_add(signals); }
  // The execution side over the same store (recommendations, ledger, trading state).
  LedgerStore* ledger() { return ledger_.get(); }
  // Stops generating, then waits (up to `limit`) until the dispatcher has consumed everything
  // this process published and the queue has no PENDING/RUNNING execution left.
  void Drain(std::chrono::milliseconds limit);
  void Stop();  // idempotent
  RunSummary Summary() const;

 private:
  Runtime() = default;
  Status StartDispatcher(const Settings& settings);
  Status StartWorkers(const Settings& settings);
  Status StartGenerators(const Settings& settings, const RuntimeRoles& roles);
  Result<std::unique_ptr<SignalGenerator>> StartBarRefresher(
      const std::vector<std::unique_ptr<SignalGenerator>>& generators,
      const std::vector<std::string>& tickers);

  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<Store> store_;
  std::unique_ptr<LedgerStore> ledger_;  // over store_; the trigger dispatcher reads its state
  std::unique_ptr<BusConsumer> consumer_;
  std::unique_ptr<TriggerDispatcher> dispatcher_;
  std::atomic<bool> stop_dispatcher_{false};
  std::thread dispatcher_thread_;
  std::unique_ptr<AgentRegistry> agents_;
  std::shared_ptr<WorkerPool> workers_;
  std::unique_ptr<PeriodicScheduler> scheduler_;  // with the workers: periodic pipelines
  std::unique_ptr<BusProducer> producer_;
  std::unique_ptr<GeneratorRunner> generators_;
  std::atomic<uint64_t> external_published_{0};
  bool stopped_ = false;
};

}  // namespace sigflow
