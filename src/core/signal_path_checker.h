// SignalPathChecker: holds the signal decoder's two paths (core/signal_codec_internal.h) against
// each other on the same bytes. Test support only (the differential test and the fuzz target link
// it); the product never calls it.
//
// For one payload, Check runs
//  - internal::DecodeCommonSignal (the fast path) on a heap copy padded as it requires, into a
//    Signal that starts full of leftovers (as a reused batch slot does);
//  - internal::FullSignalDecoder (the reference) into a fresh Signal;
//  - SignalDecoder (fast path, then full decoder on decline, into one reused Signal), as the
//    dispatcher calls it;
// each with its own counting clock over one ManualClock, and reports every broken promise:
//  - the fast path accepts but the full decoder rejects, or they produce different Signals (every
//    field; doubles bit for bit, so -0 and NaN count);
//  - the fast path reads the clock while declining, or a different number of times than the full
//    decoder when accepting (the contract: once, and only when the signal has no timestamp);
//  - without a fallback id, the fast path does not generate a signal_id exactly when the full
//    decoder would (both must then write a version-4 UUID; the values are random);
//  - SignalDecoder disagrees with the full decoder (decision, Signal, or reason code and message).
//
// Thread-safety: none; one checker per thread. Construction allocates the decoders' buffers and
// throws std::bad_alloc if it cannot. Check never throws on any input.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/signal.h"
#include "core/signal_codec.h"
#include "core/signal_codec_internal.h"

namespace sigflow::internal {

// A Clock forwarding to a ManualClock, counting its reads.
class CountingClock final : public Clock {
 public:
  explicit CountingClock(const ManualClock* base) : base_(base) {}
  int64_t NowMs() const override {
    reads_.fetch_add(1, std::memory_order_relaxed);
    return base_->NowMs();
  }
  int reads() const { return reads_.load(std::memory_order_relaxed); }
  void Reset() { reads_.store(0, std::memory_order_relaxed); }

 private:
  const ManualClock* base_;
  mutable std::atomic<int> reads_{0};
};

// One line per field in which `a` and `b` differ (named `a_name` / `b_name`), "" when equal.
std::string DiffSignals(const Signal& a, std::string_view a_name, const Signal& b,
                        std::string_view b_name);

// `bytes` for a message: printable ASCII as is, every other byte as \xNN; cut after `max` bytes.
std::string Printable(std::string_view bytes, size_t max = 600);

// True for the canonical text of a version-4 UUID (what NewUuid writes).
bool IsUuidV4(std::string_view s);

struct PathVerdict {
  bool fast_accepted = false;
  bool full_accepted = false;
  DecodeError full_error;  // the full decoder's reason when it rejected
  std::string violation;   // every broken promise, one per line; empty when all held
};

// How many payloads of a group each path accepted, so that a group which (through a typo) never
// reaches the comparison shows up as such.
struct PathTally {
  int cases = 0;
  int fast_accepted = 0;
  int full_accepted = 0;
};

class SignalPathChecker {
 public:
  // The time the clocks report for signals without a timestamp.
  static constexpr int64_t kNowMs = 1765000000123;
  // The fallback_id (the record's identity) passed to every path. It holds a control character,
  // which no valid signal_id may, so a Signal carrying it is one whose payload had no signal_id.
  static constexpr std::string_view kFallbackId = "\x01record:0:42";

  SignalPathChecker();

  PathVerdict Check(std::string_view raw);

  // The full decoder's Signal from the last Check (meaningful when it accepted).
  const Signal& full_signal() const { return full_signal_; }

 private:
  ManualClock manual_clock_{kNowMs};
  CountingClock fast_clock_{&manual_clock_};
  CountingClock full_clock_{&manual_clock_};
  CountingClock combined_clock_{&manual_clock_};
  FullSignalDecoder full_{&full_clock_};
  SignalDecoder combined_{&combined_clock_};
  Signal fast_signal_, full_signal_, combined_signal_;
};

}  // namespace sigflow::internal
