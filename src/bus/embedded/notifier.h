// LogNotifier: the process-wide signal "something was published to an embedded log".
//
// Producers of this process call Notify() after each commit; a consumer waiting in Poll() sleeps
// on it, so a same-process publish wakes it at once. It carries no data (the consumer re-reads
// the table) and knows nothing of other processes: consumers also re-check the table every few
// milliseconds for those. Thread-safe; lives as long as the process.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sigflow::embedded_log {

class LogNotifier {
 public:
  static LogNotifier& Instance();

  // The number of notifications so far.
  uint64_t Sequence();
  void Notify();
  // Waits until Sequence() != seen or `until` passes; returns Sequence().
  uint64_t WaitUntil(uint64_t seen, std::chrono::steady_clock::time_point until);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t sequence_ = 0;  // guarded by mu_
};

}  // namespace sigflow::embedded_log
