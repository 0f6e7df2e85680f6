#include "core/ticker.h"

#include <array>

#include "core/signal.h"
#include "core/ticker_inplace.h"

namespace sigflow {
namespace {

// kTickerByte[c]: the normalised form of byte c in a ticker, or 0 where c may not appear. One
// lookup per byte replaces the range tests and keeps upper-casing ASCII-only (no locale), which
// matters on the decoder's hot path.
constexpr std::array<char, 256> MakeTickerBytes() {
  std::array<char, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c - 'a' + 'A');
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  for (char c : {'.', '^', '=', '/', '-'}) table[static_cast<unsigned char>(c)] = c;
  return table;
}
constexpr std::array<char, 256> kTickerByte = MakeTickerBytes();

}  // namespace

bool NormalizeTickerInto(std::string_view text, std::string* out) {
  if (text.empty() || text.size() > kMaxTickerBytes) return false;
  char buf[kMaxTickerBytes];
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = kTickerByte[static_cast<unsigned char>(text[i])];
    if (c == 0) return false;
    buf[i] = c;
  }
  const char first = buf[0];
  if (first == '.' || first == '=' || first == '/' || first == '-') return false;
  out->assign(buf, text.size());
  return true;
}

std::optional<std::string> NormalizeTicker(std::string_view text) {
  std::string out;
  if (!NormalizeTickerInto(text, &out)) return std::nullopt;
  return out;
}

}  // namespace sigflow
