#include "generators/bar_signal.h"

#include <cstdio>

#include "core/time_format.h"

namespace sigflow {
namespace {

// FNV-1a over the parts (with separators), then the splitmix64 finalizer for good mixing.
uint64_t Hash(uint64_t seed, std::string_view a, std::string_view b, std::string_view c,
              int64_t ts_ms) {
  uint64_t h = seed;
  auto mix = [&h](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;  // separator: ("ab", "c") and ("a", "bc") differ
    h *= 0x100000001b3ULL;
  };
  mix(a);
  mix(b);
  mix(c);
  for (int i = 0; i < 8; ++i) {
    h ^= static_cast<uint64_t>(ts_ms) >> (8 * i) & 0xff;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace

std::string BarSignalId(std::string_view source, std::string_view variant, std::string_view ticker,
                        int64_t ts_ms) {
  uint64_t hi = Hash(0xcbf29ce484222325ULL, source, variant, ticker, ts_ms);
  uint64_t lo = Hash(0x84222325cbf29ce4ULL, source, variant, ticker, ts_ms);
  hi = (hi & ~0xf000ULL) | 0x8000ULL;            // version 8 (custom)
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>(hi >> 16 & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string FormatPrice(double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f", value);
  return buf;
}

std::string FormatBarDate(int64_t ts_ms) { return FormatIso8601(ts_ms).substr(0, 10); }

Signal MakeBarSignal(const Bar& bar, BarSignalSpec spec) {
  Signal s;
  s.signal_id = BarSignalId(spec.source, spec.variant, bar.ticker, bar.ts_ms);
  s.timestamp_ms = bar.ts_ms;
  s.signal_type = std::string(spec.signal_type);
  s.source = std::string(spec.source);
  TickerSignal t;
  t.ticker = bar.ticker;
  t.bias = spec.bias;
  t.confidence = spec.confidence;
  t.reasoning = std::move(spec.reasoning);
  s.tickers.push_back(std::move(t));
  if (!spec.metadata.is_object()) spec.metadata = nlohmann::json::object();
  spec.metadata["current_price"] = bar.close;
  spec.metadata["bar_date"] = FormatBarDate(bar.ts_ms);
  s.metadata_json = spec.metadata.dump();
  return s;
}

}  // namespace sigflow
