// Text forms of the domain enums, as they appear in JSON, logs and the store.
#include <algorithm>
#include <cctype>

#include "core/execution.h"
#include "core/ledger.h"
#include "core/pipeline.h"
#include "core/recommendation.h"
#include "core/signal.h"
#include "core/trading_state.h"

namespace sigflow {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view BiasName(Bias bias) {
  switch (bias) {
    case Bias::kBullish:
      return "BULLISH";
    case Bias::kBearish:
      return "BEARISH";
    case Bias::kNeutral:
      return "NEUTRAL";
    case Bias::kUnspecified:
      break;
  }
  return "";
}

std::optional<Bias> ParseBias(std::string_view text) {
  for (Bias b : {Bias::kBullish, Bias::kBearish, Bias::kNeutral}) {
    if (EqualsIgnoreCase(text, BiasName(b))) return b;
  }
  return std::nullopt;
}

std::string_view TriggerModeName(TriggerMode mode) {
  return mode == TriggerMode::kSignal ? "signal" : "periodic";
}

std::optional<TriggerMode> ParseTriggerMode(std::string_view text) {
  if (EqualsIgnoreCase(text, "signal")) return TriggerMode::kSignal;
  if (EqualsIgnoreCase(text, "periodic")) return TriggerMode::kPeriodic;
  return std::nullopt;
}

std::string_view ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kPending:
      return "PENDING";
    case ExecutionStatus::kRunning:
      return "RUNNING";
    case ExecutionStatus::kCompleted:
      return "COMPLETED";
    case ExecutionStatus::kFailed:
      return "FAILED";
  }
  return "";
}

std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view text) {
  for (ExecutionStatus s : {ExecutionStatus::kPending, ExecutionStatus::kRunning,
                            ExecutionStatus::kCompleted, ExecutionStatus::kFailed}) {
    if (EqualsIgnoreCase(text, ExecutionStatusName(s))) return s;
  }
  return std::nullopt;
}

std::vector<std::string_view> Signal::TickerSymbols() const {
  std::vector<std::string_view> out;
  out.reserve(tickers.size());
  for (const auto& t : tickers) out.push_back(t.ticker);
  return out;
}

std::string_view TradeActionName(TradeAction action) {
  switch (action) {
    case TradeAction::kBuyStock:
      return "BUY_STOCK";
    case TradeAction::kBuyCall:
      return "BUY_CALL";
    case TradeAction::kBuyPut:
      return "BUY_PUT";
    case TradeAction::kSellPremium:
      return "SELL_PREMIUM";
  }
  return "";
}

std::optional<TradeAction> ParseTradeAction(std::string_view text) {
  for (TradeAction a : kAllTradeActions) {
    if (EqualsIgnoreCase(text, TradeActionName(a))) return a;
  }
  return std::nullopt;
}

int TradeDirection(TradeAction action) {
  switch (action) {
    case TradeAction::kBuyStock:
    case TradeAction::kBuyCall:
      return 1;
    case TradeAction::kBuyPut:
      return -1;
    case TradeAction::kSellPremium:
      break;
  }
  return 0;
}

std::string_view RecommendationStatusName(RecommendationStatus status) {
  switch (status) {
    case RecommendationStatus::kPending:
      return "PENDING";
    case RecommendationStatus::kProcessing:
      return "PROCESSING";
    case RecommendationStatus::kSimulated:
      return "SIMULATED";
    case RecommendationStatus::kSkipped:
      return "SKIPPED";
    case RecommendationStatus::kFailed:
      return "FAILED";
  }
  return "";
}

std::optional<RecommendationStatus> ParseRecommendationStatus(std::string_view text) {
  for (RecommendationStatus s : {RecommendationStatus::kPending, RecommendationStatus::kProcessing,
                                 RecommendationStatus::kSimulated, RecommendationStatus::kSkipped,
                                 RecommendationStatus::kFailed}) {
    if (EqualsIgnoreCase(text, RecommendationStatusName(s))) return s;
  }
  return std::nullopt;
}

std::string_view ExecutionModeName(ExecutionMode mode) {
  return mode == ExecutionMode::kReal ? "REAL" : "SIMULATED";
}

std::optional<ExecutionMode> ParseExecutionMode(std::string_view text) {
  if (EqualsIgnoreCase(text, "SIMULATED")) return ExecutionMode::kSimulated;
  if (EqualsIgnoreCase(text, "REAL")) return ExecutionMode::kReal;
  return std::nullopt;
}

std::string_view TradingStateName(TradingState state) {
  switch (state) {
    case TradingState::kActive:
      return "ACTIVE";
    case TradingState::kReducing:
      return "REDUCING";
    case TradingState::kHalted:
      return "HALTED";
  }
  return "";
}

std::optional<TradingState> ParseTradingState(std::string_view text) {
  for (TradingState s : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted}) {
    if (EqualsIgnoreCase(text, TradingStateName(s))) return s;
  }
  return std::nullopt;
}

}  // namespace sigflow
