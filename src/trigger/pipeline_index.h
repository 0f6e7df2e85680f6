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
// Build() runs off the hot path (a cache refresh) and costs O(total scanner_tickers) time and
// memory. It indexes every pipeline it is given, as given: the caller passes only active
// signal-mode pipelines. Tickers match byte for byte (the signal decoder already upper-cases
// signal tickers). A pipeline with no tickers is indexed and matches nothing.
//
// Thread-safety: a built index is immutable; any number of threads may read it at once. It is
// handed out as shared_ptr<const PipelineIndex> so the dispatcher can swap snapshots atomically
// while batches still hold the old one. Spans and string_views it returns live as long as it.
#pragma once

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
  // Builds a snapshot of `pipelines` (copied: the vector need not outlive the index). Pipeline p
  // of the index is pipelines[p]. Throws std::length_error when a count would not fit in 32
  // bits (pipelines, tickers, (pipeline, ticker) pairs), std::bad_alloc when memory runs out.
  static std::shared_ptr<const PipelineIndex> Build(const std::vector<Pipeline>& pipelines);

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

  PipelineIndex() = default;

  uint32_t Intern(std::string_view symbol);
  void Rehash(size_t capacity);
  void BuildDenseBitmaps();

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
};

}  // namespace sigflow
