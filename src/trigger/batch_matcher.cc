#include "trigger/batch_matcher.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <functional>
#include <limits>

namespace sigflow {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr size_t kInitialCacheSlots = 1024;

// First position >= pos in the ascending `list` whose value is >= x (list.size() if none):
// exponential steps from pos, then a binary search, so skipping d elements costs O(log d).
size_t Gallop(std::span<const uint32_t> list, size_t pos, uint32_t x) {
  const size_t n = list.size();
  if (pos >= n || list[pos] >= x) return pos;
  size_t lo = pos;  // list[lo] < x
  size_t step = 1;
  size_t hi = lo + 1;
  while (hi < n && list[hi] < x) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = std::min(hi, n);
  return static_cast<size_t>(std::lower_bound(list.begin() + static_cast<ptrdiff_t>(lo) + 1,
                                              list.begin() + static_cast<ptrdiff_t>(hi), x) -
                             list.begin());
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SIGFLOW_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define SIGFLOW_POPCNT_CLONES
#endif

// Number of set bits in a[i] & b[i] (& c[i] & d[i] when given) over `words` words. Compiled
// twice where the compiler can: with the popcnt instruction, picked at load time when the CPU
// has it, and without.
SIGFLOW_POPCNT_CLONES uint32_t AndPopcount(const uint64_t* const* bitmaps, int k, size_t words) {
  uint32_t count = 0;
  for (size_t w = 0; w < words; ++w) {
    uint64_t x = bitmaps[0][w];
    for (int i = 1; i < k; ++i) x &= bitmaps[i][w];
    count += static_cast<uint32_t>(std::popcount(x));
  }
  return count;
}
#undef SIGFLOW_POPCNT_CLONES

// |a & b| for ascending lists of similar length: a branch-free linear merge.
uint32_t MergeCount(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  const uint32_t* x = a.data();
  const uint32_t* y = b.data();
  const uint32_t* const x_end = x + a.size();
  const uint32_t* const y_end = y + b.size();
  uint32_t count = 0;
  while (x != x_end && y != y_end) {
    const uint32_t u = *x;
    const uint32_t v = *y;
    count += u == v;
    x += u <= v;
    y += v <= u;
  }
  return count;
}

// Sorts the k <= 4 elements at `a` (std::sort on such tiny arrays trips GCC 12's array-bounds
// warning, and is slower here).
template <typename T, typename Less>
void SortSmall(T* a, int k, Less less) {
  for (int i = 1; i < k; ++i) {
    T x = a[i];
    int j = i;
    for (; j > 0 && less(x, a[j - 1]); --j) a[j] = a[j - 1];
    a[j] = x;
  }
}

}  // namespace

BatchMatcher::BatchMatcher(const Options& options) : options_(options) {}

void BatchMatcher::NextGeneration() {
  if (gen_ == kNone - 1) {  // wrapped: forget every stamp (once per ~4e9 batches)
    std::fill(ticker_stamp_.begin(), ticker_stamp_.end(), 0);
    gen_ = 0;
  }
  ++gen_;
}

void BatchMatcher::Begin(const PipelineIndex& index) {
  if (index.build_serial() != serial_) {
    // A new snapshot. Stamps left over from the old one are all < the next generation, so
    // resizing (new entries are 0) is enough; the seen bitset is empty between batches; only
    // the cache must go.
    serial_ = index.build_serial();
    seen_.assign(index.bitmap_words(), 0);
    fresh_.resize(index.bitmap_words());
    union_stamp_.resize(index.pipeline_count());
    ticker_stamp_.resize(index.ticker_count());
    ticker_slot_.resize(index.ticker_count());
    candidates_.resize(index.pipeline_count() + 1);  // +1: Finish() writes one past the count
    std::fill(cache_.begin(), cache_.end(), CacheEntry{{kNone, kNone, kNone, kNone}, 0});
    cache_size_ = 0;
  }
  index_ = &index;
  NextGeneration();
  finished_ = false;
  ++stats_.batches;
  slot_ticker_.clear();
  slot_first_signal_.clear();
  slot_last_signal_.clear();
  slot_signal_offsets_.clear();
  slot_signals_.clear();
  signal_offsets_.assign(1, 0);
  signal_slots_.clear();
  matched_counts_.clear();
  candidate_count_ = 0;
}

uint32_t BatchMatcher::AddSignal(std::span<const std::string_view> tickers) {
  assert(index_ != nullptr && !finished_);
  const uint32_t signal = static_cast<uint32_t>(signal_offsets_.size() - 1);
  for (std::string_view symbol : tickers) {
    const std::optional<uint32_t> found = index_->FindTicker(symbol);
    if (!found) continue;
    const uint32_t t = *found;
    uint32_t slot;
    if (ticker_stamp_[t] != gen_) {
      ticker_stamp_[t] = gen_;
      slot = static_cast<uint32_t>(slot_ticker_.size());
      ticker_slot_[t] = slot;
      slot_ticker_.push_back(t);
      slot_first_signal_.push_back(signal);
      slot_last_signal_.push_back(signal);
    } else {
      slot = ticker_slot_[t];
      if (slot_last_signal_[slot] == signal) continue;  // repeated within this signal
      slot_last_signal_[slot] = signal;
    }
    signal_slots_.push_back(slot);
  }
  signal_offsets_.push_back(static_cast<uint32_t>(signal_slots_.size()));
  return signal;
}

void BatchMatcher::Finish() {
  assert(index_ != nullptr && !finished_);
  finished_ = true;
  const size_t slots = slot_ticker_.size();
  const size_t signals = signal_offsets_.size() - 1;
  stats_.signals += signals;

  // 1. Candidates: each distinct ticker's posting list once, in order of first appearance,
  // marking pipelines in a bitset that stays in the L1 cache. The loop is branch-free: it
  // always writes the candidate and advances only if it was new. A list covering a good part of
  // the pipelines is instead merged word by word through its bitmap.
  Candidate* out = candidates_.data();
  uint64_t* seen = seen_.data();
  const size_t words = index_->bitmap_words();
  size_t n = 0;
  for (size_t slot = 0; slot < slots; ++slot) {
    const uint32_t first_signal = slot_first_signal_[slot];
    const uint32_t ticker = slot_ticker_[slot];
    const std::span<const uint32_t> list = index_->PipelinesWatching(ticker);
    const uint64_t* bits = index_->DenseBitmap(ticker);
    if (bits != nullptr && list.size() >= kWordMergeMin * words) {
      // Two passes: a vectorisable one over the words, then one that emits the new bits.
      uint64_t* fresh = fresh_.data();
      for (size_t w = 0; w < words; ++w) {
        fresh[w] = bits[w] & ~seen[w];
        seen[w] |= bits[w];
      }
      for (size_t w = 0; w < words; ++w) {
        for (uint64_t x = fresh[w]; x != 0; x &= x - 1) {
          out[n++] = Candidate{static_cast<uint32_t>(w * 64 + std::countr_zero(x)), first_signal};
        }
      }
      continue;
    }
    for (uint32_t p : list) {
      const uint64_t word = seen[p / 64];
      const uint64_t bit = uint64_t{1} << (p % 64);
      seen[p / 64] = word | bit;
      out[n] = Candidate{p, first_signal};
      n += (word & bit) == 0;
    }
  }
  candidate_count_ = n;
  // Leave the bitset empty for the next batch, in O(min(words, candidates)).
  if (n >= words) {
    std::fill(seen_.begin(), seen_.end(), 0);
  } else {
    for (size_t c = 0; c < n; ++c) seen[out[c].pipeline / 64] = 0;
  }

  // 2. slot -> signals, by counting sort; filling in signal order keeps each list ascending.
  slot_signal_offsets_.assign(slots + 1, 0);
  for (uint32_t slot : signal_slots_) ++slot_signal_offsets_[slot + 1];
  for (size_t i = 0; i < slots; ++i) slot_signal_offsets_[i + 1] += slot_signal_offsets_[i];
  slot_signals_.resize(signal_slots_.size());
  // slot_last_signal_ is no longer needed: reuse it as the fill cursor.
  std::copy(slot_signal_offsets_.begin(), slot_signal_offsets_.end() - 1,
            slot_last_signal_.begin());
  for (uint32_t s = 0; s < signals; ++s) {
    for (uint32_t i = signal_offsets_[s]; i < signal_offsets_[s + 1]; ++i) {
      slot_signals_[slot_last_signal_[signal_slots_[i]]++] = s;
    }
  }

  // 3. Exact per-signal match counts.
  matched_counts_.resize(signals);
  uint32_t tickers[kMaxInclusionExclusion];
  for (uint32_t s = 0; s < signals; ++s) {
    if (s + kPrefetchDistance < signals) {
      // Here, not in a helper: GCC deletes a call to a function whose only effect is a prefetch.
      const void* ahead[4];
      for (int i = CacheSlotsOf(s + kPrefetchDistance, ahead); i-- > 0;) {
        __builtin_prefetch(ahead[i]);
      }
    }
    const uint32_t begin = signal_offsets_[s];
    const uint32_t k = signal_offsets_[s + 1] - begin;
    uint32_t count = 0;
    if (k == 1) {
      count = static_cast<uint32_t>(
          index_->PipelinesWatching(slot_ticker_[signal_slots_[begin]]).size());
    } else if (k > 1 && k <= kMaxInclusionExclusion) {
      for (uint32_t i = 0; i < k; ++i) tickers[i] = slot_ticker_[signal_slots_[begin + i]];
      SortSmall(tickers, static_cast<int>(k), std::less<uint32_t>());
      count = CountByInclusionExclusion(tickers, static_cast<int>(k));
    } else if (k > kMaxInclusionExclusion) {
      count = CountByUnion(&signal_slots_[begin], k);
    }
    matched_counts_[s] = count;
  }
}

int BatchMatcher::CacheSlotsOf(uint32_t signal, const void** slots) const {
  const uint32_t begin = signal_offsets_[signal];
  const uint32_t k = signal_offsets_[signal + 1] - begin;
  if (k < 2 || k > 3 || index_->combination_count() == 0) return 0;
  uint32_t t[3];
  for (uint32_t i = 0; i < k; ++i) t[i] = slot_ticker_[signal_slots_[begin + i]];
  SortSmall(t, static_cast<int>(k), std::less<uint32_t>());
  slots[0] = index_->CombinationSlot(Key{t[0], t[1], kNone, kNone});
  if (k == 2) return 1;
  slots[1] = index_->CombinationSlot(Key{t[0], t[2], kNone, kNone});
  slots[2] = index_->CombinationSlot(Key{t[1], t[2], kNone, kNone});
  slots[3] = index_->CombinationSlot(Key{t[0], t[1], t[2], kNone});
  return 4;
}

uint32_t BatchMatcher::CountByInclusionExclusion(const uint32_t* sorted_tickers, int k) {
  // inter[mask] = |intersection of the posting lists of the tickers in mask|. Masks are visited
  // in increasing order, so every proper subset of a mask is already known.
  uint32_t inter[1 << kMaxInclusionExclusion];
  int64_t total = 0;
  const bool has_wide = index_->wide_pipeline_count() != 0;
  for (int mask = 1; mask < (1 << k); ++mask) {
    const int bits = std::popcount(static_cast<unsigned>(mask));
    uint32_t value;
    if (bits == 1) {
      value = static_cast<uint32_t>(
          index_->PipelinesWatching(sorted_tickers[std::countr_zero(static_cast<unsigned>(mask))])
              .size());
    } else {
      bool empty_subset = false;
      for (int rest = mask; rest != 0; rest &= rest - 1) {
        if (inter[mask & ~(rest & -rest)] == 0) {
          empty_subset = true;
          break;
        }
      }
      if (empty_subset) {
        value = 0;
      } else {
        Key key{kNone, kNone, kNone, kNone};
        int i = 0;
        for (int b = 0; b < k; ++b) {
          if (mask & (1 << b)) key[i++] = sorted_tickers[b];
        }
        ++stats_.combination_lookups;
        value = index_->NarrowCombinationCount(key);
        if (has_wide) value += WideIntersection(key, bits);
      }
    }
    inter[mask] = value;
    total += (bits & 1) ? int64_t{value} : -int64_t{value};
  }
  return static_cast<uint32_t>(total);
}

uint32_t BatchMatcher::CountByUnion(const uint32_t* slots, size_t k) {
  ++stats_.direct_unions;
  if (union_gen_ == kNone - 1) {
    std::fill(union_stamp_.begin(), union_stamp_.end(), 0);
    union_gen_ = 0;
  }
  const uint32_t gen = ++union_gen_;
  uint32_t* stamp = union_stamp_.data();
  uint32_t count = 0;
  for (size_t i = 0; i < k; ++i) {
    for (uint32_t p : index_->PipelinesWatching(slot_ticker_[slots[i]])) {
      count += stamp[p] != gen;
      stamp[p] = gen;
    }
  }
  return count;
}

uint32_t BatchMatcher::WideIntersection(const Key& key, int k) {
  PostingList lists[kMaxInclusionExclusion];
  for (int i = 0; i < k; ++i) {
    lists[i] = PostingList{index_->WidePipelinesWatching(key[i]), index_->WideDenseBitmap(key[i])};
    if (lists[i].pipelines.empty()) return 0;
  }
  SortSmall(lists, k, [](const PostingList& a, const PostingList& b) {
    return a.pipelines.size() < b.pipelines.size();
  });
  // Cheaper to compute than to probe the cache (which may miss in the CPU cache too).
  if (lists[0].pipelines.size() * static_cast<size_t>(k - 1) <= kComputeWithoutCache) {
    ++stats_.intersections_uncached;
    return ComputeIntersection(lists, k);
  }
  ++stats_.intersection_lookups;
  if (!cache_.empty()) {
    const size_t mask = cache_.size() - 1;
    for (size_t i = PipelineIndex::HashCombination(key) & mask;; i = (i + 1) & mask) {
      const CacheEntry& entry = cache_[i];
      if (PipelineIndex::SameCombination(entry.key, key)) return entry.value;
      if (entry.key[0] == kNone) break;
    }
  }
  ++stats_.intersection_misses;
  const uint32_t value = ComputeIntersection(lists, k);
  CacheInsert(key, value);
  return value;
}

void BatchMatcher::CacheInsert(const Key& key, uint32_t value) {
  const CacheEntry kFree{{kNone, kNone, kNone, kNone}, 0};
  if (2 * (cache_size_ + 1) > cache_.size()) {
    if (cache_size_ + 1 > options_.max_cached_intersections) {
      std::fill(cache_.begin(), cache_.end(), kFree);  // full: start over
      cache_size_ = 0;
    } else {
      std::vector<CacheEntry> old(std::max(kInitialCacheSlots, 2 * cache_.size()), kFree);
      old.swap(cache_);
      const size_t mask = cache_.size() - 1;
      for (const CacheEntry& entry : old) {
        if (entry.key[0] == kNone) continue;
        size_t i = PipelineIndex::HashCombination(entry.key) & mask;
        while (cache_[i].key[0] != kNone) i = (i + 1) & mask;
        cache_[i] = entry;
      }
    }
  }
  const size_t mask = cache_.size() - 1;
  size_t i = PipelineIndex::HashCombination(key) & mask;
  while (cache_[i].key[0] != kNone) i = (i + 1) & mask;
  cache_[i] = CacheEntry{key, value};
  ++cache_size_;
}

uint32_t BatchMatcher::ComputeIntersection(const PostingList* lists, int k) const {
  if (lists[0].bits != nullptr) {
    // Every list is dense (lists are sorted by length): AND the bitmaps word by word.
    const uint64_t* bitmaps[kMaxInclusionExclusion];
    for (int i = 0; i < k; ++i) bitmaps[i] = lists[i].bits;
    return AndPopcount(bitmaps, k, index_->bitmap_words());
  }
  if (k == 2 && lists[1].bits == nullptr &&
      lists[1].pipelines.size() <= kMergeRatio * lists[0].pipelines.size()) {
    return MergeCount(lists[0].pipelines, lists[1].pipelines);
  }
  // Walk the shortest list; test each pipeline in the others' bitmaps, or find it by galloping.
  size_t cursor[kMaxInclusionExclusion] = {};
  uint32_t count = 0;
  for (uint32_t p : lists[0].pipelines) {
    bool in_all = true;
    for (int i = 1; i < k && in_all; ++i) {
      if (lists[i].bits != nullptr) {
        in_all = (lists[i].bits[p / 64] >> (p % 64)) & 1;
        continue;
      }
      cursor[i] = Gallop(lists[i].pipelines, cursor[i], p);
      if (cursor[i] == lists[i].pipelines.size()) return count;
      in_all = lists[i].pipelines[cursor[i]] == p;
    }
    count += in_all;
  }
  return count;
}

void BatchMatcher::MatchedSignals(uint32_t candidate, std::vector<uint32_t>* out) const {
  assert(finished_ && candidate < candidate_count_);
  out->clear();
  int lists = 0;
  for (uint32_t t : index_->TickersOf(candidates_[candidate].pipeline)) {
    if (ticker_stamp_[t] != gen_) continue;
    const uint32_t slot = ticker_slot_[t];
    out->insert(out->end(), slot_signals_.begin() + slot_signal_offsets_[slot],
                slot_signals_.begin() + slot_signal_offsets_[slot + 1]);
    ++lists;
  }
  if (lists > 1) {
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }
}

}  // namespace sigflow
