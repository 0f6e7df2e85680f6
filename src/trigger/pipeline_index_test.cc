#include "trigger/pipeline_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "trigger/trigger_test_util.h"

namespace sigflow {
namespace {

using testing_util::NumberedName;

Pipeline MakePipeline(std::string id, std::vector<std::string> tickers) {
  Pipeline p;
  p.id = std::move(id);
  p.trigger_mode = TriggerMode::kSignal;
  p.scanner_tickers = std::move(tickers);
  return p;
}

std::vector<uint32_t> ToVector(std::span<const uint32_t> s) { return {s.begin(), s.end()}; }

TEST(PipelineIndexTest, EmptyIndexFindsNothing) {
  auto index = PipelineIndex::Build({});
  EXPECT_EQ(index->pipeline_count(), 0u);
  EXPECT_EQ(index->ticker_count(), 0u);
  EXPECT_FALSE(index->FindTicker("AAPL").has_value());
  EXPECT_FALSE(index->FindTicker("").has_value());
}

TEST(PipelineIndexTest, BuildsBothAdjacenciesDeduplicatedAndAscending) {
  auto index = PipelineIndex::Build({
      MakePipeline("p0", {"AAPL", "TSLA", "AAPL"}),
      MakePipeline("p1", {"GOOGL", "AMZN"}),
      MakePipeline("p2", {"MSFT", "NVDA", "TSLA", "MSFT"}),
      MakePipeline("p3", {}),
  });
  ASSERT_EQ(index->pipeline_count(), 4u);
  EXPECT_EQ(index->ticker_count(), 6u);
  EXPECT_EQ(index->pipeline_id(0), "p0");
  EXPECT_EQ(index->pipeline_id(3), "p3");

  const auto aapl = index->FindTicker("AAPL");
  const auto tsla = index->FindTicker("TSLA");
  const auto msft = index->FindTicker("MSFT");
  ASSERT_TRUE(aapl && tsla && msft);
  EXPECT_EQ(index->ticker_symbol(*tsla), "TSLA");
  EXPECT_EQ(ToVector(index->PipelinesWatching(*aapl)), (std::vector<uint32_t>{0}));
  EXPECT_EQ(ToVector(index->PipelinesWatching(*tsla)), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(ToVector(index->PipelinesWatching(*msft)), (std::vector<uint32_t>{2}));

  std::vector<uint32_t> p0{*aapl, *tsla};
  std::sort(p0.begin(), p0.end());
  EXPECT_EQ(ToVector(index->TickersOf(0)), p0);
  EXPECT_EQ(index->TickersOf(2).size(), 3u);
  EXPECT_TRUE(std::is_sorted(index->TickersOf(2).begin(), index->TickersOf(2).end()));
  EXPECT_TRUE(index->TickersOf(3).empty());
}

TEST(PipelineIndexTest, TickersAreCaseSensitiveAndUnknownOnesAreNotFound) {
  auto index = PipelineIndex::Build({MakePipeline("p0", {"AAPL", "BRK.B"})});
  EXPECT_TRUE(index->FindTicker("BRK.B").has_value());
  EXPECT_FALSE(index->FindTicker("aapl").has_value());
  EXPECT_FALSE(index->FindTicker("AAPLX").has_value());
  EXPECT_FALSE(index->FindTicker("AAP").has_value());
  EXPECT_FALSE(index->FindTicker("").has_value());
}

TEST(PipelineIndexTest, FindTickerTakesAViewIntoALargerBuffer) {
  auto index = PipelineIndex::Build({MakePipeline("p0", {"MSFT", "A_VERY_LONG_SYMBOL_NAME"})});
  const std::string buffer = "xxMSFTyy A_VERY_LONG_SYMBOL_NAME!";
  EXPECT_TRUE(index->FindTicker(std::string_view(buffer).substr(2, 4)).has_value());
  EXPECT_TRUE(index->FindTicker(std::string_view(buffer).substr(9, 23)).has_value());
  EXPECT_FALSE(index->FindTicker(std::string_view(buffer).substr(2, 5)).has_value());
}

TEST(PipelineIndexTest, ManyTickersAreAllFoundAfterRehashing) {
  std::vector<Pipeline> pipelines;
  for (int i = 0; i < 5000; ++i) {
    pipelines.push_back(MakePipeline(NumberedName("p", static_cast<size_t>(i)),
                                     {NumberedName("T", static_cast<size_t>(i)),
                                      NumberedName("T", static_cast<size_t>(i / 2))}));
  }
  auto index = PipelineIndex::Build(pipelines);
  EXPECT_EQ(index->ticker_count(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    const auto t = index->FindTicker(NumberedName("T", static_cast<size_t>(i)));
    ASSERT_TRUE(t.has_value()) << i;
    EXPECT_EQ(index->ticker_symbol(*t), NumberedName("T", static_cast<size_t>(i)));
    // T(i) is watched by pipeline i and by pipelines 2i and 2i+1 (when they exist).
    std::vector<uint32_t> expected{static_cast<uint32_t>(i)};
    for (int p : {2 * i, 2 * i + 1}) {
      if (p < 5000 && p != i) expected.push_back(static_cast<uint32_t>(p));
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ToVector(index->PipelinesWatching(*t)), expected) << i;
  }
  EXPECT_FALSE(index->FindTicker("T5000").has_value());
}

TEST(PipelineIndexTest, DenseBitmapsHoldExactlyTheLongPostingLists) {
  // 6,400 pipelines: a list is dense from 64 entries. EVEN has 3,200, SEVENS 915, each Z 32.
  std::vector<Pipeline> pipelines;
  for (size_t i = 0; i < 6400; ++i) {
    std::vector<std::string> tickers{NumberedName("Z", i % 200)};
    if (i % 2 == 0) tickers.push_back("EVEN");
    if (i % 7 == 0) tickers.push_back("SEVENS");
    pipelines.push_back(MakePipeline(NumberedName("p", i), tickers));
  }
  auto index = PipelineIndex::Build(pipelines);
  EXPECT_EQ(PipelineIndex::DenseThreshold(6400), 64u);
  EXPECT_EQ(PipelineIndex::DenseThreshold(100000), 390u);
  EXPECT_EQ(index->bitmap_words(), 100u);
  EXPECT_EQ(index->DenseBitmap(*index->FindTicker("Z1")), nullptr);
  for (const char* symbol : {"EVEN", "SEVENS"}) {
    const uint32_t t = *index->FindTicker(symbol);
    const uint64_t* bits = index->DenseBitmap(t);
    ASSERT_NE(bits, nullptr) << symbol;
    std::vector<uint32_t> from_bits;
    for (uint32_t p = 0; p < 6400; ++p) {
      if ((bits[p / 64] >> (p % 64)) & 1) from_bits.push_back(p);
    }
    EXPECT_EQ(from_bits, ToVector(index->PipelinesWatching(t))) << symbol;
  }
}

TEST(PipelineIndexTest, EverySnapshotHasItsOwnBuildSerial) {
  auto a = PipelineIndex::Build({});
  auto b = PipelineIndex::Build({});
  EXPECT_NE(a->build_serial(), b->build_serial());
}

// Every combination count against a brute-force count over the narrow pipelines, and the wide
// posting lists against the wide pipelines, for every narrow/wide cut (0: every pipeline wide).
TEST(PipelineIndexTest, CombinationCountsAndWideListsMatchBruteForce) {
  std::mt19937_64 rng(7);
  auto uniform = [&](size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  };
  for (int round = 0; round < 30; ++round) {
    const size_t universe = uniform(1, 12);
    std::vector<Pipeline> pipelines;
    std::vector<std::set<std::string>> sets;
    for (size_t i = 0, n = uniform(1, 300); i < n; ++i) {
      std::vector<std::string> tickers;
      for (size_t j = 0, m = uniform(0, 10); j < m; ++j)
        tickers.push_back(NumberedName("T", uniform(0, universe - 1)));
      sets.emplace_back(tickers.begin(), tickers.end());
      pipelines.push_back(MakePipeline(NumberedName("p", i), tickers));
    }
    PipelineIndex::BuildOptions options;
    options.max_enumerated_tickers = uniform(0, 9);
    const auto index = PipelineIndex::Build(pipelines, options);
    SCOPED_TRACE(NumberedName("round ", static_cast<size_t>(round)) +
                 NumberedName(" max_enumerated_tickers ", options.max_enumerated_tickers));
    // The cut, as documented: lowered until the subsets fit the budget.
    size_t pairs = 0;
    for (const auto& set : sets) pairs += set.size();
    const size_t budget = PipelineIndex::kCombinationBudgetPerTicker * pairs + 1024;
    const auto subsets = [](size_t m) {
      return m * (m - 1) / 2 + m * (m - 1) * (m - 2) / 6 + m * (m - 1) * (m - 2) * (m - 3) / 24;
    };
    size_t cut = options.max_enumerated_tickers;
    for (;; --cut) {
      size_t total = 0;
      for (const auto& set : sets) total += set.size() <= cut ? subsets(set.size()) : 0;
      if (total <= budget) break;
    }
    const auto narrow = [&](size_t p) { return sets[p].size() <= cut; };
    size_t wide = 0;
    for (size_t p = 0; p < sets.size(); ++p) wide += !narrow(p);
    EXPECT_EQ(index->wide_pipeline_count(), wide);

    const uint32_t tickers = static_cast<uint32_t>(index->ticker_count());
    for (uint32_t t = 0; t < tickers; ++t) {
      const std::string symbol(index->ticker_symbol(t));
      std::vector<uint32_t> expected;
      for (uint32_t p = 0; p < sets.size(); ++p) {
        if (!narrow(p) && sets[p].count(symbol) != 0) expected.push_back(p);
      }
      EXPECT_EQ(ToVector(index->WidePipelinesWatching(t)), expected) << symbol;
      if (const uint64_t* bits = index->WideDenseBitmap(t)) {
        std::vector<uint32_t> from_bits;
        for (uint32_t p = 0; p < sets.size(); ++p) {
          if ((bits[p / 64] >> (p % 64)) & 1) from_bits.push_back(p);
        }
        EXPECT_EQ(from_bits, expected) << symbol;
      }
    }
    // Every combination of 2..4 known tickers (at most 12 of them: a mask each), and the table
    // holds no other.
    size_t nonzero = 0;
    for (uint32_t mask = 0; mask < (1u << tickers); ++mask) {
      const int k = std::popcount(mask);
      if (k < 2 || k > PipelineIndex::kMaxCombination) continue;
      PipelineIndex::Combination combo;
      combo.fill(PipelineIndex::kNoTicker);
      int i = 0;
      for (uint32_t t = 0; t < tickers; ++t) {
        if ((mask >> t) & 1) combo[static_cast<size_t>(i++)] = t;
      }
      uint32_t expected = 0;
      for (size_t p = 0; p < sets.size(); ++p) {
        bool all = narrow(p);
        for (int j = 0; j < k && all; ++j) {
          all =
              sets[p].count(std::string(index->ticker_symbol(combo[static_cast<size_t>(j)]))) != 0;
        }
        expected += all;
      }
      nonzero += expected != 0;
      ASSERT_EQ(index->NarrowCombinationCount(combo), expected) << "mask " << mask;
    }
    EXPECT_EQ(index->combination_count(), nonzero);
  }
}

// The table is bounded by the indexed (pipeline, ticker) pairs: pipelines whose subsets would
// overflow it are made wide, the largest first, and the counts stay exact.
TEST(PipelineIndexTest, CombinationTableStaysWithinItsBudget) {
  std::vector<Pipeline> pipelines;
  for (size_t i = 0; i < 1000; ++i) {
    pipelines.push_back(MakePipeline(NumberedName("pair", i),
                                     {NumberedName("A", i % 50), NumberedName("B", i % 70)}));
  }
  for (size_t i = 0; i < 100; ++i) {  // 100 x 154 subsets > 4 x 2,800 pairs + 1,024
    std::vector<std::string> tickers;
    for (size_t j = 0; j < 8; ++j) tickers.push_back(NumberedName("W", i + 13 * j));
    pipelines.push_back(MakePipeline(NumberedName("wide", i), tickers));
  }
  const auto index = PipelineIndex::Build(pipelines);
  EXPECT_EQ(index->wide_pipeline_count(), 100u);
  EXPECT_LE(index->combination_count(), 1000u);
  const uint32_t a0 = *index->FindTicker("A0");
  const uint32_t b0 = *index->FindTicker("B0");
  // A0 and B0 together: pipelines i with i % 50 == 0 and i % 70 == 0, i.e. i % 350 == 0.
  EXPECT_EQ(index->NarrowCombinationCount({std::min(a0, b0), std::max(a0, b0),
                                           PipelineIndex::kNoTicker, PipelineIndex::kNoTicker}),
            3u);
  // Without the 8-ticker pipelines every pipeline is narrow.
  pipelines.resize(1000);
  EXPECT_EQ(PipelineIndex::Build(pipelines)->wide_pipeline_count(), 0u);
}

TEST(PipelineIndexTest, SameAsTellsWhetherARebuildWouldChangeAnything) {
  const std::vector<Pipeline> pipelines{MakePipeline("a", {"AAPL", "MSFT"}),
                                        MakePipeline("b", {"TSLA"}), MakePipeline("c", {})};
  const auto index = PipelineIndex::Build(pipelines);
  EXPECT_TRUE(index->SameAs(pipelines));
  // Tickers are a set: order and repeats within a pipeline change nothing.
  EXPECT_TRUE(index->SameAs({MakePipeline("a", {"MSFT", "AAPL", "MSFT"}),
                             MakePipeline("b", {"TSLA"}), MakePipeline("c", {})}));
  const std::vector<std::vector<Pipeline>> changed{
      {MakePipeline("a", {"AAPL", "MSFT"}), MakePipeline("b", {"TSLA"})},  // removed
      {MakePipeline("a", {"AAPL", "MSFT"}), MakePipeline("b", {"TSLA"}), MakePipeline("c", {}),
       MakePipeline("d", {"TSLA"})},  // added
      {MakePipeline("b", {"TSLA"}), MakePipeline("a", {"AAPL", "MSFT"}),
       MakePipeline("c", {})},  // reordered
      {MakePipeline("a", {"AAPL", "MSFT"}), MakePipeline("x", {"TSLA"}),
       MakePipeline("c", {})},  // another id
      {MakePipeline("a", {"AAPL"}), MakePipeline("b", {"TSLA"}), MakePipeline("c", {})},
      {MakePipeline("a", {"AAPL", "MSFT"}), MakePipeline("b", {"TSLA", "AAPL"}),
       MakePipeline("c", {})},  // known ticker
      {MakePipeline("a", {"AAPL", "MSFT"}), MakePipeline("b", {"NVDA"}),
       MakePipeline("c", {})},  // unknown ticker
      {MakePipeline("a", {"AAPL", "msft"}), MakePipeline("b", {"TSLA"}),
       MakePipeline("c", {})},  // case
  };
  for (size_t i = 0; i < changed.size(); ++i) EXPECT_FALSE(index->SameAs(changed[i])) << i;
  EXPECT_TRUE(PipelineIndex::Build({})->SameAs({}));
  EXPECT_FALSE(PipelineIndex::Build({})->SameAs(pipelines));
}

}  // namespace
}  // namespace sigflow
