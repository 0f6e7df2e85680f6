// GeneratorRunner's scheduling: each generator ticks at its own rate, and a slow one does not
// hold the others back (one thread per generator).
#include "generators/generator_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace sigflow {
namespace {

using std::chrono::milliseconds;

// Counts its ticks; each tick takes `work` and emits nothing.
class CountingGenerator final : public SignalGenerator {
 public:
  CountingGenerator(milliseconds interval, milliseconds work) : interval_(interval), work_(work) {}
  std::string_view name() const override { return "counting"; }
  milliseconds interval() const override { return interval_; }
  Status Generate(int64_t, std::vector<Signal>*) override {
    if (work_.count() > 0) std::this_thread::sleep_for(work_);
    return Status::Ok();
  }

 private:
  milliseconds interval_, work_;
};

class NullProducer final : public BusProducer {
 public:
  Status Publish(std::string_view, std::string_view) override { return Status::Ok(); }
  Status PublishBatch(const std::vector<OutgoingRecord>&) override { return Status::Ok(); }
};

std::unique_ptr<SignalGenerator> Counting(int interval_ms, int work_ms = 0) {
  return std::make_unique<CountingGenerator>(milliseconds(interval_ms), milliseconds(work_ms));
}

TEST(GeneratorRunnerSchedulingTest, TwoGeneratorsTickAtTheirOwnRates) {
  NullProducer producer;
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Counting(40));
  gens.push_back(Counting(200));
  GeneratorRunner runner(std::move(gens), &producer);
  const auto started = std::chrono::steady_clock::now();
  runner.Start();
  std::this_thread::sleep_for(milliseconds(1000));
  runner.Stop();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // Ticks at 0, i, 2i, ... up to the stop: never more than elapsed/interval + 1, and not far
  // fewer (slack for a loaded machine).
  const uint64_t fast = runner.ticks(0), slow = runner.ticks(1);
  EXPECT_LE(fast, static_cast<uint64_t>(ms / 40) + 1);
  EXPECT_GE(fast, 15u);  // ~25 expected
  EXPECT_LE(slow, static_cast<uint64_t>(ms / 200) + 1);
  EXPECT_GE(slow, 3u);  // ~5-6 expected
  EXPECT_GT(fast, 3 * slow);
}

TEST(GeneratorRunnerSchedulingTest, ASlowGeneratorDoesNotDelayAnother) {
  NullProducer producer;
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Counting(10, /*work_ms=*/700));  // one tick outlasts the whole test window
  gens.push_back(Counting(20));
  GeneratorRunner runner(std::move(gens), &producer);
  runner.Start();
  std::this_thread::sleep_for(milliseconds(600));
  const uint64_t fast = runner.ticks(1), slow = runner.ticks(0);
  runner.Stop();        // waits for the slow tick to end
  EXPECT_EQ(slow, 0u);  // still in its first tick at 600 ms
  // A shared scheduler would have ticked the fast one once, then waited for the slow tick.
  EXPECT_GE(fast, 15u);  // ~30 expected
  EXPECT_EQ(runner.ticks(0), 1u);
}

TEST(GeneratorRunnerSchedulingTest, AnOverrunSkipsTheMissedSlots) {
  NullProducer producer;
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Counting(20, /*work_ms=*/110));  // each tick spans ~5.5 slots
  GeneratorRunner runner(std::move(gens), &producer);
  runner.Start();
  std::this_thread::sleep_for(milliseconds(500));
  runner.Stop();
  // Ticks start at 0, 120, 240, 360, 480 ms: 4-5 ticks, not a burst catching up 25 slots.
  EXPECT_GE(runner.ticks(0), 3u);
  EXPECT_LE(runner.ticks(0), 5u);
}

TEST(GeneratorRunnerSchedulingTest, StopIsPromptDuringALongInterval) {
  NullProducer producer;
  std::vector<std::unique_ptr<SignalGenerator>> gens;
  gens.push_back(Counting(600000));
  GeneratorRunner runner(std::move(gens), &producer);
  runner.Start();
  std::this_thread::sleep_for(milliseconds(50));
  const auto before = std::chrono::steady_clock::now();
  runner.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(500));
  EXPECT_EQ(runner.ticks(0), 1u);
}

}  // namespace
}  // namespace sigflow
