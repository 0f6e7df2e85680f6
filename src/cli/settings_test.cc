#include "cli/settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace sigflow {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name :
         {"BATCH_SIZE", "BATCH_TIMEOUT_SECONDS", "CACHE_REFRESH_INTERVAL_SECONDS",
          "KAFKA_AUTO_OFFSET_RESET", "LOG_LEVEL", "SIGFLOW_STORE", "SIGFLOW_BATCHING",
          "SIGFLOW_WORKERS", "SIGFLOW_CLAIM_BATCH", "SIGFLOW_LEASE_SECONDS",
          "SIGFLOW_RECORD_WAIT_SECONDS", "SIGFLOW_KAFKA_PROPERTIES",
          "SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS", "SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY"}) {
      unsetenv(name);
    }
  }
};

TEST_F(SettingsTest, DefaultsAreTheSeeds) {
  auto s = LoadSettings({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dispatcher.batch_size, 20u);
  EXPECT_EQ(s->dispatcher.batch_timeout.count(), 500);
  EXPECT_EQ(s->dispatcher.cache_refresh_interval.count(), 30000);
  EXPECT_EQ(s->offset_reset, OffsetReset::kLatest);
  EXPECT_EQ(s->topic, "trading-signals");
  EXPECT_EQ(s->consumer_group, "trigger-dispatcher");
  EXPECT_EQ(s->store_path, "./data/sigflow.db");
  EXPECT_EQ(s->workers.threads, 2);
  EXPECT_EQ(s->workers.claim_batch, 8);
  EXPECT_EQ(s->workers.lease.count(), 30'000);
  EXPECT_EQ(s->workers.record_wait.count(), 10);
}

TEST_F(SettingsTest, WorkerQueueSettingsComeFromTheEnvironment) {
  setenv("SIGFLOW_CLAIM_BATCH", "64", 1);
  setenv("SIGFLOW_LEASE_SECONDS", "120", 1);
  setenv("SIGFLOW_RECORD_WAIT_SECONDS", "0", 1);
  auto s = LoadSettings({});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->workers.claim_batch, 64);
  EXPECT_EQ(s->workers.lease.count(), 120'000);
  EXPECT_EQ(s->workers.record_wait.count(), 0);
}

TEST_F(SettingsTest, BadWorkerQueueSettingsAreReportedByName) {
  setenv("SIGFLOW_CLAIM_BATCH", "0", 1);
  setenv("SIGFLOW_LEASE_SECONDS", "0", 1);
  setenv("SIGFLOW_RECORD_WAIT_SECONDS", "soon", 1);
  auto s = LoadSettings({});
  ASSERT_FALSE(s.ok());
  for (const char* name :
       {"SIGFLOW_CLAIM_BATCH", "SIGFLOW_LEASE_SECONDS", "SIGFLOW_RECORD_WAIT_SECONDS"}) {
    EXPECT_NE(s.status().message().find(name), std::string::npos) << name;
  }
}

TEST_F(SettingsTest, KafkaGroupKnobsHaveVariablesOfTheirOwn) {
  auto defaults = LoadSettings({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->kafka_session_timeout.has_value());
  EXPECT_FALSE(defaults->kafka_assignment_strategy.has_value());

  setenv("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS", "6.5", 1);
  setenv("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY", "cooperative-sticky", 1);
  setenv("SIGFLOW_KAFKA_PROPERTIES", "fetch.wait.max.ms=5", 1);
  auto s = LoadSettings({});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->kafka_session_timeout->count(), 6'500);
  EXPECT_EQ(*s->kafka_assignment_strategy, "cooperative-sticky");
  ASSERT_EQ(s->kafka_properties.size(), 1u);

  for (const char* strategy : {"range", "roundrobin", "range,roundrobin", "roundrobin,range"}) {
    setenv("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY", strategy, 1);
    auto eager = LoadSettings({});
    ASSERT_TRUE(eager.ok()) << strategy << ": " << eager.status().ToString();
    EXPECT_EQ(*eager->kafka_assignment_strategy, strategy);
  }
}

TEST_F(SettingsTest, BadKafkaGroupKnobsAreReportedByName) {
  for (const char* seconds : {"3", "3601", "1e300", "soon"}) {
    setenv("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS", seconds, 1);
    auto s = LoadSettings({});
    ASSERT_FALSE(s.ok()) << seconds;
    EXPECT_NE(s.status().message().find("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS"),
              std::string::npos);
  }
  unsetenv("SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS");
  for (const char* strategy : {"sticky", "range,cooperative-sticky", "range,", ","}) {
    setenv("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY", strategy, 1);
    auto s = LoadSettings({});
    ASSERT_FALSE(s.ok()) << strategy;
    EXPECT_NE(s.status().message().find("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY"), std::string::npos);
  }
  unsetenv("SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY");
  // Through the properties, the message names the variable to use instead.
  setenv("SIGFLOW_KAFKA_PROPERTIES", "session.timeout.ms=6000,partition.assignment.strategy=range",
         1);
  auto s = LoadSettings({});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("session.timeout.ms is set by sigflow; use "
                                      "SIGFLOW_KAFKA_SESSION_TIMEOUT_SECONDS"),
            std::string::npos)
      << s.status().message();
  EXPECT_NE(s.status().message().find("use SIGFLOW_KAFKA_ASSIGNMENT_STRATEGY"), std::string::npos);
}

TEST_F(SettingsTest, EnvironmentOverridesDefaultsAndFlagsOverrideEnvironment) {
  setenv("BATCH_SIZE", "50", 1);
  setenv("BATCH_TIMEOUT_SECONDS", "0.1", 1);
  setenv("KAFKA_AUTO_OFFSET_RESET", "earliest", 1);
  setenv("SIGFLOW_STORE", "/tmp/env.db", 1);
  auto s = LoadSettings({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dispatcher.batch_size, 50u);
  EXPECT_EQ(s->dispatcher.batch_timeout.count(), 100);
  EXPECT_EQ(s->offset_reset, OffsetReset::kEarliest);
  EXPECT_EQ(s->store_path, "/tmp/env.db");
  auto flagged = LoadSettings(SettingFlags{"/tmp/flag.db", 4});
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->store_path, "/tmp/flag.db");
  EXPECT_EQ(flagged->workers.threads, 4);
}

TEST_F(SettingsTest, EveryBadValueIsReportedByName) {
  setenv("BATCH_SIZE", "lots", 1);
  setenv("BATCH_TIMEOUT_SECONDS", "-1", 1);
  setenv("KAFKA_AUTO_OFFSET_RESET", "middle", 1);
  setenv("LOG_LEVEL", "LOUD", 1);
  auto s = LoadSettings({});
  ASSERT_FALSE(s.ok());
  for (const char* name :
       {"BATCH_SIZE", "BATCH_TIMEOUT_SECONDS", "KAFKA_AUTO_OFFSET_RESET", "LOG_LEVEL"}) {
    EXPECT_NE(s.status().message().find(name), std::string::npos) << name;
  }
}

TEST(ParseDurationTest, AcceptsUnitsAndPlainSeconds) {
  EXPECT_EQ(ParseDuration("20s")->count(), 20000);
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_EQ(ParseDuration("1h")->count(), 3600000);
  EXPECT_EQ(ParseDuration("0.5")->count(), 500);
  EXPECT_FALSE(ParseDuration("soon").has_value());
  EXPECT_FALSE(ParseDuration("-3s").has_value());
  EXPECT_FALSE(ParseDuration("").has_value());
}

}  // namespace
}  // namespace sigflow
