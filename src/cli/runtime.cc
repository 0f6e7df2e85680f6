#include "cli/runtime.h"

#include "cli/adapters.h"
#include "cli/bar_refresh.h"
#include "cli/live_generators.h"
#include "generators/bar_driven_generator.h"
#include "generators/watchlist.h"
#include "obs/log.h"

namespace sigflow {
namespace {

// Used when the watchlist file is missing, so a first `sigflow run` anywhere still shows signals.
const std::vector<std::string> kFallbackWatchlist = {"AAPL", "MSFT", "GOOGL", "AMZN", "NVDA",
                                                     "TSLA", "META", "JPM",   "AMD",  "INTC"};

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::Start(const Settings& settings, RuntimeRoles roles) {
  std::unique_ptr<Runtime> rt(new Runtime());
  auto store = OpenStore(settings);
  if (!store.ok()) return store.status();
  rt->store_ = std::move(store).value();
  auto ledger = OpenLedger(rt->store_.get(), settings);
  if (!ledger.ok()) return ledger.status();
  rt->ledger_ = std::move(ledger).value();
  if (roles.work) {
    if (Status s = rt->StartWorkers(settings); !s.ok()) return s;
  }
  if (roles.dispatch) {
    if (Status s = rt->StartDispatcher(settings); !s.ok()) return s;
  }
  if (roles.generate) {
    if (Status s = rt->StartGenerators(settings, roles); !s.ok()) return s;
  }
  return rt;
}

Status Runtime::StartWorkers(const Settings& settings) {
  agents_ = std::make_unique<AgentRegistry>();
  // The agents reach the market tables and the ledger of this store, through their interfaces.
  const AgentServices services{MarketStoreOf(store_.get()), ledger_.get(), SystemClock::Default()};
  if (Status s = RegisterBuiltinAgents(agents_.get(), services); !s.ok()) return s;
  workers_ = std::make_shared<WorkerPool>(store_.get(), agents_.get(), settings.workers);
  if (Status s = workers_->Start(); !s.ok()) return s;
  // Executions queued by other processes (a separate `sigflow dispatch`) wake the workers at once
  // where the store can tell (PostgreSQL NOTIFY); elsewhere the idle poll finds them.
  // The store may outlive the pool (and call back from its listener thread): hold it weakly.
  std::weak_ptr<WorkerPool> pool = workers_;
  store_->OnExecutionsEnqueued([pool] {
    if (auto live = pool.lock()) live->Notify();
  });
  // Periodic pipelines run on their time_trigger schedules.
  scheduler_ =
      std::make_unique<PeriodicScheduler>(store_.get(), agents_.get(), SystemClock::Default());
  scheduler_->Start([pool] {
    if (auto live = pool.lock()) live->Notify();
  });
  return Status::Ok();
}

Status Runtime::StartDispatcher(const Settings& settings) {
  auto consumer = OpenConsumer(settings);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  // HALTED (sigflow trading-state set HALTED) stops the waking of pipelines.
  dispatcher_ = std::make_unique<TriggerDispatcher>(
      store_.get(), consumer_.get(), settings.dispatcher, SystemClock::Default(), ledger_.get());
  if (workers_) {
    WorkerPool* pool = workers_.get();
    dispatcher_->set_on_enqueued([pool] { pool->Notify(); });
  }
  dispatcher_thread_ = std::thread([this] { dispatcher_->Run(stop_dispatcher_); });
  return Status::Ok();
}

Status Runtime::StartGenerators(const Settings& settings, const RuntimeRoles& roles) {
  std::vector<std::string> tickers;
  auto watchlist = LoadWatchlist(settings.watchlist_path);
  if (watchlist.ok()) {
    tickers = watchlist->tickers;
  } else if (watchlist.status().code() == "not_found") {
    log::Warn("watchlist_missing", {{"path", settings.watchlist_path},
                                    {"using", kFallbackWatchlist},
                                    {"hint", "set WATCHLIST_CONFIG_PATH"}});
    tickers = kFallbackWatchlist;
  } else {
    return watchlist.status();  // a broken file is an error, not something to paper over
  }
  if (roles.generators_to_stdout) {
    producer_ = std::make_unique<StdoutProducer>();
  } else {
    auto producer = OpenProducer(settings);
    if (!producer.ok()) return producer.status();
    producer_ = std::move(producer).value();
  }
  LiveGeneratorOptions options;
  options.generators = roles.generators.empty() ? settings.generators : roles.generators;
  options.tickers = tickers;
  options.mock_interval = settings.mock_interval.value_or(roles.default_mock_interval);
  options.intervals = settings.generator_intervals;
  std::shared_ptr<const BarSource> bars;
  if (MarketStore* market = MarketStoreOf(store_.get())) {
    bars = std::make_shared<MarketStoreBarSource>(market);
  }
  auto generators = BuildLiveGenerators(options, bars);
  if (!generators.ok()) return generators.status();
  if (roles.refresh_bars) {
    auto refresher = StartBarRefresher(*generators, tickers);
    if (!refresher.ok()) return refresher.status();
    generators->insert(generators->begin(), std::move(refresher).value());
  }
  nlohmann::json started = nlohmann::json::array();
  for (const auto& g : *generators) {
    started.push_back({{"generator", std::string(g->name())},
                       {"interval_seconds", g->interval().count() / 1000.0}});
  }
  log::Info("signal_generator_starting", {{"generators", started}, {"tickers", tickers}});
  generators_ = std::make_unique<GeneratorRunner>(std::move(generators).value(), producer_.get());
  generators_->Start();
  return Status::Ok();
}

Result<std::unique_ptr<SignalGenerator>> Runtime::StartBarRefresher(
    const std::vector<std::unique_ptr<SignalGenerator>>& generators,
    const std::vector<std::string>& tickers) {
  MarketStore* market = MarketStoreOf(store_.get());
  if (market == nullptr) {
    return Status::Error("failed_precondition", "--refresh-bars: the store has no bars table");
  }
  auto finnhub = FinnhubFromEnv();
  if (!finnhub.ok()) return finnhub.status();
  auto remote = FinnhubBarSource::Open(*finnhub);
  if (!remote.ok()) return remote.status();
  // Refresh as often as the most frequent bar-driven generator looks.
  std::optional<std::chrono::milliseconds> interval;
  for (const auto& g : generators) {
    if (dynamic_cast<const BarDrivenGenerator*>(g.get()) == nullptr) continue;
    if (!interval || g->interval() < *interval) interval = g->interval();
  }
  if (!interval) {
    return Status::InvalidArgument("--refresh-bars: no bar-driven generator to refresh bars for");
  }
  return std::unique_ptr<SignalGenerator>(std::make_unique<BarRefresher>(
      std::shared_ptr<const BarSource>(std::move(remote).value()), market, tickers, *interval));
}

void Runtime::Drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  if (generators_) generators_->Stop();
  auto before = [&] { return std::chrono::steady_clock::now() < deadline; };
  // Short naps: a paced replay drains once per replayed day.
  auto nap = [] { std::this_thread::sleep_for(std::chrono::milliseconds(2)); };
  auto published = [this] {
    return external_published_.load() +
           (generators_ ? generators_->probe().signals_published_total.load() : 0);
  };
  if (dispatcher_) {
    while (before() && dispatcher_->probe().signals_consumed.load() < published()) nap();
  }
  if (workers_) {
    while (before()) {
      auto counts = store_->Counts();
      if (counts.ok() && counts->executions_pending + counts->executions_running == 0) break;
      nap();
    }
  }
}

void Runtime::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (generators_) generators_->Stop();
  stop_dispatcher_.store(true);
  if (dispatcher_thread_.joinable()) dispatcher_thread_.join();
  if (scheduler_) scheduler_->Stop();
  if (workers_) workers_->Stop();
}

Runtime::~Runtime() { Stop(); }

RunSummary Runtime::Summary() const {
  RunSummary s;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  s.signals_published = external_published_.load();
  if (generators_) s.signals_published += generators_->probe().signals_published_total.load();
  if (dispatcher_) {
    const auto& p = dispatcher_->probe();
    s.signals_consumed = p.signals_consumed.load();
    s.signals_dead_lettered = p.signals_dead_lettered.load();
    s.pipelines_matched = p.pipelines_matched.load();
    s.pipelines_enqueued = p.pipelines_enqueued.load();
    s.pipelines_skipped_running = p.pipelines_skipped_running.load();
    s.pipelines_duplicate = p.pipelines_duplicate.load();
    s.pipelines_trading_halted = p.pipelines_trading_halted.load();
    s.batches = p.batches.load();
    s.latency_p50_ms = p.signal_to_execution_micros.PercentileMicros(0.50) / 1000.0;
    s.latency_p99_ms = p.signal_to_execution_micros.PercentileMicros(0.99) / 1000.0;
  }
  if (workers_) {
    s.executions_completed = workers_->probe().completed.load();
    s.executions_failed = workers_->probe().failed.load();
  }
  if (scheduler_) s.executions_scheduled = scheduler_->probe().enqueued.load();
  return s;
}

}  // namespace sigflow
