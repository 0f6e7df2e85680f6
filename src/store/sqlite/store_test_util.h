// Helpers shared by the SqliteStore tests: pipelines, hand-built WakeBatches, and (through
// testing/temp_dir.h) temp directories.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace sigflow::testing {

inline std::unique_ptr<Store> OpenOrDie(const std::string& path, const Clock* clock) {
  auto store = OpenSqliteStore(path, clock);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

inline Pipeline SignalPipeline(std::string id, std::vector<std::string> tickers) {
  Pipeline p;
  p.id = std::move(id);
  p.name = "pipeline " + p.id;
  p.trigger_mode = TriggerMode::kSignal;
  p.scanner_tickers = std::move(tickers);
  p.config_json = R"({"nodes":[]})";
  return p;
}

// Builds a WakeBatch the way the dispatcher does: signals in order (a repeated id is flagged
// duplicate_in_batch, as the dispatcher flags it), and for each pipeline the signals that
// matched it; candidates ordered by first matching signal. The batch views this builder's
// storage: keep the builder alive while the batch is used.
class BatchBuilder {
 public:
  BatchBuilder& Signal(const std::string& id, bool flag_repeats = true) {
    ids_.push_back(id);
    payloads_.push_back(R"({"signal_id":")" + id + R"(","tickers":[]})");
    WakeSignal s;
    s.signal_id = ids_.back();
    s.payload = payloads_.back();
    s.timestamp_ms = 1000 + static_cast<int64_t>(batch_.signals.size());
    s.received_at_ms = 2000;
    s.duplicate_in_batch = flag_repeats && !seen_.insert(id).second;
    if (!flag_repeats) seen_.insert(id);
    batch_.signals.push_back(s);
    return *this;
  }
  BatchBuilder& Signals(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) Signal(prefix + std::to_string(i));
    return *this;
  }
  // `signals` ascending batch indices that matched `pipeline_id`.
  BatchBuilder& Match(const std::string& pipeline_id, std::vector<uint32_t> signals) {
    matches_.emplace_back(pipeline_id, std::move(signals));
    return *this;
  }
  BatchBuilder& DeadLetter(std::string raw, std::string code, std::string message) {
    batch_.dead_letters.push_back(
        sigflow::DeadLetter{std::move(raw), std::move(code), std::move(message)});
    return *this;
  }
  const WakeBatch& Build(int64_t now_ms = 5000) {
    std::stable_sort(matches_.begin(), matches_.end(), [](const auto& a, const auto& b) {
      return a.second.front() < b.second.front();
    });
    for (auto& s : batch_.signals) s.matched = 0;
    batch_.candidates.clear();
    for (const auto& [pipeline, signals] : matches_) {
      pipeline_ids_.push_back(pipeline);
      batch_.candidates.push_back(WakeCandidate{pipeline_ids_.back(), signals.front()});
      for (uint32_t s : signals) ++batch_.signals[s].matched;
    }
    batch_.matched_signals = [this](uint32_t c, std::vector<uint32_t>* out) {
      *out = matches_[c].second;
      ++matched_signals_calls;
    };
    batch_.now_ms = now_ms;
    return batch_;
  }

  int matched_signals_calls = 0;

 private:
  std::deque<std::string> ids_, payloads_, pipeline_ids_;
  std::set<std::string> seen_;
  std::vector<std::pair<std::string, std::vector<uint32_t>>> matches_;
  WakeBatch batch_;
};

// While trading is HALTED (core/wake.h) a batch records its signals and dead letters but wakes
// nothing; its matches count as trading_halted; redelivered later, the signals are duplicates.
// `store` has no pipeline yet; the check adds p1 and p2 (AAPL).
inline void ExpectHaltedWakeWakesNothing(Store* store) {
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p1", {"AAPL"})).ok());
  ASSERT_TRUE(store->AddPipeline(SignalPipeline("p2", {"AAPL"})).ok());
  BatchBuilder builder;
  builder.Signals("s", 2).Match("p1", {0, 1}).Match("p2", {1});
  builder.DeadLetter("junk", "malformed_json", "not JSON");
  WakeBatch batch = builder.Build();
  batch.trading_halted = true;
  auto result = store->Wake(batch);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->enqueued.empty());
  EXPECT_EQ(result->trading_halted, 3u);
  EXPECT_EQ(result->skipped_running, 0u);
  EXPECT_EQ(result->per_signal[1].trading_halted, 2u);
  EXPECT_EQ(result->dead_lettered, 1u);
  auto counts = store->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->executions_pending, 0);
  EXPECT_EQ(counts->signals, 2);
  EXPECT_EQ(counts->dead_letters, 1);
  auto stored = store->LoadSignals({"s0", "s1"});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[1].outcome.trading_halted, 2u);
  EXPECT_EQ((*stored)[1].outcome.skipped_running, 0u);
  WakeBatch again = builder.Build();
  auto redelivered = store->Wake(again);
  ASSERT_TRUE(redelivered.ok()) << redelivered.status().ToString();
  EXPECT_TRUE(redelivered->enqueued.empty());
  EXPECT_EQ(redelivered->duplicate, 3u);
  again.trading_halted = true;  // halted duplicates are duplicates too
  auto halted_again = store->Wake(again);
  ASSERT_TRUE(halted_again.ok()) << halted_again.status().ToString();
  EXPECT_EQ(halted_again->duplicate, 3u);
  EXPECT_EQ(halted_again->trading_halted, 0u);
}

inline std::vector<uint32_t> Range(uint32_t from, uint32_t to) {
  std::vector<uint32_t> out;
  for (uint32_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace sigflow::testing
