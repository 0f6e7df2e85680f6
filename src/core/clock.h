// Clock: the seam through which every component reads time, so tests and replays can control it.
//
// Implementations must be thread-safe. NowMs() is wall-clock epoch milliseconds (UTC); it may
// jump (NTP, replay). NowMicros() is the same clock in microseconds, for latencies that are often
// below a millisecond (a clock that only knows milliseconds returns NowMs() * 1000). Code
// measuring durations uses std::chrono::steady_clock directly instead.
#pragma once

#include <atomic>
#include <cstdint>

namespace sigflow {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  virtual int64_t NowMicros() const { return NowMs() * 1000; }
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowMicros() const override;
  static SystemClock* Default();
};

// A clock that only moves when told to: for tests and for replaying history.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 0) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(std::memory_order_acquire); }
  void SetMs(int64_t now_ms) { now_ms_.store(now_ms, std::memory_order_release); }
  void AdvanceMs(int64_t delta_ms) { now_ms_.fetch_add(delta_ms, std::memory_order_acq_rel); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace sigflow
