// Helpers shared by the execution dispatcher's tests: fresh market data, recommendations, and a
// dispatcher wired to a ledger, an in-memory market view, a simulated broker and manual clocks.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "risk/execution_dispatcher.h"
#include "risk/in_memory_market_view.h"
#include "risk/simulated_broker.h"
#include "store/ledger_store.h"

namespace sigflow::testing {

// 2024-03-04T15:00:00Z, a Monday afternoon.
inline constexpr int64_t kMarketNow = 1'709'564'400'000;
inline constexpr int64_t kMinute = 60'000;

// A bar 30 s old at `now` and features computed 10 s ago, so every freshness gate passes.
inline void PutFreshMarket(InMemoryMarketView* view, const std::string& ticker, int64_t now,
                           double close, double recent_vol, double atr = 1.5) {
  view->PutBar(ticker, MarketBar{now - 30'000, close});
  MarketFeatures f;
  f.ts_ms = now - 30'000;
  f.computed_at_ms = now - 10'000;
  f.recent_vol = recent_vol;
  f.atr = atr;
  view->PutFeatures(ticker, f);
}

inline Recommendation NewRecommendation(const std::string& ticker, int64_t created_at_ms,
                                        TradeAction action = TradeAction::kBuyStock,
                                        double confidence = 0.8) {
  Recommendation r;
  r.ticker = ticker;
  r.created_at_ms = created_at_ms;
  r.action = action;
  r.confidence = confidence;
  r.pipeline_id = "p1";
  r.pipeline_execution_id = 42;
  r.signal_ids = {"sig-a"};
  r.reason_json = R"({"rule":"bullish_bias"})";
  return r;
}

inline int64_t AddOrDie(LedgerStore* ledger, const Recommendation& r) {
  auto added = ledger->AddRecommendation(r);
  EXPECT_TRUE(added.ok()) << added.status().ToString();
  return added.ok() ? added->id : 0;
}

// A MarketView that forwards to another and runs `hook` once, at its first LatestBar: the point
// where a dispatcher holds a committed claim and has not settled it yet. One thread per view.
class HookedMarketView final : public MarketView {
 public:
  HookedMarketView(MarketView* inner, std::function<void()> hook)
      : inner_(inner), hook_(std::move(hook)) {}
  Result<std::optional<MarketBar>> LatestBar(std::string_view ticker, int64_t as_of) override {
    if (hook_) std::exchange(hook_, nullptr)();
    return inner_->LatestBar(ticker, as_of);
  }
  Result<std::optional<MarketFeatures>> LatestFeatures(std::string_view ticker,
                                                       int64_t as_of) override {
    return inner_->LatestFeatures(ticker, as_of);
  }

 private:
  MarketView* inner_;
  std::function<void()> hook_;
};

// One dispatcher and what it needs, over a given ledger.
struct DispatcherRig {
  DispatcherRig(LedgerStore* ledger, MarketView* market, ExecutionConfig config, ManualClock* clock,
                ManualClock* wall)
      : broker(config), dispatcher(ledger, market, &broker, config, clock, wall) {}
  SimulatedBroker broker;
  ExecutionDispatcher dispatcher;

  RunReport RunOnce() {
    auto report = dispatcher.RunOnce();
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(report).value() : RunReport{};
  }
};

}  // namespace sigflow::testing
