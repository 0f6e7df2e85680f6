#include "generators/generator_runner.h"

#include <algorithm>
#include <chrono>

#include "core/signal_codec.h"
#include "obs/log.h"

namespace sigflow {

GeneratorRunner::GeneratorRunner(std::vector<std::unique_ptr<SignalGenerator>> generators,
                                 BusProducer* producer, const Clock* clock)
    : generators_(std::move(generators)), producer_(producer), clock_(clock) {
  for (size_t i = 0; i < generators_.size(); ++i) {
    ticks_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
  }
}

GeneratorRunner::~GeneratorRunner() { Stop(); }

void GeneratorRunner::Start() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = false;
  }
  for (size_t i = 0; i < generators_.size(); ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void GeneratorRunner::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void GeneratorRunner::TickAll() {
  for (size_t i = 0; i < generators_.size(); ++i) Tick(i);
}

void GeneratorRunner::Tick(size_t i) {
  SignalGenerator& generator = *generators_[i];
  std::vector<Signal> signals;
  Status status = generator.Generate(clock_->NowMs(), &signals);
  ticks_[i]->fetch_add(1);
  probe_.ticks_total.fetch_add(1);
  if (!status.ok()) {
    probe_.generator_errors_total.fetch_add(1);
    log::Warn("generator_failed",
              {{"generator", std::string(generator.name())}, {"error", status.ToString()}});
  }
  if (signals.empty()) return;
  probe_.signals_generated_total.fetch_add(signals.size());
  std::vector<std::string> payloads(signals.size());
  std::vector<OutgoingRecord> records;
  records.reserve(signals.size());
  for (size_t k = 0; k < signals.size(); ++k) {
    EncodeSignal(signals[k], &payloads[k]);
    std::string_view key = signals[k].tickers.empty()
                               ? std::string_view()
                               : std::string_view(signals[k].tickers[0].ticker);
    records.push_back(OutgoingRecord{key, payloads[k]});
  }
  Status published;
  {
    std::lock_guard lock(publish_mu_);
    published = producer_->PublishBatch(records);
  }
  if (!published.ok()) {
    probe_.kafka_publish_failures_total.fetch_add(signals.size());
    for (const auto& p : payloads) {
      log::Error("signal_publish_failed",
                 {{"error", published.ToString()}, {"signal", nlohmann::json::parse(p)}});
    }
    return;
  }
  probe_.signals_published_total.fetch_add(signals.size());
  for (const auto& s : signals) {
    if (!log::Enabled(log::Level::kDebug)) break;
    nlohmann::json tickers = nlohmann::json::array();
    for (const auto& t : s.tickers) tickers.push_back(t.ticker);
    log::Debug("signal_emitted", {{"signal_id", s.signal_id},
                                  {"signal_type", s.signal_type},
                                  {"tickers", tickers},
                                  {"source", s.source}});
  }
}

void GeneratorRunner::Loop(size_t i) {
  using SteadyClock = std::chrono::steady_clock;
  // At least 1 ms: a zero interval would spin.
  const auto interval = std::max(std::chrono::milliseconds(1), generators_[i]->interval());
  auto due = SteadyClock::now();
  std::unique_lock lock(stop_mu_);
  while (!stop_) {
    lock.unlock();
    Tick(i);
    lock.lock();
    // The next slot on the interval's grid after now: an overrun skips the slots it missed.
    const auto now = SteadyClock::now();
    due += interval;
    if (due < now) due += ((now - due) / interval + 1) * interval;
    stop_cv_.wait_until(lock, due, [this] { return stop_; });
  }
}

}  // namespace sigflow
