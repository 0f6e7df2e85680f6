// TradingState: the risk engine's master switch (as in NautilusTrader's risk engine).
//
//   ACTIVE    every gate decides as usual.
//   REDUCING  only recommendations that reduce the ticker's open exposure may be filled.
//   HALTED    nothing is filled (the execution dispatcher skips every claim with reason
//             `trading_halted`) and the trigger dispatcher wakes no pipeline.
//
// The state is stored (store/ledger_store.h: an append-only history whose latest row is the
// current state; no row means ACTIVE) and set by an operator (`sigflow trading-state set`).
// Plain values; the functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigflow {

enum class TradingState : uint8_t { kActive, kReducing, kHalted };

std::string_view TradingStateName(TradingState state);  // "ACTIVE" | "REDUCING" | "HALTED"
std::optional<TradingState> ParseTradingState(std::string_view text);  // case-insensitive

// One change of the trading state, as recorded.
struct TradingStateRecord {
  TradingState state = TradingState::kActive;
  std::string reason;         // why the operator changed it ("" for the implicit ACTIVE)
  std::string changed_by;     // who changed it (user name, "cli", ...)
  int64_t changed_at_ms = 0;  // 0 for the implicit ACTIVE of a store that never recorded one
};

}  // namespace sigflow
