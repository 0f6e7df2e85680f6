// The trigger dispatcher under the trading state: HALTED wakes nothing and counts each match as
// trading_halted; the state is read per interval, never per signal.
#include <gtest/gtest.h>

#include "bus/embedded/embedded_log.h"
#include "store/sqlite/sqlite_ledger.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"
#include "trigger/trigger_dispatcher.h"

namespace sigflow {
namespace {

std::string SignalJson(int n, const std::string& ticker = "AAPL") {
  return R"({"signal_id":"halt-)" + std::to_string(n) +
         R"(","timestamp":1733875200,"signal_type":"mock","source":"test","tickers":[{"ticker":")" +
         ticker + R"(","signal":"BULLISH","confidence":80}],"metadata":{}})";
}

// A reader that counts its reads and answers what it is told.
class ScriptedReader final : public TradingStateReader {
 public:
  Result<TradingStateRecord> GetTradingState() override {
    ++reads;
    if (fail) return Status::Unavailable("injected: ledger unreachable");
    return TradingStateRecord{state, "test", "test", 1};
  }
  TradingState state = TradingState::kActive;
  bool fail = false;
  int reads = 0;
};

class TradingHaltTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(db_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto producer = OpenEmbeddedProducer(db_, kDefaultSignalTopic);
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(producer).value();
    auto consumer = OpenEmbeddedConsumer(db_, kDefaultSignalTopic, "trigger-dispatcher",
                                         OffsetReset::kEarliest);
    ASSERT_TRUE(consumer.ok());
    consumer_ = std::move(consumer).value();
    Pipeline p;
    p.name = "aapl";
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = {"AAPL"};
    ASSERT_TRUE(store_->AddPipeline(p).ok());
    options_.idle_wait = std::chrono::milliseconds(5);
  }

  void Publish(int from, int to) {
    for (int i = from; i < to; ++i) ASSERT_TRUE(producer_->Publish("AAPL", SignalJson(i)).ok());
  }

  // RunOnce until a poll comes back empty; returns the calls made.
  static int Drain(TriggerDispatcher& d) {
    for (int calls = 1; calls <= 1000; ++calls) {
      size_t n = 0;
      EXPECT_TRUE(d.RunOnce(&n).ok());
      if (n == 0) return calls;
    }
    ADD_FAILURE() << "never drained";
    return 0;
  }

  int64_t Executions() {
    auto counts = store_->Counts();
    EXPECT_TRUE(counts.ok());
    return counts.ok() ? counts->executions_pending : -1;
  }

  testing::TempDir dir_{"sigflow-halt-"};
  std::string db_ = dir_.File("sigflow.db");
  std::unique_ptr<Store> store_;
  std::unique_ptr<BusProducer> producer_;
  std::unique_ptr<BusConsumer> consumer_;
  TriggerDispatcherOptions options_;
};

TEST_F(TradingHaltTest, HaltedSetInTheLedgerWakesNothingUntilResumed) {
  auto ledger = OpenSqliteLedger(store_.get());
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE((*ledger)->SetTradingState({TradingState::kHalted, "drill", "ops", 1}).ok());
  options_.trading_state_refresh_interval = std::chrono::milliseconds(0);
  TriggerDispatcher d(store_.get(), consumer_.get(), options_, SystemClock::Default(),
                      ledger->get());
  Publish(0, 3);
  Drain(d);
  EXPECT_EQ(Executions(), 0);
  EXPECT_EQ(d.probe().signals_consumed.load(), 3u);
  EXPECT_EQ(d.probe().pipelines_trading_halted.load(), 3u);
  EXPECT_EQ(d.probe().pipelines_enqueued.load(), 0u);
  EXPECT_EQ(d.probe().pipelines_skipped_running.load(), 0u);
  auto stored = store_->LoadSignals({"halt-0"});
  ASSERT_TRUE(stored.ok() && stored->size() == 1);
  EXPECT_EQ((*stored)[0].outcome.trading_halted, 1u);

  ASSERT_TRUE((*ledger)->SetTradingState({TradingState::kActive, "drill over", "ops", 2}).ok());
  Publish(3, 4);
  Drain(d);
  EXPECT_EQ(Executions(), 1);  // the new signal wakes; the halted ones stay history
  EXPECT_EQ(d.probe().pipelines_enqueued.load(), 1u);
  EXPECT_EQ(d.trading_state().state(), TradingState::kActive);
}

TEST_F(TradingHaltTest, ReducingStillWakesPipelines) {
  // REDUCING restricts what may be filled (the execution dispatcher's gate), not what may run.
  ScriptedReader reader;
  reader.state = TradingState::kReducing;
  TriggerDispatcher d(store_.get(), consumer_.get(), options_, SystemClock::Default(), &reader);
  Publish(0, 1);
  Drain(d);
  EXPECT_EQ(Executions(), 1);
}

TEST_F(TradingHaltTest, TheStateIsReadPerIntervalNotPerSignal) {
  ScriptedReader reader;
  options_.batch_size = 100;
  options_.trading_state_refresh_interval = std::chrono::hours(1);
  TriggerDispatcher d(store_.get(), consumer_.get(), options_, SystemClock::Default(), &reader);
  Publish(0, 250);
  const int calls = Drain(d);
  EXPECT_GE(calls, 3);
  EXPECT_EQ(reader.reads, 1);  // the first call only: 250 signals, 1 read
  // With no interval, one read per loop iteration (a batch of up to 100), still not per signal.
  TriggerDispatcherOptions every_batch = options_;
  every_batch.trading_state_refresh_interval = std::chrono::milliseconds(0);
  ScriptedReader counted;
  TriggerDispatcher e(store_.get(), consumer_.get(), every_batch, SystemClock::Default(), &counted);
  Publish(250, 500);
  const int more = Drain(e);
  EXPECT_EQ(counted.reads, more);
}

TEST_F(TradingHaltTest, AFailedReadKeepsTheLastKnownState) {
  ScriptedReader reader;
  reader.state = TradingState::kHalted;
  options_.trading_state_refresh_interval = std::chrono::milliseconds(0);
  TriggerDispatcher d(store_.get(), consumer_.get(), options_, SystemClock::Default(), &reader);
  Publish(0, 1);
  Drain(d);
  reader.fail = true;
  reader.state = TradingState::kActive;  // not readable: the dispatcher cannot know
  Publish(1, 2);
  Drain(d);
  EXPECT_EQ(Executions(), 0);
  EXPECT_EQ(d.probe().pipelines_trading_halted.load(), 2u);
  reader.fail = false;
  Publish(2, 3);
  Drain(d);
  EXPECT_EQ(Executions(), 1);
}

}  // namespace
}  // namespace sigflow
