#include "bench/pipeline_bench.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <random>
#include <thread>

#include "bench/bench_stats.h"
#include "obs/latency_histogram.h"
#include "store/forwarding_store.h"
#include "trigger/trigger_dispatcher.h"
#include "work/agent_registry.h"
#include "work/worker_pool.h"

namespace sigflow {
namespace {

using Steady = std::chrono::steady_clock;

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Steady::now().time_since_epoch())
      .count();
}

std::string Ticker(size_t i) { return "T" + std::to_string(i); }

nlohmann::json Percentiles(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"p50", h.PercentileMicros(0.5)},
          {"p99", h.PercentileMicros(0.99)},
          {"p999", h.PercentileMicros(0.999)},
          {"max", h.MaxMicros()}};
}

// The dispatcher's store, seen from the benchmark: after each committed Wake it records, for
// every signal of the batch, the time since its publication (signal ids are "<prefix><seq>", the
// producer stamped publish_us[seq]), and how many round trips the Wake cost.
class TimingStore final : public ForwardingStore {
 public:
  TimingStore(Store* target, std::function<uint64_t()> round_trips)
      : ForwardingStore(target), round_trips_(std::move(round_trips)) {}

  void BeginPhase(std::string prefix, std::vector<std::atomic<int64_t>>* publish_us) {
    prefix_ = std::move(prefix);
    publish_us_ = publish_us;
    matched_ = std::make_unique<LatencyHistogram>();
    unmatched_ = std::make_unique<LatencyHistogram>();
    wake_time_ = std::make_unique<LatencyHistogram>();
    committed_ = 0;
    wakes_ = 0;
    wakes_without_round_trip_ = 0;
    warmed_up_ = false;
  }

  Result<WakeResult> Wake(const WakeBatch& batch) override {
    const uint64_t before = round_trips_();
    const int64_t start = SteadyMicros();
    auto result = ForwardingStore::Wake(batch);
    if (!result.ok()) return result;
    const int64_t now = SteadyMicros();
    wake_time_->Record(now - start);
    if (round_trips_() == before) ++wakes_without_round_trip_;
    ++wakes_;
    uint64_t committed = 0;
    for (const WakeSignal& s : batch.signals) {
      if (s.signal_id.rfind(prefix_, 0) != 0) {
        warmed_up_ = true;
        continue;
      }
      uint64_t seq = 0;
      const char* first = s.signal_id.data() + prefix_.size();
      const char* last = s.signal_id.data() + s.signal_id.size();
      if (std::from_chars(first, last, seq).ec != std::errc() || seq >= publish_us_->size()) {
        continue;
      }
      const int64_t published = (*publish_us_)[seq].load(std::memory_order_acquire);
      (s.matched > 0 ? *matched_ : *unmatched_).Record(now - published);
      ++committed;
    }
    committed_.fetch_add(committed, std::memory_order_release);
    return result;
  }

  uint64_t committed() const { return committed_.load(std::memory_order_acquire); }
  bool warmed_up() const { return warmed_up_.load(std::memory_order_acquire); }
  uint64_t wakes() const { return wakes_.load(); }
  uint64_t wakes_without_round_trip() const { return wakes_without_round_trip_.load(); }
  const LatencyHistogram& matched() const { return *matched_; }
  const LatencyHistogram& unmatched() const { return *unmatched_; }
  const LatencyHistogram& wake_time() const { return *wake_time_; }

 private:
  std::function<uint64_t()> round_trips_;
  std::string prefix_;
  std::vector<std::atomic<int64_t>>* publish_us_ = nullptr;
  std::unique_ptr<LatencyHistogram> matched_ = std::make_unique<LatencyHistogram>();
  std::unique_ptr<LatencyHistogram> unmatched_ = std::make_unique<LatencyHistogram>();
  std::unique_ptr<LatencyHistogram> wake_time_ = std::make_unique<LatencyHistogram>();
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> wakes_{0};
  std::atomic<uint64_t> wakes_without_round_trip_{0};
  std::atomic<bool> warmed_up_{false};
};

void AppendSignal(std::string_view id, std::string_view ticker, std::string* out) {
  out->clear();
  out->append(R"({"signal_id":")").append(id);
  out->append(R"(","timestamp":1733875200,"signal_type":"bench","source":"bench",)");
  out->append(R"("tickers":[{"ticker":")").append(ticker);
  out->append(R"(","signal":"BULLISH","confidence":80}],"metadata":{}})");
}

struct Bench {
  const PipelineBenchOptions& o;
  const PipelineBenchWiring& w;
  std::ostream* progress;
  BenchStore dispatch_store;
  BenchStore worker_store;
  std::unique_ptr<TimingStore> timing;
  std::unique_ptr<AgentRegistry> agents;
  std::unique_ptr<WorkerPool> workers;
  std::vector<std::string> pipeline_ids;
  int phase = 0;

  Status Setup() {
    auto d = w.open_store();
    if (!d.ok()) return d.status();
    dispatch_store = std::move(d).value();
    auto k = w.open_store();
    if (!k.ok()) return k.status();
    worker_store = std::move(k).value();
    timing = std::make_unique<TimingStore>(dispatch_store.store.get(), dispatch_store.round_trips);

    std::mt19937_64 rng(o.seed);
    const size_t watched = std::max<size_t>(1, o.tickers / 2);
    for (size_t i = 0; i < o.pipelines; ++i) {
      Pipeline p;
      p.name = "bench-" + std::to_string(i);
      p.trigger_mode = TriggerMode::kSignal;
      p.config_json = R"({"nodes":[]})";
      const size_t n = 1 + rng() % 3;
      while (p.scanner_tickers.size() < n) {
        std::string t = Ticker(rng() % watched);
        if (std::find(p.scanner_tickers.begin(), p.scanner_tickers.end(), t) ==
            p.scanner_tickers.end()) {
          p.scanner_tickers.push_back(std::move(t));
        }
      }
      auto added = dispatch_store.store->AddPipeline(std::move(p));
      if (!added.ok()) return added.status();
      pipeline_ids.push_back(added->id);
    }
    agents = std::make_unique<AgentRegistry>();
    WorkerOptions wo;
    wo.threads = o.worker_threads;
    wo.claim_batch = o.claim_batch;
    wo.idle_poll = std::chrono::milliseconds(50);
    wo.worker_id_prefix = "bench";
    workers = std::make_unique<WorkerPool>(worker_store.store.get(), agents.get(), wo);
    return workers->Start();
  }

  // Waits until no execution is PENDING or RUNNING (the workers caught up).
  Status WaitQueueEmpty(std::chrono::seconds patience) {
    const auto deadline = Steady::now() + patience;
    for (;;) {
      auto counts = worker_store.store->Counts();
      if (!counts.ok()) return counts.status();
      if (counts->executions_pending + counts->executions_running == 0) return Status::Ok();
      if (Steady::now() > deadline) {
        return Status::Unavailable("the workers did not drain the queue in time");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // One load phase. load 0 = closed loop bounded by max_in_flight.
  Result<nlohmann::json> RunLoad(const std::string& name, int64_t load, bool unmatched) {
    const int id = ++phase;
    const std::string topic = "bench-" + std::to_string(id);
    if (Status s = w.create_topic(topic, o.partitions); !s.ok()) return s;
    auto producer = w.open_producer(topic);
    if (!producer.ok()) return producer.status();
    const size_t cap = load > 0
                           ? static_cast<size_t>(static_cast<double>(load) * o.seconds * 1.05) + 16
                           : static_cast<size_t>(1'000'000 * o.seconds);
    std::vector<std::atomic<int64_t>> publish_us(cap);
    const std::string prefix = "p" + std::to_string(id) + "-";
    timing->BeginPhase(prefix, &publish_us);

    TriggerDispatcherOptions dopt;
    dopt.batch_size = o.batch_size;
    dopt.batch_timeout = std::chrono::milliseconds(500);
    dopt.idle_wait = std::chrono::milliseconds(20);
    dopt.topic = topic;
    // `dispatchers` members of one consumer group, each on its own thread (as processes would
    // be), sharing the dispatcher-side store (its pool gives each a connection).
    std::vector<std::unique_ptr<BusConsumer>> consumers;
    std::vector<std::unique_ptr<TriggerDispatcher>> dispatchers;
    WorkerPool* pool = workers.get();
    for (int i = 0; i < o.dispatchers; ++i) {
      auto consumer = w.open_consumer(topic, "bench-dispatch-" + std::to_string(id));
      if (!consumer.ok()) return consumer.status();
      consumers.push_back(std::move(consumer).value());
      dispatchers.push_back(
          std::make_unique<TriggerDispatcher>(timing.get(), consumers.back().get(), dopt));
      dispatchers.back()->set_on_enqueued([pool] { pool->Notify(); });
    }
    auto total = [&](std::atomic<uint64_t> DispatcherProbe::*field) {
      uint64_t sum = 0;
      for (const auto& d : dispatchers) sum += (d->probe().*field).load();
      return sum;
    };
    std::atomic<bool> stop{false};
    std::vector<std::thread> dispatch_threads;
    for (auto& d : dispatchers) {
      dispatch_threads.emplace_back([&stop, d = d.get()] { d->Run(stop); });
    }
    auto finish = [&] {
      stop = true;
      for (auto& t : dispatch_threads) t.join();
    };

    // Warm-up: the group join takes seconds on Kafka; wait until one signal went through.
    std::string payload;
    AppendSignal("warmup-" + std::to_string(id), Ticker(0), &payload);
    if (Status s = (*producer)->Publish(Ticker(0), payload); !s.ok()) {
      finish();
      return s;
    }
    const auto warm_deadline = Steady::now() + std::chrono::seconds(30);
    while (!timing->warmed_up()) {
      if (Steady::now() > warm_deadline) {
        finish();
        return Status::Unavailable("bench: the dispatcher never received the warm-up signal");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Several members: the group may still be moving partitions between them; let it settle
    // (a rebalance in the measured window would show as latency).
    if (o.dispatchers > 1) std::this_thread::sleep_for(std::chrono::seconds(4));
    if (Status s = WaitQueueEmpty(std::chrono::seconds(60)); !s.ok()) {
      finish();
      return s;
    }

    const uint64_t rt0 = dispatch_store.round_trips();
    const uint64_t wrt0 = worker_store.round_trips();
    const uint64_t batches0 = total(&DispatcherProbe::batches);
    const uint64_t wakes0 = timing->wakes();
    const uint64_t wakes_free0 = timing->wakes_without_round_trip();
    const uint64_t held0 = total(&DispatcherProbe::batches_held);
    const uint64_t enq0 = total(&DispatcherProbe::pipelines_enqueued);
    const uint64_t claimed0 = pool->probe().claimed.load();
    const uint64_t completed0 = pool->probe().completed.load();

    // The producer: in chunks, paced to the offered load (or to the in-flight bound).
    std::mt19937_64 rng(o.seed + static_cast<uint64_t>(id));
    const size_t watched = std::max<size_t>(1, o.tickers / 2);
    const size_t unwatched = std::max<size_t>(1, o.tickers - watched);
    constexpr size_t kChunk = 2000;
    std::vector<std::string> keys(kChunk), payloads(kChunk);
    std::vector<OutgoingRecord> records;
    size_t sent = 0;
    Status publish_error;
    const auto started = Steady::now();
    const int64_t started_us = SteadyMicros();
    // A paced signal arrives at its scheduled time; its latency counts from then, so the wait for
    // the next publish interval (and a producer that fell behind) is part of it.
    auto arrival_us = [&](size_t seq) {
      return started_us +
             static_cast<int64_t>(static_cast<double>(seq) * 1e6 / static_cast<double>(load));
    };
    auto next_publish = started;
    for (;;) {
      const double elapsed = SecondsSince(started);
      if (elapsed >= o.seconds || sent >= cap) break;
      size_t n = 0;
      if (load > 0) {
        const auto target = static_cast<size_t>(static_cast<double>(load) * elapsed);
        n = target > sent ? std::min(target - sent, kChunk) : 0;
      } else {
        const uint64_t done = timing->committed();
        const size_t in_flight = sent > done ? sent - done : 0;
        n = in_flight < o.max_in_flight ? std::min(o.max_in_flight - in_flight, kChunk) : 0;
      }
      n = std::min(n, cap - sent);
      if (n == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      records.clear();
      for (size_t i = 0; i < n; ++i) {
        const size_t t = unmatched ? watched + rng() % unwatched : rng() % o.tickers;
        keys[i] = Ticker(t);
        AppendSignal(prefix + std::to_string(sent + i), keys[i], &payloads[i]);
        records.push_back(OutgoingRecord{keys[i], payloads[i]});
      }
      const int64_t now = SteadyMicros();
      for (size_t i = 0; i < n; ++i) {
        publish_us[sent + i].store(load > 0 ? arrival_us(sent + i) : now,
                                   std::memory_order_release);
      }
      Status s = (*producer)->PublishBatch(records);
      if (!s.ok()) {
        publish_error = s;
        break;
      }
      sent += n;
      if (load > 0 && o.publish_interval.count() > 0) {
        // One publish per interval, as a producer with linger.ms = interval would send them.
        while (next_publish <= Steady::now()) next_publish += o.publish_interval;
        std::this_thread::sleep_until(next_publish);
      }
    }
    const double publish_seconds = SecondsSince(started);

    // Drain: until every published signal is durable in the store (or nothing moves for 10 s).
    uint64_t last = timing->committed();
    auto last_move = Steady::now();
    auto last_commit_at = Steady::now();
    while (timing->committed() < sent) {
      const uint64_t now_committed = timing->committed();
      if (now_committed != last) {
        last = now_committed;
        last_move = last_commit_at = Steady::now();
      } else if (Steady::now() - last_move > std::chrono::seconds(10)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (timing->committed() != last) last_commit_at = Steady::now();
    const double dispatch_seconds = std::chrono::duration<double>(last_commit_at - started).count();
    finish();
    (void)WaitQueueEmpty(std::chrono::seconds(60));
    const double total_seconds = SecondsSince(started);

    const uint64_t committed = timing->committed();
    const uint64_t batches = total(&DispatcherProbe::batches) - batches0;
    LatencyHistogram batch_us;
    for (const auto& d : dispatchers) batch_us.Merge(d->probe().batch_processing_micros);
    const uint64_t round_trips = dispatch_store.round_trips() - rt0;
    const uint64_t claimed = pool->probe().claimed.load() - claimed0;
    const uint64_t completed = pool->probe().completed.load() - completed0;
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    nlohmann::json line = {
        {"bench", "pipeline"},
        {"phase", name},
        {"backend", w.backend},
        {"offered_signals_per_sec", load > 0 ? nlohmann::json(load) : nlohmann::json("max")},
        {"seconds", o.seconds},
        {"publish_interval_us", load > 0 ? o.publish_interval.count() : 0},
        {"pipelines", o.pipelines},
        {"tickers", o.tickers},
        {"batch_size", o.batch_size},
        {"partitions", o.partitions},
        {"signals_published", sent},
        {"signals_dispatched", committed},
        {"signals_missing", sent > committed ? sent - committed : 0},
        {"publish_signals_per_sec", ratio(static_cast<double>(sent), publish_seconds)},
        {"sustained_signals_per_sec", ratio(static_cast<double>(committed), dispatch_seconds)},
        {"latency_us", Percentiles(timing->matched())},
        {"unmatched_latency_us", Percentiles(timing->unmatched())},
        {"batches", batches},
        {"store_wakes", timing->wakes() - wakes0},
        {"mean_batch_size", ratio(static_cast<double>(committed), static_cast<double>(batches))},
        {"db_round_trips", round_trips},
        {"db_round_trips_per_batch",
         ratio(static_cast<double>(round_trips), static_cast<double>(batches))},
        {"db_round_trips_per_signal",
         ratio(static_cast<double>(round_trips), static_cast<double>(committed))},
        {"batches_without_round_trip", (total(&DispatcherProbe::batches_held) - held0) +
                                           (timing->wakes_without_round_trip() - wakes_free0)},
        {"pipelines_enqueued", total(&DispatcherProbe::pipelines_enqueued) - enq0},
        {"dispatchers", o.dispatchers},
        {"batch_processing_us", Percentiles(batch_us)},
        {"store_wake_us", Percentiles(timing->wake_time())},
        {"executions_claimed", claimed},
        {"executions_completed", completed},
        {"executions_completed_per_sec", ratio(static_cast<double>(completed), total_seconds)},
        {"worker_db_round_trips", worker_store.round_trips() - wrt0},
    };
    if (!publish_error.ok()) line["publish_error"] = publish_error.ToString();
    return line;
  }

  // Queues one execution per pipeline with one Wake, lets the pool drain them; `rounds` times.
  Result<nlohmann::json> RunQueue() {
    if (Status s = WaitQueueEmpty(std::chrono::seconds(60)); !s.ok()) return s;
    const uint64_t wrt0 = worker_store.round_trips();
    double claim_seconds = 0, complete_seconds = 0;
    uint64_t total = 0;
    std::vector<nlohmann::json> runs;
    for (int round = 0; round < o.queue_rounds; ++round) {
      WakeBatch batch;
      const std::string id = "queue-" + std::to_string(round);
      std::string payload;
      AppendSignal(id, Ticker(0), &payload);
      batch.signals.push_back(WakeSignal{id, payload, 1733875200000, 1733875200000,
                                         static_cast<uint32_t>(pipeline_ids.size()), false});
      for (const auto& p : pipeline_ids) batch.candidates.push_back(WakeCandidate{p, 0});
      batch.matched_signals = [](uint32_t, std::vector<uint32_t>* out) { out->push_back(0); };
      const uint64_t claimed0 = workers->probe().claimed.load();
      const uint64_t completed0 = workers->probe().completed.load();
      auto woke = dispatch_store.store->Wake(batch);
      if (!woke.ok()) return woke.status();
      const uint64_t n = woke->enqueued.size();
      const auto started = Steady::now();
      workers->Notify();
      double claimed_at = -1;
      const auto deadline = started + std::chrono::seconds(120);
      while (workers->probe().completed.load() - completed0 < n && Steady::now() < deadline) {
        if (claimed_at < 0 && workers->probe().claimed.load() - claimed0 >= n) {
          claimed_at = SecondsSince(started);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      const double done_at = SecondsSince(started);
      if (claimed_at < 0) claimed_at = done_at;
      const uint64_t completed = workers->probe().completed.load() - completed0;
      claim_seconds += claimed_at;
      complete_seconds += done_at;
      total += completed;
      runs.push_back({{"executions", n},
                      {"completed", completed},
                      {"claimed_per_sec", static_cast<double>(n) / claimed_at},
                      {"completed_per_sec", static_cast<double>(completed) / done_at}});
    }
    const uint64_t worker_rts = worker_store.round_trips() - wrt0;
    return nlohmann::json{
        {"bench", "pipeline"},
        {"phase", "worker_queue"},
        {"backend", w.backend},
        {"pipelines", o.pipelines},
        {"worker_threads", o.worker_threads},
        {"claim_batch", o.claim_batch},
        {"rounds", runs},
        {"executions", total},
        {"claimed_per_sec", claim_seconds > 0 ? static_cast<double>(total) / claim_seconds : 0},
        {"completed_per_sec",
         complete_seconds > 0 ? static_cast<double>(total) / complete_seconds : 0},
        {"worker_db_round_trips_per_execution",
         total > 0 ? static_cast<double>(worker_rts) / static_cast<double>(total) : 0},
    };
  }
};

}  // namespace

Result<std::vector<nlohmann::json>> RunPipelineBench(const PipelineBenchOptions& options,
                                                     const PipelineBenchWiring& wiring,
                                                     std::ostream* progress) {
  Bench bench{options, wiring, progress, {}, {}, {}, {}, {}, {}, 0};
  if (Status s = bench.Setup(); !s.ok()) return s;
  std::vector<nlohmann::json> lines;
  auto report = [&](nlohmann::json line) {
    if (progress != nullptr) *progress << "pipeline bench: " << line.dump() << std::endl;
    lines.push_back(std::move(line));
  };
  for (int64_t load : options.loads) {
    auto line = bench.RunLoad("load", load, /*unmatched=*/false);
    if (!line.ok()) return line.status();
    report(std::move(line).value());
  }
  if (options.unmatched_load > 0) {
    auto line = bench.RunLoad("nothing_matched", options.unmatched_load, /*unmatched=*/true);
    if (!line.ok()) return line.status();
    report(std::move(line).value());
  }
  if (options.queue_rounds > 0) {
    auto line = bench.RunQueue();
    if (!line.ok()) return line.status();
    report(std::move(line).value());
  }
  bench.workers->Stop();
  return lines;
}

}  // namespace sigflow
