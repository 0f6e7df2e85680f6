#include "bench/execute_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "bench/bench_stats.h"
#include "core/time_format.h"
#include "obs/latency_histogram.h"
#include "obs/log.h"
#include "risk/execution_dispatcher.h"
#include "risk/in_memory_market_view.h"
#include "risk/simulated_broker.h"

namespace sigflow {
namespace {

using Steady = std::chrono::steady_clock;

}  // namespace

Result<nlohmann::json> RunExecuteBench(const ExecuteBenchOptions& o, const std::string& backend,
                                       const BenchLedgerOpener& open, std::ostream* progress) {
  log::SetLevel(log::Level::kWarning);  // a line per decision would measure the logger

  ExecutionConfig config;
  config.max_signals_per_run = o.batch;
  config.max_trades_per_ticker_per_day = 1'000'000;
  config.max_recommendations_per_ticker = 1'000'000;
  const TradeAction actions[] = {TradeAction::kBuyStock, TradeAction::kBuyCall,
                                 TradeAction::kBuyPut};

  std::vector<BenchLedger> ledgers;
  for (int i = 0; i < std::max(1, o.dispatchers); ++i) {
    auto opened = open();
    if (!opened.ok()) return opened.status();
    ledgers.push_back(std::move(opened).value());
  }
  std::vector<std::string> tickers;
  for (size_t t = 0; t < o.tickers; ++t) tickers.push_back("B" + std::to_string(t));

  nlohmann::json runs = nlohmann::json::array();
  std::vector<double> rates, insert_rates;
  LatencyHistogram settle;
  int64_t now = 1'709'564'400'000;  // 2024-03-04T15:00:00Z; each repetition a day later
  for (int rep = 0; rep < o.repetitions; ++rep, now += kDayMs) {
    ManualClock clock(now);
    InMemoryMarketView market;
    for (size_t t = 0; t < tickers.size(); ++t) {
      market.PutBar(tickers[t], MarketBar{now - 30'000, 50.0 + static_cast<double>(t % 400)});
      market.PutFeatures(tickers[t],
                         MarketFeatures{now - 30'000, now - 10'000, 0.01 + 0.0001 * (t % 50), 1.0});
    }
    const auto insert_started = Steady::now();
    for (size_t i = 0; i < o.recommendations; ++i) {
      Recommendation r;
      r.ticker = tickers[i % tickers.size()];
      r.action = actions[i % 3];
      r.confidence = 0.8;
      r.created_at_ms = now - 1000 + static_cast<int64_t>(i % 1000);
      r.reason_json = R"({"rule":"bench"})";
      auto added = ledgers[0].ledger->AddRecommendation(std::move(r));
      if (!added.ok()) return added.status();
    }
    const double insert_seconds = SecondsSince(insert_started);
    insert_rates.push_back(static_cast<double>(o.recommendations) / insert_seconds);

    std::atomic<int64_t> settled{0}, simulated{0};
    std::atomic<bool> failed{false};
    Status first_error;
    std::mutex error_mu;
    const auto started = Steady::now();
    std::vector<std::thread> threads;
    for (auto& l : ledgers) {
      threads.emplace_back([&, ledger = l.ledger.get()] {
        SimulatedBroker broker(config);
        ExecutionDispatcher dispatcher(ledger, &market, &broker, config, &clock);
        while (!failed && settled.load() < static_cast<int64_t>(o.recommendations)) {
          auto report = dispatcher.RunOnce();
          if (!report.ok()) {
            std::lock_guard lock(error_mu);
            first_error = report.status();
            failed = true;
            return;
          }
          settled += report->run.processed_count;
          simulated += report->run.simulated_count;
          if (report->run.pulled_count == 0) std::this_thread::yield();
        }
        settle.Merge(dispatcher.probe().settle_micros);
      });
    }
    for (auto& t : threads) t.join();
    if (failed) return first_error;
    const double seconds = SecondsSince(started);
    const double rate = static_cast<double>(o.recommendations) / seconds;
    rates.push_back(rate);
    runs.push_back({{"recommendations_per_sec", rate},
                    {"seconds", seconds},
                    {"simulated", simulated.load()},
                    {"insert_per_sec", insert_rates.back()}});
    if (progress != nullptr) {
      *progress << "execute bench " << backend << ": repetition " << rep + 1 << "/" << o.repetitions
                << ": " << static_cast<int64_t>(rate) << " recommendations/s (" << simulated.load()
                << " filled in " << seconds << " s)" << std::endl;
    }
  }
  return nlohmann::json{{"bench", "execute"},
                        {"backend", backend},
                        {"recommendations", o.recommendations},
                        {"tickers", o.tickers},
                        {"batch", o.batch},
                        {"dispatchers", o.dispatchers},
                        {"repetitions", o.repetitions},
                        {"runs", runs},
                        {"median_recommendations_per_sec", Median(rates)},
                        {"median_insert_per_sec", Median(insert_rates)},
                        {"settle_p50_us", settle.PercentileMicros(0.5)},
                        {"settle_p99_us", settle.PercentileMicros(0.99)}};
}

}  // namespace sigflow
