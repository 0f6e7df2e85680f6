#include "bus/embedded/notifier.h"

namespace sigflow::embedded_log {

LogNotifier& LogNotifier::Instance() {
  static LogNotifier* notifier = new LogNotifier();  // never destroyed: usable at exit
  return *notifier;
}

uint64_t LogNotifier::Sequence() {
  std::lock_guard lock(mu_);
  return sequence_;
}

void LogNotifier::Notify() {
  {
    std::lock_guard lock(mu_);
    ++sequence_;
  }
  cv_.notify_all();
}

uint64_t LogNotifier::WaitUntil(uint64_t seen, std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return sequence_ != seen; });
  return sequence_;
}

}  // namespace sigflow::embedded_log
