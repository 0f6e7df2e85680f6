#include "work/time_trigger.h"

#include <cstdio>

#include "core/time_format.h"
#include "obs/log.h"
#include "work/agent_config.h"

namespace sigflow {
namespace {

constexpr double kMaxIntervalSeconds = 31.0 * 86'400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// "HH:MM" or "HH:MM:SS" -> ms from midnight.
std::optional<int64_t> ParseStartTime(const std::string& text) {
  int h = 0, m = 0, s = 0;
  char tail = 0;
  const int n = std::sscanf(text.c_str(), "%2d:%2d:%2d%c", &h, &m, &s, &tail);
  const bool shape = (n == 2 && text.size() == 5) || (n == 3 && text.size() == 8);
  if (!shape || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return std::nullopt;
  return ((h * 60 + m) * 60 + s) * int64_t{1000};
}

std::string FormatStartTime(int64_t offset_ms) {
  char out[16];
  const int64_t s = offset_ms / 1000;
  std::snprintf(out, sizeof out, "%02d:%02d:%02d", static_cast<int>(s / 3600),
                static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return out;
}

}  // namespace

Result<Schedule> Schedule::FromConfig(const nlohmann::json& config) {
  auto interval = config.find("interval_seconds");
  if (interval == config.end()) {
    return Status::InvalidArgument("config.interval_seconds is required");
  }
  if (Status s = agent_config::CheckNumber(config, "interval_seconds", 1, kMaxIntervalSeconds);
      !s.ok()) {
    return s;
  }
  Schedule schedule;
  schedule.interval_ms = static_cast<int64_t>(interval->get<double>() * 1000);
  if (auto start = config.find("start_time"); start != config.end()) {
    std::optional<int64_t> offset;
    if (start->is_string()) offset = ParseStartTime(start->get<std::string>());
    if (!offset) {
      return Status::InvalidArgument("config.start_time must be \"HH:MM\" or \"HH:MM:SS\" (UTC)");
    }
    schedule.start_offset_ms = *offset;
  }
  return schedule;
}

int64_t Schedule::SlotAt(int64_t now_ms) const {
  return start_offset_ms + FloorDiv(now_ms - start_offset_ms, interval_ms) * interval_ms;
}

Status TimeTrigger::ValidateConfig(const nlohmann::json& config) const {
  if (Status s = agent_config::CheckKeys(config, kType, {"interval_seconds", "start_time"});
      !s.ok()) {
    return s;
  }
  auto schedule = Schedule::FromConfig(config);
  return schedule.ok() ? Status::Ok() : schedule.status();
}

Status TimeTrigger::Run(const AgentContext& context, nlohmann::json* output) const {
  if (Status s = ValidateConfig(context.config); !s.ok()) return s;
  if (context.pipeline.trigger_mode == TriggerMode::kSignal) {
    *output = {{"skipped", true}, {"reason", "signal_mode"}};
    return Status::Ok();
  }
  const Schedule schedule = *Schedule::FromConfig(context.config);
  const int64_t slot = schedule.SlotAt(clock_->NowMs());
  *output = {{"skipped", false},
             {"interval_seconds", schedule.interval_ms / 1000.0},
             {"start_time", FormatStartTime(schedule.start_offset_ms)},
             {"slot", slot},
             {"next_slot", slot + schedule.interval_ms}};
  return Status::Ok();
}

PeriodicScheduler::PeriodicScheduler(Store* store, const AgentRegistry* registry,
                                     const Clock* clock, std::chrono::milliseconds tick)
    : store_(store), registry_(registry), clock_(clock), tick_(tick) {}

PeriodicScheduler::~PeriodicScheduler() { Stop(); }

Status PeriodicScheduler::Tick() {
  probe_.ticks.fetch_add(1, std::memory_order_relaxed);
  auto pipelines = store_->ListPipelines();
  if (!pipelines.ok()) {
    probe_.errors.fetch_add(1, std::memory_order_relaxed);
    return pipelines.status();
  }
  const int64_t now = clock_->NowMs();
  std::map<std::string, int64_t> seen;
  for (const Pipeline& p : *pipelines) {
    if (!p.is_active || p.trigger_mode != TriggerMode::kPeriodic) continue;
    auto nodes = registry_->ParseNodes(p.config_json);
    if (!nodes.ok()) continue;  // its runs fail with the reason; nothing to schedule
    std::optional<Schedule> schedule;
    for (const PipelineNode& node : *nodes) {
      if (node.agent_type != TimeTrigger::kType) continue;
      auto parsed = Schedule::FromConfig(node.config);
      if (parsed.ok()) schedule = *parsed;
      break;
    }
    if (!schedule) continue;
    const int64_t slot = schedule->SlotAt(now);
    seen[p.id] = slot;
    auto last = last_slot_.find(p.id);
    if (last == last_slot_.end() || last->second >= slot) continue;
    auto queued = store_->EnqueueExecution(p.id, /*triggered_by_signal=*/false, {});
    if (queued.ok()) {
      probe_.enqueued.fetch_add(1, std::memory_order_relaxed);
      log::Info("periodic_pipeline_enqueued",
                {{"pipeline_id", p.id}, {"execution_id", *queued}, {"slot", slot}});
    } else if (queued.status().code() == "conflict") {
      probe_.skipped_running.fetch_add(1, std::memory_order_relaxed);
    } else {
      probe_.errors.fetch_add(1, std::memory_order_relaxed);
      log::Warn("periodic_enqueue_failed",
                {{"pipeline_id", p.id}, {"error", queued.status().ToString()}});
      seen[p.id] = last->second;  // try this slot again at the next tick
    }
  }
  last_slot_ = std::move(seen);  // removed or deactivated pipelines are forgotten
  return Status::Ok();
}

void PeriodicScheduler::Start(std::function<void()> on_enqueued) {
  thread_ = std::thread([this, on_enqueued = std::move(on_enqueued)] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      const uint64_t before = probe_.enqueued.load();
      (void)Tick();  // failures are counted and logged; the next tick tries again
      if (on_enqueued && probe_.enqueued.load() != before) on_enqueued();
      lock.lock();
      cv_.wait_for(lock, tick_, [this] { return stopping_; });
    }
  });
}

void PeriodicScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sigflow
