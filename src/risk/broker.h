// Broker: the seam between a gated recommendation and a fill (seed 003's "Broker interface
// ready for RealBroker swap").
//
// SimulatedBroker (simulated_broker.h) fills by seed 003's formulas (risk/pricing.h). MakeBroker
// picks the broker that config.execution_mode names: SIMULATED gives a SimulatedBroker; REAL is
// refused with a clear error, because no real broker adapter exists in sigflow (nothing pretends
// to be one).
//
// Contract: Execute() is called by the execution dispatcher after every gate passed, inside the
// ledger's settlement transaction for the ticker (store/ledger_store.h), so it must be quick and
// must not call the ledger. It returns the fill's terms; the dispatcher adds the identities and
// explanations and appends it to the ledger. A failure (the order cannot be priced: a zero
// volatility, a stop below zero) is a Status with its reason; the recommendation then becomes
// FAILED with it. Implementations are thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/ledger.h"
#include "core/recommendation.h"
#include "core/status.h"
#include "risk/execution_config.h"
#include "risk/market_view.h"

namespace sigflow {

struct OrderRequest {
  const Recommendation* recommendation = nullptr;
  MarketBar bar;            // the bar the gates passed
  MarketFeatures features;  // the features the gates passed
  int64_t decision_ts_ms = 0;
  // REDUCING: the fill's notional may not exceed the open exposure it reduces.
  std::optional<double> max_notional;
};

struct BrokerFill {
  // Filled in: decision_ts, simulated_ts, entry_price, fill_model, slippage_bps, qty, notional,
  // stop_loss_price, take_profit_price, max_hold_minutes, execution_mode; the rest is the
  // dispatcher's.
  LedgerEntry entry;
  nlohmann::ordered_json sim;     // the inputs of each formula (dispatch_executions.sim_json)
  nlohmann::ordered_json sizing;  // the risk budget and caps (part of risk_json)
};

class Broker {
 public:
  virtual ~Broker() = default;
  virtual ExecutionMode mode() const = 0;
  virtual Result<BrokerFill> Execute(const OrderRequest& order) = 0;
};

// The broker config.execution_mode names. REAL: `unimplemented`, saying that no real broker
// adapter is configured.
Result<std::unique_ptr<Broker>> MakeBroker(const ExecutionConfig& config);

}  // namespace sigflow
