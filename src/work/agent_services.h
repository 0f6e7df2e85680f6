// AgentServices: what the built-in agents may reach outside their AgentContext, each through an
// interface (never a concrete store): the market data they read (market_data_agent), the ledger
// they write recommendations to (order_manager), and the decision clock.
//
// A null market or ledger is allowed (`sigflow pipelines add` registers the agents only to check
// configs): an agent that needs it then fails its node with `failed_precondition` naming what is
// missing. Everything pointed to must outlive the registry the agents are registered in.
//
// The decision time of an execution (DecisionTimeMs) is the newest triggering signal's time when
// signals woke it (during a replay: the replayed bar's time, so that the agents read the market
// as it stood when the signal fired, however late a worker runs), and the clock's now for a run
// no signal woke (periodic, manual).
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/clock.h"
#include "store/ledger_store.h"
#include "store/market_store.h"
#include "work/agent.h"

namespace sigflow {

struct AgentServices {
  MarketStore* market = nullptr;
  LedgerStore* ledger = nullptr;
  const Clock* clock = SystemClock::Default();
};

inline int64_t DecisionTimeMs(const AgentContext& context, const Clock* clock) {
  if (context.signals.empty()) return clock->NowMs();
  int64_t newest = context.signals.front().timestamp_ms;
  for (const Signal& s : context.signals) newest = std::max(newest, s.timestamp_ms);
  return newest;
}

}  // namespace sigflow
