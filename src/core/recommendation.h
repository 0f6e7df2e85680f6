// Recommendation: what a pipeline proposes to trade, as a row of `dispatch_recommendations`
// (seed 003), and the execution dispatcher's state machine over it.
//
// State machine (enforced by the database's triggers, whoever writes):
//
//   PENDING --claim--> PROCESSING --settle--> SIMULATED | SKIPPED | FAILED
//                          |
//                          +--reaper (claim older than processing_ttl_minutes)--> PENDING,
//                             or FAILED once its attempts are used up
//
// A recommendation is created PENDING; what it proposes (ticker, action, confidence, reason, ...)
// never changes afterwards; SIMULATED, SKIPPED and FAILED are final. It is SIMULATED exactly when
// the ledger (`dispatch_executions`) holds its fill.
//
// Plain values; the functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sigflow {

// The actions of seed 003 (and of the strategy agent). "No trade" is not an action: no
// recommendation is written for it.
enum class TradeAction : uint8_t { kBuyStock, kBuyCall, kBuyPut, kSellPremium };

inline constexpr TradeAction kAllTradeActions[] = {TradeAction::kBuyStock, TradeAction::kBuyCall,
                                                   TradeAction::kBuyPut, TradeAction::kSellPremium};

std::string_view TradeActionName(TradeAction action);                // "BUY_STOCK", "BUY_CALL", ...
std::optional<TradeAction> ParseTradeAction(std::string_view text);  // case-insensitive

// The direction an action bets on the underlying: +1 bullish (BUY_STOCK, BUY_CALL), -1 bearish
// (BUY_PUT: its stops mirror a long's), 0 for SELL_PREMIUM (a bet on volatility, not direction).
int TradeDirection(TradeAction action);

enum class RecommendationStatus : uint8_t { kPending, kProcessing, kSimulated, kSkipped, kFailed };

std::string_view RecommendationStatusName(RecommendationStatus status);  // "PENDING", ...
std::optional<RecommendationStatus> ParseRecommendationStatus(std::string_view text);
inline bool IsFinal(RecommendationStatus s) {
  return s == RecommendationStatus::kSimulated || s == RecommendationStatus::kSkipped ||
         s == RecommendationStatus::kFailed;
}

struct Recommendation {
  // ---- written by the recommender (the order_manager agent, or `sigflow recommendations add`)
  int64_t id = 0;             // assigned by the store; the ledger's recommendation_id
  int64_t created_at_ms = 0;  // decision-clock time it was made (during a replay: the bar's time)
  std::string ticker;         // a ticker symbol (core/ticker.h), normalised by the store
  TradeAction action = TradeAction::kBuyStock;
  double confidence = 0;                // [0, 1]
  std::string pipeline_id;              // the pipeline that recommended it ("" for manual ones)
  int64_t pipeline_execution_id = 0;    // its execution (executions.id; 0 for manual ones)
  std::vector<std::string> signal_ids;  // the signals that woke that execution
  std::string reason_json = "{}";       // the explanation: a JSON object, see ledger_store.h

  // ---- written by the execution dispatcher
  RecommendationStatus status = RecommendationStatus::kPending;
  int attempts = 0;               // claims so far
  int64_t claimed_at_ms = 0;      // wall-clock time of the latest claim (the reaper's TTL)
  int64_t processed_at_ms = 0;    // wall-clock time it became SIMULATED / SKIPPED / FAILED
  std::string dispatcher_run_id;  // the run that holds (or last held) the claim
  std::string failure_reason;     // SKIPPED / FAILED: the first failing gate's text, or the error
  std::string risk_gate_json;     // every gate's observed value against its threshold ("" before)
};

// Checks what a recommender writes and normalises the ticker (core/ticker.h), as every
// LedgerStore does before inserting. `invalid_argument` naming the first bad field.
Status ValidateNewRecommendation(Recommendation* recommendation);

}  // namespace sigflow
