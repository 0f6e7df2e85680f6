// TriggerDispatcher: consumes signals from the bus and wakes the pipelines that watch them.
//
// One loop iteration (RunOnce): refresh the pipeline index if due, collect a batch (batcher.h),
// decode and validate each signal (invalid ones become dead letters), match the batch against the
// index (BatchMatcher), hand the store ONE WakeBatch (one transaction: signals, executions,
// waking pairs, dead letters; see core/wake.h), and only then commit the bus offsets. If the
// store transaction fails, the same batch is retried with backoff and no offset is committed, so
// a crash or outage at any point loses nothing and wakes no (pipeline, signal) pair twice.
//
// While the trading state is HALTED (read through `trading_state`, cached: trading_state_cache.h)
// batches are still decoded, matched, recorded and committed, but wake nothing: each match counts
// as `trading_halted` (per signal in the store, per batch in the probe). Signals consumed during
// a halt are not replayed when trading resumes; they are history.
//
// Rebalances (bus.h's revoke listener, registered on the consumer for the dispatcher's lifetime):
// when the bus is about to take partitions away in the middle of collecting a batch, the records
// already collected are flushed at once, inside the listener: one store transaction, then one
// Commit of their positions while this consumer still owns them. So the partitions' next owner
// starts after them instead of redelivering them (when the bus accepts that commit: see
// bus/kafka/kafka_bus.h for the mock cluster). If that transaction fails, the records of the
// revoked partitions are dropped from the batch (their next owner reads them from the last
// committed offset) and the rest stays pending as after any store failure.
//
// Batches that match nothing (dispatcher_options.h: history_defer_*) make no store round trip:
// their history rows and offsets are held and go out with the next transaction; the bus offsets
// of held records are committed only after that transaction, as for any other.
//
// Not thread-safe: one thread drives RunOnce()/Run(). The store, consumer, clock and trading
// state reader (optional: none means always ACTIVE) must outlive the dispatcher. on_enqueued
// (optional) runs on the dispatcher thread after each batch that created executions (the
// composition root wires it to the workers' Notify()).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/signal.h"
#include "core/signal_codec.h"
#include "core/status.h"
#include "core/wake.h"
#include "store/store.h"
#include "trigger/batch_matcher.h"
#include "trigger/batcher.h"
#include "trigger/dispatcher_options.h"
#include "trigger/dispatcher_probe.h"
#include "trigger/pipeline_cache.h"
#include "trigger/trading_state_cache.h"

namespace sigflow {

class TriggerDispatcher {
 public:
  TriggerDispatcher(Store* store, BusConsumer* consumer, TriggerDispatcherOptions options,
                    const Clock* clock = SystemClock::Default(),
                    TradingStateReader* trading_state = nullptr);
  ~TriggerDispatcher();

  // Processes at most one batch. Returns the bus or store error that stopped it; the batch is
  // then kept and retried by the next call. `*processed` (optional) gets the batch size.
  Status RunOnce(size_t* processed = nullptr);
  // Loops RunOnce until `stop` becomes true, backing off on errors. When stop is set while a
  // batch is still failing, it returns without committing that batch (it will be redelivered).
  void Run(const std::atomic<bool>& stop);

  void set_on_enqueued(std::function<void()> callback) { on_enqueued_ = std::move(callback); }
  const DispatcherProbe& probe() const { return probe_; }
  PipelineCache& cache() { return cache_; }
  const TradingStateCache& trading_state() const { return trading_state_; }

 private:
  // Prepares (once) and flushes the pending batch, with the held history rows: store
  // transaction, then offset commit. A batch that matched nothing is held instead, unless
  // `force` or a bound of history_defer_* is reached. On a store failure the batch is kept for
  // the next attempt.
  Status ProcessPending(bool force = false);
  // Writes and commits the held history rows alone (bus idle, revoke, stop).
  Status FlushHeld();
  // Moves the prepared batch (which matched nothing) to held_.
  void Hold();
  // Merges `position` into `*positions`: the furthest per partition.
  static void MergePosition(const BusPosition& position, std::vector<BusPosition>* positions);
  // Positions one past the last record of `records` per partition, merged into `*positions`.
  static void MergePositions(const std::vector<BusRecord>& records,
                             std::vector<BusPosition>* positions);
  // Commits `positions` (written to the store already) with those whose commit failed before.
  // A failure is harmless for correctness (a redelivery is recognised as duplicate) but leaves
  // the group behind: the positions are kept and go out with the next commit, and on their own
  // when the bus is idle (at most once per second) and before Run returns. Without that, a
  // partition whose last batch's commit failed (a rebalance in progress) kept a stale offset
  // until its next record, and a restarted group read that tail again.
  void CommitWritten(std::vector<BusPosition> positions);
  // Commits the positions kept by a failed commit, when there are any.
  void RetryFailedCommit();
  // The bus's revoke listener: FlushOnRevoke, then forgets the failed commits of the revoked
  // partitions. Those positions belong to an ownership that is over: retried after the partition
  // came back, they could move the group's offset back behind what its owner meanwhile
  // committed.
  void OnRevoke(const std::vector<int32_t>& partitions, bool lost);
  // Writes and commits what is pending (the batch being collected, held rows, failed commits)
  // while the revoked partitions are still owned; on a store failure, leaves their records to
  // the next owner.
  void FlushOnRevoke(const std::vector<int32_t>& partitions, bool lost);
  void PrepareBatch();
  void Report(const WakeResult& result);

  Store* store_;
  BusConsumer* consumer_;
  TriggerDispatcherOptions options_;
  const Clock* clock_;
  PipelineCache cache_;
  TradingStateCache trading_state_;
  SignalDecoder decoder_;
  BatchMatcher matcher_;
  DispatcherProbe probe_;
  std::function<void()> on_enqueued_;
  std::shared_ptr<int> alive_;  // lets the store's change callback outlive us safely

  // The batch in flight: kept across failed attempts until its transaction commits.
  std::vector<BusRecord> records_;
  std::vector<BusRecord> polled_;  // CollectBatch's scratch (see batcher.h)
  BatchClose close_ = BatchClose::kIdle;
  bool prepared_ = false;
  std::shared_ptr<const PipelineIndex> batch_index_;
  std::vector<Signal> signals_;             // slot per record; reused across batches
  std::vector<std::string> payloads_;       // canonical JSON per record
  std::vector<uint32_t> record_of_signal_;  // wake_.signals index -> records_ index
  WakeBatch wake_;

  // History rows of batches that matched nothing, not yet written (see dispatcher_options.h).
  struct HeldSignal {
    std::string signal_id;
    std::string payload;
    int64_t timestamp_ms = 0;
    int64_t received_at_ms = 0;
    bool duplicate_in_batch = false;
    int32_t partition = 0;
  };
  std::vector<HeldSignal> held_;
  std::vector<BusPosition> held_positions_;  // their records' offsets, to commit once written
  std::chrono::steady_clock::time_point held_since_;
  WakeBatch held_wake_;  // FlushHeld's batch

  // Positions written to the store whose commit failed (CommitWritten), and when an idle bus may
  // retry them next.
  std::vector<BusPosition> commit_failed_;
  std::chrono::steady_clock::time_point next_idle_commit_retry_;
};

}  // namespace sigflow
