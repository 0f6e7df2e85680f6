// PipelineIndex: an immutable snapshot of the signal-mode pipelines, shaped for matching.
//
// The trigger dispatcher must never scan every pipeline for every signal (DESIGN.md, "Rules of
// the hot path", rule 2). A PipelineIndex interns every ticker symbol to a dense id in
// [0, ticker_count()) and every pipeline to its position in [0, pipeline_count()) in the vector it
// was built from, and keeps two compressed (CSR) adjacency arrays:
//   ticker   -> pipelines watching it, ascending, each once   (PipelinesWatching)
//   pipeline -> tickers it watches, ascending ids, each once  (TickersOf)
// so matching a signal costs O(its tickers + their posting lists), never O(pipelines).
// A ticker watched by at least DenseThreshold(P) of the P pipelines (1/256 of them, and >= 64)
// also gets a bitmap over the pipelines (DenseBitmap), so that intersecting it with another list
// is a bit test per element, or a word-wise AND when both are dense. A bitmap (P/8 bytes) is
// made only for a list of >= P/256 entries (>= P/64 bytes), so the bitmaps take at most 8 times
// the memory of the posting lists; with Zipf popularity far less (few lists are that long).
//
// Combination counts. A BatchMatcher counts a signal's matches by inclusion-exclusion over the
// sizes of intersections of its tickers' posting lists. The index precomputes them: for every
// set S of 2..kMaxCombination distinct tickers that some pipeline watches all of, it stores
// how many pipelines watch all of S (NarrowCombinationCount). Every pipeline contributes each
// subset of its tickers, so this is done only for "narrow" pipelines, watching at most
// BuildOptions::max_enumerated_tickers tickers (at most 154 subsets each at the default 8; the cut
// is lowered when the table would exceed kCombinationBudgetPerTicker entries per indexed
// (pipeline, ticker) pair, so its memory stays O(total scanner_tickers)); a set
// no narrow pipeline watches has no entry and count 0, so a lookup is exact, never a
// computation. "Wide" pipelines (more tickers) are also kept in posting lists of their own
// (WidePipelinesWatching, with bitmaps like the full lists), from which the matcher computes
// their share of an intersection. With no wide pipeline (the usual case), matching a signal
// never touches a posting list to count: one lookup per subset of its tickers.
//
// Build() runs off the hot path (a cache refresh) and costs O(total scanner_tickers + enumerated
// subsets) time and memory. It indexes every pipeline it is given, as given: the caller passes
// only active signal-mode pipelines. Tickers match byte for byte (the signal decoder already
// upper-cases signal tickers). A pipeline with no tickers is indexed and matches nothing.
//
// Thread-safety: a built index is immutable; any number of threads may read it at once. It is
// handed out as shared_ptr<const PipelineIndex> so the dispatcher can swap snapshots atomically
// while batches still hold the old one. Spans and string_views it returns live as long as it.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"

namespace sigflow {

class PipelineIndex {
 public:
  // The largest ticker set whose count is precomputed (and counted by inclusion-exclusion).
  static constexpr int kMaxCombination = 4;
  // Ticker ids, ascending, padded with kNoTicker: a combination as stored and looked up.
  static constexpr uint32_t kNoTicker = 0xFFFFFFFF;
  using Combination = std::array<uint32_t, kMaxCombination>;

  struct BuildOptions {
    // Pipelines watching more distinct tickers than this are "wide" (see above). 0 makes every
    // pipeline wide (tests force the posting-list path that way). Lowered by Build when the
    // subsets would exceed kCombinationBudgetPerTicker entries per (pipeline, ticker) pair.
    size_t max_enumerated_tickers = 8;
  };
  // Bounds the combination table: at most this many entries per (pipeline, ticker) pair indexed
  // (the benchmark's workload, 1-5 tickers per pipeline, needs 2.7).
  static constexpr size_t kCombinationBudgetPerTicker = 4;

  // Builds a snapshot of `pipelines` (copied: the vector need not outlive the index). Pipeline p
  // of the index is pipelines[p]. Throws std::length_error when a count would not fit in 32
  // bits (pipelines, tickers, (pipeline, ticker) pairs), std::bad_alloc when memory runs out.
  static std::shared_ptr<const PipelineIndex> Build(const std::vector<Pipeline>& pipelines) {
    return Build(pipelines, BuildOptions());
  }
  static std::shared_ptr<const PipelineIndex> Build(const std::vector<Pipeline>& pipelines,
                                                    const BuildOptions& options);

  // True when `pipelines` would build an index equal to this one: the same pipeline ids in the
  // same order, each watching the same set of tickers. A cache refresh that finds nothing
  // changed keeps the old snapshot (and the matchers' state that goes with it).
  bool SameAs(const std::vector<Pipeline>& pipelines) const;

  PipelineIndex(const PipelineIndex&) = delete;
  PipelineIndex& operator=(const PipelineIndex&) = delete;

  size_t pipeline_count() const { return pipeline_ids_.size(); }
  size_t ticker_count() const { return symbols_.size(); }

  // Unique for every index built in this process: a BatchMatcher uses it to tell snapshots apart
  // (a new snapshot may be allocated where an old one was freed).
  uint64_t build_serial() const { return build_serial_; }

  // Requires p < pipeline_count().
  std::string_view pipeline_id(uint32_t p) const { return pipeline_ids_[p]; }
  // Requires t < ticker_count().
  std::string_view ticker_symbol(uint32_t t) const { return symbols_[t]; }

  // The id of `symbol`, or nullopt if no pipeline watches it. Does not allocate.
  std::optional<uint32_t> FindTicker(std::string_view symbol) const;

  // Requires ticker < ticker_count(). Ascending pipeline indices, each once.
  std::span<const uint32_t> PipelinesWatching(uint32_t ticker) const {
    return {ticker_pipelines_.data() + ticker_offsets_[ticker],
            ticker_pipelines_.data() + ticker_offsets_[ticker + 1]};
  }
  // The pipelines watching `ticker` as a bitmap of bitmap_words() words (bit p % 64 of word
  // p / 64), or nullptr when the ticker is not dense. Requires ticker < ticker_count().
  const uint64_t* DenseBitmap(uint32_t ticker) const {
    const uint32_t offset = dense_offsets_[ticker];
    return offset == kNotDense ? nullptr : dense_bits_.data() + offset;
  }
  size_t bitmap_words() const { return (pipeline_count() + 63) / 64; }
  // The shortest posting list that gets a bitmap, in an index of `pipelines` pipelines.
  static size_t DenseThreshold(size_t pipelines);

  // How many narrow pipelines watch every ticker of `c` (2..kMaxCombination distinct ids,
  // ascending, then kNoTicker). Does not allocate.
  uint32_t NarrowCombinationCount(const Combination& c) const {
    if (combinations_.empty()) return 0;
    const size_t mask = combinations_.size() - 1;
    for (size_t i = HashCombination(c) & mask;; i = (i + 1) & mask) {
      const CombinationEntry& e = combinations_[i];
      if (SameCombination(e.key, c)) return e.count;
      if (e.key[0] == kNoTicker) return 0;
    }
  }
  // Where NarrowCombinationCount(c) looks first (to prefetch), or nullptr.
  const void* CombinationSlot(const Combination& c) const {
    return combinations_.empty() ? nullptr
                                 : &combinations_[HashCombination(c) & (combinations_.size() - 1)];
  }
  size_t combination_count() const { return combination_size_; }

  // Wide pipelines (see above): their number, and per ticker the wide ones watching it,
  // ascending, with a bitmap like DenseBitmap's when the list is long. Requires
  // ticker < ticker_count().
  size_t wide_pipeline_count() const { return wide_pipelines_; }
  std::span<const uint32_t> WidePipelinesWatching(uint32_t ticker) const {
    if (wide_offsets_.empty()) return {};
    return {wide_list_.data() + wide_offsets_[ticker],
            wide_list_.data() + wide_offsets_[ticker + 1]};
  }
  const uint64_t* WideDenseBitmap(uint32_t ticker) const {
    if (wide_dense_offsets_.empty()) return nullptr;
    const uint32_t offset = wide_dense_offsets_[ticker];
    return offset == kNotDense ? nullptr : dense_bits_.data() + offset;
  }

  // A hash of a combination, shared by the index's table and the matcher's cache.
  static size_t HashCombination(const Combination& c) {
    const uint64_t a = (uint64_t{c[1]} << 32) | c[0];
    const uint64_t b = (uint64_t{c[3]} << 32) | c[2];
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ std::rotl(b * 0xC2B2AE3D27D4EB4Full, 31);
    h ^= h >> 32;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
    return static_cast<size_t>(h);
  }
  // std::array's operator== calls memcmp; four compares inline to a few instructions.
  static bool SameCombination(const Combination& a, const Combination& b) {
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
  }

  // Requires pipeline < pipeline_count(). Ascending ticker ids, each once.
  std::span<const uint32_t> TickersOf(uint32_t pipeline) const {
    return {pipeline_tickers_.data() + pipeline_offsets_[pipeline],
            pipeline_tickers_.data() + pipeline_offsets_[pipeline + 1]};
  }

 private:
  static constexpr uint32_t kNotDense = 0xFFFFFFFF;

  // One slot of the symbol table. The first 16 bytes of the symbol are kept inline (zero
  // padded), so a lookup of a ticker (at most 16 bytes once validated) compares two words and
  // never follows a pointer.
  struct Slot {
    uint64_t lo = 0;
    uint64_t hi = 0;
    uint32_t size = 0;
    uint32_t id = 0xFFFFFFFF;  // free while 0xFFFFFFFF
  };

  struct CombinationEntry {
    Combination key{kNoTicker, kNoTicker, kNoTicker, kNoTicker};  // key[0] == kNoTicker: free
    uint32_t count = 0;
  };

  PipelineIndex() = default;

  uint32_t Intern(std::string_view symbol);
  void Rehash(size_t capacity);
  // Offsets into dense_bits_ of a bitmap per list of (offsets, list) long enough.
  std::vector<uint32_t> BuildDenseBitmaps(const std::vector<uint32_t>& offsets,
                                          const std::vector<uint32_t>& list);
  static size_t SubsetsCounted(size_t m);  // subsets of 2..kMaxCombination of m tickers
  size_t NarrowLimit(size_t max_enumerated_tickers) const;
  void BuildCombinations(size_t max_enumerated_tickers);
  void IncrementCombination(const Combination& c);

  uint64_t build_serial_ = 0;
  std::vector<std::string> pipeline_ids_;
  std::vector<std::string> symbols_;  // by ticker id

  // Open addressing, linear probing, power-of-two size, at most half full.
  std::vector<Slot> slots_;

  std::vector<uint32_t> ticker_offsets_;    // ticker_count() + 1
  std::vector<uint32_t> ticker_pipelines_;  // postings
  std::vector<uint32_t> pipeline_offsets_;  // pipeline_count() + 1
  std::vector<uint32_t> pipeline_tickers_;
  std::vector<uint32_t> dense_offsets_;  // per ticker: word offset into dense_bits_, or kNotDense
  std::vector<uint64_t> dense_bits_;

  // Narrow combination counts: open addressing, linear probing, power of two, at most half full.
  std::vector<CombinationEntry> combinations_;
  size_t combination_size_ = 0;

  // Wide pipelines' posting lists (CSR by ticker; empty when there is no wide pipeline).
  size_t wide_pipelines_ = 0;
  std::vector<uint32_t> wide_offsets_;
  std::vector<uint32_t> wide_list_;
  std::vector<uint32_t> wide_dense_offsets_;
};

}  // namespace sigflow
