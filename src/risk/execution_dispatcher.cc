#include "risk/execution_dispatcher.h"

#include <cmath>
#include <thread>

#include "core/uuid.h"
#include "obs/log.h"
#include "risk/gates.h"

namespace sigflow {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The reason code of a "code: detail" text.
std::string CodeOf(const std::string& reason) { return reason.substr(0, reason.find(':')); }

// The logger takes nlohmann::json; the documents are built ordered for the database.
nlohmann::json Plain(const OrderedJson& j) { return nlohmann::json::parse(j.dump()); }

}  // namespace

ExecutionDispatcher::ExecutionDispatcher(LedgerStore* ledger, MarketView* market, Broker* broker,
                                         ExecutionConfig config, const Clock* clock,
                                         const Clock* wall_clock)
    : ledger_(ledger),
      market_(market),
      broker_(broker),
      config_(std::move(config)),
      clock_(clock),
      wall_clock_(wall_clock),
      config_json_(config_.ToJson()),
      gate_config_json_(GateConfigJson(config_)) {
  log::Info("execution_dispatcher_starting", {{"config", Plain(config_json_)}});
}

Result<RunReport> ExecutionDispatcher::RunOnce() {
  const auto started = std::chrono::steady_clock::now();
  RunReport report;
  report.run.run_id = NewUuid();
  report.run.started_at_ms = wall_clock_->NowMs();
  report.run.run_config_json = config_json_.dump();
  if (Status opened = ledger_->OpenRun(report.run); !opened.ok()) {
    probe_.run_failures.fetch_add(1, std::memory_order_relaxed);
    return opened;
  }
  probe_.runs.fetch_add(1, std::memory_order_relaxed);
  auto stop = [&](const Status& error, const char* step) -> Status {
    probe_.run_failures.fetch_add(1, std::memory_order_relaxed);
    CloseRun(&report, std::string(step) + ": " + error.ToString(), started);
    return error;
  };

  // 2. The reaper: claims of dispatchers that died or hung.
  const int64_t wall_now = wall_clock_->NowMs();
  auto reaped = ledger_->ReapStaleClaims(wall_now - int64_t{config_.processing_ttl_minutes} * 60000,
                                         config_.max_processing_attempts, wall_now);
  if (!reaped.ok()) return stop(reaped.status(), "reap");
  report.reaped = *reaped;
  probe_.reaped_released.fetch_add(reaped->released, std::memory_order_relaxed);
  probe_.reaped_failed.fetch_add(reaped->failed, std::memory_order_relaxed);
  if (reaped->released + reaped->failed > 0) {
    log::Warn("stale_claims_reaped",
              {{"run_id", report.run.run_id},
               {"released", reaped->released},
               {"failed", reaped->failed},
               {"processing_ttl_minutes", config_.processing_ttl_minutes},
               {"max_processing_attempts", config_.max_processing_attempts}});
  }

  // 3. One trading state for the whole run.
  auto state = ledger_->GetTradingState();
  if (!state.ok()) return stop(state.status(), "trading state");
  report.trading_state = state->state;

  // 4. Claim, committed before anything else happens to the rows.
  const int64_t now = clock_->NowMs();
  auto claimed = ledger_->ClaimRecommendations(
      report.run.run_id, config_.max_signals_per_run,
      now - int64_t{config_.lookback_window_minutes} * 60000, wall_clock_->NowMs());
  if (!claimed.ok()) return stop(claimed.status(), "claim");
  report.run.pulled_count = static_cast<int64_t>(claimed->size());
  probe_.claimed.fetch_add(claimed->size(), std::memory_order_relaxed);

  // 5. Each one to its end; none stops the run.
  for (const Recommendation& r : *claimed) Process(r, state->state, &report);

  CloseRun(&report, "", started);
  return report;
}

ExecutionDispatcher::Outcome ExecutionDispatcher::Process(const Recommendation& claimed,
                                                          TradingState state, RunReport* report) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t now = clock_->NowMs();
  auto bar = market_->LatestBar(claimed.ticker, now);
  if (!bar.ok()) {
    return FailClaim(claimed, "market_data_unavailable: bar: " + bar.status().message(), report);
  }
  auto features = market_->LatestFeatures(claimed.ticker, now);
  if (!features.ok()) {
    return FailClaim(claimed, "market_data_unavailable: features: " + features.status().message(),
                     report);
  }
  TickerActivityQuery query;
  query.day.since_ms = FloorDiv(now, kDayMs) * kDayMs;  // the UTC day of the decision clock
  query.day.until_ms = query.day.since_ms + kDayMs;
  query.rate_window_ms = int64_t{config_.recommendation_rate_window_seconds} * 1000;
  query.open_exposure = state == TradingState::kReducing;
  query.now_ms = now;
  auto settled = ledger_->Settle(claimed, query, [&](const TickerActivity& activity) {
    return Decide(claimed, state, *bar, *features, activity, now);
  });
  if (!settled.ok()) {
    if (settled.status().code() == "conflict") {
      probe_.lost_claims.fetch_add(1, std::memory_order_relaxed);
      ++report->lost_claims;
      log::Warn("dispatch_claim_lost", {{"run_id", report->run.run_id},
                                        {"recommendation_id", claimed.id},
                                        {"error", settled.status().message()}});
      return Outcome::kLost;
    }
    return FailClaim(claimed, "ledger_refused: " + settled.status().ToString(), report);
  }
  probe_.settle_micros.Record(std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count());
  const Settlement& s = settled->settlement;
  LogDecision(claimed, s);
  switch (s.status) {
    case RecommendationStatus::kSimulated:
      ++report->run.simulated_count;
      probe_.simulated.fetch_add(1, std::memory_order_relaxed);
      return Outcome::kSimulated;
    case RecommendationStatus::kSkipped:
      ++report->run.skipped_count;
      ++report->skip_reasons[CodeOf(s.failure_reason)];
      probe_.skipped.fetch_add(1, std::memory_order_relaxed);
      return Outcome::kSkipped;
    default:
      ++report->run.failed_count;
      ++report->failure_reasons[CodeOf(s.failure_reason)];
      probe_.failed.fetch_add(1, std::memory_order_relaxed);
      return Outcome::kFailed;
  }
}

ExecutionDispatcher::Outcome ExecutionDispatcher::FailClaim(const Recommendation& claimed,
                                                            const std::string& reason,
                                                            RunReport* report) {
  Settlement failed;
  failed.status = RecommendationStatus::kFailed;
  failed.failure_reason = reason;
  failed.processed_at_ms = wall_clock_->NowMs();
  TickerActivityQuery nothing;  // an empty day, no rate, no exposure: nothing worth reading
  nothing.day.since_ms = nothing.day.until_ms = 0;
  auto settled = ledger_->Settle(claimed, nothing, [&](const TickerActivity&) { return failed; });
  if (settled.ok()) {
    LogDecision(claimed, failed);
    ++report->run.failed_count;
    ++report->failure_reasons[CodeOf(reason)];
    probe_.failed.fetch_add(1, std::memory_order_relaxed);
    return Outcome::kFailed;
  }
  if (settled.status().code() == "conflict") {
    probe_.lost_claims.fetch_add(1, std::memory_order_relaxed);
    ++report->lost_claims;
    return Outcome::kLost;
  }
  // The ledger cannot even record the failure: the claim stays PROCESSING and the reaper will
  // give it back (or up) after processing_ttl_minutes.
  probe_.left_processing.fetch_add(1, std::memory_order_relaxed);
  ++report->left_processing;
  log::Error("dispatch_settle_failed", {{"run_id", report->run.run_id},
                                        {"recommendation_id", claimed.id},
                                        {"reason", reason},
                                        {"error", settled.status().ToString()}});
  return Outcome::kLeftProcessing;
}

Settlement ExecutionDispatcher::Decide(const Recommendation& claimed, TradingState state,
                                       const std::optional<MarketBar>& bar,
                                       const std::optional<MarketFeatures>& features,
                                       const TickerActivity& activity, int64_t now_ms) const {
  GateInputs in;
  in.trading_state = state;
  in.recommendation = &claimed;
  in.bar = bar;
  in.features = features;
  in.activity = activity;
  in.now_ms = now_ms;
  const GateReport gates = EvaluateGates(in, config_);
  const OrderedJson gates_json = gates.ToJson();
  Settlement s;
  s.processed_at_ms = wall_clock_->NowMs();
  s.risk_gate_json = gates_json.dump();
  if (const GateCheck* failure = gates.first_failure()) {
    s.status = RecommendationStatus::kSkipped;
    s.failure_reason = failure->text;
    return s;
  }
  OrderRequest order;
  order.recommendation = &claimed;
  order.bar = *bar;  // the freshness gates passed: both are there
  order.features = *features;
  order.decision_ts_ms = now_ms;
  if (state == TradingState::kReducing) order.max_notional = std::fabs(activity.open_exposure);
  auto fill = broker_->Execute(order);
  if (!fill.ok()) {
    s.status = RecommendationStatus::kFailed;
    s.failure_reason = "pricing_failed: " + fill.status().message();
    return s;
  }
  s.status = RecommendationStatus::kSimulated;
  s.fill = CompleteFill(claimed, state, gates_json, std::move(fill).value());
  return s;
}

LedgerEntry ExecutionDispatcher::CompleteFill(const Recommendation& r, TradingState state,
                                              const OrderedJson& gates, BrokerFill fill) const {
  LedgerEntry e = std::move(fill.entry);
  e.execution_id = NewUuid();
  e.recommendation_id = r.id;
  e.dispatcher_run_id = r.dispatcher_run_id;
  e.ticker = r.ticker;
  e.action = r.action;
  OrderedJson explain = {
      {"recommendation",
       {{"id", r.id},
        {"created_at", r.created_at_ms},
        {"ticker", r.ticker},
        {"action", TradeActionName(r.action)},
        {"confidence", r.confidence},
        {"pipeline_id", r.pipeline_id},
        {"pipeline_execution_id", r.pipeline_execution_id},
        {"signal_ids", r.signal_ids},
        {"reason", OrderedJson::parse(r.reason_json, nullptr, /*allow_exceptions=*/false)}}},
      {"dispatcher_run_id", r.dispatcher_run_id},
      {"attempt", r.attempts},
  };
  e.explain_json = explain.dump();
  OrderedJson risk = {{"trading_state", TradingStateName(state)},
                      {"gates", gates},
                      {"limits", gate_config_json_},
                      {"sizing", std::move(fill.sizing)}};
  e.risk_json = risk.dump();
  e.sim_json = fill.sim.dump();
  return e;
}

void ExecutionDispatcher::LogDecision(const Recommendation& r, const Settlement& s) const {
  if (!log::Enabled(log::Level::kInfo)) return;
  nlohmann::json fields = {{"run_id", r.dispatcher_run_id},
                           {"recommendation_id", r.id},
                           {"ticker", r.ticker},
                           {"action", TradeActionName(r.action)},
                           {"confidence", r.confidence},
                           {"status", RecommendationStatusName(s.status)}};
  if (!s.failure_reason.empty()) fields["reason"] = s.failure_reason;
  if (s.fill) {
    fields["entry_price"] = s.fill->entry_price;
    fields["qty"] = s.fill->qty;
    fields["notional"] = s.fill->notional;
    fields["stop_loss_price"] = s.fill->stop_loss_price;
    fields["take_profit_price"] = s.fill->take_profit_price;
    fields["config"] = Plain(config_json_);  // a fill used the gates' and the pricing's keys
  } else {
    fields["config"] = Plain(gate_config_json_);
  }
  log::Info("dispatch_decision", fields);
}

void ExecutionDispatcher::CloseRun(RunReport* report, const std::string& error,
                                   std::chrono::steady_clock::time_point started) {
  DispatcherRun& run = report->run;
  run.finished_at_ms = wall_clock_->NowMs();
  run.processed_count = run.simulated_count + run.skipped_count + run.failed_count;
  OrderedJson summary = {
      {"trading_state", TradingStateName(report->trading_state)},
      {"reaped_released", report->reaped.released},
      {"reaped_failed", report->reaped.failed},
      {"lost_claims", report->lost_claims},
      {"left_processing", report->left_processing},
      {"skip_reasons", report->skip_reasons},
      {"failure_reasons", report->failure_reasons},
      {"duration_ms",
       std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
           .count()},
  };
  if (!error.empty()) summary["error"] = error;
  run.run_summary_json = summary.dump();
  if (Status closed = ledger_->CloseRun(run); !closed.ok()) {
    log::Warn("dispatcher_run_close_failed",
              {{"run_id", run.run_id}, {"error", closed.ToString()}});
  }
  log::Info("dispatcher_run_completed", {{"run_id", run.run_id},
                                         {"pulled_count", run.pulled_count},
                                         {"processed_count", run.processed_count},
                                         {"simulated_count", run.simulated_count},
                                         {"skipped_count", run.skipped_count},
                                         {"failed_count", run.failed_count},
                                         {"summary", Plain(summary)}});
}

void ExecutionDispatcher::RunEvery(std::chrono::milliseconds period,
                                   const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_acquire)) {
    const auto next = std::chrono::steady_clock::now() + period;
    auto report = RunOnce();
    if (!report.ok()) {
      log::Warn("dispatcher_run_failed", {{"error", report.status().ToString()}});
    }
    while (!stop.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace sigflow
