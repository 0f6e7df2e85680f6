#include "store/postgres/postgres_options.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>

namespace sigflow {
namespace {

bool HasPostgresScheme(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Conninfo = std::unique_ptr<PQconninfoOption, ConninfoDeleter>;

// The URL's parameters, or the reason libpq rejects it.
Result<Conninfo> ParseUrl(std::string_view url) {
  if (!HasPostgresScheme(url)) {
    return Status::InvalidArgument("must start with postgres:// or postgresql://");
  }
  char* error = nullptr;
  Conninfo parsed(PQconninfoParse(std::string(url).c_str(), &error));
  if (!parsed) {
    std::string message = error ? error : "cannot parse";
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Status::InvalidArgument(message);
  }
  return parsed;
}

std::string Value(const Conninfo& info, std::string_view keyword) {
  for (const PQconninfoOption* o = info.get(); o->keyword; ++o) {
    if (keyword == o->keyword && o->val) return o->val;
  }
  return "";
}

}  // namespace

Result<PostgresOptions> PostgresOptionsFromUrl(std::string_view url) {
  auto parsed = ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  PostgresOptions options;
  options.url = std::string(url);
  return options;
}

Result<PostgresOptions> PostgresOptionsFromEnv(
    const std::function<const char*(const char*)>& getenv) {
  PostgresOptions options;
  std::string errors;
  auto fail = [&](const char* name, const std::string& message) {
    if (!errors.empty()) errors += "; ";
    errors += std::string(name) + ": " + message;
  };
  auto read = [&](const char* name, std::string* out) {
    const char* value = getenv(name);
    if (value != nullptr && *value != '\0') *out = value;
  };
  read("POSTGRES_USER", &options.user);
  read("POSTGRES_PASSWORD", &options.password);
  read("POSTGRES_HOST", &options.host);
  read("POSTGRES_DB", &options.database);
  std::string port;
  read("POSTGRES_PORT", &port);
  if (!port.empty()) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      fail("POSTGRES_PORT", "\"" + port + "\" is not a port number (1-65535)");
    } else {
      options.port = value;
    }
  }
  std::string url;
  read("POSTGRES_URL", &url);
  if (!url.empty()) {
    auto parsed = ParseUrl(url);
    if (parsed.ok()) {
      options.url = url;
    } else {
      fail("POSTGRES_URL", parsed.status().message());
    }
  }
  if (!errors.empty()) return Status::InvalidArgument(errors);
  return options;
}

Result<PostgresOptions> PostgresOptionsFromEnv() {
  return PostgresOptionsFromEnv([](const char* name) -> const char* { return std::getenv(name); });
}

std::string DescribePostgres(const PostgresOptions& options) {
  std::string user = options.user, host = options.host, port = std::to_string(options.port),
              database = options.database;
  if (!options.url.empty()) {
    auto parsed = ParseUrl(options.url);
    if (!parsed.ok()) return "postgresql://(invalid URL)";
    user = Value(*parsed, "user");
    host = Value(*parsed, "host");
    port = Value(*parsed, "port");
    database = Value(*parsed, "dbname");
  }
  std::string out = "postgresql://";
  if (!user.empty()) out += user + "@";
  out += host.empty() ? "localhost" : host;
  if (!port.empty()) out += ":" + port;
  if (!database.empty()) out += "/" + database;
  return out;
}

namespace store_postgres {

Result<ConnectSettings> MakeConnectSettings(const PostgresOptions& options) {
  ConnectSettings settings;
  auto& kw = settings.keywords;
  if (!options.url.empty()) {
    auto parsed = ParseUrl(options.url);
    if (!parsed.ok()) {
      return Status::InvalidArgument("postgres url: " + parsed.status().message());
    }
    for (const PQconninfoOption* o = parsed->get(); o->keyword; ++o) {
      if (o->val && *o->val) kw.emplace_back(o->keyword, o->val);
    }
  } else {
    kw.emplace_back("host", options.host);
    kw.emplace_back("port", std::to_string(options.port));
    kw.emplace_back("user", options.user);
    kw.emplace_back("password", options.password);
    kw.emplace_back("dbname", options.database);
  }
  auto set_default = [&](const char* keyword, std::string value) {
    for (const auto& [k, v] : kw) {
      if (k == keyword) return;
    }
    kw.emplace_back(keyword, std::move(value));
  };
  set_default("application_name", options.application_name);
  set_default("connect_timeout",
              std::to_string(std::max<int64_t>(options.connect_timeout.count(), 1)));
  set_default("keepalives", "1");
  set_default("keepalives_idle", std::to_string(options.keepalive_idle.count()));
  set_default("keepalives_interval", std::to_string(options.keepalive_interval.count()));
  set_default("keepalives_count", std::to_string(options.keepalive_count));
  // Unacknowledged data (a request into a dead network) fails after the same time.
  const auto dead_after =
      options.keepalive_idle + options.keepalive_interval * options.keepalive_count;
  set_default("tcp_user_timeout", std::to_string(dead_after.count() * 1000));
  // statement_timeout joins whatever server options the URL carries.
  const std::string timeout =
      "-c statement_timeout=" + std::to_string(options.statement_timeout.count());
  bool merged = false;
  for (auto& [k, v] : kw) {
    if (k == "options") {
      v += " " + timeout;
      merged = true;
    }
  }
  if (!merged) kw.emplace_back("options", timeout);
  // What the store sends and expects, whatever the database's encoding or the URL say.
  std::erase_if(kw, [](const auto& pair) { return pair.first == "client_encoding"; });
  kw.emplace_back("client_encoding", "UTF8");
  settings.round_trip_timeout = options.statement_timeout + std::chrono::seconds(5);
  settings.description = DescribePostgres(options);
  return settings;
}

}  // namespace store_postgres
}  // namespace sigflow
