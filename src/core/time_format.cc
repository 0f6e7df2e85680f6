#include "core/time_format.h"

#include <charconv>
#include <cstdio>

#include "core/time_format_append.h"

namespace sigflow {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool ReadInt(std::string_view text, size_t pos, size_t len, int* out) {
  if (pos + len > text.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto res = std::from_chars(text.data() + pos, text.data() + pos + len, *out);
  return res.ec == std::errc();
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// The form FormatIso8601 writes, "YYYY-MM-DDTHH:MM:SS[.fff]Z", which is nearly every timestamp a
// signal carries (EncodeSignal writes it): fixed offsets, no from_chars, no branches on optional
// parts. Returns nullopt for anything else, including invalid dates, and ParseIso8601 then runs
// its general parser, which decides; for this form both compute the same value.
std::optional<int64_t> ParseCanonicalIso8601(std::string_view s) {
  if (s.size() != 20 && s.size() != 24) return std::nullopt;
  const char* p = s.data();
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' ||
      p[s.size() - 1] != 'Z' || (s.size() == 24 && p[19] != '.')) {
    return std::nullopt;
  }
  bool digits = true;
  const auto num = [p, &digits](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      const unsigned digit = static_cast<unsigned char>(p[i]) - unsigned{'0'};
      digits &= digit <= 9;
      v = v * 10 + static_cast<int>(digit);
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  const int hh = num(11, 2), mi = num(14, 2), ss = num(17, 2);
  const int frac = s.size() == 24 ? num(20, 3) : 0;
  if (!digits || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || hh > 23 || mi > 59 ||
      ss > 60) {
    return std::nullopt;
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kDayMs +
         (hh * 3600LL + mi * 60LL + ss) * 1000 + frac;
}

}  // namespace

void AppendIso8601(int64_t epoch_ms, std::string* out) {
  int64_t days = epoch_ms >= 0 ? epoch_ms / kDayMs : -((-epoch_ms + kDayMs - 1) / kDayMs);
  int64_t ms_of_day = epoch_ms - days * kDayMs;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int hh = static_cast<int>(ms_of_day / 3600000);
  int mi = static_cast<int>(ms_of_day / 60000 % 60);
  int ss = static_cast<int>(ms_of_day / 1000 % 60);
  int ms = static_cast<int>(ms_of_day % 1000);
  char buf[40];
  if (y < 0 || y > 9999) {
    // Years outside 0000..9999 have no fixed width; they are rare enough for snprintf.
    int n;
    if (ms == 0) {
      n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                        static_cast<long long>(y), m, d, hh, mi, ss);
    } else {
      n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                        static_cast<long long>(y), m, d, hh, mi, ss, ms);
    }
    out->append(buf, static_cast<size_t>(n));
    return;
  }
  // The same text as the snprintf above, digit by digit: snprintf's format parsing cost more
  // than the rest of EncodeSignal put together.
  const auto put = [&buf](size_t pos, unsigned value, size_t width) {
    for (size_t i = width; i-- > 0; value /= 10) buf[pos + i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(y), 4);
  buf[4] = '-';
  put(5, m, 2);
  buf[7] = '-';
  put(8, d, 2);
  buf[10] = 'T';
  put(11, static_cast<unsigned>(hh), 2);
  buf[13] = ':';
  put(14, static_cast<unsigned>(mi), 2);
  buf[16] = ':';
  put(17, static_cast<unsigned>(ss), 2);
  size_t n = 19;
  if (ms != 0) {
    buf[n++] = '.';
    put(n, static_cast<unsigned>(ms), 3);
    n += 3;
  }
  buf[n++] = 'Z';
  out->append(buf, n);
}

std::string FormatIso8601(int64_t epoch_ms) {
  std::string out;
  AppendIso8601(epoch_ms, &out);
  return out;
}

std::optional<int64_t> ParseIso8601(std::string_view s) {
  if (std::optional<int64_t> ms = ParseCanonicalIso8601(s)) return ms;
  int y, mo, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!ReadInt(s, 0, 4, &y) || !ReadInt(s, 5, 2, &mo) || !ReadInt(s, 8, 2, &d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  int64_t ms = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kDayMs;
  size_t pos = 10;
  if (pos == s.size()) return ms;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  int hh, mi, ss = 0;
  if (!ReadInt(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !ReadInt(s, pos + 3, 2, &mi)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!ReadInt(s, pos + 1, 2, &ss)) return std::nullopt;
    pos += 3;
  }
  if (hh > 23 || mi > 59 || ss > 60) return std::nullopt;  // 60: a leap second, folded below
  ms += (hh * 3600LL + mi * 60LL + ss) * 1000;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t frac = 0, scale = 100;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    ms += frac;
  }
  if (pos == s.size()) return ms;
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return ms;
  if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (s.size() != pos + 6 || s[pos + 3] != ':' || !ReadInt(s, pos + 1, 2, &oh) ||
        !ReadInt(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    int64_t offset = (oh * 60LL + om) * 60000;
    return s[pos] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

}  // namespace sigflow
