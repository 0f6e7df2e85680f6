#include "market/finnhub/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <thread>

namespace sigflow {

RateLimiter::RateLimiter(int max_calls, std::chrono::milliseconds window, const Clock* clock,
                         SleepFn sleep)
    : max_calls_(std::max(max_calls, 1)),
      window_(std::max(window, std::chrono::milliseconds(1))),
      clock_(clock),
      sleep_(std::move(sleep)) {
  assert(max_calls >= 1 && window.count() > 0);
}

void RateLimiter::RealSleep(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

std::chrono::milliseconds RateLimiter::Acquire() {
  const int64_t now = clock_->NowMs();
  int64_t start = now;
  {
    std::lock_guard lock(mu_);
    // The call that is max_calls back must be a whole window before this one.
    if (static_cast<int>(starts_ms_.size()) == max_calls_) {
      start = std::max(now, starts_ms_.front() + window_.count());
      starts_ms_.pop_front();
    }
    starts_ms_.push_back(start);
  }
  const std::chrono::milliseconds wait(start - now);
  if (wait.count() > 0) sleep_(wait);
  return wait;
}

}  // namespace sigflow
