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
  consumer_->SetRevokeListener(
      [this](const std::vector<int32_t>& partitions, bool lost) { OnRevoke(partitions, lost); });
  log::Info("trigger_dispatcher_starting",
            {{"batch_size", options_.batch_size},
             {"batch_timeout_seconds", options_.batch_timeout.count() / 1000.0},
             {"natural_batching", options_.natural_batching},
             {"cache_refresh_interval_seconds", options_.cache_refresh_interval.count() / 1000.0}});
}

TriggerDispatcher::~TriggerDispatcher() { consumer_->SetRevokeListener(nullptr); }

Status TriggerDispatcher::RunOnce(size_t* processed) {
  if (processed != nullptr) *processed = 0;
  // A failed refresh is logged by the cache; the stale snapshot keeps serving. The trading state
  // is re-read on its own interval, and with every snapshot.
  const uint64_t refreshes = cache_.refreshes();
  (void)cache_.MaybeRefresh();
  trading_state_.MaybeRefresh(/*now=*/cache_.refreshes() != refreshes);
  if (records_.empty()) {
    prepared_ = false;
    Status status = CollectBatch(*consumer_, options_, &records_, &close_, &polled_);
    if (!status.ok()) return status;
    // An idle bus is the moment to write held history rows: nothing waits behind them.
    if (records_.empty()) {
      Status flushed = FlushHeld();
      if (flushed.ok() && !commit_failed_.empty() &&
          std::chrono::steady_clock::now() >= next_idle_commit_retry_) {
        next_idle_commit_retry_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        RetryFailedCommit();
      }
      return flushed;
    }
  }
  const size_t n = records_.size();
  Status status = ProcessPending();
  if (status.ok() && processed != nullptr) *processed = n;
  return status;
}

// Runs inside consumer_->Poll (within CollectBatch): records_ holds exactly the records already
// handed over (CollectBatch polls into polled_), none prepared yet.
void TriggerDispatcher::OnRevoke(const std::vector<int32_t>& partitions, bool lost) {
  FlushOnRevoke(partitions, lost);
  std::erase_if(commit_failed_, [&](const BusPosition& p) {
    return std::find(partitions.begin(), partitions.end(), p.partition) != partitions.end();
  });
}

void TriggerDispatcher::FlushOnRevoke(const std::vector<int32_t>& partitions, bool lost) {
  nlohmann::json revoked = nlohmann::json::array();
  for (int32_t p : partitions) revoked.push_back(p);
  if (records_.empty() && held_.empty()) {
    log::Info("revoke_nothing_pending", {{"partitions", revoked}, {"lost", lost}});
    // Still owned until the listener returns (a lost partition is not: the consumer skips it).
    RetryFailedCommit();
    return;
  }
  const size_t pending = records_.size() + held_.size();
  Status status;
  if (records_.empty()) {
    status = FlushHeld();
  } else {
    close_ = BatchClose::kRevoke;
    status = ProcessPending(/*force=*/true);
  }
  if (status.ok()) {
    probe_.batches_flushed_on_revoke.fetch_add(1, std::memory_order_relaxed);
    log::Info("revoke_batch_flushed",
              {{"partitions", revoked}, {"lost", lost}, {"signals", pending}});
    return;
  }
  // Not durable, so not committed: leave the revoked partitions' records (and held rows) to
  // their next owner, which reads them from the last committed offset; keep the rest pending.
  auto revoked_partition = [&](int32_t p) {
    return std::find(partitions.begin(), partitions.end(), p) != partitions.end();
  };
  const auto kept = std::remove_if(records_.begin(), records_.end(), [&](const BusRecord& r) {
    return revoked_partition(r.partition);
  });
  uint64_t dropped = static_cast<uint64_t>(records_.end() - kept);
  records_.erase(kept, records_.end());
  prepared_ = false;
  const auto held_kept = std::remove_if(held_.begin(), held_.end(), [&](const HeldSignal& h) {
    return revoked_partition(h.partition);
  });
  dropped += static_cast<uint64_t>(held_.end() - held_kept);
  held_.erase(held_kept, held_.end());
  held_positions_.erase(
      std::remove_if(held_positions_.begin(), held_positions_.end(),
                     [&](const BusPosition& p) { return revoked_partition(p.partition); }),
      held_positions_.end());
  probe_.records_dropped_on_revoke.fetch_add(dropped, std::memory_order_relaxed);
  log::Warn("revoke_flush_failed", {{"partitions", revoked},
                                    {"lost", lost},
                                    {"error", status.ToString()},
                                    {"dropped_signals", dropped},
                                    {"pending_signals", records_.size()}});
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
  // Held history rows are written before leaving (else the next owner reads them again).
  if (records_.empty()) {
    Status flushed = FlushHeld();
    if (!flushed.ok()) log::Warn("held_history_not_written", {{"error", flushed.ToString()}});
  }
  RetryFailedCommit();
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

void TriggerDispatcher::MergePosition(const BusPosition& position,
                                      std::vector<BusPosition>* positions) {
  auto it = std::find_if(positions->begin(), positions->end(),
                         [&](const BusPosition& p) { return p.partition == position.partition; });
  if (it == positions->end()) {
    positions->push_back(position);
  } else {
    it->next_offset = std::max(it->next_offset, position.next_offset);
  }
}

void TriggerDispatcher::MergePositions(const std::vector<BusRecord>& records,
                                       std::vector<BusPosition>* positions) {
  for (const auto& r : records) MergePosition(BusPosition{r.partition, r.offset + 1}, positions);
}

void TriggerDispatcher::Hold() {
  if (held_.empty()) held_since_ = std::chrono::steady_clock::now();
  for (size_t s = 0; s < wake_.signals.size(); ++s) {
    const WakeSignal& w = wake_.signals[s];
    held_.push_back(HeldSignal{std::string(w.signal_id), std::string(w.payload), w.timestamp_ms,
                               w.received_at_ms, w.duplicate_in_batch,
                               records_[record_of_signal_[s]].partition});
  }
  MergePositions(records_, &held_positions_);
}

Status TriggerDispatcher::FlushHeld() {
  if (held_.empty()) return Status::Ok();
  held_wake_.signals.clear();
  for (const HeldSignal& h : held_) {
    held_wake_.signals.push_back(WakeSignal{h.signal_id, h.payload, h.timestamp_ms,
                                            h.received_at_ms, 0, h.duplicate_in_batch});
  }
  held_wake_.now_ms = clock_->NowMs();
  auto result = store_->Wake(held_wake_);
  if (!result.ok()) {
    probe_.store_failures.fetch_add(1, std::memory_order_relaxed);
    return result.status();
  }
  probe_.held_flushes.fetch_add(1, std::memory_order_relaxed);
  CommitWritten(std::move(held_positions_));
  held_.clear();
  held_positions_.clear();
  return Status::Ok();
}

void TriggerDispatcher::CommitWritten(std::vector<BusPosition> positions) {
  for (const BusPosition& failed : commit_failed_) MergePosition(failed, &positions);
  Status commit = consumer_->Commit(positions);
  if (commit.ok()) {
    commit_failed_.clear();
    return;
  }
  probe_.commit_failures.fetch_add(1, std::memory_order_relaxed);
  log::Warn("offset_commit_failed", {{"error", commit.ToString()}});
  commit_failed_ = std::move(positions);
}

void TriggerDispatcher::RetryFailedCommit() {
  if (commit_failed_.empty()) return;
  probe_.commit_retries.fetch_add(1, std::memory_order_relaxed);
  CommitWritten({});
}

Status TriggerDispatcher::ProcessPending(bool force) {
  const auto started = std::chrono::steady_clock::now();
  if (!prepared_) PrepareBatch();
  if (log::Enabled(log::Level::kInfo)) {
    log::Info("processing_signal_batch",
              {{"batch_size", records_.size()}, {"closed_by", BatchCloseName(close_)}});
  }
  const size_t own = wake_.signals.size();
  const bool changes_nothing = wake_.candidates.empty() && wake_.dead_letters.empty();
  if (!force && changes_nothing && options_.history_defer_max_signals > 0 &&
      held_.size() + own < options_.history_defer_max_signals &&
      (held_.empty() || started - held_since_ < options_.history_defer_max_age)) {
    // Nothing to wake: no round trip now; the rows and offsets go out with a later transaction.
    Hold();
    WakeResult none;
    none.per_signal.resize(own);
    for (size_t s = 0; s < own; ++s) none.per_signal[s].matched = wake_.signals[s].matched;
    probe_.batches_held.fetch_add(1, std::memory_order_relaxed);
    Report(none);
    records_.clear();
    prepared_ = false;
    return Status::Ok();
  }

  // The held rows ride along (after the batch's own signals, so candidate indices stay valid).
  for (const HeldSignal& h : held_) {
    wake_.signals.push_back(WakeSignal{h.signal_id, h.payload, h.timestamp_ms, h.received_at_ms, 0,
                                       h.duplicate_in_batch});
  }
  wake_.now_ms = clock_->NowMs();
  auto result = store_->Wake(wake_);
  wake_.signals.resize(own);
  if (!result.ok()) {
    probe_.store_failures.fetch_add(1, std::memory_order_relaxed);
    return result.status();
  }
  result->per_signal.resize(own);
  const int64_t committed_at_us = clock_->NowMicros();

  // The store transaction is durable: only now may the bus forget these records.
  std::vector<BusPosition> positions = held_positions_;
  MergePositions(records_, &positions);
  if (!held_.empty()) probe_.held_flushes.fetch_add(1, std::memory_order_relaxed);
  held_.clear();
  held_positions_.clear();
  CommitWritten(std::move(positions));

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
