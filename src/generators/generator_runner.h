// GeneratorRunner: runs signal generators on their intervals and publishes what they emit.
//
// One scheduler thread ticks each generator when due (a generator that takes long delays only
// its own next tick past its interval, never runs concurrently with itself). Each tick's signals
// are published as one batch, keyed by the signal's first ticker. A failed publish is not
// silently dropped: every signal of the batch is logged at error level with its JSON and counted
// in kafka_publish_failures_total (seed 001's graceful fallback).
// Start/Stop are called from one controlling thread; the probe may be read from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "generators/generator.h"

namespace sigflow {

struct GeneratorProbe {
  std::atomic<uint64_t> signals_generated_total{0};
  std::atomic<uint64_t> signals_published_total{0};
  std::atomic<uint64_t> kafka_publish_failures_total{0};
  std::atomic<uint64_t> generator_errors_total{0};
};

class GeneratorRunner {
 public:
  // `producer` and `clock` must outlive the runner.
  GeneratorRunner(std::vector<std::unique_ptr<SignalGenerator>> generators, BusProducer* producer,
                  const Clock* clock = SystemClock::Default());
  ~GeneratorRunner();

  void Start();  // first tick of every generator is immediate
  void Stop();   // idempotent; waits for the tick in progress
  // Ticks every generator once, now, on the caller's thread (for `sigflow generate --once`).
  void TickAll();
  const GeneratorProbe& probe() const { return probe_; }

 private:
  void Tick(SignalGenerator& generator);
  void Loop();

  std::vector<std::unique_ptr<SignalGenerator>> generators_;
  BusProducer* producer_;
  const Clock* clock_;
  GeneratorProbe probe_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sigflow
