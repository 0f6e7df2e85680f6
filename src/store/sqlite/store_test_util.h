// Helpers shared by the SqliteStore tests: temp directories, pipelines, hand-built WakeBatches.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace sigflow::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sigflow_store_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

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

inline std::vector<uint32_t> Range(uint32_t from, uint32_t to) {
  std::vector<uint32_t> out;
  for (uint32_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace sigflow::testing
