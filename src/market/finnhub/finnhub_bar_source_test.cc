// FinnhubBarSource against a local HTTP server (cpp-httplib, 127.0.0.1, a free port chosen by
// the kernel) that answers like Finnhub's /stock/candle: the documented candle format, and the
// refusals (401, 403, 429, no_data, malformed bodies).
#include "market/finnhub/finnhub_bar_source.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "core/time_format.h"

namespace sigflow {
namespace {

constexpr int64_t kJan2Ms = 1'577'923'200'000;  // 2020-01-02T00:00:00Z

// A fake Finnhub on 127.0.0.1. `answer` decides each response; every request is recorded.
class FakeFinnhub {
 public:
  using Answer = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit FakeFinnhub(Answer answer) : answer_(std::move(answer)) {
    server_.Get("/api/v1/stock/candle",
                [this](const httplib::Request& req, httplib::Response& res) {
                  {
                    std::lock_guard lock(mu_);
                    requests_.push_back(req);
                  }
                  answer_(req, res);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");  // listening from here on
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it, or the destructor could hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeFinnhub() {
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1"; }
  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  Answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<httplib::Request> requests_;
};

FakeFinnhub::Answer Reply(int status, std::string body) {
  return [status, body](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_content(body, "application/json");
  };
}

// Three daily candles from 2020-01-02, in Finnhub's format.
const char kThreeCandles[] =
    R"({"c":[300.35,297.43,299.8],"h":[300.6,300.58,300.9],"l":[295.19,296.5,297.48],)"
    R"("o":[296.24,297.15,297.56],"s":"ok","t":[1577923200,1578009600,1578268800],)"
    R"("v":[33911864,36633878,29644644]})";

struct Fixture {
  explicit Fixture(FakeFinnhub::Answer answer, std::string key = "test-key")
      : server(std::move(answer)) {
    FinnhubOptions options;
    options.api_key = std::move(key);
    options.base_url = server.base_url();
    options.timeout = std::chrono::seconds(5);
    auto opened = FinnhubBarSource::Open(options, &clock, [this](std::chrono::milliseconds d) {
      waited_ms += d.count();
      clock.AdvanceMs(d.count());
    });
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) source = std::move(opened).value();
  }

  Status Read(BarQuery query, std::vector<Bar>* out) { return source->Read(query, out); }
  BarQuery Range(const std::string& ticker) {
    BarQuery q;
    q.ticker = ticker;
    q.from_ms = kJan2Ms;
    q.to_ms = kJan2Ms + 10 * kDayMs;
    return q;
  }

  ManualClock clock{kJan2Ms + 30 * kDayMs};
  int64_t waited_ms = 0;
  FakeFinnhub server;
  std::unique_ptr<FinnhubBarSource> source;
};

TEST(FinnhubBarSourceTest, ReadsDailyCandlesWithTheKeyInAHeader) {
  Fixture f(Reply(200, kThreeCandles));
  std::vector<Bar> bars;
  ASSERT_TRUE(f.Read(f.Range("aapl"), &bars).ok());
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[0].ticker, "AAPL");
  EXPECT_EQ(bars[0].ts_ms, kJan2Ms);
  EXPECT_EQ(bars[2].ts_ms, kJan2Ms + 4 * kDayMs);  // Monday 2020-01-06
  EXPECT_EQ(bars[2].close, 299.8);
  EXPECT_EQ(bars[1].volume, 36633878);

  auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const httplib::Request& r = requests[0];
  EXPECT_EQ(r.get_param_value("symbol"), "AAPL");
  EXPECT_EQ(r.get_param_value("resolution"), "D");
  EXPECT_EQ(r.get_param_value("from"), std::to_string(kJan2Ms / 1000));
  EXPECT_EQ(r.get_param_value("to"), std::to_string(kJan2Ms / 1000 + 10 * 86400));
  EXPECT_EQ(r.get_header_value("X-Finnhub-Token"), "test-key");
  EXPECT_FALSE(r.has_param("token"));  // the key stays out of URLs
}

TEST(FinnhubBarSourceTest, AnswersOnlyTheBarsInTheQuery) {
  Fixture f(Reply(200, kThreeCandles));
  BarQuery q = f.Range("AAPL");
  q.from_ms = kJan2Ms + 1;  // after the first bar (as a live poll asks)
  std::vector<Bar> bars;
  ASSERT_TRUE(f.Read(q, &bars).ok());
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].ts_ms, kJan2Ms + kDayMs);
}

TEST(FinnhubBarSourceTest, IndexSymbolsAreEscapedInTheUrl) {
  Fixture f(Reply(200, kThreeCandles));
  std::vector<Bar> bars;
  ASSERT_TRUE(f.Read(f.Range("^GSPC"), &bars).ok());
  EXPECT_EQ(f.server.requests().at(0).get_param_value("symbol"), "^GSPC");
  EXPECT_EQ(bars.at(0).ticker, "^GSPC");
}

TEST(FinnhubBarSourceTest, WithoutAnApiKeyItRefusesToStartNamingTheVariable) {
  FinnhubOptions options;
  auto opened = FinnhubBarSource::Open(options);
  EXPECT_EQ(opened.status().code(), "failed_precondition");
  EXPECT_NE(opened.status().message().find("FINNHUB_API_KEY"), std::string::npos);
  options.api_key = "k";
  options.base_url = "finnhub.io/api/v1";
  EXPECT_EQ(FinnhubBarSource::Open(options).status().code(), "invalid_argument");
}

TEST(FinnhubBarSourceTest, RefusalsMapToClearErrors) {
  const struct {
    int status;
    const char* body;
    const char* code;
    const char* says;
  } cases[] = {
      {401, R"({"error":"Invalid API key."})", "unauthenticated", "check FINNHUB_API_KEY"},
      {403, R"({"error":"You don't have access to this resource."})", "permission_denied", "plan"},
      {429, R"({"error":"API limit reached. Please try again later."})", "rate_limited",
       "FINNHUB_CALLS_PER_MINUTE"},
      {500, "Internal Server Error", "unavailable", "HTTP 500"},
      {200, R"({"c":[1],"s":"ok"})", "bad_bar_data", "missing or not an array"},
      {200, "{not json", "bad_bar_data", "not JSON"},
      {200, R"({"error":"Wrong resolution"})", "invalid_argument", "Wrong resolution"},
  };
  for (const auto& c : cases) {
    Fixture f(Reply(c.status, c.body));
    std::vector<Bar> bars;
    Status s = f.Read(f.Range("AAPL"), &bars);
    EXPECT_EQ(s.code(), c.code) << c.status << " " << c.body << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("AAPL"), std::string::npos) << s.message();
    EXPECT_TRUE(bars.empty());
  }
}

TEST(FinnhubBarSourceTest, NoDataIsEmptyForARangeAndNotFoundForTheWholeHistory) {
  Fixture f(Reply(200, R"({"s":"no_data"})"));
  std::vector<Bar> bars;
  EXPECT_TRUE(f.Read(f.Range("AAPL"), &bars).ok());
  EXPECT_TRUE(bars.empty());
  BarQuery all;
  all.ticker = "ZZZZ";
  Status s = f.Read(all, &bars);
  EXPECT_EQ(s.code(), "not_found") << s.ToString();
  EXPECT_NE(s.message().find("ZZZZ"), std::string::npos);
  // The whole-history query asked for the last max_history_days, up to now.
  auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].get_param_value("to"), std::to_string(f.clock.NowMs() / 1000));
  EXPECT_EQ(std::stoll(requests[1].get_param_value("from")),
            (f.clock.NowMs() - 730 * kDayMs) / 1000);
}

TEST(FinnhubBarSourceTest, AnUnreachableServerIsUnavailable) {
  int port = 0;
  {
    FakeFinnhub gone(Reply(200, kThreeCandles));
    port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1));
  }  // stopped: nothing listens on the port any more
  FinnhubOptions options;
  options.api_key = "k";
  options.base_url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1";
  auto source = FinnhubBarSource::Open(options);
  ASSERT_TRUE(source.ok());
  BarQuery q;
  q.ticker = "AAPL";
  q.from_ms = kJan2Ms;
  q.to_ms = kJan2Ms + kDayMs;
  std::vector<Bar> bars;
  Status s = (*source)->Read(q, &bars);
  EXPECT_EQ(s.code(), "unavailable") << s.ToString();
  EXPECT_NE(s.message().find("cannot reach Finnhub"), std::string::npos);
}

TEST(FinnhubBarSourceTest, AQueryNeedsATicker) {
  Fixture f(Reply(200, kThreeCandles));
  std::vector<Bar> bars;
  EXPECT_EQ(f.Read(BarQuery{}, &bars).code(), "invalid_argument");
  EXPECT_TRUE(f.server.requests().empty());
}

// The free tier's 60 calls a minute: 61 reads make the 61st wait a minute (on the fake clock),
// and the server never sees more than 60 requests in any minute.
TEST(FinnhubBarSourceTest, HonoursSixtyCallsAMinute) {
  std::mutex mu;
  std::vector<int64_t> seen_ms;
  Fixture* fixture = nullptr;
  Fixture f([&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu);
    seen_ms.push_back(fixture->clock.NowMs());
    res.set_content(kThreeCandles, "application/json");
  });
  fixture = &f;
  for (int i = 0; i < 61; ++i) {
    std::vector<Bar> bars;
    ASSERT_TRUE(f.Read(f.Range("AAPL"), &bars).ok()) << i;
  }
  ASSERT_EQ(seen_ms.size(), 61u);
  EXPECT_EQ(f.waited_ms, 60'000);
  EXPECT_GE(seen_ms[60] - seen_ms[0], 60'000);
}

}  // namespace
}  // namespace sigflow
