// RateLimiter: at most `max_calls` calls in any window of `window` (a sliding window, not fixed
// minutes), for remote APIs with a quota such as Finnhub's free tier (60 calls a minute).
//
// Acquire() blocks the caller until its call may go out, and returns how long it waited. It
// reserves the earliest start time that keeps every window within the quota, then sleeps until
// then without holding the lock, so concurrent callers are served in the order they arrived and
// never together exceed the quota. Time comes from the injected Clock and waiting from the
// injected sleep function, so tests can run a minute of quota in microseconds (a ManualClock and
// a sleep that advances it). Thread-safe; the clock must outlive the limiter.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "core/clock.h"

namespace sigflow {

class RateLimiter {
 public:
  using SleepFn = std::function<void(std::chrono::milliseconds)>;

  // Preconditions: max_calls >= 1, window > 0 (asserted; clamped otherwise).
  RateLimiter(int max_calls, std::chrono::milliseconds window, const Clock* clock,
              SleepFn sleep = RealSleep);

  std::chrono::milliseconds Acquire();

  int max_calls() const { return max_calls_; }
  std::chrono::milliseconds window() const { return window_; }
  static void RealSleep(std::chrono::milliseconds duration);

 private:
  const int max_calls_;
  const std::chrono::milliseconds window_;
  const Clock* clock_;
  SleepFn sleep_;
  std::mutex mu_;
  std::deque<int64_t> starts_ms_;  // guarded by mu_: the last max_calls reserved start times
};

}  // namespace sigflow
