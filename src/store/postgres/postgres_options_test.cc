// PostgresOptions: environment, URL, and what a connection is opened with. No server needed.
#include "store/postgres/postgres_options.h"

#include <gtest/gtest.h>

#include <map>

namespace sigflow {
namespace {

std::function<const char*(const char*)> Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string Keyword(const store_postgres::ConnectSettings& s, const std::string& keyword) {
  for (const auto& [k, v] : s.keywords) {
    if (k == keyword) return v;
  }
  return "(unset)";
}

TEST(PostgresOptionsTest, DefaultsAreTheSeeds) {
  auto options = PostgresOptionsFromEnv(Env({}));
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->user, "dev");
  EXPECT_EQ(options->password, "dev");
  EXPECT_EQ(options->host, "postgres");
  EXPECT_EQ(options->port, 5432);
  EXPECT_EQ(options->database, "trading_platform");
  EXPECT_TRUE(options->url.empty());
  EXPECT_EQ(DescribePostgres(*options), "postgresql://dev@postgres:5432/trading_platform");
}

TEST(PostgresOptionsTest, EnvironmentOverridesAndNamesEveryBadVariable) {
  auto options = PostgresOptionsFromEnv(Env({{"POSTGRES_USER", "u"},
                                             {"POSTGRES_PASSWORD", "secret"},
                                             {"POSTGRES_HOST", "db.internal"},
                                             {"POSTGRES_PORT", "6543"},
                                             {"POSTGRES_DB", "trading"}}));
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->port, 6543);
  EXPECT_EQ(DescribePostgres(*options), "postgresql://u@db.internal:6543/trading");

  auto bad =
      PostgresOptionsFromEnv(Env({{"POSTGRES_PORT", "54x"}, {"POSTGRES_URL", "mysql://nope"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "invalid_argument");
  EXPECT_NE(bad.status().message().find("POSTGRES_PORT: \"54x\""), std::string::npos);
  EXPECT_NE(bad.status().message().find("POSTGRES_URL:"), std::string::npos);
  EXPECT_FALSE(PostgresOptionsFromEnv(Env({{"POSTGRES_PORT", "70000"}})).ok());
}

TEST(PostgresOptionsTest, UrlWinsAndIsChecked) {
  auto options = PostgresOptionsFromEnv(
      Env({{"POSTGRES_URL", "postgres://alice:pw@10.0.0.5:5433/prod?sslmode=disable"},
           {"POSTGRES_HOST", "ignored"}}));
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(DescribePostgres(*options), "postgresql://alice@10.0.0.5:5433/prod");  // no password
  auto settings = store_postgres::MakeConnectSettings(*options);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(Keyword(*settings, "host"), "10.0.0.5");
  EXPECT_EQ(Keyword(*settings, "sslmode"), "disable");
  EXPECT_EQ(Keyword(*settings, "password"), "pw");

  EXPECT_TRUE(PostgresOptionsFromUrl("postgresql://localhost/db").ok());
  EXPECT_EQ(PostgresOptionsFromUrl("host=localhost").status().code(), "invalid_argument");
  EXPECT_EQ(PostgresOptionsFromUrl("postgresql://h/db?nonsense=1").status().code(),
            "invalid_argument");
}

TEST(PostgresOptionsTest, ConnectionsCarryTheTimeouts) {
  PostgresOptions options;
  options.connect_timeout = std::chrono::seconds(3);
  options.statement_timeout = std::chrono::milliseconds(1500);
  auto settings = store_postgres::MakeConnectSettings(options);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(Keyword(*settings, "connect_timeout"), "3");
  EXPECT_EQ(Keyword(*settings, "keepalives"), "1");
  EXPECT_EQ(Keyword(*settings, "options"), "-c statement_timeout=1500");
  EXPECT_EQ(Keyword(*settings, "dbname"), "trading_platform");
  EXPECT_EQ(settings->round_trip_timeout, std::chrono::milliseconds(6500));

  // Server options in the URL are kept; the statement timeout joins them.
  options.url = "postgresql://h/db?options=-c%20search_path%3Dx&connect_timeout=9";
  settings = store_postgres::MakeConnectSettings(options);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(Keyword(*settings, "options"), "-c search_path=x -c statement_timeout=1500");
  EXPECT_EQ(Keyword(*settings, "connect_timeout"), "9");
}

}  // namespace
}  // namespace sigflow
