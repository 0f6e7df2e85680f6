#include "trigger/trigger_dispatcher.h"

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "obs/log.h"

namespace sigflow {

TriggerDispatcher::TriggerDispatcher(Store* store, BusConsumer* consumer,
                                     TriggerDispatcherOptions options, const Clock* clock,
                                     TradingStateReader* trading_state)
    : store_(store),
      consumer_(consumer),
      options_(options),
      clock_(clock),
      cache_(store, options.cache_refresh_interval),
      trading_state_(trading_state, options.trading_state_refresh_interval),
      decoder_(clock),
      alive_(std::make_shared<int>(0)) {
  std::weak_ptr<int> alive = alive_;
  PipelineCache* cache = &cache_;
  store_->OnPipelinesChanged([alive, cache] {
    if (auto guard = alive.lock()) cache->RequestRefresh();
  });
  log::Info("trigger_dispatcher_starting",
            {{"batch_size", options_.batch_size},
             {"batch_timeout_seconds", options_.batch_timeout.count() / 1000.0},
             {"natural_batching", options_.natural_batching},
             {"cache_refresh_interval_seconds", options_.cache_refresh_interval.count() / 1000.0}});
}

TriggerDispatcher::~TriggerDispatcher() = default;

Status TriggerDispatcher::RunOnce(size_t* processed) {
  if (processed != nullptr) *processed = 0;
  // A failed refresh is logged by the cache; the stale snapshot keeps serving. The trading state
  // is re-read on its own interval, and with every snapshot.
  const uint64_t refreshes = cache_.refreshes();
  (void)cache_.MaybeRefresh();
  trading_state_.MaybeRefresh(/*now=*/cache_.refreshes() != refreshes);
  if (records_.empty()) {
    prepared_ = false;
    Status status = CollectBatch(*consumer_, options_, &records_, &close_);
    if (!status.ok()) return status;
    if (records_.empty()) return Status::Ok();
  }
  const size_t n = records_.size();
  Status status = ProcessPending();
  if (status.ok() && processed != nullptr) *processed = n;
  return status;
}

void TriggerDispatcher::Run(const std::atomic<bool>& stop) {
  auto backoff = options_.retry_backoff_min;
  while (!stop.load(std::memory_order_acquire)) {
    Status status = RunOnce();
    if (status.ok()) {
      backoff = options_.retry_backoff_min;
      continue;
    }
    log::Warn("dispatch_batch_retry", {{"error", status.ToString()},
                                       {"pending_signals", records_.size()},
                                       {"retry_in_ms", backoff.count()}});
    const auto until = std::chrono::steady_clock::now() + backoff;
    while (!stop.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    backoff = std::min(backoff * 2, options_.retry_backoff_max);
  }
}

// Decodes and matches the pending records once; a retry after a store failure reuses the result
// (the snapshot is pinned with the batch, so a refresh in between cannot change it).
void TriggerDispatcher::PrepareBatch() {
  const size_t n = records_.size();
  batch_index_ = cache_.snapshot();
  if (signals_.size() < n) signals_.resize(n);
  if (payloads_.size() < n) payloads_.resize(n);
  record_of_signal_.clear();
  wake_.signals.clear();
  wake_.candidates.clear();
  wake_.dead_letters.clear();
  matcher_.Begin(*batch_index_);

  const int64_t received_at = clock_->NowMs();
  std::unordered_set<std::string_view> seen_ids;
  seen_ids.reserve(n * 2);
  std::vector<std::string_view> symbols;
  const bool debug = log::Enabled(log::Level::kDebug);
  std::string fallback_id;
  for (size_t i = 0; i < n; ++i) {
    DecodeError error;
    Signal& signal = signals_[i];
    // A record without signal_id is named after its place in the log, which a redelivery keeps.
    fallback_id.clear();
    fallback_id.append(options_.topic).append(":").append(std::to_string(records_[i].partition));
    fallback_id.append(":").append(std::to_string(records_[i].offset));
    if (!decoder_.Decode(records_[i].payload, &signal, &error, fallback_id)) {
      log::Warn("signal_dead_lettered", {{"reason", std::string(error.code)},
                                         {"message", error.message},
                                         {"offset", records_[i].offset},
                                         {"partition", records_[i].partition}});
      wake_.dead_letters.push_back(
          DeadLetter{records_[i].payload, std::string(error.code), std::move(error.message)});
      continue;
    }
    payloads_[i].clear();
    EncodeSignal(signal, &payloads_[i]);
    const bool duplicate = !seen_ids.insert(signal.signal_id).second;
    symbols.clear();
    if (!duplicate) {
      for (const auto& t : signal.tickers) symbols.push_back(t.ticker);
    }
    matcher_.AddSignal(symbols);
    record_of_signal_.push_back(static_cast<uint32_t>(i));
    WakeSignal ws;
    ws.signal_id = signal.signal_id;
    ws.payload = payloads_[i];
    ws.timestamp_ms = signal.timestamp_ms;
    ws.received_at_ms = received_at;
    ws.duplicate_in_batch = duplicate;
    wake_.signals.push_back(ws);
    if (debug) {
      nlohmann::json tickers = nlohmann::json::array();
      for (const auto& t : signal.tickers) tickers.push_back(t.ticker);
      log::Debug("signal_received", {{"signal_id", signal.signal_id}, {"tickers", tickers}});
    }
  }
  matcher_.Finish();
  for (uint32_t s = 0; s < wake_.signals.size(); ++s) {
    wake_.signals[s].matched = matcher_.matched_count(s);
  }
  const auto candidates = matcher_.candidates();
  wake_.candidates.reserve(candidates.size());
  for (const auto& c : candidates) {
    wake_.candidates.push_back(
        WakeCandidate{batch_index_->pipeline_id(c.pipeline), c.first_signal});
  }
  const BatchMatcher* matcher = &matcher_;
  wake_.matched_signals = [matcher](uint32_t c, std::vector<uint32_t>* out) {
    matcher->MatchedSignals(c, out);
  };
  // Pinned with the batch: a retry after a store failure keeps the decision it was prepared with.
  wake_.trading_halted = trading_state_.halted();
  prepared_ = true;
}

Status TriggerDispatcher::ProcessPending() {
  const auto started = std::chrono::steady_clock::now();
  if (!prepared_) PrepareBatch();
  if (log::Enabled(log::Level::kInfo)) {
    log::Info("processing_signal_batch",
              {{"batch_size", records_.size()}, {"closed_by", BatchCloseName(close_)}});
  }
  wake_.now_ms = clock_->NowMs();
  auto result = store_->Wake(wake_);
  if (!result.ok()) {
    probe_.store_failures.fetch_add(1, std::memory_order_relaxed);
    return result.status();
  }
  const int64_t committed_at_us = clock_->NowMicros();

  // The store transaction is durable: only now may the bus forget these records.
  std::vector<BusPosition> positions;
  for (const auto& r : records_) {
    auto it = std::find_if(positions.begin(), positions.end(),
                           [&](const BusPosition& p) { return p.partition == r.partition; });
    if (it == positions.end()) {
      positions.push_back(BusPosition{r.partition, r.offset + 1});
    } else {
      it->next_offset = std::max(it->next_offset, r.offset + 1);
    }
  }
  Status commit = consumer_->Commit(positions);
  if (!commit.ok()) {
    // Harmless for correctness: a redelivery is recognised as duplicate by the store.
    probe_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    log::Warn("offset_commit_failed", {{"error", commit.ToString()}});
  }

  for (const auto& e : result->enqueued) {
    const int64_t published_us = records_[record_of_signal_[e.waker]].timestamp_us;
    probe_.signal_to_execution_micros.Record(committed_at_us - published_us);
  }
  Report(*result);
  probe_.batch_processing_micros.Record(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
  if (!result->enqueued.empty() && on_enqueued_) on_enqueued_();
  records_.clear();
  prepared_ = false;
  return Status::Ok();
}

void TriggerDispatcher::Report(const WakeResult& result) {
  uint64_t matched = 0;
  for (const auto& outcome : result.per_signal) matched += outcome.matched;
  probe_.batches.fetch_add(1, std::memory_order_relaxed);
  probe_.signals_consumed.fetch_add(records_.size(), std::memory_order_relaxed);
  probe_.signals_dead_lettered.fetch_add(wake_.dead_letters.size(), std::memory_order_relaxed);
  probe_.pipelines_matched.fetch_add(matched, std::memory_order_relaxed);
  probe_.pipelines_enqueued.fetch_add(result.enqueued.size(), std::memory_order_relaxed);
  probe_.pipelines_skipped_running.fetch_add(result.skipped_running, std::memory_order_relaxed);
  probe_.pipelines_duplicate.fetch_add(result.duplicate, std::memory_order_relaxed);
  probe_.pipelines_trading_halted.fetch_add(result.trading_halted, std::memory_order_relaxed);

  if (log::Enabled(log::Level::kDebug)) {
    for (const auto& e : result.enqueued) {
      const auto& candidate = wake_.candidates[e.candidate];
      const Signal& waker = signals_[record_of_signal_[e.waker]];
      nlohmann::json tickers = nlohmann::json::array();
      auto watched = batch_index_->TickersOf(matcher_.candidates()[e.candidate].pipeline);
      for (const auto& t : waker.tickers) {
        auto id = batch_index_->FindTicker(t.ticker);
        if (id && std::find(watched.begin(), watched.end(), *id) != watched.end()) {
          tickers.push_back(t.ticker);
        }
      }
      log::Debug("signal_matched_to_pipeline", {{"signal_id", waker.signal_id},
                                                {"pipeline_id", candidate.pipeline_id},
                                                {"matched_tickers", tickers}});
      log::Debug("pipeline_execution_enqueued", {{"pipeline_id", candidate.pipeline_id},
                                                 {"execution_id", e.execution_id},
                                                 {"signal_id", waker.signal_id}});
    }
    if (result.skipped_running > 0) {
      log::Debug("pipeline_already_running",
                 {{"skipped_running", result.skipped_running}, {"action", "skipped"}});
    }
  }
  if (wake_.trading_halted && matched > 0) {
    log::Info("batch_trading_halted", {{"trading_halted", result.trading_halted},
                                       {"duplicate", result.duplicate},
                                       {"dead_lettered", wake_.dead_letters.size()},
                                       {"signals", wake_.signals.size()}});
  } else if (matched == 0 && !wake_.signals.empty()) {
    log::Info("no_pipelines_matched", {{"signals_processed", wake_.signals.size()}});
  } else if (!wake_.signals.empty()) {
    log::Info("batch_enqueue_completed", {{"enqueued", result.enqueued.size()},
                                          {"skipped_running", result.skipped_running},
                                          {"duplicate", result.duplicate},
                                          {"dead_lettered", wake_.dead_letters.size()},
                                          {"signals", wake_.signals.size()}});
  }
}

}  // namespace sigflow
