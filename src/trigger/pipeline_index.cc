#include "trigger/pipeline_index.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace sigflow {
namespace {

constexpr uint32_t kEmptySlot = std::numeric_limits<uint32_t>::max();
// A posting list of at least pipeline_count / kDenseDivisor entries also gets a bitmap.
constexpr size_t kDenseDivisor = 256;

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint64_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The first min(size, 16) bytes of `s`, zero padded, as two little-endian words; reads only
// inside `s` (overlapping fixed-size loads instead of a byte loop or a call to memcpy).
void PackPrefix(std::string_view s, uint64_t* lo, uint64_t* hi) {
  const char* p = s.data();
  const size_t n = std::min<size_t>(s.size(), 16);
  if (n >= 8) {
    *lo = Load8(p);
    *hi = n > 8 ? Load8(p + n - 8) >> (8 * (16 - n)) : 0;
  } else if (n >= 4) {
    *lo = Load4(p) | (Load4(p + n - 4) << (8 * (n - 4)));
    *hi = 0;
  } else if (n > 0) {
    const auto byte = [p](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
    *lo = byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)));
    *hi = 0;
  } else {
    *lo = *hi = 0;
  }
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

// Hash of a symbol whose packed prefix is (lo, hi); bytes past 16 are folded in 8 at a time.
uint64_t HashSymbol(std::string_view s, uint64_t lo, uint64_t hi) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = (lo * kMul) ^ std::rotl((hi ^ s.size()) * 0xC2B2AE3D27D4EB4Full, 31);
  for (size_t i = 16; i < s.size(); i += 8) {
    uint64_t chunk = 0;
    std::memcpy(&chunk, s.data() + i, std::min<size_t>(8, s.size() - i));
    h = std::rotl((h ^ chunk) * kMul, 29);
  }
  return Mix(h);
}

std::atomic<uint64_t> next_build_serial{1};

void CheckFitsUint32(size_t n, const char* what) {
  if (n >= std::numeric_limits<uint32_t>::max()) {
    throw std::length_error(std::string("PipelineIndex: too many ") + what);
  }
}

}  // namespace

std::optional<uint32_t> PipelineIndex::FindTicker(std::string_view symbol) const {
  if (slots_.empty()) return std::nullopt;
  uint64_t lo, hi;
  PackPrefix(symbol, &lo, &hi);
  const size_t mask = slots_.size() - 1;
  for (size_t i = HashSymbol(symbol, lo, hi) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id == kEmptySlot) return std::nullopt;
    if (slot.lo == lo && slot.hi == hi && slot.size == symbol.size() &&
        (symbol.size() <= 16 || symbols_[slot.id] == symbol)) {
      return slot.id;
    }
  }
}

void PipelineIndex::Rehash(size_t capacity) {
  slots_.assign(capacity, Slot());
  const size_t mask = capacity - 1;
  for (uint32_t id = 0; id < symbols_.size(); ++id) {
    Slot slot;
    PackPrefix(symbols_[id], &slot.lo, &slot.hi);
    slot.size = static_cast<uint32_t>(symbols_[id].size());
    slot.id = id;
    size_t i = HashSymbol(symbols_[id], slot.lo, slot.hi) & mask;
    while (slots_[i].id != kEmptySlot) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

uint32_t PipelineIndex::Intern(std::string_view symbol) {
  if (const std::optional<uint32_t> id = FindTicker(symbol)) return *id;
  CheckFitsUint32(symbols_.size() + 1, "tickers");
  CheckFitsUint32(symbol.size(), "bytes in a ticker");
  const uint32_t id = static_cast<uint32_t>(symbols_.size());
  symbols_.emplace_back(symbol);
  if (2 * symbols_.size() > slots_.size()) {
    Rehash(std::max<size_t>(16, 2 * slots_.size()));  // places the new symbol too
    return id;
  }
  Slot slot;
  PackPrefix(symbol, &slot.lo, &slot.hi);
  slot.size = static_cast<uint32_t>(symbol.size());
  slot.id = id;
  const size_t mask = slots_.size() - 1;
  size_t i = HashSymbol(symbol, slot.lo, slot.hi) & mask;
  while (slots_[i].id != kEmptySlot) i = (i + 1) & mask;
  slots_[i] = slot;
  return id;
}

size_t PipelineIndex::DenseThreshold(size_t pipelines) {
  return std::max<size_t>(64, pipelines / kDenseDivisor);
}

std::vector<uint32_t> PipelineIndex::BuildDenseBitmaps(const std::vector<uint32_t>& offsets,
                                                       const std::vector<uint32_t>& list) {
  const size_t threshold = DenseThreshold(pipeline_count());
  std::vector<uint32_t> dense(ticker_count(), kNotDense);
  for (uint32_t t = 0; t < ticker_count(); ++t) {
    if (offsets[t + 1] - offsets[t] < threshold) continue;
    CheckFitsUint32(dense_bits_.size() + bitmap_words(), "bitmap words");
    dense[t] = static_cast<uint32_t>(dense_bits_.size());
    dense_bits_.resize(dense_bits_.size() + bitmap_words(), 0);
    uint64_t* bits = dense_bits_.data() + dense[t];
    for (uint32_t i = offsets[t]; i < offsets[t + 1]; ++i) {
      bits[list[i] / 64] |= uint64_t{1} << (list[i] % 64);
    }
  }
  return dense;
}

void PipelineIndex::IncrementCombination(const Combination& c) {
  if (2 * (combination_size_ + 1) > combinations_.size()) {
    std::vector<CombinationEntry> old(std::max<size_t>(1024, 2 * combinations_.size()));
    old.swap(combinations_);
    const size_t mask = combinations_.size() - 1;
    for (const CombinationEntry& e : old) {
      if (e.key[0] == kNoTicker) continue;
      size_t i = HashCombination(e.key) & mask;
      while (combinations_[i].key[0] != kNoTicker) i = (i + 1) & mask;
      combinations_[i] = e;
    }
  }
  const size_t mask = combinations_.size() - 1;
  size_t i = HashCombination(c) & mask;
  for (; combinations_[i].key[0] != kNoTicker; i = (i + 1) & mask) {
    if (SameCombination(combinations_[i].key, c)) {
      ++combinations_[i].count;
      return;
    }
  }
  combinations_[i] = CombinationEntry{c, 1};
  ++combination_size_;
}

size_t PipelineIndex::SubsetsCounted(size_t m) {
  // C(m, 2) + C(m, 3) + C(m, 4)
  return m * (m - 1) / 2 + m * (m - 1) * (m - 2) / 6 + m * (m - 1) * (m - 2) * (m - 3) / 24;
}

size_t PipelineIndex::NarrowLimit(size_t max_enumerated_tickers) const {
  // The largest cut <= max_enumerated_tickers whose subsets fit the budget, so the table stays
  // O(total scanner tickers) whatever the watchlists: many pipelines of 8 tickers would
  // otherwise need ~154 entries each.
  const size_t budget = kCombinationBudgetPerTicker * pipeline_tickers_.size() + 1024;
  std::vector<size_t> pipelines_with(max_enumerated_tickers + 1, 0);
  for (uint32_t p = 0; p < pipeline_count(); ++p) {
    const size_t m = TickersOf(p).size();
    if (m <= max_enumerated_tickers) ++pipelines_with[m];
  }
  size_t subsets = 0;
  for (size_t m = 0; m <= max_enumerated_tickers; ++m) {
    subsets += pipelines_with[m] * SubsetsCounted(m);
    if (subsets > budget) return m - 1;  // m >= 2 here: smaller ones have no subset
  }
  return max_enumerated_tickers;
}

void PipelineIndex::BuildCombinations(size_t max_enumerated_tickers) {
  // Narrow pipelines: every subset of 2..kMaxCombination of their tickers (ascending ids, so
  // each subset is enumerated in ascending order and is its own key).
  max_enumerated_tickers = NarrowLimit(max_enumerated_tickers);
  std::vector<uint32_t> wide;
  for (uint32_t p = 0; p < pipeline_count(); ++p) {
    const std::span<const uint32_t> t = TickersOf(p);
    const size_t m = t.size();
    if (m > max_enumerated_tickers) {
      wide.push_back(p);
      continue;
    }
    static_assert(kMaxCombination == 4, "the loops below enumerate subsets of 2..4");
    for (size_t a = 0; a < m; ++a) {
      for (size_t b = a + 1; b < m; ++b) {
        IncrementCombination({t[a], t[b], kNoTicker, kNoTicker});
        for (size_t c = b + 1; c < m; ++c) {
          IncrementCombination({t[a], t[b], t[c], kNoTicker});
          for (size_t d = c + 1; d < m; ++d) IncrementCombination({t[a], t[b], t[c], t[d]});
        }
      }
    }
  }
  wide_pipelines_ = wide.size();
  if (wide.empty()) return;
  // Wide pipelines' posting lists, by counting sort (ascending, as `wide` is).
  wide_offsets_.assign(ticker_count() + 1, 0);
  for (uint32_t p : wide) {
    for (uint32_t t : TickersOf(p)) ++wide_offsets_[t + 1];
  }
  for (size_t t = 0; t < ticker_count(); ++t) wide_offsets_[t + 1] += wide_offsets_[t];
  wide_list_.resize(wide_offsets_.back());
  std::vector<uint32_t> cursor(wide_offsets_.begin(), wide_offsets_.end() - 1);
  for (uint32_t p : wide) {
    for (uint32_t t : TickersOf(p)) wide_list_[cursor[t]++] = p;
  }
  wide_dense_offsets_ = BuildDenseBitmaps(wide_offsets_, wide_list_);
}

bool PipelineIndex::SameAs(const std::vector<Pipeline>& pipelines) const {
  if (pipelines.size() != pipeline_count()) return false;
  std::vector<uint32_t> ids;
  for (uint32_t p = 0; p < pipelines.size(); ++p) {
    if (pipelines[p].id != pipeline_ids_[p]) return false;
    ids.clear();
    for (const std::string& symbol : pipelines[p].scanner_tickers) {
      const std::optional<uint32_t> t = FindTicker(symbol);
      if (!t) return false;  // a ticker this index does not know
      ids.push_back(*t);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const std::span<const uint32_t> mine = TickersOf(p);
    if (!std::equal(ids.begin(), ids.end(), mine.begin(), mine.end())) return false;
  }
  return true;
}

std::shared_ptr<const PipelineIndex> PipelineIndex::Build(const std::vector<Pipeline>& pipelines,
                                                          const BuildOptions& options) {
  CheckFitsUint32(pipelines.size() + 1, "pipelines");
  std::shared_ptr<PipelineIndex> index(new PipelineIndex());
  index->build_serial_ = next_build_serial.fetch_add(1, std::memory_order_relaxed);

  // pipeline -> tickers, interning as we go; each pipeline's ids sorted and deduplicated.
  index->pipeline_ids_.reserve(pipelines.size());
  index->pipeline_offsets_.reserve(pipelines.size() + 1);
  index->pipeline_offsets_.push_back(0);
  for (const Pipeline& pipeline : pipelines) {
    index->pipeline_ids_.push_back(pipeline.id);
    const size_t begin = index->pipeline_tickers_.size();
    for (const std::string& symbol : pipeline.scanner_tickers) {
      index->pipeline_tickers_.push_back(index->Intern(symbol));
    }
    auto first = index->pipeline_tickers_.begin() + static_cast<ptrdiff_t>(begin);
    std::sort(first, index->pipeline_tickers_.end());
    index->pipeline_tickers_.erase(std::unique(first, index->pipeline_tickers_.end()),
                                   index->pipeline_tickers_.end());
    CheckFitsUint32(index->pipeline_tickers_.size(), "(pipeline, ticker) pairs");
    index->pipeline_offsets_.push_back(static_cast<uint32_t>(index->pipeline_tickers_.size()));
  }

  // ticker -> pipelines by counting sort; filling in pipeline order keeps each list ascending.
  const size_t tickers = index->symbols_.size();
  index->ticker_offsets_.assign(tickers + 1, 0);
  for (uint32_t t : index->pipeline_tickers_) ++index->ticker_offsets_[t + 1];
  for (size_t t = 0; t < tickers; ++t) index->ticker_offsets_[t + 1] += index->ticker_offsets_[t];
  index->ticker_pipelines_.resize(index->pipeline_tickers_.size());
  std::vector<uint32_t> cursor(index->ticker_offsets_.begin(), index->ticker_offsets_.end() - 1);
  for (uint32_t p = 0; p < pipelines.size(); ++p) {
    for (uint32_t t : index->TickersOf(p)) index->ticker_pipelines_[cursor[t]++] = p;
  }
  index->dense_offsets_ =
      index->BuildDenseBitmaps(index->ticker_offsets_, index->ticker_pipelines_);
  index->BuildCombinations(options.max_enumerated_tickers);
  return index;
}

}  // namespace sigflow
