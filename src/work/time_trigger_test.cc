// time_trigger: its schedule arithmetic, the node's output (signal-mode pipelines skip it), and
// the PeriodicScheduler queueing periodic pipelines on a real (SQLite) store as a manual clock
// crosses their slots.
#include "work/time_trigger.h"

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "work/agent_chain_test_util.h"

namespace sigflow {
namespace {

using testing_util::AgentChain;
using testing_util::SignalPipeline;

constexpr int64_t kMin = 60'000;
constexpr int64_t kMidnight = 20'000 * kDayMs;  // 2024-10-04T00:00:00Z

TEST(ScheduleTest, SlotsCountFromStartTime) {
  auto s = Schedule::FromConfig({{"interval_seconds", 3600}, {"start_time", "09:30"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->SlotAt(kMidnight + 9 * 60 * kMin + 30 * kMin), kMidnight + 570 * kMin);  // at 09:30
  EXPECT_EQ(s->SlotAt(kMidnight + 570 * kMin - 1), kMidnight + 510 * kMin);             // 08:30
  EXPECT_EQ(s->SlotAt(kMidnight + 12 * 60 * kMin), kMidnight + 690 * kMin);             // 11:30
  auto daily = Schedule::FromConfig({{"interval_seconds", 86400}, {"start_time", "09:30:15"}});
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->SlotAt(kMidnight + 9 * 60 * kMin), kMidnight - kDayMs + 570 * kMin + 15'000);
  EXPECT_EQ(daily->SlotAt(kMidnight + 10 * 60 * kMin), kMidnight + 570 * kMin + 15'000);
}

TEST(ScheduleTest, ConfigIsValidated) {
  TimeTrigger agent;
  EXPECT_TRUE(agent.ValidateConfig({{"interval_seconds", 60}}).ok());
  EXPECT_EQ(agent.ValidateConfig(nlohmann::json::object()).message(),
            "config.interval_seconds is required");
  EXPECT_EQ(agent.ValidateConfig({{"interval_seconds", 0.5}}).message(),
            "config.interval_seconds must be a number in [1, 2678400]");
  for (const char* bad : {"9:30", "24:00", "09:60", "09:30:99", "noon", "09:30 "}) {
    EXPECT_EQ(agent.ValidateConfig({{"interval_seconds", 60}, {"start_time", bad}}).message(),
              "config.start_time must be \"HH:MM\" or \"HH:MM:SS\" (UTC)")
        << bad;
  }
  EXPECT_EQ(agent.ValidateConfig({{"interval_seconds", 60}, {"cron", "* * *"}}).message(),
            "config.cron is not a time_trigger setting");
}

TEST(TimeTriggerTest, SignalModePipelinesSkipIt) {
  ManualClock clock(kMidnight + 5 * kMin + 7);
  TimeTrigger agent(&clock);
  const nlohmann::json config = {{"interval_seconds", 300}};
  AgentChain signal_mode(SignalPipeline({"AAPL"}), {});
  ASSERT_TRUE(signal_mode.Run(agent, config).ok());
  EXPECT_EQ(signal_mode.last(), (nlohmann::json{{"skipped", true}, {"reason", "signal_mode"}}));
  Pipeline periodic = SignalPipeline({"SPY"});
  periodic.trigger_mode = TriggerMode::kPeriodic;
  AgentChain run(periodic, {});
  ASSERT_TRUE(run.Run(agent, config).ok());
  EXPECT_EQ(run.last()["skipped"], false);
  EXPECT_EQ(run.last()["slot"], kMidnight + 5 * kMin);
  EXPECT_EQ(run.last()["next_slot"], kMidnight + 10 * kMin);
  EXPECT_EQ(run.last()["start_time"], "00:00:00");
}

class PeriodicSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(":memory:", &clock_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    ASSERT_TRUE(RegisterBuiltinAgents(&registry_, AgentServices{nullptr, nullptr, &clock_}).ok());
  }

  std::string Add(TriggerMode mode, const std::string& config_json, bool active = true) {
    Pipeline p;
    p.name = "p";
    p.trigger_mode = mode;
    p.scanner_tickers = {"SPY"};
    p.is_active = active;
    p.config_json = config_json;
    auto added = store_->AddPipeline(p);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added->id;
  }

  int Executions(const std::string& pipeline_id) {
    auto executions = store_->ListExecutions(0);
    EXPECT_TRUE(executions.ok());
    int n = 0;
    for (const Execution& e : *executions) n += e.pipeline_id == pipeline_id;
    return n;
  }

  ManualClock clock_{kMidnight + 30'000};
  std::unique_ptr<Store> store_;
  AgentRegistry registry_;
};

TEST_F(PeriodicSchedulerTest, QueuesPeriodicPipelinesAtEachSlot) {
  const char* every_minute =
      R"({"nodes": [{"agent_type": "time_trigger", "config": {"interval_seconds": 60}},
                    {"agent_type": "bias_agent"}]})";
  const std::string periodic = Add(TriggerMode::kPeriodic, every_minute);
  const std::string signal_mode = Add(TriggerMode::kSignal, every_minute);
  const std::string inactive = Add(TriggerMode::kPeriodic, every_minute, /*active=*/false);
  const std::string untimed =
      Add(TriggerMode::kPeriodic, R"({"nodes": [{"agent_type": "bias_agent"}]})");
  PeriodicScheduler scheduler(store_.get(), &registry_, &clock_);

  ASSERT_TRUE(scheduler.Tick().ok());  // first sight: remembered, not run
  EXPECT_EQ(Executions(periodic), 0);
  clock_.AdvanceMs(29'999);  // still the same minute
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_EQ(Executions(periodic), 0);
  clock_.AdvanceMs(1);  // 00:01:00, the next slot
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_EQ(Executions(periodic), 1);
  ASSERT_TRUE(scheduler.Tick().ok());  // same slot: not again
  EXPECT_EQ(Executions(periodic), 1);
  clock_.AdvanceMs(kMin);  // the next slot, the first run still PENDING
  ASSERT_TRUE(scheduler.Tick().ok());
  EXPECT_EQ(Executions(periodic), 1);
  EXPECT_EQ(scheduler.probe().skipped_running.load(), 1u);
  EXPECT_EQ(scheduler.probe().enqueued.load(), 1u);
  auto queued = store_->ListExecutions(0);
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_FALSE(queued->front().triggered_by_signal);
  EXPECT_EQ(Executions(signal_mode) + Executions(inactive) + Executions(untimed), 0);
}

TEST_F(PeriodicSchedulerTest, RunsOnItsOwnThread) {
  const std::string periodic =
      Add(TriggerMode::kPeriodic,
          R"({"nodes": [{"agent_type": "time_trigger", "config": {"interval_seconds": 60}}]})");
  PeriodicScheduler scheduler(store_.get(), &registry_, &clock_, std::chrono::milliseconds(5));
  std::atomic<int> woken{0};
  scheduler.Start([&] { woken.fetch_add(1); });
  while (scheduler.probe().ticks.load() < 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  clock_.AdvanceMs(kMin);
  for (int i = 0; i < 2000 && woken.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  scheduler.Stop();
  EXPECT_EQ(woken.load(), 1);
  EXPECT_EQ(Executions(periodic), 1);
}

}  // namespace
}  // namespace sigflow
