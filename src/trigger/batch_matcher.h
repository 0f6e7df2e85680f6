// BatchMatcher: matches one batch of signals against a PipelineIndex snapshot.
//
// Usage, per batch:   Begin(index); AddSignal(tickers) for each signal; Finish();
// then read candidates(), matched_count(s) and MatchedSignals(c, &out) until the next Begin().
//
// What it computes. A pipeline matches a signal when it watches at least one of the signal's
// tickers (the seeds' `signal.tickers & pipeline.tickers`). For a batch it yields
//   - candidates(): every pipeline matched by at least one signal of the batch, exactly once,
//     with the smallest index of a batch signal that matched it (the signal that wakes it);
//   - matched_count(s): how many distinct pipelines signal s matches;
//   - MatchedSignals(c): every batch signal matching candidate c, ascending (asked for lazily,
//     for the few candidates the dispatcher actually wakes).
// Tickers the index does not know match nothing; a ticker repeated within a signal counts once.
//
// Why this design. Ticker popularity follows a Zipf law: the most popular tickers are watched by
// thousands of pipelines, so a single signal can match 10^4 pipelines and a batch of 1,000
// signals can carry 10^7 (pipeline, signal) pairs. But a batch wakes each pipeline at most once
// (DESIGN.md, rule 3), and the popular tickers recur in nearly every signal of a batch. So the
// work is organised per *distinct ticker of the batch*, not per signal:
//   1. Finish() walks the posting list of each distinct ticker once, in the order in which the
//      tickers first appear in the batch, marking pipelines in a bitset (small enough for the L1
//      cache; emptied again in O(candidates)). The first marking of a pipeline comes from the
//      earliest signal that names one of its tickers, so it records the smallest first_signal
//      without any comparison. The longest lists (the most popular tickers) are merged 64
//      pipelines at a time through their bitmaps.
//   2. Per-signal match counts must be exact (they are reported per signal) but must not be
//      found by enumerating each signal's matches. For a signal with k <= 4 known tickers the
//      count is the inclusion-exclusion sum  sum|P(t)| - sum|P(a)&P(b)| + |P(a)&P(b)&P(c)| - ...
//      over its posting lists P. The snapshot holds every such intersection size over its
//      narrow pipelines, precomputed (PipelineIndex::NarrowCombinationCount), so a signal costs
//      one table lookup per subset of its tickers, prefetched a few signals ahead, and a fresh
//      snapshot is as fast as an old one. Only wide pipelines (many tickers each; usually none)
//      need computing: their share is cached in the matcher, keyed by the sorted ticker-id
//      tuple, and computed on a miss from the shortest wide list, each of its pipelines tested
//      in the other lists' bitmaps or found by galloping search; two dense lists are ANDed word
//      by word, intersections with a very short list computed on the spot. An empty
//      intersection prunes every superset. Signals with more tickers are counted by a direct
//      union of their posting lists with a per-signal stamp.
//   3. Each signal's tickers are kept per batch as ticker -> ascending signal lists, so
//      MatchedSignals(c) is the union, over the tickers of c's pipeline, of those lists.
// Cost of a batch: O(distinct tickers + sum of their posting lists + signals' subset lookups +
// wide cache misses); never O(pipelines) and never O(sum over signals of their matches).
// Memory: O(pipelines + tickers) of stamps per snapshot, plus the bounded intersection cache.
//
// Snapshots. The cache (of wide pipelines' intersections) is valid for one snapshot: Begin() with a
// different index (told apart by PipelineIndex::build_serial()) drops it and resizes the
// per-pipeline arrays; with the same index it keeps everything. The index passed to Begin() must
// stay alive, unchanged, until the next Begin() or the matcher's destruction, whichever comes first
// (results refer to it).
//
// Thread-safety: none. A BatchMatcher is per-thread scratch reused across batches; indices may
// be shared across threads, matchers may not.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "trigger/pipeline_index.h"

namespace sigflow {

class BatchMatcher {
 public:
  struct Options {
    // Upper bound on cached intersection sizes (20 bytes each, table at most half full). When
    // full, the cache is emptied and refilled on demand. Larger: fewer recomputations on
    // workloads with many distinct ticker combinations; smaller: less memory.
    size_t max_cached_intersections = size_t{1} << 19;
  };

  struct Candidate {
    uint32_t pipeline;      // index into the snapshot (PipelineIndex::pipeline_id)
    uint32_t first_signal;  // smallest batch signal index that matched it
  };

  // Counters since construction, for benchmarks and metrics.
  struct Stats {
    uint64_t batches = 0;
    uint64_t signals = 0;
    uint64_t combination_lookups = 0;  // PipelineIndex::NarrowCombinationCount calls
    // The wide pipelines' intersections (PipelineIndex: none when every pipeline is narrow):
    uint64_t intersection_lookups = 0;    // cache probes (hits + misses)
    uint64_t intersection_misses = 0;     // computed from posting lists, then cached
    uint64_t intersections_uncached = 0;  // so cheap that they were computed, not looked up
    uint64_t direct_unions = 0;           // signals with too many tickers for inclusion-exclusion
  };

  // Signals with at most this many distinct known tickers are counted by inclusion-exclusion
  // (2^k - k - 1 cached intersections); larger ones by a direct union.
  static constexpr int kMaxInclusionExclusion = PipelineIndex::kMaxCombination;
  // An intersection whose shortest list has at most this many entries (times the other lists)
  // is computed on the spot rather than cached: that many bit tests in L1/L2-resident bitmaps
  // cost about one probe of a large table that misses the CPU caches, and it keeps the table
  // small (on the 100k-pipeline benchmark: 2.4x fewer entries than with 16).
  static constexpr size_t kComputeWithoutCache = 64;
  // Two sparse lists whose lengths differ by at most this factor are intersected by a linear
  // merge; more lopsided ones by galloping from the shorter.
  static constexpr size_t kMergeRatio = 16;
  // A dense list with at least this many entries per bitmap word is merged into the batch's
  // candidates word by word (two streaming passes over the bitmap) rather than entry by entry
  // (a dependent read-modify-write of the bitset per entry).
  static constexpr size_t kWordMergeMin = 2;
  // Finish() prefetches the cache slots of the signal this many places ahead.
  static constexpr uint32_t kPrefetchDistance = 8;

  BatchMatcher() : BatchMatcher(Options()) {}
  explicit BatchMatcher(const Options& options);
  BatchMatcher(const BatchMatcher&) = delete;
  BatchMatcher& operator=(const BatchMatcher&) = delete;

  // Starts a new batch against `index` (see "Snapshots" above for its lifetime). Discards the
  // previous batch's results. O(1) with the same snapshot; O(growth of the snapshot) otherwise.
  void Begin(const PipelineIndex& index);

  // Adds a signal to the batch and returns its batch index (0, 1, ...). Unknown and repeated
  // tickers are ignored; an empty span adds a signal that matches nothing (e.g. a duplicate).
  // The strings need not outlive the call. Requires Begin() and no Finish() since.
  uint32_t AddSignal(std::span<const std::string_view> tickers);

  // Computes the results. Requires Begin(); call once per batch.
  void Finish();

  // The results of the batch, valid after Finish() until the next Begin().
  // Every matched pipeline once, ordered by first_signal (ties in posting order).
  std::span<const Candidate> candidates() const { return {candidates_.data(), candidate_count_}; }
  size_t signal_count() const { return matched_counts_.size(); }
  // Requires signal < signal_count().
  uint32_t matched_count(uint32_t signal) const { return matched_counts_[signal]; }
  // Ascending batch indices of every signal matching candidates()[candidate]; clears *out
  // first. Requires candidate < candidates().size(). O(m log m) for m such signals, plus the
  // candidate pipeline's ticker count; no allocation once *out has grown.
  void MatchedSignals(uint32_t candidate, std::vector<uint32_t>* out) const;

  const Stats& stats() const { return stats_; }

 private:
  using Key = PipelineIndex::Combination;
  struct PostingList {
    std::span<const uint32_t> pipelines;
    const uint64_t* bits;  // PipelineIndex::DenseBitmap, or nullptr
  };
  struct CacheEntry {
    Key key;  // sorted ids, padded with kNone; key[0] == kNone marks a free slot
    uint32_t value;
  };

  void NextGeneration();
  // The cache slots where the intersections of `signal` (2 or 3 tickers) would be found first.
  int CacheSlotsOf(uint32_t signal, const void** slots) const;
  uint32_t CountByInclusionExclusion(const uint32_t* sorted_tickers, int k);
  uint32_t CountByUnion(const uint32_t* tickers, size_t k);
  // The wide pipelines' share of the intersection of the lists of `key` (cached).
  uint32_t WideIntersection(const Key& key, int k);
  uint32_t ComputeIntersection(const PostingList* lists, int k) const;
  void CacheInsert(const Key& key, uint32_t value);

  Options options_;
  Stats stats_;
  const PipelineIndex* index_ = nullptr;
  uint64_t serial_ = 0;  // build_serial() of the snapshot the arrays are sized for
  bool finished_ = false;

  // Candidate dedupe: a bit per pipeline, set during Finish() and emptied before it returns.
  std::vector<uint64_t> seen_;
  std::vector<uint64_t> fresh_;  // scratch of Finish(), one word per 64 pipelines

  // Generation stamps: an entry equals gen_ iff it was touched in the current batch.
  uint32_t gen_ = 0;
  std::vector<uint32_t> ticker_stamp_;  // per ticker
  std::vector<uint32_t> ticker_slot_;   // per ticker: its slot in the batch, if stamped
  uint32_t union_gen_ = 0;              // same, per direct union
  std::vector<uint32_t> union_stamp_;   // per pipeline

  // Slots: the batch's distinct known tickers, in order of first appearance.
  std::vector<uint32_t> slot_ticker_;
  std::vector<uint32_t> slot_first_signal_;
  std::vector<uint32_t> slot_last_signal_;     // dedupes a ticker repeated within a signal
  std::vector<uint32_t> slot_signal_offsets_;  // CSR slot -> signals (after Finish)
  std::vector<uint32_t> slot_signals_;

  // Signals: CSR signal -> slots of its distinct known tickers.
  std::vector<uint32_t> signal_offsets_;
  std::vector<uint32_t> signal_slots_;
  std::vector<uint32_t> matched_counts_;

  std::vector<Candidate> candidates_;  // sized to the snapshot's pipeline count
  size_t candidate_count_ = 0;

  std::vector<CacheEntry> cache_;  // open addressing, linear probing, power-of-two size
  size_t cache_size_ = 0;
};

}  // namespace sigflow
