#include "core/ticker.h"

#include "core/signal.h"

namespace sigflow {

std::optional<std::string> NormalizeTicker(std::string_view text) {
  if (text.empty() || text.size() > kMaxTickerBytes) return std::nullopt;
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    const bool punct = c == '.' || c == '^' || c == '=' || c == '/' || c == '-';
    if (!alnum && !punct) return std::nullopt;
    if (i == 0 && !alnum && c != '^') return std::nullopt;
  }
  return out;
}

}  // namespace sigflow
