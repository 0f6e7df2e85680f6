#include "market/bar_csv.h"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "core/ticker.h"
#include "core/time_format.h"

namespace sigflow {
namespace {

constexpr std::array<std::string_view, 5> kOhlcvColumns = {"Open", "High", "Low", "Close",
                                                           "Volume"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Splits `line` on commas into *fields (trimmed views into `line`).
void Split(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields->push_back(Trim(line.substr(start)));
      return;
    }
    fields->push_back(Trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

std::optional<double> ParseNumber(std::string_view field) {
  if (field.empty()) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Strict YYYY-MM-DD (ParseIso8601 also accepts times and offsets, which daily files must not use).
std::optional<int64_t> ParseDate(std::string_view field) {
  if (field.size() != 10) return std::nullopt;
  for (size_t i = 0; i < field.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? field[i] != '-' : (field[i] < '0' || field[i] > '9')) return std::nullopt;
  }
  return ParseIso8601(field);
}

std::string FormatNumber(double v) {
  std::array<char, 64> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc() ? std::string(buf.data(), ptr) : std::string("?");
}

// Walks the text line by line, keeping the 1-based line number for error messages.
class Parser {
 public:
  Parser(std::string_view text, std::string_view name) : text_(text), name_(name) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  Result<ParsedBarCsv> Run(std::string_view ohlcv_ticker);

 private:
  bool NextLine(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    *line = text_.substr(pos_, end - pos_);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos_ = end + 1;
    ++line_no_;
    return true;
  }
  Status Error(const std::string& what) const {
    return Status::Error("bad_bar_data",
                         std::string(name_) + ":" + std::to_string(line_no_) + ": " + what);
  }
  Status ParseHeader(std::string_view ohlcv_ticker, ParsedBarCsv* out);
  Status ParseRowStart(std::string_view field, int64_t* ts);
  Status ParseOhlcvRow(const std::string& ticker, int64_t ts, std::vector<Bar>* bars);
  Status ParseWideRow(const std::vector<std::string>& tickers, int64_t ts, std::vector<Bar>* bars);

  std::string_view text_;
  std::string_view name_;
  size_t pos_ = 0;
  int line_no_ = 0;
  std::vector<std::string_view> fields_;
  std::vector<std::string_view> header_;
  std::optional<int64_t> prev_ts_;
  std::string_view prev_date_;
};

Status Parser::ParseHeader(std::string_view ohlcv_ticker, ParsedBarCsv* out) {
  std::string_view line;
  if (!NextLine(&line) || Trim(line).empty()) {
    line_no_ = 1;
    return Error("missing header; expected Date,Open,High,Low,Close,Volume or Date,TICKER,...");
  }
  Split(line, &header_);
  if (!EqualsIgnoreCase(header_[0], "Date")) {
    return Error("first header column is '" + std::string(header_[0]) + "', expected 'Date'");
  }
  if (header_.size() < 2) return Error("header has no column after Date");
  bool names_ohlcv = false;
  for (size_t i = 1; i < header_.size(); ++i) {
    for (auto column : kOhlcvColumns) names_ohlcv |= EqualsIgnoreCase(header_[i], column);
  }
  if (names_ohlcv) {
    bool exact = header_.size() == 1 + kOhlcvColumns.size();
    for (size_t i = 0; exact && i < kOhlcvColumns.size(); ++i) {
      exact = EqualsIgnoreCase(header_[i + 1], kOhlcvColumns[i]);
    }
    if (!exact) {
      return Error("malformed OHLCV header '" + std::string(line) +
                   "'; expected Date,Open,High,Low,Close,Volume");
    }
    auto ticker = NormalizeTicker(ohlcv_ticker);
    if (!ticker) {
      return Error("an OHLCV file holds one ticker, and '" + std::string(ohlcv_ticker) +
                   "' is not a valid one (give the ticker, or name the file TICKER_....csv)");
    }
    out->format = BarCsvFormat::kOhlcv;
    out->tickers = {*ticker};
    return Status::Ok();
  }
  out->format = BarCsvFormat::kWideClose;
  std::set<std::string> seen;
  for (size_t i = 1; i < header_.size(); ++i) {
    auto ticker = NormalizeTicker(header_[i]);
    if (!ticker) {
      return Error("header column " + std::to_string(i + 1) + ": '" + std::string(header_[i]) +
                   "' is not a valid ticker");
    }
    if (!seen.insert(*ticker).second) {
      return Error("header column " + std::to_string(i + 1) + ": ticker " + *ticker +
                   " appears twice");
    }
    out->tickers.push_back(std::move(*ticker));
  }
  return Status::Ok();
}

Status Parser::ParseRowStart(std::string_view field, int64_t* ts) {
  if (fields_.size() < header_.size()) {
    return Error("missing column '" + std::string(header_[fields_.size()]) + "' (" +
                 std::to_string(fields_.size()) + " fields, expected " +
                 std::to_string(header_.size()) + ")");
  }
  if (fields_.size() > header_.size()) {
    return Error(std::to_string(fields_.size()) + " fields, expected " +
                 std::to_string(header_.size()) + " (extra field '" +
                 std::string(fields_[header_.size()]) + "')");
  }
  auto parsed = ParseDate(field);
  if (!parsed) return Error("date '" + std::string(field) + "' is not a valid YYYY-MM-DD date");
  if (prev_ts_ && *parsed <= *prev_ts_) {
    return Error("date " + std::string(field) + " does not come after the previous row's " +
                 std::string(prev_date_) + " (dates must be strictly ascending)");
  }
  prev_ts_ = *parsed;
  prev_date_ = field;
  *ts = *parsed;
  return Status::Ok();
}

Status Parser::ParseOhlcvRow(const std::string& ticker, int64_t ts, std::vector<Bar>* bars) {
  std::array<double, 5> v{};
  for (size_t i = 0; i < v.size(); ++i) {
    std::string_view field = fields_[i + 1];
    const std::string column(kOhlcvColumns[i]);
    if (field.empty()) return Error("column " + column + " is empty");
    auto number = ParseNumber(field);
    if (!number)
      return Error("column " + column + ": '" + std::string(field) + "' is not a number");
    const bool volume = i == 4;
    if (volume ? *number < 0 : *number <= 0) {
      return Error("column " + column + ": " +
                   (volume ? "volume must be >= 0" : "price must be > 0") + ", got " +
                   std::string(field));
    }
    v[i] = *number;
  }
  if (v[1] < v[2]) {
    return Error("high " + FormatNumber(v[1]) + " is below low " + FormatNumber(v[2]));
  }
  bars->push_back(Bar{ticker, ts, v[0], v[1], v[2], v[3], v[4], true});
  return Status::Ok();
}

Status Parser::ParseWideRow(const std::vector<std::string>& tickers, int64_t ts,
                            std::vector<Bar>* bars) {
  for (size_t i = 0; i < tickers.size(); ++i) {
    std::string_view field = fields_[i + 1];
    if (field.empty()) continue;  // no bar that day for this ticker
    auto number = ParseNumber(field);
    if (!number) {
      return Error("column " + tickers[i] + ": '" + std::string(field) + "' is not a number");
    }
    if (*number <= 0) {
      return Error("column " + tickers[i] + ": price must be > 0, got " + std::string(field));
    }
    bars->push_back(CloseOnlyBar(tickers[i], ts, *number));
  }
  return Status::Ok();
}

Result<ParsedBarCsv> Parser::Run(std::string_view ohlcv_ticker) {
  ParsedBarCsv out;
  if (Status s = ParseHeader(ohlcv_ticker, &out); !s.ok()) return s;
  if (out.format == BarCsvFormat::kOhlcv) out.bars.reserve(text_.size() / 40);  // ~40 B a row
  std::string_view line;
  while (NextLine(&line)) {
    if (Trim(line).empty()) continue;
    Split(line, &fields_);
    int64_t ts = 0;
    if (Status s = ParseRowStart(fields_[0], &ts); !s.ok()) return s;
    Status s = out.format == BarCsvFormat::kOhlcv ? ParseOhlcvRow(out.tickers[0], ts, &out.bars)
                                                  : ParseWideRow(out.tickers, ts, &out.bars);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace

Result<ParsedBarCsv> ParseBarCsv(std::string_view text, std::string_view name,
                                 std::string_view ohlcv_ticker) {
  Parser parser(text, name);
  return parser.Run(ohlcv_ticker);
}

}  // namespace sigflow
