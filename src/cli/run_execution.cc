#include "cli/run_execution.h"

#include <cstdio>

#include "obs/log.h"

namespace sigflow {
namespace {

int64_t TotalRecommendations(const LedgerCounts& c) {
  return c.pending + c.processing + c.simulated + c.skipped + c.failed;
}

}  // namespace

nlohmann::json ExecutionRunSummary::ToJson() const {
  return {{"recommendations", recommendations},
          {"dispatcher_runs", runs},
          {"recommendations_claimed", claimed},
          {"fills", fills},
          {"recommendations_skipped", skipped},
          {"recommendations_failed", failed},
          {"gate_skips_by_reason", skips_by_reason},
          {"failures_by_reason", failures_by_reason},
          {"ledger_rows", ledger_rows},
          {"recommendations_pending", pending_left}};
}

Result<std::unique_ptr<RunExecution>> RunExecution::Create(Store* store, LedgerStore* ledger,
                                                           ExecutionConfig config) {
  MarketStore* market = MarketStoreOf(store);
  if (market == nullptr) {
    return Status::InvalidArgument("the store keeps no market data for the execution dispatcher");
  }
  std::unique_ptr<RunExecution> self(new RunExecution());
  self->ledger_ = ledger;
  self->market_ = std::make_unique<StoreMarketView>(market);
  auto broker = MakeBroker(config);
  if (!broker.ok()) return broker.status();
  self->broker_ = std::move(broker).value();
  auto counts = ledger->Counts();
  if (!counts.ok()) return counts.status();
  self->recommendations_before_ = TotalRecommendations(*counts);
  self->config_ = std::move(config);
  return self;
}

RunExecution::~RunExecution() {
  stop_.store(true);
  if (live_thread_.joinable()) live_thread_.join();
}

void RunExecution::Add(const RunReport& r) {
  ++totals_.runs;
  totals_.claimed += r.run.pulled_count;
  totals_.fills += r.run.simulated_count;
  totals_.skipped += r.run.skipped_count;
  totals_.failed += r.run.failed_count;
  for (const auto& [reason, n] : r.skip_reasons) totals_.skips_by_reason[reason] += n;
  for (const auto& [reason, n] : r.failure_reasons) totals_.failures_by_reason[reason] += n;
}

void RunExecution::Drain() {
  if (!dispatcher_) {  // created on first use, on the clock the run uses
    const Clock* clock = replay_ ? static_cast<const Clock*>(&replay_clock_)
                                 : static_cast<const Clock*>(SystemClock::Default());
    dispatcher_ = std::make_unique<ExecutionDispatcher>(ledger_, market_.get(), broker_.get(),
                                                        config_, clock);
  }
  ExecutionDispatcher* dispatcher = dispatcher_.get();
  while (true) {
    auto report = dispatcher->RunOnce();
    if (!report.ok()) {
      log::Warn("dispatcher_run_failed", {{"error", report.status().ToString()}});
      return;
    }
    Add(*report);
    if (report->run.pulled_count < dispatcher->config().max_signals_per_run) return;
  }
}

void RunExecution::SettleAt(int64_t time_ms) {
  replay_ = true;
  replay_clock_.SetMs(time_ms);
  Drain();
}

void RunExecution::StartLive(std::chrono::milliseconds period) {
  live_thread_ = std::thread([this, period] {
    while (!stop_.load()) {
      const auto next = std::chrono::steady_clock::now() + period;
      Drain();
      while (!stop_.load() && std::chrono::steady_clock::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
}

void RunExecution::Finish() {
  stop_.store(true);
  if (live_thread_.joinable()) live_thread_.join();
  Drain();
}

ExecutionRunSummary RunExecution::Summary() {
  ExecutionRunSummary s = totals_;
  if (auto counts = ledger_->Counts(); counts.ok()) {
    s.recommendations = TotalRecommendations(*counts) - recommendations_before_;
    s.ledger_rows = counts->fills;
    s.pending_left = counts->pending;
  }
  return s;
}

void RunExecution::PrintSummary(const ExecutionRunSummary& s) {
  std::string skips;
  for (const auto& [reason, n] : s.skips_by_reason) {
    skips += "  " + reason + " " + std::to_string(n);
  }
  std::printf(
      "  trades      recommendations %lld  claimed %lld  filled %lld  skipped %lld  failed %lld  "
      "(%lld dispatcher runs)\n"
      "  gate skips%s\n"
      "  ledger      %lld rows in dispatch_executions  (%lld recommendations left PENDING)\n",
      static_cast<long long>(s.recommendations), static_cast<long long>(s.claimed),
      static_cast<long long>(s.fills), static_cast<long long>(s.skipped),
      static_cast<long long>(s.failed), static_cast<long long>(s.runs),
      skips.empty() ? "  none" : skips.c_str(), static_cast<long long>(s.ledger_rows),
      static_cast<long long>(s.pending_left));
  std::fflush(stdout);
}

}  // namespace sigflow
