#include "trigger/batch_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "trigger/trigger_test_util.h"

namespace sigflow {
namespace {

using testing_util::NumberedName;

using Tickers = std::vector<std::string>;

std::vector<Pipeline> MakePipelines(const std::vector<Tickers>& watchlists) {
  std::vector<Pipeline> pipelines;
  for (size_t i = 0; i < watchlists.size(); ++i) {
    Pipeline p;
    p.id = NumberedName("pipeline_", i + 1);
    p.trigger_mode = TriggerMode::kSignal;
    p.scanner_tickers = watchlists[i];
    pipelines.push_back(std::move(p));
  }
  return pipelines;
}

// Every pipeline wide: counts come from the matcher's own intersections of posting lists, not
// from the index's precomputed combination counts.
std::shared_ptr<const PipelineIndex> BuildAllWide(const std::vector<Tickers>& watchlists) {
  PipelineIndex::BuildOptions options;
  options.max_enumerated_tickers = 0;
  return PipelineIndex::Build(MakePipelines(watchlists), options);
}

uint32_t Add(BatchMatcher* matcher, const Tickers& tickers) {
  std::vector<std::string_view> views(tickers.begin(), tickers.end());
  return matcher->AddSignal(views);
}

// The seeds' algorithm, written plainly: for every signal, scan every pipeline and intersect
// the two ticker sets.
struct Oracle {
  std::map<uint32_t, uint32_t> first_signal;             // pipeline -> smallest signal
  std::map<uint32_t, std::vector<uint32_t>> signals_of;  // pipeline -> matching signals
  std::vector<uint32_t> matched_count;                   // per signal

  Oracle(const std::vector<Tickers>& pipelines, const std::vector<Tickers>& batch) {
    std::vector<std::set<std::string>> pipeline_sets;
    for (const Tickers& w : pipelines) pipeline_sets.emplace_back(w.begin(), w.end());
    for (uint32_t s = 0; s < batch.size(); ++s) {
      const std::set<std::string> signal_set(batch[s].begin(), batch[s].end());
      uint32_t count = 0;
      for (uint32_t p = 0; p < pipelines.size(); ++p) {
        const std::set<std::string>& pipeline_set = pipeline_sets[p];
        bool intersects = false;
        for (const std::string& t : signal_set) intersects |= pipeline_set.count(t) > 0;
        if (!intersects) continue;
        ++count;
        first_signal.emplace(p, s);  // keeps the first (smallest) s
        signals_of[p].push_back(s);
      }
      matched_count.push_back(count);
    }
  }
};

// Checks every result of `matcher` (after Finish) against the oracle.
void ExpectMatchesOracle(const BatchMatcher& matcher, const Oracle& oracle,
                         const std::string& context) {
  SCOPED_TRACE(context);
  const auto candidates = matcher.candidates();
  ASSERT_EQ(candidates.size(), oracle.first_signal.size());
  std::map<uint32_t, uint32_t> got;
  uint32_t previous_first = 0;
  std::vector<uint32_t> signals;
  for (uint32_t c = 0; c < candidates.size(); ++c) {
    ASSERT_TRUE(got.emplace(candidates[c].pipeline, candidates[c].first_signal).second)
        << "pipeline " << candidates[c].pipeline << " listed twice";
    EXPECT_LE(previous_first, candidates[c].first_signal) << "not ordered by first_signal";
    previous_first = candidates[c].first_signal;
    matcher.MatchedSignals(c, &signals);
    EXPECT_EQ(signals, oracle.signals_of.at(candidates[c].pipeline))
        << "pipeline " << candidates[c].pipeline;
  }
  EXPECT_EQ(got, oracle.first_signal);
  ASSERT_EQ(matcher.signal_count(), oracle.matched_count.size());
  for (uint32_t s = 0; s < oracle.matched_count.size(); ++s) {
    EXPECT_EQ(matcher.matched_count(s), oracle.matched_count[s]) << "signal " << s;
  }
}

void RunBatch(BatchMatcher* matcher, const PipelineIndex& index,
              const std::vector<Tickers>& watchlists, const std::vector<Tickers>& batch,
              const std::string& context) {
  matcher->Begin(index);
  for (uint32_t s = 0; s < batch.size(); ++s) EXPECT_EQ(Add(matcher, batch[s]), s);
  matcher->Finish();
  ExpectMatchesOracle(*matcher, Oracle(watchlists, batch), context);
}

TEST(BatchMatcherTest, SeedExampleMatchesPipelinesOneAndThree) {
  const std::vector<Tickers> watchlists{{"AAPL", "TSLA"}, {"GOOGL", "AMZN"}, {"MSFT", "NVDA"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  matcher.Begin(*index);
  Add(&matcher, {"AAPL", "MSFT"});
  matcher.Finish();
  std::vector<std::string_view> matched;
  for (const auto& c : matcher.candidates()) {
    EXPECT_EQ(c.first_signal, 0u);
    matched.push_back(index->pipeline_id(c.pipeline));
  }
  std::sort(matched.begin(), matched.end());
  EXPECT_EQ(matched, (std::vector<std::string_view>{"pipeline_1", "pipeline_3"}));
  EXPECT_EQ(matcher.matched_count(0), 2u);
}

TEST(BatchMatcherTest, PipelineWatchingTwoTickersOfOneSignalIsCountedOnce) {
  const std::vector<Tickers> watchlists{{"AAPL", "MSFT"}, {"AAPL"}, {"MSFT", "NVDA"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  matcher.Begin(*index);
  Add(&matcher, {"AAPL", "MSFT"});
  Add(&matcher, {"MSFT", "AAPL", "NVDA"});
  matcher.Finish();
  EXPECT_EQ(matcher.matched_count(0), 3u);
  EXPECT_EQ(matcher.matched_count(1), 3u);
  ASSERT_EQ(matcher.candidates().size(), 3u);
  std::vector<uint32_t> signals;
  for (uint32_t c = 0; c < 3; ++c) {
    matcher.MatchedSignals(c, &signals);
    EXPECT_EQ(signals, (std::vector<uint32_t>{0, 1}));
  }
}

TEST(BatchMatcherTest, RepeatedTickerInOneSignalCountsOnce) {
  const std::vector<Tickers> watchlists{{"AAPL"}, {"AAPL", "TSLA"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  matcher.Begin(*index);
  Add(&matcher, {"AAPL", "AAPL", "TSLA", "AAPL"});
  matcher.Finish();
  EXPECT_EQ(matcher.matched_count(0), 2u);
  std::vector<uint32_t> signals;
  matcher.MatchedSignals(0, &signals);
  EXPECT_EQ(signals, (std::vector<uint32_t>{0}));
}

TEST(BatchMatcherTest, EmptySpanAndUnknownTickersMatchNothing) {
  const std::vector<Tickers> watchlists{{"AAPL"}, {"MSFT"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  matcher.Begin(*index);
  EXPECT_EQ(Add(&matcher, {}), 0u);                // a duplicate, say
  EXPECT_EQ(Add(&matcher, {"ZZZZ", "aapl"}), 1u);  // unknown (matching is case-sensitive)
  EXPECT_EQ(Add(&matcher, {"ZZZZ", "MSFT"}), 2u);
  matcher.Finish();
  EXPECT_EQ(matcher.matched_count(0), 0u);
  EXPECT_EQ(matcher.matched_count(1), 0u);
  EXPECT_EQ(matcher.matched_count(2), 1u);
  ASSERT_EQ(matcher.candidates().size(), 1u);
  EXPECT_EQ(matcher.candidates()[0].pipeline, 1u);
  EXPECT_EQ(matcher.candidates()[0].first_signal, 2u);
}

TEST(BatchMatcherTest, EmptyBatchAndEmptyIndexHaveNoCandidates) {
  auto empty = PipelineIndex::Build({});
  BatchMatcher matcher;
  matcher.Begin(*empty);
  Add(&matcher, {"AAPL"});
  matcher.Finish();
  EXPECT_TRUE(matcher.candidates().empty());
  EXPECT_EQ(matcher.matched_count(0), 0u);

  auto index = PipelineIndex::Build(MakePipelines({{"AAPL"}}));
  matcher.Begin(*index);
  matcher.Finish();
  EXPECT_TRUE(matcher.candidates().empty());
  EXPECT_EQ(matcher.signal_count(), 0u);
}

TEST(BatchMatcherTest, FirstSignalIsTheEarliestSignalThatMatched) {
  const std::vector<Tickers> watchlists{{"AAPL", "MSFT"}, {"MSFT"}, {"TSLA", "AAPL"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, {{"NVDA"}, {"MSFT"}, {"TSLA"}, {"AAPL"}}, "batch");
  std::map<uint32_t, uint32_t> first;
  for (const auto& c : matcher.candidates()) first[c.pipeline] = c.first_signal;
  EXPECT_EQ(first, (std::map<uint32_t, uint32_t>{{0, 1}, {1, 1}, {2, 2}}));
}

TEST(BatchMatcherTest, SignalWithManyTickersIsCountedByDirectUnion) {
  const std::vector<Tickers> watchlists{{"A", "B"}, {"B", "C"}, {"D"}, {"E", "F", "A"}, {"G"}};
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, {{"A", "B", "C", "D", "E", "F"}, {"A", "B"}}, "batch");
  EXPECT_EQ(matcher.matched_count(0), 4u);
  EXPECT_EQ(matcher.stats().direct_unions, 1u);
}

// Pipeline i watches AAPL if i % 2 == 0, TSLA if i % 3 == 0, MSFT if i % 5 == 0: long enough
// lists that their intersections go through the cache.
std::vector<Tickers> OverlappingWatchlists(size_t n) {
  std::vector<Tickers> watchlists(n);
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) watchlists[i].push_back("AAPL");
    if (i % 3 == 0) watchlists[i].push_back("TSLA");
    if (i % 5 == 0) watchlists[i].push_back("MSFT");
    watchlists[i].push_back(NumberedName("X", i));
  }
  return watchlists;
}

TEST(BatchMatcherTest, ReusesSnapshotAcrossBatches) {
  const std::vector<Tickers> watchlists = OverlappingWatchlists(600);
  auto index = BuildAllWide(watchlists);
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, {{"AAPL", "TSLA"}, {"MSFT"}, {"X7", "AAPL"}}, "first");
  const uint64_t misses = matcher.stats().intersection_misses;
  EXPECT_GT(misses, 0u);
  // Same pair again: served from the cache; nothing of the first batch leaks into the second.
  RunBatch(&matcher, *index, watchlists, {{"TSLA", "AAPL"}}, "second");
  EXPECT_EQ(matcher.stats().intersection_misses, misses);
  EXPECT_GT(matcher.stats().intersection_lookups, misses);
  RunBatch(&matcher, *index, watchlists, {{"NVDA"}}, "third");
  EXPECT_TRUE(matcher.candidates().empty());
}

// 40,000 pipelines: a list is dense (has a bitmap) from 156 entries, and is merged word by word
// from 1,250 (2 per bitmap word). AAPL, TSLA and MSFT are dense and word-merged, V (413) dense
// and walked entry by entry, each Y (~121) sparse but long enough to be cached, each Z (20)
// short enough to be computed on the spot. Every mix, by every counting path.
TEST(BatchMatcherTest, DenseAndSparseListsIntersectExactly) {
  std::vector<Tickers> watchlists = OverlappingWatchlists(40000);
  for (size_t i = 0; i < watchlists.size(); ++i) {
    watchlists[i].push_back(NumberedName("Y", i % 331));
    watchlists[i].push_back(NumberedName("Z", i % 2000));
    if (i % 97 == 0) watchlists[i].push_back("V");
  }
  auto index = BuildAllWide(watchlists);
  ASSERT_EQ(PipelineIndex::DenseThreshold(40000), 156u);
  ASSERT_NE(index->DenseBitmap(*index->FindTicker("MSFT")), nullptr);
  ASSERT_NE(index->DenseBitmap(*index->FindTicker("V")), nullptr);
  ASSERT_EQ(index->DenseBitmap(*index->FindTicker("Y3")), nullptr);
  ASSERT_NE(index->WideDenseBitmap(*index->FindTicker("MSFT")), nullptr);
  ASSERT_EQ(index->WideDenseBitmap(*index->FindTicker("Y3")), nullptr);
  const std::vector<Tickers> batch{{"AAPL", "TSLA"},
                                   {"AAPL", "TSLA", "MSFT"},
                                   {"Y3", "AAPL"},
                                   {"Y3", "Y5", "MSFT"},
                                   {"Y3", "X9", "TSLA"},
                                   {"X12", "X13"},
                                   {"AAPL", "Y4", "X200"},
                                   {"Y1", "Y2", "Y3", "Y4"},
                                   {"MSFT", "Y330"},
                                   {"V", "Y3"},
                                   {"V", "AAPL", "Z5"},
                                   {"Z5", "Z7"},
                                   {"Y3", "Y5", "Z7"},
                                   {"V"},
                                   {"Y1", "Y2", "Y3", "Y4", "V", "Z1"}};
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, batch, "dense and sparse");
  EXPECT_GT(matcher.stats().intersection_misses, 0u);
  EXPECT_GT(matcher.stats().intersections_uncached, 0u);
  EXPECT_EQ(matcher.stats().direct_unions, 1u);
  // The same workload with every pipeline narrow: every count from the index's table.
  auto narrow = PipelineIndex::Build(MakePipelines(watchlists));
  ASSERT_EQ(narrow->wide_pipeline_count(), 0u);
  BatchMatcher from_table;
  RunBatch(&from_table, *narrow, watchlists, batch, "dense and sparse, narrow");
  EXPECT_GT(from_table.stats().combination_lookups, 0u);
  EXPECT_EQ(from_table.stats().intersection_lookups + from_table.stats().intersections_uncached,
            0u);
}

// Narrow and wide pipelines watching the same tickers: a count adds both shares.
TEST(BatchMatcherTest, NarrowAndWidePipelinesAreCountedTogether) {
  std::vector<Tickers> watchlists = OverlappingWatchlists(3000);
  for (size_t i = 0; i < watchlists.size(); i += 3) {  // every third pipeline wide
    for (size_t j = 0; j < 9; ++j) watchlists[i].push_back(NumberedName("W", (i + j) % 40));
  }
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  ASSERT_EQ(index->wide_pipeline_count(), 1000u);
  const std::vector<Tickers> batch{{"AAPL", "TSLA"},   {"AAPL", "TSLA", "MSFT"},     {"W1", "AAPL"},
                                   {"W1", "W2", "X3"}, {"X0", "W0", "TSLA", "MSFT"}, {"W5"}};
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, batch, "mixed");
  EXPECT_GT(matcher.stats().combination_lookups, 0u);
  EXPECT_GT(matcher.stats().intersection_lookups + matcher.stats().intersections_uncached, 0u);
}

// The bitset that dedupes candidates is emptied after each batch, by candidate when a batch has
// fewer candidates than bitset words, wholesale otherwise: both ways must forget every mark.
TEST(BatchMatcherTest, EveryBatchStartsWithNoPipelineMarked) {
  std::vector<Tickers> watchlists(6400);
  for (size_t i = 0; i < watchlists.size(); ++i) {
    watchlists[i] = {NumberedName("T", i),
                     NumberedName("G", i / 64)};  // G<j>: the 64 pipelines of word j
  }
  auto index = PipelineIndex::Build(MakePipelines(watchlists));
  BatchMatcher matcher;
  RunBatch(&matcher, *index, watchlists, {{"T0"}, {"T700"}, {"T701"}}, "few candidates");
  RunBatch(&matcher, *index, watchlists, {{"T0", "T64"}, {"T700"}}, "again");
  std::vector<Tickers> many;
  for (size_t j = 0; j < 100; ++j) many.push_back({NumberedName("G", j)});
  RunBatch(&matcher, *index, watchlists, many, "every pipeline");
  RunBatch(&matcher, *index, watchlists, {{"T0"}, {"T6399"}}, "after every pipeline");
}

TEST(BatchMatcherTest, SwitchingSnapshotsDropsTheCache) {
  const std::vector<Tickers> a{{"AAPL", "TSLA"}, {"TSLA"}, {"MSFT"}};
  const std::vector<Tickers> b{{"TSLA"}, {"AAPL", "MSFT"}, {"AAPL", "TSLA"}, {"TSLA", "MSFT"}};
  auto index_a = BuildAllWide(a);
  auto index_b = BuildAllWide(b);
  const std::vector<Tickers> batch{{"AAPL", "TSLA"}, {"MSFT", "TSLA"}, {"AAPL"}};
  BatchMatcher matcher;
  RunBatch(&matcher, *index_a, a, batch, "a");
  RunBatch(&matcher, *index_b, b, batch, "b");
  RunBatch(&matcher, *index_a, a, batch, "a again");
  // A snapshot rebuilt from the same pipelines is a new snapshot.
  index_b.reset();
  auto index_b2 = BuildAllWide(b);
  RunBatch(&matcher, *index_b2, b, batch, "b rebuilt");
}

// Random workloads against the oracle: uniform and Zipf popularity, 1..N pipelines, overlapping
// and repeated tickers, unknown tickers, empty spans, signals with 0..8 tickers (both counting
// paths), batch sizes 1..500, several batches per snapshot and several snapshots per matcher,
// and a tiny intersection cache in some runs so that it overflows.
TEST(BatchMatcherTest, MatchesBruteForceOnRandomWorkloads) {
  std::mt19937_64 rng(20240611);
  auto uniform = [&](size_t lo, size_t hi) {  // inclusive
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  };
  int batches_checked = 0;
  size_t dense_lists = 0;
  size_t wide_pipelines = 0, narrow_pipelines = 0;
  for (int round = 0; round < 44; ++round) {
    BatchMatcher::Options options;
    if (round % 4 == 3) options.max_cached_intersections = 3;
    BatchMatcher matcher(options);
    const int snapshots = static_cast<int>(uniform(1, 3));
    for (int snap = 0; snap < snapshots; ++snap) {
      const size_t universe = uniform(1, 80);
      const bool zipf = uniform(0, 1) == 1;
      std::vector<double> weights(universe);
      for (size_t i = 0; i < universe; ++i) weights[i] = zipf ? 1.0 / double(i + 1) : 1.0;
      std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
      auto symbol = [&] { return NumberedName("T", pick(rng)); };

      const size_t pipeline_count = uniform(1, round < 24 ? 60 : round < 36 ? 400 : 5000);
      std::vector<Tickers> watchlists(pipeline_count);
      for (Tickers& w : watchlists) {
        const size_t n = uniform(0, 10) == 0 ? 0 : uniform(1, 6);
        for (size_t i = 0; i < n; ++i) w.push_back(symbol());  // repeats allowed
      }
      // Pipelines watch 0..6 tickers: every narrow/wide cut, the default (all narrow) most.
      PipelineIndex::BuildOptions build;
      if (uniform(0, 1) == 0) build.max_enumerated_tickers = uniform(0, 6);
      auto index = PipelineIndex::Build(MakePipelines(watchlists), build);
      wide_pipelines += index->wide_pipeline_count();
      narrow_pipelines += index->pipeline_count() - index->wide_pipeline_count();
      for (uint32_t t = 0; t < index->ticker_count(); ++t) {
        dense_lists += index->DenseBitmap(t) != nullptr;
      }

      for (int b = 0, batches = static_cast<int>(uniform(1, 4)); b < batches; ++b) {
        const size_t batch_size = uniform(0, 3) == 0 ? uniform(1, 500) : uniform(1, 40);
        std::vector<Tickers> batch(batch_size);
        for (Tickers& signal : batch) {
          const size_t kind = uniform(0, 19);
          if (kind == 0) continue;  // empty span: a duplicate
          const size_t n = kind <= 2 ? uniform(5, 8) : uniform(1, 4);
          for (size_t i = 0; i < n; ++i) {
            if (uniform(0, 15) == 0) {
              signal.push_back(NumberedName("UNKNOWN", uniform(0, 3)));
            } else if (!signal.empty() && uniform(0, 9) == 0) {
              signal.push_back(signal[uniform(0, signal.size() - 1)]);  // repeated ticker
            } else {
              signal.push_back(symbol());
            }
          }
        }
        RunBatch(&matcher, *index, watchlists, batch,
                 NumberedName("round ", static_cast<size_t>(round)) +
                     NumberedName(" snapshot ", static_cast<size_t>(snap)) +
                     NumberedName(" batch ", static_cast<size_t>(b)));
        ++batches_checked;
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
  EXPECT_GT(batches_checked, 80);
  EXPECT_GT(dense_lists, 0u) << "no run exercised the dense bitmaps";
  EXPECT_GT(wide_pipelines, 0u);
  EXPECT_GT(narrow_pipelines, 0u);
}

}  // namespace
}  // namespace sigflow
