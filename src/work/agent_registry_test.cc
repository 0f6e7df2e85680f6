#include "work/agent_registry.h"

#include <gtest/gtest.h>

#include <string>

#include "work/bias_agent.h"

namespace sigflow {
namespace {

constexpr char kKnown[] =
    "(known: bias_agent, echo_agent, market_data_agent, order_manager, risk_manager, "
    "strategy_agent, time_trigger)";

class EchoAgent final : public Agent {
 public:
  std::string_view type() const override { return "echo_agent"; }
  Status Run(const AgentContext& context, nlohmann::json* output) const override {
    *output = context.config;
    return Status::Ok();
  }
};

class AgentRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterBuiltinAgents(&registry_).ok());
    ASSERT_TRUE(registry_.Register(std::make_unique<EchoAgent>()).ok());
  }

  std::string ErrorOf(const std::string& config_json) {
    Status s = registry_.Validate(config_json);
    EXPECT_EQ(s.code(), "invalid_argument") << config_json;
    return s.message();
  }

  AgentRegistry registry_;
};

TEST_F(AgentRegistryTest, FindsRegisteredAgents) {
  EXPECT_EQ(registry_.Types(), (std::vector<std::string>{
                                   "bias_agent", "echo_agent", "market_data_agent", "order_manager",
                                   "risk_manager", "strategy_agent", "time_trigger"}));
  ASSERT_NE(registry_.Find("bias_agent"), nullptr);
  EXPECT_EQ(registry_.Find("bias_agent")->type(), "bias_agent");
  EXPECT_EQ(registry_.Find("nope"), nullptr);
}

TEST_F(AgentRegistryTest, RegisterRejectsDuplicateAndNull) {
  EXPECT_EQ(registry_.Register(std::make_unique<BiasAgent>()).code(), "conflict");
  EXPECT_EQ(registry_.Register(nullptr).code(), "invalid_argument");
  EXPECT_EQ(RegisterBuiltinAgents(&registry_).code(), "conflict");
}

TEST_F(AgentRegistryTest, AcceptsKnownAgentsWithOptionalConfig) {
  EXPECT_TRUE(registry_.Validate("{}").ok());
  EXPECT_TRUE(registry_.Validate(R"({"nodes": []})").ok());
  EXPECT_TRUE(registry_.Validate(R"({"nodes": null})").ok());
  const std::string config = R"({"nodes": [
      {"agent_type": "bias_agent"},
      {"agent_type": "bias_agent", "config": {"neutral_band": 0.25}, "id": "n2"},
      {"agent_type": "echo_agent", "config": null}]})";
  auto nodes = registry_.ParseNodes(config);
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].agent_type, "bias_agent");
  EXPECT_EQ((*nodes)[0].config, nlohmann::json::object());
  EXPECT_EQ((*nodes)[1].config["neutral_band"], 0.25);
  EXPECT_EQ((*nodes)[2].agent, registry_.Find("echo_agent"));
  EXPECT_EQ((*nodes)[2].config, nlohmann::json::object());
}

TEST_F(AgentRegistryTest, NamesUnknownAgentTypeAndNodeIndex) {
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": "bias_agent"}, {"agent_type": "magic"}]})"),
            "unknown agent_type 'magic' at node 1 " + std::string(kKnown));
}

TEST_F(AgentRegistryTest, EverySeedAgentIsBuilt) {
  for (const char* type :
       {"market_data_agent", "strategy_agent", "risk_manager", "order_manager", "bias_agent"}) {
    EXPECT_TRUE(
        registry_.Validate(std::string(R"({"nodes": [{"agent_type": ")") + type + "\"}]}").ok())
        << type;
  }
  // time_trigger needs its schedule.
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": "time_trigger"}]})"),
            "node 0 (time_trigger): config.interval_seconds is required");
  EXPECT_TRUE(registry_
                  .Validate(R"({"nodes": [{"agent_type": "time_trigger",
                                           "config": {"interval_seconds": 60}}]})")
                  .ok());
}

TEST_F(AgentRegistryTest, RejectsMalformedConfig) {
  EXPECT_EQ(ErrorOf("{not json"), "config is not valid JSON");
  EXPECT_EQ(ErrorOf("[]"), "config must be a JSON object");
  EXPECT_EQ(ErrorOf(R"({"nodes": {"agent_type": "bias_agent"}})"), "config.nodes must be an array");
  EXPECT_EQ(ErrorOf(R"({"nodes": ["bias_agent"]})"), "node 0: must be an object");
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"config": {}}]})"),
            "node 0: agent_type must be a non-empty string");
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": 7}]})"),
            "node 0: agent_type must be a non-empty string");
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": "bias_agent", "config": [1]}]})"),
            "node 0 (bias_agent): config must be an object");
}

TEST_F(AgentRegistryTest, ChecksEachAgentsConfig) {
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": "bias_agent", "config": {"neutral_band": -1}}]})"),
            "node 0 (bias_agent): config.neutral_band must be a number >= 0");
}

TEST_F(AgentRegistryTest, ReportsEveryBadNodeAtOnce) {
  EXPECT_EQ(ErrorOf(R"({"nodes": [{"agent_type": "nope"}, {"agent_type": "bias_agent"},
                                  {"agent_type": "order_manager", "config": {"x": 1}}, 3]})"),
            "unknown agent_type 'nope' at node 0 " + std::string(kKnown) +
                "; node 2 (order_manager): config.x is not a order_manager setting; "
                "node 3: must be an object");
}

}  // namespace
}  // namespace sigflow
