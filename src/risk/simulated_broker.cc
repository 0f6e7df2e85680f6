#include "risk/simulated_broker.h"

#include "risk/pricing.h"

namespace sigflow {

Result<std::unique_ptr<Broker>> MakeBroker(const ExecutionConfig& config) {
  if (config.execution_mode == ExecutionMode::kReal) {
    return Status::Error("unimplemented",
                         "execution_mode REAL: no real broker adapter is configured (sigflow "
                         "has only the simulated broker); set execution_mode to SIMULATED");
  }
  return std::unique_ptr<Broker>(std::make_unique<SimulatedBroker>(config));
}

Result<BrokerFill> SimulatedBroker::Execute(const OrderRequest& order) {
  const Recommendation& r = *order.recommendation;
  const int direction = TradeDirection(r.action);
  if (direction == 0) {
    return Status::InvalidArgument(std::string(TradeActionName(r.action)) +
                                   " has no directional stop to size it by");
  }
  const bool atr_model = config_.stop_distance_model == StopDistanceModel::kAtr;
  PricingInputs in;
  in.close = order.bar.close;
  in.direction = direction;
  in.slippage_bps = config_.default_slippage_bps;
  in.atr_model = atr_model;
  in.recent_vol = order.features.recent_vol.value_or(0);
  in.atr = order.features.atr.value_or(0);
  in.stop_mult = config_.stop_loss_atr_mult;
  in.risk_reward = config_.take_profit_risk_reward;
  in.paper_equity = config_.paper_equity;
  in.max_risk_per_trade_pct = config_.max_risk_per_trade_pct;
  in.max_position_pct = config_.max_position_pct;
  in.max_notional = order.max_notional;
  auto priced = PriceOrder(in);
  if (!priced.ok()) return priced.status();

  BrokerFill fill;
  LedgerEntry& e = fill.entry;
  e.decision_ts_ms = order.decision_ts_ms;
  e.simulated_ts_ms = order.decision_ts_ms;
  e.entry_price = priced->entry;
  e.fill_model = config_.fill_model;
  e.slippage_bps = config_.default_slippage_bps;
  e.qty = priced->sizing.qty;
  e.notional = priced->sizing.notional;
  e.stop_loss_price = priced->stops.stop_loss;
  e.take_profit_price = priced->stops.take_profit;
  e.max_hold_minutes = config_.max_hold_minutes;
  e.execution_mode = ExecutionMode::kSimulated;

  nlohmann::ordered_json features = {{"ts", order.features.ts_ms},
                                     {"computed_at", order.features.computed_at_ms},
                                     {"recent_vol", nullptr},
                                     {"atr", nullptr}};
  if (order.features.recent_vol) features["recent_vol"] = *order.features.recent_vol;
  if (order.features.atr) features["atr"] = *order.features.atr;
  fill.sim = {
      {"fill_model", config_.fill_model},
      {"bar", {{"ts", order.bar.ts_ms}, {"close", order.bar.close}}},
      {"features", features},
      {"entry",
       {{"close", order.bar.close},
        {"slippage_bps", config_.default_slippage_bps},
        {"entry_price", priced->entry}}},
      {"stops",
       {{"direction", direction > 0 ? "long" : "short"},
        {"stop_distance_model", StopDistanceModelName(config_.stop_distance_model)},
        {"basis", atr_model ? in.atr : in.recent_vol},
        {"stop_loss_atr_mult", config_.stop_loss_atr_mult},
        {"stop_distance", priced->stop_distance},
        {"stop_loss_price", priced->stops.stop_loss},
        {"take_profit_risk_reward", config_.take_profit_risk_reward},
        {"take_profit_price", priced->stops.take_profit}}},
      {"max_hold_minutes", config_.max_hold_minutes},
      {"simulated_ts", e.simulated_ts_ms},
  };
  const Sizing& s = priced->sizing;
  fill.sizing = {{"paper_equity", config_.paper_equity},
                 {"max_risk_per_trade_pct", config_.max_risk_per_trade_pct},
                 {"risk_budget", s.risk_budget},
                 {"risk_per_share", s.risk_per_share},
                 {"uncapped_qty", s.uncapped_qty},
                 {"max_position_pct", config_.max_position_pct},
                 {"position_cap_qty", s.position_cap_qty},
                 {"position_capped", s.position_capped},
                 {"max_notional", nullptr},
                 {"notional_capped", s.notional_capped},
                 {"qty", s.qty},
                 {"notional", s.notional}};
  if (order.max_notional) fill.sizing["max_notional"] = *order.max_notional;
  return fill;
}

}  // namespace sigflow
