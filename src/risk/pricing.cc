#include "risk/pricing.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace sigflow {
namespace {

std::string Num(double v) { return std::to_string(v); }

}  // namespace

double EntryPrice(double close, double slippage_bps) {
  return close * (1.0 + slippage_bps / 10000.0);
}

double StopDistanceFromVolatility(double entry, double recent_vol, double stop_mult) {
  return entry * recent_vol * stop_mult;
}

double StopDistanceFromAtr(double atr, double stop_mult) { return atr * stop_mult; }

Stops PlaceStops(double entry, double distance, int direction, double risk_reward) {
  const double d = direction >= 0 ? 1.0 : -1.0;
  return Stops{entry - d * distance, entry + d * distance * risk_reward};
}

Sizing SizePosition(double entry, double risk_per_share, double paper_equity,
                    double max_risk_per_trade_pct, double max_position_pct,
                    std::optional<double> max_notional) {
  Sizing s;
  s.risk_budget = paper_equity * max_risk_per_trade_pct;
  s.risk_per_share = risk_per_share;
  s.uncapped_qty = s.risk_budget / risk_per_share;
  s.position_cap_qty = max_position_pct * paper_equity / entry;
  s.qty = s.uncapped_qty;
  if (s.position_cap_qty < s.qty) {
    s.qty = s.position_cap_qty;
    s.position_capped = true;
  }
  if (max_notional) {
    const double notional_cap_qty = *max_notional / entry;
    if (notional_cap_qty < s.qty) {
      s.qty = notional_cap_qty;
      s.position_capped = false;
      s.notional_capped = true;
    }
  }
  s.notional = s.qty * entry;
  return s;
}

Result<PricedOrder> PriceOrder(const PricingInputs& in) {
  if (!std::isfinite(in.close) || in.close <= 0) {
    return Status::InvalidArgument("close " + Num(in.close) + " is not a positive price");
  }
  if (in.direction != 1 && in.direction != -1) {
    return Status::InvalidArgument("an action without a direction cannot be stopped");
  }
  PricedOrder order;
  order.entry = EntryPrice(in.close, in.slippage_bps);
  order.stop_distance = in.atr_model
                            ? StopDistanceFromAtr(in.atr, in.stop_mult)
                            : StopDistanceFromVolatility(order.entry, in.recent_vol, in.stop_mult);
  if (!std::isfinite(order.stop_distance) || order.stop_distance <= 0) {
    return Status::InvalidArgument(
        std::string("stop distance ") + Num(order.stop_distance) + " is not positive (" +
        (in.atr_model ? "atr=" + Num(in.atr) : "recent_vol=" + Num(in.recent_vol)) + ")");
  }
  order.stops = PlaceStops(order.entry, order.stop_distance, in.direction, in.risk_reward);
  if (order.stops.stop_loss <= 0 || order.stops.take_profit <= 0) {
    return Status::InvalidArgument(
        "stop " + Num(order.stops.stop_loss) + " / take profit " + Num(order.stops.take_profit) +
        " at or below zero: the stop distance " + Num(order.stop_distance) +
        " is too wide for entry " + Num(order.entry));
  }
  order.sizing = SizePosition(order.entry, order.stop_distance, in.paper_equity,
                              in.max_risk_per_trade_pct, in.max_position_pct, in.max_notional);
  if (!std::isfinite(order.sizing.qty) || order.sizing.qty <= 0) {
    return Status::InvalidArgument("quantity " + Num(order.sizing.qty) + " is not positive");
  }
  return order;
}

}  // namespace sigflow
