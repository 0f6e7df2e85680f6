#include "store/postgres/pg_text.h"

namespace sigflow::store_postgres {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence (not NUL) at s[i], or 0.
size_t Utf8SequenceAt(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
  }
  return n;
}

}  // namespace

std::string_view SafeText(std::string_view s, bool json, std::string* out) {
  bool clean = true;
  for (size_t i = 0; i < s.size() && clean; ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') {
      clean = false;
    } else if (json && c == '\\' && i + 1 < s.size()) {
      if (s.compare(i + 1, 5, "u0000") == 0) clean = false;
      ++i;  // skip the escaped character
    }
  }
  if (clean) return s;
  out->clear();
  for (size_t i = 0; i < s.size();) {
    if (json && s[i] == '\\' && i + 1 < s.size()) {
      if (s.compare(i + 1, 5, "u0000") == 0) {
        out->append("\\ufffd");
        i += 6;
      } else {
        out->append(s.substr(i, 2));
        i += 2;
      }
      continue;
    }
    const size_t n = Utf8SequenceAt(s, i);
    if (n == 0) {
      out->append(kReplacement);
      ++i;
    } else {
      out->append(s.substr(i, n));
      i += n;
    }
  }
  return *out;
}

}  // namespace sigflow::store_postgres
