#include "market/finnhub/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sigflow {
namespace {

using std::chrono::milliseconds;

// A clock that only the limiter's sleeps move, so a minute of quota takes no time.
struct FakeTime {
  ManualClock clock{1'000'000};
  std::vector<milliseconds> sleeps;
  RateLimiter::SleepFn Sleep() {
    return [this](milliseconds d) {
      sleeps.push_back(d);
      clock.AdvanceMs(d.count());
    };
  }
};

TEST(RateLimiterTest, SixtyCallsGoAtOnceTheSixtyFirstWaitsForTheMinute) {
  FakeTime t;
  RateLimiter limiter(60, std::chrono::minutes(1), &t.clock, t.Sleep());
  for (int i = 0; i < 60; ++i) EXPECT_EQ(limiter.Acquire(), milliseconds(0)) << i;
  EXPECT_EQ(limiter.Acquire(), milliseconds(60'000));
  EXPECT_EQ(t.clock.NowMs(), 1'060'000);
  ASSERT_EQ(t.sleeps.size(), 1u);
}

TEST(RateLimiterTest, TheWindowSlidesRatherThanResettingEachMinute) {
  FakeTime t;
  RateLimiter limiter(2, milliseconds(1000), &t.clock, t.Sleep());
  EXPECT_EQ(limiter.Acquire().count(), 0);  // t = 0
  t.clock.AdvanceMs(600);
  EXPECT_EQ(limiter.Acquire().count(), 0);    // t = 600
  EXPECT_EQ(limiter.Acquire().count(), 400);  // must wait for t = 1000 (first + window)
  EXPECT_EQ(limiter.Acquire().count(), 600);  // t = 1600 (second + window)
  t.clock.AdvanceMs(5000);
  EXPECT_EQ(limiter.Acquire().count(), 0);  // an idle spell frees the quota
}

// However the calls interleave, no window of one minute ever holds more than the quota.
TEST(RateLimiterTest, ConcurrentCallersNeverExceedTheQuota) {
  ManualClock clock(0);
  std::mutex mu;
  std::vector<int64_t> starts;
  RateLimiter limiter(10, milliseconds(1000), &clock, [](milliseconds) {});
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) {
        const int64_t start = clock.NowMs() + limiter.Acquire().count();
        std::lock_guard lock(mu);
        starts.push_back(start);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(starts.size(), 200u);
  std::sort(starts.begin(), starts.end());
  for (size_t i = 10; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 10], 1000) << "calls " << i - 10 << " and " << i;
  }
  EXPECT_EQ(starts.back(), 19'000);  // 200 calls at 10 a second: the last starts at 19 s
}

}  // namespace
}  // namespace sigflow
