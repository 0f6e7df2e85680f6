#include "work/pipeline_runner.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/signal_codec.h"
#include "store/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"
#include "work/bias_agent.h"

namespace sigflow {
namespace {

constexpr int64_t kNowMs = 1'733'875'200'000;  // 2024-12-11T00:00:00Z
constexpr auto kLease = std::chrono::seconds(30);

// Writes down everything it was given, so tests can check what agents see.
class CaptureAgent final : public Agent {
 public:
  std::string_view type() const override { return "capture_agent"; }
  Status Run(const AgentContext& context, nlohmann::json* output) const override {
    nlohmann::json signals = nlohmann::json::array();
    for (size_t i = 0; i < context.signals.size(); ++i) {
      const Signal& s = context.signals[i];
      nlohmann::json tickers = nlohmann::json::array();
      for (const auto& t : s.tickers) tickers.push_back(t.ticker);
      signals.push_back({{"signal_id", s.signal_id},
                         {"signal_type", s.signal_type},
                         {"tickers", tickers},
                         {"payload", context.signal_payloads[i]}});
    }
    nlohmann::json previous = nlohmann::json::array();
    for (const auto& p : context.previous) previous.push_back(p.agent_type);
    const nlohmann::json* bias = context.FindOutput("bias_agent");
    *output = {{"pipeline_id", context.pipeline.id},
               {"pipeline_name", context.pipeline.name},
               {"execution_id", context.execution.id},
               {"triggered_by_signal", context.execution.triggered_by_signal},
               {"node_index", context.node_index},
               {"config", context.config},
               {"signals", signals},
               {"previous", previous},
               {"bias_signals_used", bias ? (*bias)["signals_used"] : nlohmann::json()}};
    return Status::Ok();
  }
};

class FailAgent final : public Agent {
 public:
  std::string_view type() const override { return "fail_agent"; }
  Status Run(const AgentContext&, nlohmann::json*) const override {
    return Status::Error("no_quote", "no quote for AAPL");
  }
};

class ThrowAgent final : public Agent {
 public:
  std::string_view type() const override { return "throw_agent"; }
  Status Run(const AgentContext&, nlohmann::json*) const override {
    throw std::runtime_error("kaboom");
  }
};

Signal MakeSignal(std::string id, std::string ticker, Bias bias, double confidence) {
  Signal s;
  s.signal_id = std::move(id);
  s.timestamp_ms = kNowMs;
  s.signal_type = "golden_cross";
  s.source = "test";
  TickerSignal t;
  t.ticker = std::move(ticker);
  t.bias = bias;
  t.confidence = confidence;
  t.reasoning = "because " + s.signal_id;
  s.tickers.push_back(std::move(t));
  return s;
}

class PipelineRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(":memory:", &clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(RegisterBuiltinAgents(&registry_).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<CaptureAgent>()).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<FailAgent>()).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<ThrowAgent>()).ok());
    runner_ = std::make_unique<PipelineRunner>(store_.get(), &registry_);
  }

  // Adds a signal-mode pipeline watching AAPL whose config.nodes runs `agent_types` in order.
  std::string AddPipeline(const std::vector<std::string>& agent_types) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& type : agent_types) nodes.push_back({{"agent_type", type}});
    return AddPipelineWithConfig(nlohmann::json{{"nodes", nodes}}.dump());
  }

  std::string AddPipelineWithConfig(std::string config_json) {
    Pipeline p;
    p.name = "AAPL Momentum Trader";
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = {"AAPL", "MSFT"};
    p.config_json = std::move(config_json);
    auto added = store_->AddPipeline(std::move(p));
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? added->id : "";
  }

  // Records `signals` and wakes `pipeline_id` with all of them, as the dispatcher's batch would.
  void Wake(const std::string& pipeline_id, const std::vector<Signal>& signals) {
    payloads_.clear();
    for (const auto& s : signals) payloads_.push_back(EncodeSignal(s));
    WakeBatch batch;
    for (size_t i = 0; i < signals.size(); ++i) {
      batch.signals.push_back(WakeSignal{.signal_id = signals[i].signal_id,
                                         .payload = payloads_[i],
                                         .timestamp_ms = signals[i].timestamp_ms,
                                         .received_at_ms = kNowMs,
                                         .matched = 1});
    }
    batch.candidates.push_back(WakeCandidate{.pipeline_id = pipeline_id, .first_signal = 0});
    const uint32_t n = static_cast<uint32_t>(signals.size());
    batch.matched_signals = [n](uint32_t, std::vector<uint32_t>* out) {
      out->clear();
      for (uint32_t i = 0; i < n; ++i) out->push_back(i);
    };
    batch.now_ms = kNowMs;
    auto woke = store_->Wake(batch);
    ASSERT_TRUE(woke.ok()) << woke.status().ToString();
    ASSERT_EQ(woke->enqueued.size(), 1u);
  }

  // Claims the one PENDING execution as worker "w1".
  Execution Claim() {
    auto claimed = store_->ClaimExecutions("w1", 1, kLease);
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    EXPECT_EQ(claimed.ok() ? claimed->size() : 0u, 1u);
    return claimed.ok() && !claimed->empty() ? (*claimed)[0] : Execution{};
  }

  // Records `outcome` as the worker pool does (ToRecord, FinishExecutions); OK for kAbandoned.
  Status Record(const Execution& execution, const RunOutcome& outcome) {
    auto record = PipelineRunner::ToRecord(execution, "w1", outcome);
    return record ? store_->FinishExecutions({*record})[0] : Status::Ok();
  }

  // Runs and records the claimed execution; returns it as stored afterwards.
  Execution RunAndRecord(const Execution& execution, RunOutcome* outcome) {
    *outcome = runner_->Run(execution);
    Status recorded = Record(execution, *outcome);
    EXPECT_TRUE(recorded.ok()) << recorded.ToString();
    auto stored = store_->GetExecution(execution.id);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : Execution{};
  }

  ManualClock clock_{kNowMs};
  std::unique_ptr<Store> store_;
  AgentRegistry registry_;
  std::unique_ptr<PipelineRunner> runner_;
  std::vector<std::string> payloads_;
};

TEST_F(PipelineRunnerTest, CompletesAndStoresResult) {
  const std::string id = AddPipeline({"bias_agent", "capture_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8),
            MakeSignal("s2", "AAPL", Bias::kBullish, 0.6),
            MakeSignal("s3", "AAPL", Bias::kBearish, 0.9)});
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  ASSERT_EQ(outcome.kind, RunOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.nodes_run, 2);
  EXPECT_EQ(stored.status, ExecutionStatus::kCompleted);
  EXPECT_EQ(stored.result_json, outcome.result_json);
  EXPECT_TRUE(stored.error.empty());

  const auto result = nlohmann::json::parse(stored.result_json);
  EXPECT_EQ(result["signals"], nlohmann::json({"s1", "s2", "s3"}));
  EXPECT_FALSE(result.contains("missing_signals"));
  ASSERT_EQ(result["nodes"].size(), 2u);
  const auto& bias = result["nodes"][0];
  EXPECT_EQ(bias["agent_type"], "bias_agent");
  EXPECT_GE(bias["duration_ms"].get<double>(), 0.0);
  EXPECT_EQ(bias["output"]["signals_used"], 3);
  EXPECT_EQ(bias["output"]["tickers"]["AAPL"]["bias"], "BULLISH");
  EXPECT_NEAR(bias["output"]["tickers"]["AAPL"]["net_score"].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(result["nodes"][1]["agent_type"], "capture_agent");
}

TEST_F(PipelineRunnerTest, AgentsSeeSignalIdsPayloadsAndEarlierOutputs) {
  const std::string id = AddPipeline({"bias_agent", "capture_agent"});
  const std::vector<Signal> signals = {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8),
                                       MakeSignal("s2", "MSFT", Bias::kBearish, 0.7)};
  Wake(id, signals);
  const Execution claimed = Claim();
  RunOutcome outcome;
  const Execution stored = RunAndRecord(claimed, &outcome);
  ASSERT_EQ(stored.status, ExecutionStatus::kCompleted) << stored.error;

  const auto seen = nlohmann::json::parse(stored.result_json)["nodes"][1]["output"];
  EXPECT_EQ(seen["pipeline_id"], id);
  EXPECT_EQ(seen["pipeline_name"], "AAPL Momentum Trader");
  EXPECT_EQ(seen["execution_id"], claimed.id);
  EXPECT_EQ(seen["triggered_by_signal"], true);
  EXPECT_EQ(seen["node_index"], 1);
  EXPECT_EQ(seen["config"], nlohmann::json::object());
  EXPECT_EQ(seen["previous"], nlohmann::json({"bias_agent"}));
  EXPECT_EQ(seen["bias_signals_used"], 2);
  ASSERT_EQ(seen["signals"].size(), 2u);
  for (size_t i = 0; i < signals.size(); ++i) {
    EXPECT_EQ(seen["signals"][i]["signal_id"], signals[i].signal_id);
    EXPECT_EQ(seen["signals"][i]["signal_type"], "golden_cross");
    EXPECT_EQ(seen["signals"][i]["tickers"], nlohmann::json({signals[i].tickers[0].ticker}));
    EXPECT_EQ(seen["signals"][i]["payload"], EncodeSignal(signals[i]));  // canonical JSON
  }
}

// Inputs read with the claim (Store::ClaimExecutionsWithInputs) give the same run as loading
// them, without a store call.
TEST_F(PipelineRunnerTest, RunWithInputsNeedsNoStoreAndMatchesALoadedRun) {
  class RefusingStore final : public ForwardingStore {
   public:
    using ForwardingStore::ForwardingStore;
    Result<Pipeline> GetPipeline(std::string_view) override {
      return Status::Internal("no store call expected");
    }
    Result<std::vector<StoredSignal>> LoadSignals(const std::vector<std::string>&) override {
      return Status::Internal("no store call expected");
    }
  };
  const std::string id = AddPipeline({"bias_agent", "capture_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8),
            MakeSignal("s2", "MSFT", Bias::kBearish, 0.7)});
  const Execution claimed = Claim();
  ExecutionInputs inputs;
  inputs.pipeline = store_->GetPipeline(id).value();
  inputs.signals = store_->LoadSignals(claimed.signal_ids).value();

  RefusingStore refusing(store_.get());
  const PipelineRunner offline(&refusing, &registry_);
  const RunOutcome with_inputs = offline.Run(claimed, inputs);
  ASSERT_EQ(with_inputs.kind, RunOutcome::Kind::kCompleted) << with_inputs.error;
  const RunOutcome loaded = runner_->Run(claimed);
  ASSERT_EQ(loaded.kind, RunOutcome::Kind::kCompleted) << loaded.error;
  auto without_durations = [](const std::string& result_json) {
    auto result = nlohmann::json::parse(result_json);
    for (auto& node : result["nodes"]) node.erase("duration_ms");
    return result;
  };
  EXPECT_EQ(without_durations(with_inputs.result_json), without_durations(loaded.result_json));
  EXPECT_EQ(offline.Run(claimed).kind, RunOutcome::Kind::kFailed);  // it did refuse loading

  ExecutionInputs removed;  // no pipeline: removed since the execution was queued
  const RunOutcome gone = offline.Run(claimed, removed);
  EXPECT_EQ(gone.kind, RunOutcome::Kind::kFailed);
  EXPECT_TRUE(gone.pipeline_removed);
}

TEST_F(PipelineRunnerTest, StopsAtFirstFailingNodeAndStoresError) {
  const std::string id = AddPipeline({"capture_agent", "fail_agent", "capture_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8)});
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(outcome.kind, RunOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.nodes_run, 1);  // the third node never ran
  EXPECT_EQ(stored.status, ExecutionStatus::kFailed);
  EXPECT_EQ(stored.error, "node 1 (fail_agent) failed: no_quote: no quote for AAPL");
  EXPECT_TRUE(stored.result_json.empty());
}

TEST_F(PipelineRunnerTest, AgentThatThrowsFailsItsNode) {
  const std::string id = AddPipeline({"throw_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8)});
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(stored.status, ExecutionStatus::kFailed);
  EXPECT_EQ(stored.error, "node 0 (throw_agent) failed: internal: agent threw: kaboom");
}

TEST_F(PipelineRunnerTest, UnknownAgentTypeFailsBeforeAnyNodeRuns) {
  const std::string id = AddPipeline({"capture_agent", "magic_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8)});
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(outcome.nodes_run, 0);
  EXPECT_EQ(stored.status, ExecutionStatus::kFailed);
  EXPECT_TRUE(stored.error.starts_with(
      "invalid pipeline config: unknown agent_type 'magic_agent' at node 1 (known: bias_agent, "))
      << stored.error;
}

TEST_F(PipelineRunnerTest, AStrategyWithoutItsBiasNodeFailsItsNode) {
  const std::string id = AddPipeline({"strategy_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8)});
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(stored.status, ExecutionStatus::kFailed);
  EXPECT_EQ(stored.error,
            "node 0 (strategy_agent) failed: failed_precondition: strategy_agent needs a "
            "bias_agent node before it in config.nodes");
}

TEST_F(PipelineRunnerTest, InvalidNodesFailTheExecution) {
  const std::string id = AddPipelineWithConfig(R"({"nodes": {"agent_type": "bias_agent"}})");
  ASSERT_TRUE(store_->EnqueueExecution(id, false, {}).ok());
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(stored.status, ExecutionStatus::kFailed);
  EXPECT_EQ(stored.error, "invalid pipeline config: config.nodes must be an array");
}

TEST_F(PipelineRunnerTest, PipelineWithoutNodesCompletesWithEmptyResult) {
  const std::string id = AddPipelineWithConfig("{}");
  ASSERT_TRUE(store_->EnqueueExecution(id, false, {}).ok());
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  EXPECT_EQ(stored.status, ExecutionStatus::kCompleted) << stored.error;
  EXPECT_EQ(nlohmann::json::parse(stored.result_json),
            nlohmann::json::parse(R"({"nodes": [], "signals": []})"));
}

TEST_F(PipelineRunnerTest, SignalsMissingFromHistoryAreReported) {
  const std::string id = AddPipeline({"capture_agent"});
  ASSERT_TRUE(store_->EnqueueExecution(id, true, {"ghost"}).ok());
  RunOutcome outcome;
  const Execution stored = RunAndRecord(Claim(), &outcome);
  ASSERT_EQ(stored.status, ExecutionStatus::kCompleted) << stored.error;
  const auto result = nlohmann::json::parse(stored.result_json);
  EXPECT_EQ(result["signals"], nlohmann::json::array());
  EXPECT_EQ(result["missing_signals"], nlohmann::json({"ghost"}));
  EXPECT_EQ(result["nodes"][0]["output"]["signals"], nlohmann::json::array());
}

TEST_F(PipelineRunnerTest, PipelineRemovedAfterQueueingFailsWithClearError) {
  const std::string id = AddPipeline({"bias_agent"});
  Wake(id, {MakeSignal("s1", "AAPL", Bias::kBullish, 0.8)});
  const Execution claimed = Claim();
  ASSERT_TRUE(store_->RemovePipeline(id).ok());
  const RunOutcome outcome = runner_->Run(claimed);
  EXPECT_EQ(outcome.kind, RunOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error,
            "pipeline '" + id + "' not found: it was removed after this execution was queued");
  EXPECT_EQ(outcome.nodes_run, 0);
  EXPECT_TRUE(outcome.pipeline_removed);
  // A store that keeps the execution records the error; one that removes a pipeline's
  // executions with it (SQLite: ON DELETE CASCADE) has nothing left to record it in.
  const Status recorded = Record(claimed, outcome);
  auto stored = store_->GetExecution(claimed.id);
  if (stored.ok()) {
    EXPECT_TRUE(recorded.ok()) << recorded.ToString();
    EXPECT_EQ(stored->status, ExecutionStatus::kFailed);
    EXPECT_EQ(stored->error, outcome.error);
  } else {
    EXPECT_EQ(stored.status().code(), "not_found");
    EXPECT_EQ(recorded.code(), "conflict");
  }
}

TEST_F(PipelineRunnerTest, LostLeaseAbandonsTheRunAndRecordsNothing) {
  const std::string id = AddPipeline({"capture_agent", "capture_agent"});
  ASSERT_TRUE(store_->EnqueueExecution(id, false, {}).ok());
  const Execution claimed = Claim();
  int checks = 0;
  const RunOutcome outcome = runner_->Run(claimed, [&checks] { return ++checks < 2; });
  EXPECT_EQ(outcome.kind, RunOutcome::Kind::kAbandoned);
  EXPECT_EQ(outcome.error, "lease lost before node 1");
  EXPECT_EQ(outcome.nodes_run, 1);
  EXPECT_TRUE(Record(claimed, outcome).ok());
  auto stored = store_->GetExecution(claimed.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, ExecutionStatus::kRunning);  // left to the reaper
}

}  // namespace
}  // namespace sigflow
