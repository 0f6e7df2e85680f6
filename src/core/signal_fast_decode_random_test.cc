// The signal decoder's fast path held against the full decoder on seeded random payloads: valid
// signals in many spellings, byte-level mutations of canonical EncodeSignal output, and the
// canonical output itself (which the fast path must take, or its speed claim is hollow).
//
// Deterministic: each test has a fixed seed. To explore further, SIGFLOW_DIFF_SEED replaces the
// seeds and SIGFLOW_DIFF_SCALE multiplies the case counts (e.g. 100 for a long run); a failure
// names the seed and case index that reproduce it.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "core/random_signal_json.h"
#include "core/signal.h"
#include "core/signal_codec.h"
#include "core/signal_codec_internal.h"
#include "core/signal_path_checker.h"

namespace sigflow::internal {
namespace {

uint64_t SeedOr(uint64_t fixed) {
  const char* env = std::getenv("SIGFLOW_DIFF_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : fixed;
}

int Cases(int base) {
  const char* env = std::getenv("SIGFLOW_DIFF_SCALE");
  return env != nullptr ? base * std::max(1, std::atoi(env)) : base;
}

constexpr int kMaxReported = 5;  // failures printed before a corpus run stops early

// A property of one case beyond the checker's: "" when it holds, else what failed.
using Property = std::function<std::string(const PathVerdict&, const SignalPathChecker&)>;

// Runs `cases` payloads made by `next` through the checker (and `property`, when given), reports
// each failure with the seed and case index that reproduce it, and prints the fast path's share.
PathTally RunCorpus(const char* name, uint64_t fixed_seed, int cases,
                    const std::function<std::string(RandomSignalJson&)>& next,
                    const Property& property = nullptr) {
  const uint64_t seed = SeedOr(fixed_seed);
  RandomSignalJson gen(seed);
  SignalPathChecker checker;
  PathTally tally;
  int failures = 0;
  for (int i = 0; i < cases && failures < kMaxReported; ++i) {
    const std::string raw = next(gen);
    const PathVerdict v = checker.Check(raw);
    ++tally.cases;
    tally.fast_accepted += v.fast_accepted;
    tally.full_accepted += v.full_accepted;
    const std::string failed = v.violation + (property ? property(v, checker) : "");
    if (failed.empty()) continue;
    ++failures;
    ADD_FAILURE() << name << ": seed " << seed << ", case " << i << "\npayload: " << Printable(raw)
                  << "\n"
                  << failed;
  }
  std::printf("[ corpus   ] %s: %d cases, fast path took %d (%.1f%%), full decoder accepted %d\n",
              name, tally.cases, tally.fast_accepted, 100.0 * tally.fast_accepted / tally.cases,
              tally.full_accepted);
  ::testing::Test::RecordProperty(std::string(name) + " fast path share (per mille)",
                                  1000 * tally.fast_accepted / tally.cases);
  return tally;
}

// A signal carrying `number` as metadata, as an unknown field and, scaled into range (its digits
// kept), as a confidence.
std::string WithNumberEverywhere(const std::string& number) {
  std::string confidence = number;
  if (const size_t e = confidence.find('e'); e != std::string::npos) confidence.resize(e);
  if (confidence[0] == '-') confidence.erase(0, 1);
  if (const size_t dot = confidence.find('.'); dot != std::string::npos && dot > 2) {
    confidence = "0." + confidence.substr(0, dot) + confidence.substr(dot + 1);
  }
  return R"({"signal_id":"n","timestamp":1733875200,"tickers":[{"ticker":"AAPL","confidence":)" +
         confidence + R"(}],"x":)" + number + R"(,"metadata":{"n":)" + number + "}}";
}

TEST(SignalFastDecodeRandomTest, ValidSpellingsAgree) {
  const PathTally t = RunCorpus(
      "valid spellings", 20251205, Cases(20000),
      [](RandomSignalJson& gen) { return gen.ValidSpelling(); },
      [](const PathVerdict& v, const SignalPathChecker&) {
        // The generator writes only valid signals: a rejection is a bug in it or in the decoder.
        return v.full_accepted
                   ? ""
                   : "the full decoder rejected a valid spelling: " + v.full_error.message + "\n";
      });
  EXPECT_GT(t.fast_accepted, t.cases / 20);  // the comparison ran on a real share of them
}

TEST(SignalFastDecodeRandomTest, CanonicalFormOfEveryValidSpellingAgrees) {
  // Whatever a valid spelling decodes to, its canonical encoding decodes back to the same Signal
  // on both paths (escapes, exponents and all).
  ManualClock clock(SignalPathChecker::kNowMs);
  FullSignalDecoder full(&clock);
  Signal decoded;
  const PathTally t = RunCorpus(
      "canonical forms of valid spellings", 4004, Cases(15000),
      [&](RandomSignalJson& gen) {
        DecodeError ignored;  // a rejection is reported by ValidSpellingsAgree
        for (int tries = 0; tries < 100; ++tries) {
          if (full.Decode(gen.ValidSpelling(), &decoded, &ignored, "generated-id")) break;
        }
        return EncodeSignal(decoded);
      },
      [&](const PathVerdict&, const SignalPathChecker& checker) {
        return DiffSignals(checker.full_signal(), "decode(encode(s))", decoded, "s");
      });
  EXPECT_GT(t.fast_accepted, t.cases / 4);
}

TEST(SignalFastDecodeRandomTest, CanonicalEncodingOfTypicalSignalsTakesTheFastPath) {
  RunCorpus(
      "typical canonical signals", 1733875200, Cases(10000),
      [](RandomSignalJson& gen) { return EncodeSignal(gen.TypicalSignal()); },
      [](const PathVerdict& v, const SignalPathChecker&) {
        return v.fast_accepted ? "" : "the fast path declined a typical canonical signal\n";
      });
}

TEST(SignalFastDecodeRandomTest, MutatedCanonicalEncodingsAgree) {
  const PathTally t = RunCorpus("mutations", 64, Cases(50000), [](RandomSignalJson& gen) {
    return gen.Mutate(gen.OneIn(4) ? gen.ValidSpelling() : EncodeSignal(gen.TypicalSignal()));
  });
  EXPECT_GT(t.fast_accepted, t.cases / 50);  // mutations that stay valid reach the comparison
}

TEST(SignalFastDecodeRandomTest, RandomDoublesAndHalfwayCasesAgree) {
  // Numbers are where the fast path computes values itself rather than copying bytes: random
  // doubles in several spellings, and the exact decimal of the midpoint between two neighbouring
  // doubles (ties to even), with a last digit that tips it either way (printed exactly from a
  // long double, whose 64-bit mantissa holds the 54-bit midpoint).
  std::mt19937_64 bits(SeedOr(53));
  const auto number = [&bits](RandomSignalJson& gen) {
    double d;
    do {
      d = std::bit_cast<double>(bits());
    } while (!std::isfinite(d));
    char buf[256];
    switch (gen.Below(4)) {
      case 0:
        std::snprintf(buf, sizeof buf, "%.17g", d);
        break;
      case 1:
        std::snprintf(buf, sizeof buf, "%.25e", d);
        break;
      case 2:
        std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(gen.Below(20)),
                      std::ldexp(std::fabs(d) / std::ldexp(1.0, std::ilogb(d)), gen.Below(60)));
        break;
      default: {
        const double x = std::ldexp(1.0 + static_cast<double>(bits() >> 12) * 0x1.0p-52,
                                    static_cast<int>(gen.Below(60)) - 20);
        const long double mid = (static_cast<long double>(x) + std::nextafter(x, 2 * x)) / 2;
        std::snprintf(buf, sizeof buf, "%.100Le", mid);
        const char* e = std::strchr(buf, 'e');
        const size_t at = static_cast<size_t>(e - buf) - 1;  // the last mantissa digit, a 0
        if (gen.OneIn(3)) buf[at] = '1';                     // just above the midpoint
        break;
      }
    }
    return WithNumberEverywhere(buf);
  };
  const PathTally t = RunCorpus("random doubles", 53, Cases(8000), number);
  EXPECT_GT(t.fast_accepted, t.cases / 2);
}

}  // namespace
}  // namespace sigflow::internal
