#include "core/signal_path_checker.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace sigflow::internal {
namespace {

// Whatever the fast path may read past the NUL sentinel: bytes that would look like a plausible
// continuation to a parser that ignored the sentinel.
constexpr char kPaddingJunk[] = "\"}],:1e5 \"AAPL\"";
static_assert(sizeof kPaddingJunk - 1 == kFastDecodePadding - 1);

std::string DescribeDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g (bits %016llx)", v,
                static_cast<unsigned long long>(std::bit_cast<uint64_t>(v)));
  return buf;
}

std::string DescribeConfidence(const std::optional<double>& c) {
  return c ? DescribeDouble(*c) : "absent";
}

std::string Quoted(std::string_view s) { return "\"" + Printable(s, 200) + "\""; }

bool SameBits(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::bit_cast<uint64_t>(*a) == std::bit_cast<uint64_t>(*b);
}

// A Signal full of values no decode of a real payload writes, so that a path that forgets to
// overwrite a field (or to drop a stale ticker) shows up in the comparison.
Signal LeftoverSignal() {
  Signal s;
  s.signal_id = "leftover-id";
  s.timestamp_ms = -42;
  s.signal_type = "leftover type";
  s.source = "leftover source";
  for (const char* ticker : {"OLD1", "OLD2", "OLD3", "OLD4"}) {
    s.tickers.push_back({ticker, Bias::kBearish, 0.25, "leftover reasoning"});
  }
  s.metadata_json = "[\"leftover\"]";
  return s;
}

// A heap block holding exactly `raw` (so that reading past it is an AddressSanitizer error),
// optionally followed by the fast path's padding.
std::unique_ptr<char[]> ExactCopy(std::string_view raw, bool padded) {
  const size_t size = raw.size() + (padded ? kFastDecodePadding : 0);
  auto block = std::make_unique<char[]>(size == 0 ? 1 : size);
  if (!raw.empty()) std::memcpy(block.get(), raw.data(), raw.size());
  if (padded) {
    block[raw.size()] = '\0';
    std::memcpy(block.get() + raw.size() + 1, kPaddingJunk, kFastDecodePadding - 1);
  }
  return block;
}

}  // namespace

std::string Printable(std::string_view bytes, size_t max) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      out.append(esc);
    }
  }
  if (bytes.size() > max) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

bool IsUuidV4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return s[14] == '4';
}

std::string DiffSignals(const Signal& a, std::string_view a_name, const Signal& b,
                        std::string_view b_name) {
  // Fails to compile when Signal or TickerSignal gains a field: compare the new field below.
  const auto& [id, timestamp_ms, signal_type, source, tickers, metadata_json] = a;
  std::string out;
  const auto differ = [&](std::string_view field, const std::string& x, const std::string& y) {
    out += std::string(field) + ": " + std::string(a_name) + " " + x + " vs " +
           std::string(b_name) + " " + y + "\n";
  };
  if (id != b.signal_id) differ("signal_id", Quoted(id), Quoted(b.signal_id));
  if (timestamp_ms != b.timestamp_ms) {
    differ("timestamp_ms", std::to_string(timestamp_ms), std::to_string(b.timestamp_ms));
  }
  if (signal_type != b.signal_type)
    differ("signal_type", Quoted(signal_type), Quoted(b.signal_type));
  if (source != b.source) differ("source", Quoted(source), Quoted(b.source));
  if (metadata_json != b.metadata_json) {
    differ("metadata_json", Quoted(metadata_json), Quoted(b.metadata_json));
  }
  if (tickers.size() != b.tickers.size()) {
    differ("tickers.size()", std::to_string(tickers.size()), std::to_string(b.tickers.size()));
  }
  for (size_t i = 0; i < tickers.size() && i < b.tickers.size(); ++i) {
    const auto& [ticker, bias, confidence, reasoning] = tickers[i];
    const TickerSignal& y = b.tickers[i];
    const std::string at = "tickers[" + std::to_string(i) + "].";
    if (ticker != y.ticker) differ(at + "ticker", Quoted(ticker), Quoted(y.ticker));
    if (bias != y.bias) {
      differ(at + "bias", std::to_string(static_cast<int>(bias)),
             std::to_string(static_cast<int>(y.bias)));
    }
    if (!SameBits(confidence, y.confidence)) {
      differ(at + "confidence", DescribeConfidence(confidence), DescribeConfidence(y.confidence));
    }
    if (reasoning != y.reasoning) differ(at + "reasoning", Quoted(reasoning), Quoted(y.reasoning));
  }
  return out;
}

SignalPathChecker::SignalPathChecker() = default;

PathVerdict SignalPathChecker::Check(std::string_view raw) {
  PathVerdict v;
  const auto violated = [&v](const std::string& what) { v.violation += what + "\n"; };
  const std::unique_ptr<char[]> padded = ExactCopy(raw, true);
  const std::unique_ptr<char[]> exact = ExactCopy(raw, false);
  const std::string_view padded_view(padded.get(), raw.size());
  const std::string_view exact_view(exact.get(), raw.size());
  const Signal leftovers = LeftoverSignal();

  fast_clock_.Reset();
  fast_signal_ = leftovers;
  v.fast_accepted = DecodeCommonSignal(padded_view, &fast_signal_, kFallbackId, fast_clock_);
  const int fast_reads = fast_clock_.reads();

  full_clock_.Reset();
  full_signal_ = Signal{};
  v.full_accepted = full_.Decode(exact_view, &full_signal_, &v.full_error, kFallbackId);
  const int full_reads = full_clock_.reads();

  if (!v.fast_accepted && fast_reads != 0) {
    violated("fast path read the clock " + std::to_string(fast_reads) + " times while declining");
  }
  if (v.fast_accepted && !v.full_accepted) {
    violated("fast path accepted, full decoder rejected: " + std::string(v.full_error.code) + ": " +
             v.full_error.message);
  }
  if (v.fast_accepted && v.full_accepted) {
    const std::string diff = DiffSignals(fast_signal_, "fast", full_signal_, "full");
    if (!diff.empty()) violated("Signals differ:\n" + diff);
    if (fast_reads != full_reads) {
      violated("fast path read the clock " + std::to_string(fast_reads) +
               " times, the full decoder " + std::to_string(full_reads));
    }
  }

  // Without a fallback id both paths generate one exactly when the signal has none.
  const bool id_absent = v.full_accepted && full_signal_.signal_id == kFallbackId;
  if (v.fast_accepted) {
    Signal fast_no_fallback = leftovers;
    fast_clock_.Reset();
    if (!DecodeCommonSignal(padded_view, &fast_no_fallback, {}, fast_clock_)) {
      violated("fast path declined the payload once no fallback id was given");
    } else if (id_absent) {
      if (!IsUuidV4(fast_no_fallback.signal_id)) {
        violated("fast path wrote signal_id " + Quoted(fast_no_fallback.signal_id) +
                 " for a signal without one and no fallback; expected a generated UUID");
      }
    } else if (v.full_accepted && fast_no_fallback.signal_id != full_signal_.signal_id) {
      violated("without a fallback id the fast path wrote signal_id " +
               Quoted(fast_no_fallback.signal_id) + ", the full decoder " +
               Quoted(full_signal_.signal_id));
    }
  }
  if (id_absent) {
    Signal full_no_fallback;
    DecodeError ignored;
    if (!full_.Decode(exact_view, &full_no_fallback, &ignored) ||
        !IsUuidV4(full_no_fallback.signal_id)) {
      violated("full decoder did not generate a UUID for a signal without signal_id");
    }
  }

  // The decoder as the dispatcher uses it: one Signal reused, the fast path's partial writes
  // included, must end up exactly as the full decoder alone decides.
  combined_clock_.Reset();
  combined_signal_ = leftovers;
  DecodeError combined_error;
  const bool combined_ok =
      combined_.Decode(exact_view, &combined_signal_, &combined_error, kFallbackId);
  if (combined_ok != v.full_accepted) {
    violated(std::string("SignalDecoder ") + (combined_ok ? "accepted" : "rejected") +
             " what the full decoder " + (v.full_accepted ? "accepted" : "rejected"));
  } else if (combined_ok) {
    const std::string diff = DiffSignals(combined_signal_, "SignalDecoder", full_signal_, "full");
    if (!diff.empty()) violated("SignalDecoder and the full decoder differ:\n" + diff);
  } else if (combined_error.code != v.full_error.code ||
             combined_error.message != v.full_error.message) {
    violated("SignalDecoder rejected with " + std::string(combined_error.code) + ": " +
             combined_error.message + "; the full decoder with " + std::string(v.full_error.code) +
             ": " + v.full_error.message);
  }
  if (combined_clock_.reads() != full_reads) {
    violated("SignalDecoder read the clock " + std::to_string(combined_clock_.reads()) +
             " times, the full decoder " + std::to_string(full_reads));
  }
  return v;
}

}  // namespace sigflow::internal
