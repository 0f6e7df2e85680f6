// GeneratorRunner: runs signal generators on their intervals and publishes what they emit.
//
// Concurrency: one thread per generator (seed 004 runs each generator in its own task). A
// generator's tick may be slow (a bar-driven one reads the store, or a remote API, for every
// watched ticker), and with a shared scheduler thread one slow tick would push back every other
// generator's ticks; with a thread each, a slow tick delays only that generator's own next tick
// (never run concurrently with itself), and the others keep their rates. Generators are few (a
// handful), so a thread each costs nothing worth a pool. Ticks are due every interval() from the
// first, immediate one; a tick that overruns its interval skips the slots it missed (the next
// tick is on the first slot after it ends) rather than running them back to back.
//
// Each tick's signals are published as one batch, keyed by the signal's first ticker. The bus
// producer is used by one thread at a time (bus.h), so publishing takes a mutex: only the short
// publish is serialised, never a generator's Generate(). A failed publish is not silently
// dropped: every signal of the batch is logged at error level with its JSON and counted in
// kafka_publish_failures_total (seed 001's graceful fallback).
//
// Start/Stop/TickAll are called from one controlling thread; the probes may be read from any
// thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
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
  std::atomic<uint64_t> ticks_total{0};
};

class GeneratorRunner {
 public:
  // `producer` and `clock` must outlive the runner.
  GeneratorRunner(std::vector<std::unique_ptr<SignalGenerator>> generators, BusProducer* producer,
                  const Clock* clock = SystemClock::Default());
  ~GeneratorRunner();

  void Start();  // first tick of every generator is immediate
  void Stop();   // idempotent; waits for the ticks in progress
  // Ticks every generator once, now, on the caller's thread (not while started).
  void TickAll();
  const GeneratorProbe& probe() const { return probe_; }
  // Ticks completed by generator `i` (in construction order).
  uint64_t ticks(size_t i) const { return ticks_[i]->load(); }

 private:
  void Tick(size_t i);
  void Loop(size_t i);

  std::vector<std::unique_ptr<SignalGenerator>> generators_;
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> ticks_;  // per generator
  BusProducer* producer_;
  std::mutex publish_mu_;  // guards producer_ (one thread at a time, bus.h)
  const Clock* clock_;
  GeneratorProbe probe_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes the sleeping threads on Stop()
  bool stop_ = false;                // guarded by stop_mu_
  std::vector<std::thread> threads_;
};

}  // namespace sigflow
