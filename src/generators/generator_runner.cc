#include "generators/generator_runner.h"

#include <algorithm>
#include <chrono>

#include "core/signal_codec.h"
#include "obs/log.h"

namespace sigflow {

GeneratorRunner::GeneratorRunner(std::vector<std::unique_ptr<SignalGenerator>> generators,
                                 BusProducer* producer, const Clock* clock)
    : generators_(std::move(generators)), producer_(producer), clock_(clock) {}

GeneratorRunner::~GeneratorRunner() { Stop(); }

void GeneratorRunner::Start() {
  stop_.store(false);
  thread_ = std::thread([this] { Loop(); });
}

void GeneratorRunner::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void GeneratorRunner::TickAll() {
  for (auto& g : generators_) Tick(*g);
}

void GeneratorRunner::Tick(SignalGenerator& generator) {
  std::vector<Signal> signals;
  Status status = generator.Generate(clock_->NowMs(), &signals);
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
  for (size_t i = 0; i < signals.size(); ++i) {
    EncodeSignal(signals[i], &payloads[i]);
    std::string_view key = signals[i].tickers.empty()
                               ? std::string_view()
                               : std::string_view(signals[i].tickers[0].ticker);
    records.push_back(OutgoingRecord{key, payloads[i]});
  }
  Status published = producer_->PublishBatch(records);
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

void GeneratorRunner::Loop() {
  using SteadyClock = std::chrono::steady_clock;
  std::vector<SteadyClock::time_point> due(generators_.size(), SteadyClock::now());
  while (!stop_.load()) {
    auto now = SteadyClock::now();
    for (size_t i = 0; i < generators_.size(); ++i) {
      if (now >= due[i]) {
        Tick(*generators_[i]);
        due[i] = std::max(due[i] + generators_[i]->interval(), SteadyClock::now());
      }
    }
    auto next = due.empty() ? now + std::chrono::milliseconds(100)
                            : *std::min_element(due.begin(), due.end());
    // Sleep in short steps so Stop() is prompt.
    while (!stop_.load() && SteadyClock::now() < next) {
      std::this_thread::sleep_for(std::min<SteadyClock::duration>(next - SteadyClock::now(),
                                                                  std::chrono::milliseconds(20)));
    }
  }
}

}  // namespace sigflow
