// PostgresStore: the workers' batched calls. ClaimExecutionsWithInputs must return what
// ClaimExecutions, GetPipeline and LoadSignals would, in one round trip; FinishExecutions must
// record what CompleteExecution / FailExecution would, one Status per outcome, in one round trip.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "store/postgres/postgres_test_util.h"

namespace sigflow {
namespace {

using std::chrono::milliseconds;
using testing::BatchBuilder;
using testing::SignalPipeline;
using testing::TestSchema;

class PostgresWorkerBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGFLOW_REQUIRE_POSTGRES();
    store_ = schema_.Open(&clock_, &probe_);
    ASSERT_NE(store_, nullptr);
    for (const char* id : {"p1", "p2", "p3", "p4", "p5"}) {
      Pipeline p = SignalPipeline(id, {"AAPL"});
      p.config_json = std::string(R"({"nodes":[],"owner":")") + id + R"("})";
      ASSERT_TRUE(store_->AddPipeline(p).ok());
    }
  }
  uint64_t RoundTrips() const { return probe_.round_trips.load(); }
  std::vector<Execution> ClaimAll(const std::string& worker) {
    auto claimed = store_->ClaimExecutions(worker, 100, milliseconds(30'000));
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    return claimed.ok() ? *claimed : std::vector<Execution>{};
  }

  TestSchema schema_;
  ManualClock clock_{10'000};
  PostgresProbe probe_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresWorkerBatchTest, ClaimWithInputsReadsPipelinesAndSignalsInOneRoundTrip) {
  BatchBuilder b;
  b.Signals("s", 5).Match("p1", {0, 2, 4}).Match("p2", {1}).Match("p3", {3});
  auto woke = store_->Wake(b.Build(/*now_ms=*/9'000));
  ASSERT_TRUE(woke.ok()) << woke.status().ToString();
  ASSERT_EQ(woke->enqueued.size(), 3u);
  // A signal id no longer recorded is left out; an execution without signals has none.
  ASSERT_TRUE(store_->EnqueueExecution("p4", false, {"s1", "gone", "s0"}).ok());
  ASSERT_TRUE(store_->EnqueueExecution("p5", false, {}).ok());
  clock_.SetMs(20'000);

  const uint64_t before = RoundTrips();
  auto claimed = store_->ClaimExecutionsWithInputs("w", 10, milliseconds(30'000));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(RoundTrips() - before, 1u);
  ASSERT_EQ(claimed->size(), 5u);

  const std::vector<std::string> owners = {"p1", "p2", "p3", "p4", "p5"};  // oldest first
  const std::vector<std::vector<std::string>> signals = {
      {"s0", "s2", "s4"}, {"s1"}, {"s3"}, {"s1", "s0"}, {}};
  for (size_t i = 0; i < claimed->size(); ++i) {
    const ClaimedExecution& c = (*claimed)[i];
    SCOPED_TRACE(c.execution.pipeline_id);
    EXPECT_EQ(c.execution.pipeline_id, owners[i]);
    EXPECT_EQ(c.execution.status, ExecutionStatus::kRunning);
    EXPECT_EQ(c.execution.lease_owner, "w");
    EXPECT_EQ(c.execution.lease_expires_at_ms, 50'000);
    EXPECT_EQ(c.execution.attempts, 1);
    auto stored = store_->GetExecution(c.execution.id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(c.execution.signal_ids, stored->signal_ids);
    EXPECT_EQ(c.execution.started_at_ms, stored->started_at_ms);

    ASSERT_TRUE(c.inputs.has_value());
    ASSERT_TRUE(c.inputs->pipeline.has_value());
    auto pipeline = store_->GetPipeline(owners[i]);
    ASSERT_TRUE(pipeline.ok());
    EXPECT_EQ(c.inputs->pipeline->id, pipeline->id);
    EXPECT_EQ(c.inputs->pipeline->name, pipeline->name);
    EXPECT_EQ(c.inputs->pipeline->scanner_tickers, pipeline->scanner_tickers);
    EXPECT_EQ(nlohmann::json::parse(c.inputs->pipeline->config_json),
              nlohmann::json::parse(pipeline->config_json));

    std::vector<std::string> ids;
    for (const StoredSignal& s : c.inputs->signals) ids.push_back(s.signal_id);
    EXPECT_EQ(ids, signals[i]);
    auto loaded = store_->LoadSignals(c.execution.signal_ids);
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded->size(), c.inputs->signals.size());
    for (size_t k = 0; k < loaded->size(); ++k) {
      EXPECT_EQ(c.inputs->signals[k].payload, (*loaded)[k].payload);
      EXPECT_EQ(c.inputs->signals[k].timestamp_ms, (*loaded)[k].timestamp_ms);
      EXPECT_EQ(c.inputs->signals[k].outcome.matched, (*loaded)[k].outcome.matched);
    }
  }
  auto none = store_->ClaimExecutionsWithInputs("w2", 10, milliseconds(30'000));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(PostgresWorkerBatchTest, FinishExecutionsRecordsEachOutcomeInOneRoundTrip) {
  for (const char* id : {"p1", "p2", "p3", "p4", "p5"}) {
    ASSERT_TRUE(store_->EnqueueExecution(id, false, {}).ok());
  }
  std::vector<Execution> claimed = ClaimAll("w");
  ASSERT_EQ(claimed.size(), 5u);
  clock_.SetMs(12'000);

  const std::vector<ExecutionOutcome> outcomes = {
      {claimed[0].id, "w", true, R"({"a":1})"},
      {claimed[1].id, "w", false, "node 0 failed"},
      {claimed[2].id, "someone-else", true, "{}"},          // not its owner
      {claimed[4].id, "w", true, R"({"nul":"a\u0000b"})"},  // JSONB cannot hold \u0000
  };
  const uint64_t before = RoundTrips();
  std::vector<Status> statuses = store_->FinishExecutions(outcomes);
  EXPECT_EQ(RoundTrips() - before, 1u);
  ASSERT_EQ(statuses.size(), outcomes.size());
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].ToString();
  EXPECT_TRUE(statuses[1].ok()) << statuses[1].ToString();
  EXPECT_EQ(statuses[2].code(), "conflict");
  EXPECT_TRUE(statuses[3].ok()) << statuses[3].ToString();

  auto e0 = store_->GetExecution(claimed[0].id);
  EXPECT_EQ(e0->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(nlohmann::json::parse(e0->result_json), nlohmann::json({{"a", 1}}));
  EXPECT_EQ(e0->finished_at_ms, 12'000);
  auto e1 = store_->GetExecution(claimed[1].id);
  EXPECT_EQ(e1->status, ExecutionStatus::kFailed);
  EXPECT_EQ(e1->error, "node 0 failed");
  EXPECT_EQ(store_->GetExecution(claimed[2].id)->status, ExecutionStatus::kRunning);
  auto e4 = store_->GetExecution(claimed[4].id);
  EXPECT_EQ(e4->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(nlohmann::json::parse(e4->result_json)["nul"],
            "a\xEF\xBF\xBD"
            "b");

  // A result that is not valid JSON is refused alone: the others of its call are recorded.
  std::vector<Status> mixed = store_->FinishExecutions(
      {{claimed[3].id, "w", true, "not json"}, {claimed[2].id, "w", true, "{}"}});
  ASSERT_EQ(mixed.size(), 2u);
  EXPECT_EQ(mixed[0].code(), "invalid_argument") << mixed[0].ToString();
  EXPECT_TRUE(mixed[1].ok()) << mixed[1].ToString();
  EXPECT_EQ(store_->GetExecution(claimed[3].id)->status, ExecutionStatus::kRunning);
  EXPECT_EQ(store_->GetExecution(claimed[2].id)->status, ExecutionStatus::kCompleted);

  // Recorded once: a second record of the same outcome is refused.
  std::vector<Status> again = store_->FinishExecutions({outcomes[0]});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].code(), "conflict");

  const uint64_t idle = RoundTrips();
  EXPECT_TRUE(store_->FinishExecutions({}).empty());
  EXPECT_EQ(RoundTrips(), idle);  // nothing to record, no round trip
}

TEST_F(PostgresWorkerBatchTest, FinishExecutionsIsAllOrNothing) {
  for (const char* id : {"p1", "p2"}) ASSERT_TRUE(store_->EnqueueExecution(id, false, {}).ok());
  std::vector<Execution> claimed = ClaimAll("w");
  ASSERT_EQ(claimed.size(), 2u);
  // The server refuses the second row's update as a transient failure: nothing may be kept of
  // the first, and both are left to retry.
  ASSERT_TRUE(schema_
                  .Try("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "IF NEW.status = 'FAILED' THEN RAISE EXCEPTION 'test refusal' USING "
                       "ERRCODE = 'serialization_failure'; END IF; RETURN NEW; END $$; "
                       "CREATE TRIGGER refuse BEFORE UPDATE ON executions FOR EACH ROW "
                       "EXECUTE FUNCTION refuse()")
                  .ok());
  const std::vector<ExecutionOutcome> outcomes = {{claimed[0].id, "w", true, "{}"},
                                                  {claimed[1].id, "w", false, "x"}};
  std::vector<Status> statuses = store_->FinishExecutions(outcomes);
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].code(), "unavailable") << statuses[0].ToString();
  EXPECT_EQ(statuses[1].code(), "unavailable") << statuses[1].ToString();
  EXPECT_EQ(store_->GetExecution(claimed[0].id)->status, ExecutionStatus::kRunning);
  EXPECT_EQ(store_->GetExecution(claimed[1].id)->status, ExecutionStatus::kRunning);

  ASSERT_TRUE(schema_.Try("DROP TRIGGER refuse ON executions").ok());
  statuses = store_->FinishExecutions(outcomes);
  EXPECT_TRUE(statuses[0].ok() && statuses[1].ok());
  EXPECT_EQ(store_->GetExecution(claimed[0].id)->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(store_->GetExecution(claimed[1].id)->status, ExecutionStatus::kFailed);
}

}  // namespace
}  // namespace sigflow
