// CsvBarSource: a BarSource over one CSV file of daily bars, loaded and validated up front.
//
// The file is read and parsed once, in Open(); the layouts, validation rules and error messages
// ("<path>:<line>: <what>") are those of bar_csv.h. After Open() the source is immutable, so
// Tickers() and Read() are thread-safe; Read() is O(log n + bars returned).
//
// An OHLCV file holds one ticker. Its name is CsvBarSourceOptions::ticker when given, otherwise
// taken from the file name: the base name up to its first '_' or '.', upper-cased
// ("data/goog_2004_2008_daily.csv" -> "GOOG", "SPY.csv" -> "SPY").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "market/bar_csv.h"
#include "market/bar_source.h"

namespace sigflow {

struct CsvBarSourceOptions {
  // Ticker of an OHLCV file; empty (default): derived from the file name. Ignored for wide files.
  std::string ticker;
};

class CsvBarSource final : public BarSource {
 public:
  // `not_found` when the file cannot be opened; `bad_bar_data` when it does not parse, including
  // an OHLCV file whose ticker is neither given nor derivable from the file name (line 1).
  static Result<std::unique_ptr<CsvBarSource>> Open(const std::string& path,
                                                    const CsvBarSourceOptions& options = {});
  // The same from text already in memory; `name` stands for the path in error messages and in
  // the ticker-from-file-name rule.
  static Result<std::unique_ptr<CsvBarSource>> FromText(std::string_view text,
                                                        const std::string& name,
                                                        const CsvBarSourceOptions& options = {});

  BarCsvFormat format() const { return format_; }
  // Every bar, in Read() order.
  const std::vector<Bar>& bars() const { return bars_; }

  std::vector<std::string> Tickers() const override { return tickers_; }
  Status Read(const BarQuery& query, std::vector<Bar>* out) const override;

 private:
  explicit CsvBarSource(ParsedBarCsv parsed);

  BarCsvFormat format_;
  std::vector<std::string> tickers_;
  std::vector<Bar> bars_;
  std::unordered_map<std::string, std::vector<size_t>> by_ticker_;  // indexes into bars_
};

// The ticker an OHLCV file's name implies (rule above), or nullopt when that is not a valid
// symbol.
std::optional<std::string> TickerFromFileName(std::string_view path);

}  // namespace sigflow
