// Pricing, stops and sizing of a simulated fill: seed 003's formulas, as pure functions.
//
//   entry          = close * (1 + slippage_bps / 10000)                       ("close+slip")
//   stop distance  = entry * recent_vol * stop_loss_atr_mult     (stop_distance_model recent_vol)
//                  = atr * stop_loss_atr_mult                    (stop_distance_model atr)
//   long  (direction +1: BUY_STOCK, BUY_CALL):  stop = entry - distance,
//                                               take profit = entry + distance * risk_reward
//   short (direction -1: BUY_PUT, mirrored):    stop = entry + distance,
//                                               take profit = entry - distance * risk_reward
//   risk budget    = paper_equity * max_risk_per_trade_pct
//   risk per share = |entry - stop| = distance
//   qty            = risk budget / risk per share, capped at
//                    max_position_pct (25%) * paper_equity / entry, and, when given, at
//                    max_notional / entry (the REDUCING state: never more than the exposure
//                    being reduced)
//   notional       = qty * entry
// Quantities are not rounded to whole units: the seed's formula is exact, and rounding belongs
// to a real broker's lot rules. Pure and thread-safe.
#pragma once

#include <optional>

#include "core/status.h"

namespace sigflow {

double EntryPrice(double close, double slippage_bps);
double StopDistanceFromVolatility(double entry, double recent_vol, double stop_mult);
double StopDistanceFromAtr(double atr, double stop_mult);

struct Stops {
  double stop_loss = 0;
  double take_profit = 0;
};
// `direction` +1 or -1 (see core/recommendation.h TradeDirection).
Stops PlaceStops(double entry, double distance, int direction, double risk_reward);

struct Sizing {
  double risk_budget = 0;
  double risk_per_share = 0;
  double uncapped_qty = 0;      // risk budget / risk per share
  double position_cap_qty = 0;  // max_position_pct * equity / entry
  double qty = 0;
  double notional = 0;
  bool position_capped = false;  // the 25% cap decided qty
  bool notional_capped = false;  // max_notional decided qty
};
Sizing SizePosition(double entry, double risk_per_share, double paper_equity,
                    double max_risk_per_trade_pct, double max_position_pct,
                    std::optional<double> max_notional = std::nullopt);

struct PricingInputs {
  double close = 0;
  int direction = 0;  // +1 or -1
  double slippage_bps = 0;
  double recent_vol = 0;  // used by the recent_vol model
  double atr = 0;         // used by the atr model
  bool atr_model = false;
  double stop_mult = 0;
  double risk_reward = 0;
  double paper_equity = 0;
  double max_risk_per_trade_pct = 0;
  double max_position_pct = 0;
  std::optional<double> max_notional;
};

struct PricedOrder {
  double entry = 0;
  double stop_distance = 0;
  Stops stops;
  Sizing sizing;
};

// All of the above, checked: `invalid_argument` (naming what) when the close is not a positive
// finite price, the direction is not +1 / -1, the stop distance is not positive and finite
// (recent_vol or ATR of 0), a stop or take-profit price would be at or below zero, or the
// quantity is not positive (max_notional of 0).
Result<PricedOrder> PriceOrder(const PricingInputs& in);

}  // namespace sigflow
