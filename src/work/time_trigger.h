// TimeTrigger (agent_type "time_trigger") and PeriodicScheduler: periodic pipelines (seed 002's
// trigger_mode "periodic") run on the schedule their time_trigger node sets.
//
// Schedule: {"interval_seconds": number in [1, 31 days], "start_time": "HH:MM" or "HH:MM:SS"
// UTC (default "00:00")}. The slots are start_time + k * interval, k any integer, counted from
// 1970-01-01 (so "every 3600 s from 09:30" fires at every :30, and 86400 s from 09:30 once a day
// at 09:30). interval_seconds is required; any other key is rejected.
//
// The agent, run as a node: a signal-mode pipeline skips it, as seed 002 says (output
// {"skipped": true, "reason": "signal_mode"}); a periodic one outputs {"skipped": false,
// "interval_seconds", "start_time", "slot": <the slot the run belongs to, ms>, "next_slot"}
// from the decision clock. It never fails a valid config, and it decides nothing: the
// PeriodicScheduler is what starts periodic runs.
//
// PeriodicScheduler: Tick() lists the pipelines; for every active periodic pipeline whose
// config.nodes hold a valid time_trigger node (the first one counts) it computes the current
// slot, and when the slot has moved on since the scheduler last saw the pipeline it queues one
// execution (Store::EnqueueExecution, not triggered by a signal). A pipeline seen for the first
// time is only remembered (its first run is at its next slot, not at start-up); one that still
// has an execution PENDING or RUNNING is counted skipped_running and not queued (the store's
// `conflict`). Signal-mode pipelines and periodic ones without a time_trigger node are never
// queued by it. Start() runs Tick() every `tick` on a thread of its own until Stop();
// the callback, if set, runs after a tick that queued something (to wake the workers).
// Only the scheduler's own thread calls Tick() once started; the probe may be read from any
// thread. The store, registry and clock must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/store.h"
#include "work/agent.h"
#include "work/agent_registry.h"

namespace sigflow {

struct Schedule {
  int64_t interval_ms = 0;
  int64_t start_offset_ms = 0;  // start_time, from midnight UTC

  // A schedule from a valid time_trigger config.
  static Result<Schedule> FromConfig(const nlohmann::json& config);
  // The latest slot <= now_ms.
  int64_t SlotAt(int64_t now_ms) const;
};

class TimeTrigger final : public Agent {
 public:
  static constexpr std::string_view kType = "time_trigger";

  explicit TimeTrigger(const Clock* clock = SystemClock::Default()) : clock_(clock) {}

  std::string_view type() const override { return kType; }
  Status ValidateConfig(const nlohmann::json& config) const override;
  Status Run(const AgentContext& context, nlohmann::json* output) const override;

 private:
  const Clock* clock_;
};

struct SchedulerProbe {
  std::atomic<uint64_t> ticks{0};
  std::atomic<uint64_t> enqueued{0};
  std::atomic<uint64_t> skipped_running{0};
  std::atomic<uint64_t> errors{0};  // store calls that failed
};

class PeriodicScheduler {
 public:
  PeriodicScheduler(Store* store, const AgentRegistry* registry, const Clock* clock,
                    std::chrono::milliseconds tick = std::chrono::seconds(1));
  ~PeriodicScheduler();  // Stop()

  // One pass (see above). Returns the store error that stopped the listing, if any.
  Status Tick();
  void Start(std::function<void()> on_enqueued = nullptr);
  void Stop();  // idempotent

  const SchedulerProbe& probe() const { return probe_; }

 private:
  Store* const store_;
  const AgentRegistry* const registry_;
  const Clock* const clock_;
  const std::chrono::milliseconds tick_;
  std::map<std::string, int64_t> last_slot_;  // pipeline id -> slot last seen
  SchedulerProbe probe_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sigflow
