#include "work/worker_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/signal_codec.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"

namespace sigflow {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kStartMs = 1'733'875'200'000;  // 2024-12-11T00:00:00Z

// Blocks every agent that enters it until the test opens it.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.wait_for(lock, 20s, [this] { return open_; });
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int entered() {
    std::lock_guard lock(mu_);
    return entered_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0;
};

class GateAgent final : public Agent {
 public:
  explicit GateAgent(Gate* gate) : gate_(gate) {}
  std::string_view type() const override { return "gate_agent"; }
  Status Run(const AgentContext&, nlohmann::json* output) const override {
    gate_->Enter();
    *output = {{"passed", true}};
    return Status::Ok();
  }

 private:
  Gate* const gate_;
};

// Sleeps config.ms milliseconds: a long-running node.
class SleepAgent final : public Agent {
 public:
  std::string_view type() const override { return "sleep_agent"; }
  Status Run(const AgentContext& context, nlohmann::json* output) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(context.config.value("ms", 0)));
    *output = {{"slept_ms", context.config.value("ms", 0)}};
    return Status::Ok();
  }
};

// A store that goes down (every call `unavailable`) for a while on cue: at once with
// GoDown(), or just after the first claim that returns an execution with DownAfterClaim().
class OutageStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  using SteadyClock = std::chrono::steady_clock;

  void GoDown(std::chrono::milliseconds for_how_long) {
    down_until_.store(SteadyClock::now() + for_how_long);
  }
  void DownAfterClaim(std::chrono::milliseconds for_how_long) { after_claim_ = for_how_long; }
  uint64_t refused() const { return refused_.load(); }

  Result<Pipeline> GetPipeline(std::string_view id) override {
    if (Down()) return Refuse();
    return ForwardingStore::GetPipeline(id);
  }
  Result<std::vector<StoredSignal>> LoadSignals(const std::vector<std::string>& ids) override {
    if (Down()) return Refuse();
    return ForwardingStore::LoadSignals(ids);
  }
  Result<std::vector<Execution>> ClaimExecutions(std::string_view worker, int max,
                                                 std::chrono::milliseconds lease) override {
    if (Down()) return Refuse();
    auto claimed = ForwardingStore::ClaimExecutions(worker, max, lease);
    if (claimed.ok() && !claimed->empty() && after_claim_.count() > 0) {
      GoDown(after_claim_);
      after_claim_ = {};
    }
    return claimed;
  }
  Status RenewLease(int64_t id, std::string_view worker, std::chrono::milliseconds lease) override {
    if (Down()) return Refuse();
    return ForwardingStore::RenewLease(id, worker, lease);
  }
  Status CompleteExecution(int64_t id, std::string_view worker,
                           std::string_view result_json) override {
    if (Down()) return Refuse();
    return ForwardingStore::CompleteExecution(id, worker, result_json);
  }
  Status FailExecution(int64_t id, std::string_view worker, std::string_view error) override {
    if (Down()) return Refuse();
    return ForwardingStore::FailExecution(id, worker, error);
  }
  Result<ReapResult> ReapExpiredLeases(int max_attempts) override {
    if (Down()) return Refuse();
    return ForwardingStore::ReapExpiredLeases(max_attempts);
  }

 private:
  bool Down() const { return SteadyClock::now() < down_until_.load(); }
  Status Refuse() {
    refused_.fetch_add(1);
    return Status::Unavailable("test outage");
  }

  std::atomic<SteadyClock::time_point> down_until_{};
  std::chrono::milliseconds after_claim_{0};  // claiming threads only; set before the pool starts
  std::atomic<uint64_t> refused_{0};
};

// Polls `done` every millisecond until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "sigflow_work_" + info->name() + "_" +
            std::to_string(::getpid()) + ".db";
    RemoveFiles();
    ASSERT_TRUE(RegisterBuiltinAgents(&registry_).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<GateAgent>(&gate_)).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<SleepAgent>()).ok());
  }

  void TearDown() override {
    pool_.reset();
    store_.reset();
    RemoveFiles();
  }

  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  // Opens the store on the real clock, or on `clock` when given.
  void OpenStore(const Clock* clock = SystemClock::Default()) {
    auto store = OpenSqliteStore(path_, clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  WorkerPool& StartPool(WorkerOptions options, Store* store = nullptr) {
    pool_ = std::make_unique<WorkerPool>(store != nullptr ? store : store_.get(), &registry_,
                                         std::move(options));
    Status started = pool_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return *pool_;
  }

  std::string AddPipeline(const nlohmann::json& nodes, const std::string& ticker = "AAPL") {
    Pipeline p;
    p.name = "pipeline " + ticker;
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = {ticker};
    p.config_json = nlohmann::json{{"nodes", nodes}}.dump();
    auto added = store_->AddPipeline(std::move(p));
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? added->id : "";
  }

  int64_t Enqueue(const std::string& pipeline_id) {
    auto id = store_->EnqueueExecution(pipeline_id, false, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  // Four pipelines without nodes, an execution queued for each: a run costs only the queue.
  std::vector<int64_t> EnqueueFourWithoutNodes() {
    std::vector<int64_t> ids;
    for (const char* ticker : {"AAPL", "MSFT", "NVDA", "AMZN"}) {
      ids.push_back(Enqueue(AddPipeline(nlohmann::json::array(), ticker)));
    }
    return ids;
  }

  Execution Get(int64_t id) {
    auto e = store_->GetExecution(id);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : Execution{};
  }

  bool WaitForStatus(int64_t id, ExecutionStatus status, std::chrono::milliseconds timeout = 10s) {
    return WaitFor([&] { return Get(id).status == status; }, timeout);
  }

  // `id` completed on its first attempt, well before its lease (20 s) could expire, after the
  // pool retried through the refused calls of `outage`; stops the pool.
  void ExpectRiddenOut(int64_t id, const OutageStore& outage) {
    ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted, 5s));
    EXPECT_EQ(Get(id).attempts, 1);
    pool_->Stop();
    EXPECT_GT(outage.refused(), 0u);
    EXPECT_GT(pool_->probe().store_retries.load(), 0u);
    EXPECT_EQ(pool_->probe().abandoned.load(), 0u);
    EXPECT_EQ(pool_->probe().completed.load(), 1u);
  }

  std::string path_;
  ManualClock clock_{kStartMs};  // outlives the store and the pool, which read it
  Gate gate_;
  AgentRegistry registry_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<WorkerPool> pool_;
};

const nlohmann::json kBiasNodes = nlohmann::json::parse(R"([{"agent_type": "bias_agent"}])");
const nlohmann::json kGateNodes = nlohmann::json::parse(R"([{"agent_type": "gate_agent"}])");

TEST_F(WorkerPoolTest, RunsExecutionsCreatedByWakeToCompleted) {
  OpenStore();
  const std::vector<std::string> pipelines = {AddPipeline(kBiasNodes, "AAPL"),
                                              AddPipeline(kBiasNodes, "AAPL"),
                                              AddPipeline(kBiasNodes, "AAPL")};
  Signal signal;
  signal.signal_id = "sig-1";
  signal.timestamp_ms = kStartMs;
  signal.signal_type = "golden_cross";
  TickerSignal t;
  t.ticker = "AAPL";
  t.bias = Bias::kBullish;
  t.confidence = 0.85;
  signal.tickers.push_back(t);
  const std::string payload = EncodeSignal(signal);

  WakeBatch batch;
  batch.signals.push_back(WakeSignal{.signal_id = signal.signal_id,
                                     .payload = payload,
                                     .timestamp_ms = kStartMs,
                                     .received_at_ms = kStartMs,
                                     .matched = 3});
  for (const auto& id : pipelines) {
    batch.candidates.push_back(WakeCandidate{.pipeline_id = id, .first_signal = 0});
  }
  batch.matched_signals = [](uint32_t, std::vector<uint32_t>* out) { *out = {0}; };
  batch.now_ms = kStartMs;
  auto woke = store_->Wake(batch);
  ASSERT_TRUE(woke.ok()) << woke.status().ToString();
  ASSERT_EQ(woke->enqueued.size(), 3u);

  WorkerPool& pool = StartPool({});
  pool.Notify();
  for (const auto& e : woke->enqueued) {
    ASSERT_TRUE(WaitForStatus(e.execution_id, ExecutionStatus::kCompleted));
    const auto result = nlohmann::json::parse(Get(e.execution_id).result_json);
    EXPECT_EQ(result["signals"], nlohmann::json({"sig-1"}));
    EXPECT_EQ(result["nodes"][0]["output"]["tickers"]["AAPL"]["bias"], "BULLISH");
  }
  pool.Stop();
  EXPECT_EQ(pool.probe().claimed.load(), 3u);
  EXPECT_EQ(pool.probe().completed.load(), 3u);
  EXPECT_EQ(pool.probe().failed.load(), 0u);
}

TEST_F(WorkerPoolTest, RunsEnqueuedExecutionsToCompletedOrFailed) {
  OpenStore();
  std::vector<int64_t> good;
  for (int i = 0; i < 20; ++i) good.push_back(Enqueue(AddPipeline(kBiasNodes)));
  const int64_t bad =
      Enqueue(AddPipeline(nlohmann::json::parse(R"([{"agent_type": "risk_agent"}])")));

  WorkerPool& pool = StartPool({.threads = 2, .claim_batch = 4});
  pool.Notify();
  for (int64_t id : good) ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted));
  ASSERT_TRUE(WaitForStatus(bad, ExecutionStatus::kFailed));
  EXPECT_TRUE(Get(bad).error.starts_with(
      "invalid pipeline config: unknown agent_type 'risk_agent' at node 0 (known: "))
      << Get(bad).error;
  pool.Stop();
  EXPECT_EQ(pool.probe().claimed.load(), 21u);
  EXPECT_EQ(pool.probe().completed.load(), 20u);
  EXPECT_EQ(pool.probe().failed.load(), 1u);
  EXPECT_EQ(pool.probe().lease_conflicts.load(), 0u);
}

TEST_F(WorkerPoolTest, NotifyStartsExecutionWellWithinIdlePoll) {
  OpenStore();
  const std::string pipeline = AddPipeline(kBiasNodes);
  WorkerPool& pool = StartPool({.idle_poll = 30s});
  std::this_thread::sleep_for(200ms);  // both workers found nothing and sleep

  const auto started = std::chrono::steady_clock::now();
  const int64_t id = Enqueue(pipeline);
  pool.Notify();
  ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted, 10s));
  const auto latency = std::chrono::steady_clock::now() - started;
  // Typically under 10 ms; the bound leaves room for a loaded machine, far below the poll.
  EXPECT_LT(latency, 2s) << "idle poll is 30 s: Notify() must wake a worker at once";
  std::printf("enqueue -> COMPLETED after Notify: %.2f ms\n",
              std::chrono::duration<double, std::milli>(latency).count());
}

TEST_F(WorkerPoolTest, ReapsExpiredLeaseAndRerunsExecution) {
  OpenStore(&clock_);
  const int64_t id = Enqueue(AddPipeline(kBiasNodes));
  // A worker claims it and dies: it never renews, never completes.
  auto dead = store_->ClaimExecutions("dead-worker", 1, 5s);
  ASSERT_TRUE(dead.ok() && dead->size() == 1u);

  WorkerPool& pool = StartPool({.idle_poll = 20ms, .reap_interval = 10ms});
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Get(id).status, ExecutionStatus::kRunning);  // its lease still holds
  EXPECT_EQ(Get(id).lease_owner, "dead-worker");

  clock_.AdvanceMs(6'000);  // past the dead worker's lease
  ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted));
  const Execution done = Get(id);
  EXPECT_EQ(done.attempts, 2);
  EXPECT_NE(done.lease_owner, "dead-worker");
  pool.Stop();  // counters are bumped just after the store writes
  EXPECT_EQ(pool.probe().reaped.load(), 1u);
  EXPECT_EQ(pool.probe().completed.load(), 1u);
  // The dead worker wakes up late: its result is refused.
  EXPECT_EQ(store_->CompleteExecution(id, "dead-worker", "{}").code(), "conflict");
}

TEST_F(WorkerPoolTest, FailsExecutionWhoseAttemptsAreExhausted) {
  OpenStore(&clock_);
  const int64_t id = Enqueue(AddPipeline(kBiasNodes));
  auto dead = store_->ClaimExecutions("dead-worker", 1, 5s);
  ASSERT_TRUE(dead.ok() && dead->size() == 1u);

  WorkerPool& pool = StartPool({.max_attempts = 1, .reap_interval = 10ms});
  clock_.AdvanceMs(6'000);
  ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kFailed));
  EXPECT_NE(Get(id).error.find("lease expired after 1 attempt"), std::string::npos)
      << Get(id).error;
  pool.Stop();
  EXPECT_EQ(pool.probe().reaped_failed.load(), 1u);
  EXPECT_EQ(pool.probe().claimed.load(), 0u);
}

// Two pool workers in turn lose the execution to the reaper (no renewals: the steady-clock renew
// interval is far away while the store's clock jumps); after max_attempts claims it is FAILED,
// and the results both workers bring back late are dropped.
TEST_F(WorkerPoolTest, LostLeasesDropLateResultsAndAttemptsStayBounded) {
  OpenStore(&clock_);
  const int64_t id = Enqueue(AddPipeline(kGateNodes));
  WorkerPool& pool = StartPool({.threads = 2,
                                .lease = 60s,
                                .idle_poll = 20ms,
                                .max_attempts = 2,
                                .reap_interval = 10ms,
                                .renew_interval = 59s});
  pool.Notify();
  ASSERT_TRUE(WaitFor([&] { return gate_.entered() == 1; }));
  EXPECT_EQ(Get(id).attempts, 1);

  clock_.AdvanceMs(61'000);  // the first claim expires: requeued, claimed by the other worker
  ASSERT_TRUE(WaitFor([&] { return gate_.entered() == 2; }));
  EXPECT_EQ(Get(id).attempts, 2);
  EXPECT_EQ(Get(id).status, ExecutionStatus::kRunning);

  clock_.AdvanceMs(61'000);  // the second claim expires: attempts exhausted
  ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kFailed));
  const std::string error = Get(id).error;
  EXPECT_NE(error.find("lease expired after 2 attempts"), std::string::npos) << error;

  gate_.Open();
  ASSERT_TRUE(WaitFor([&] { return pool.probe().lease_conflicts.load() == 2u; }));
  EXPECT_EQ(Get(id).status, ExecutionStatus::kFailed);
  EXPECT_EQ(Get(id).error, error);
  pool.Stop();
  EXPECT_EQ(pool.probe().completed.load(), 0u);
  EXPECT_EQ(pool.probe().reaped.load(), 1u);
  EXPECT_EQ(pool.probe().reaped_failed.load(), 1u);
}

TEST_F(WorkerPoolTest, RenewsLeaseOfLongExecution) {
  OpenStore();
  const int64_t id = Enqueue(
      AddPipeline(nlohmann::json::parse(R"([{"agent_type": "sleep_agent", "config": {"ms": 700}},
                                            {"agent_type": "sleep_agent", "config": {"ms": 700}}])")));
  WorkerPool& pool = StartPool({.lease = 500ms, .reap_interval = 10ms});  // renews every 166 ms
  pool.Notify();
  ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted));
  EXPECT_EQ(Get(id).attempts, 1);
  pool.Stop();
  EXPECT_EQ(pool.probe().reaped.load(), 0u);
  EXPECT_EQ(pool.probe().lease_conflicts.load(), 0u);
  EXPECT_GE(pool.probe().lease_renewals.load(), 4u);
}

TEST_F(WorkerPoolTest, BatchClaimedByOneWorkerRunsOnEveryWorker) {
  OpenStore();
  const int64_t a = Enqueue(AddPipeline(kGateNodes, "AAPL"));
  const int64_t b = Enqueue(AddPipeline(kGateNodes, "MSFT"));
  WorkerPool& pool = StartPool({.threads = 2, .claim_batch = 8});
  pool.Notify();
  // Both run at once although one store call may have claimed both.
  EXPECT_TRUE(WaitFor([&] { return gate_.entered() == 2; }));
  gate_.Open();
  ASSERT_TRUE(WaitForStatus(a, ExecutionStatus::kCompleted));
  ASSERT_TRUE(WaitForStatus(b, ExecutionStatus::kCompleted));
}

TEST_F(WorkerPoolTest, StopWaitsForInFlightExecution) {
  OpenStore();
  const int64_t id = Enqueue(AddPipeline(kGateNodes));
  WorkerPool& pool = StartPool({});
  pool.Notify();
  ASSERT_TRUE(WaitFor([&] { return gate_.entered() == 1; }));

  auto stopped = std::async(std::launch::async, [&pool] { pool.Stop(); });
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);  // still running the node
  gate_.Open();
  ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(Get(id).status, ExecutionStatus::kCompleted);
  EXPECT_EQ(pool.probe().completed.load(), 1u);

  pool.Stop();    // idempotent
  pool.Notify();  // harmless after Stop
  const int64_t later = Enqueue(AddPipeline(kBiasNodes, "MSFT"));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Get(later).status, ExecutionStatus::kPending);  // nobody claims after Stop
}

// Holds its first FinishExecutions call until the pool's other worker has run everything else
// and come back for more (a claim, begun after that call, that found nothing), and remembers how
// many outcomes each call carried.
class HeldRecordStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  Result<std::vector<Execution>> ClaimExecutions(std::string_view worker, int max,
                                                 std::chrono::milliseconds lease) override {
    // A worker claims only once the ready queue is empty: a claim begun while the first record
    // is held means the other worker has run (and queued the outcomes of) everything else.
    bool after_first_record;
    {
      std::lock_guard lock(mu_);
      after_first_record = !calls_.empty();
    }
    auto claimed = ForwardingStore::ClaimExecutions(worker, max, lease);
    if (after_first_record && claimed.ok() && claimed->empty()) {
      std::lock_guard lock(mu_);
      idle_claim_after_first_record_ = true;
      cv_.notify_all();
    }
    return claimed;
  }
  std::vector<Status> FinishExecutions(const std::vector<ExecutionOutcome>& outcomes) override {
    {
      std::unique_lock lock(mu_);
      calls_.push_back(outcomes.size());
      if (calls_.size() == 1) {
        cv_.wait_for(lock, 10s, [this] { return idle_claim_after_first_record_; });
      }
    }
    return Store::FinishExecutions(outcomes);  // one CompleteExecution each, on the target
  }
  std::vector<size_t> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<size_t> calls_;  // outcomes per FinishExecutions call
  bool idle_claim_after_first_record_ = false;
};

// Group commit: outcomes that finish while another worker is recording wait for it, and its next
// store call records them all at once.
TEST_F(WorkerPoolTest, OutcomesFinishedDuringARecordAreRecordedInOneCall) {
  OpenStore();
  HeldRecordStore held(store_.get());
  const std::vector<int64_t> ids = EnqueueFourWithoutNodes();
  // record_wait 0: no outcome waits for the others of its batch, only for a recording worker.
  WorkerPool& pool =
      StartPool({.threads = 2, .claim_batch = 8, .record_wait = 0ms, .idle_poll = 20ms}, &held);
  pool.Notify();
  for (int64_t id : ids) ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted));
  pool.Stop();
  // The first outcome went alone; the other worker ran the three others meanwhile.
  EXPECT_EQ(held.calls(), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(pool.probe().completed.load(), 4u);
}

// Counts the outcomes of each FinishExecutions call.
class RecordCountingStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<Status> FinishExecutions(const std::vector<ExecutionOutcome>& outcomes) override {
    {
      std::lock_guard lock(mu_);
      calls_.push_back(outcomes.size());
    }
    return Store::FinishExecutions(outcomes);
  }
  std::vector<size_t> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<size_t> calls_;
};

// One thread, one claimed batch: its outcomes wait for each other and go in one call.
TEST_F(WorkerPoolTest, OneThreadRecordsAClaimedBatchInOneCall) {
  OpenStore();
  RecordCountingStore counting(store_.get());
  const std::vector<int64_t> ids = EnqueueFourWithoutNodes();
  WorkerPool& pool =
      StartPool({.threads = 1, .claim_batch = 8, .record_wait = 20s, .idle_poll = 20ms}, &counting);
  pool.Notify();
  for (int64_t id : ids) ASSERT_TRUE(WaitForStatus(id, ExecutionStatus::kCompleted));
  pool.Stop();
  EXPECT_EQ(counting.calls(), (std::vector<size_t>{4}));
  EXPECT_EQ(pool.probe().completed.load(), 4u);
}

// Regression: a store outage of a few seconds while an execution was being loaded or recorded
// left it RUNNING until its lease expired (30 s by default) — the integration test saw every
// pipeline caught in the PostgreSQL outage wait for the reaper. Now the worker rides the outage
// out and completes it as soon as the store is back, with no second attempt.
TEST_F(WorkerPoolTest, StoreOutageWhileLoadingIsRiddenOutNotLeftToTheReaper) {
  OpenStore();
  OutageStore outage(store_.get());
  outage.DownAfterClaim(400ms);
  const int64_t id = Enqueue(AddPipeline(kBiasNodes));
  StartPool({.threads = 1, .lease = 20s, .idle_poll = 20ms}, &outage).Notify();
  ExpectRiddenOut(id, outage);
}

TEST_F(WorkerPoolTest, StoreOutageWhileRecordingIsRiddenOut) {
  OpenStore();
  OutageStore outage(store_.get());
  const int64_t id = Enqueue(AddPipeline(kGateNodes));
  WorkerPool& pool = StartPool({.threads = 1, .lease = 20s, .idle_poll = 20ms}, &outage);
  pool.Notify();
  ASSERT_TRUE(WaitFor([&] { return gate_.entered() == 1; }));
  outage.GoDown(400ms);  // the node finishes into the outage
  gate_.Open();
  ExpectRiddenOut(id, outage);
}

// An outage that outlasts the lease leaves the execution to the reaper: its lease is no longer
// safely this worker's.
TEST_F(WorkerPoolTest, StoreOutagePastTheLeaseLeavesTheExecutionToTheReaper) {
  OpenStore();
  OutageStore outage(store_.get());
  outage.DownAfterClaim(1h);
  const int64_t id = Enqueue(AddPipeline(kBiasNodes));
  WorkerPool& pool = StartPool({.threads = 1, .lease = 600ms, .idle_poll = 20ms}, &outage);
  pool.Notify();
  ASSERT_TRUE(WaitFor([&] { return pool.probe().abandoned.load() == 1u; }, 3s));
  EXPECT_GT(pool.probe().store_retries.load(), 0u);
  EXPECT_EQ(Get(id).status, ExecutionStatus::kRunning);  // for the reaper, once the store is back
  pool.Stop();
}

TEST_F(WorkerPoolTest, StopDuringAStoreOutageDoesNotWaitForTheStore) {
  OpenStore();
  OutageStore outage(store_.get());
  outage.DownAfterClaim(1h);
  Enqueue(AddPipeline(kBiasNodes));
  WorkerPool& pool = StartPool({.threads = 1, .lease = 60s, .idle_poll = 20ms}, &outage);
  pool.Notify();
  ASSERT_TRUE(WaitFor([&] { return pool.probe().store_retries.load() >= 3u; }));
  const auto started = std::chrono::steady_clock::now();
  pool.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_EQ(pool.probe().abandoned.load(), 1u);
}

TEST_F(WorkerPoolTest, StartRejectsBadOptionsAndASecondStart) {
  OpenStore();
  WorkerPool bad(store_.get(), &registry_, {.threads = 0, .claim_batch = 0});
  Status s = bad.Start();
  EXPECT_EQ(s.code(), "invalid_argument");
  EXPECT_NE(s.message().find("threads must be >= 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("claim_batch must be >= 1"), std::string::npos) << s.message();
  bad.Stop();  // no-op: never started

  WorkerPool& pool = StartPool({.worker_id_prefix = "box7"});
  EXPECT_EQ(pool.Start().code(), "failed_precondition");
  ASSERT_EQ(pool.worker_ids().size(), 2u);
  EXPECT_EQ(pool.worker_ids()[0].rfind("box7-", 0), 0u);
  EXPECT_NE(pool.worker_ids()[0], pool.worker_ids()[1]);
  pool.Stop();
  EXPECT_EQ(pool.Start().code(), "failed_precondition");
}

}  // namespace
}  // namespace sigflow
