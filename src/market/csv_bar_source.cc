#include "market/csv_bar_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/ticker.h"

namespace sigflow {

std::optional<std::string> TickerFromFileName(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  base = base.substr(0, base.find_first_of("_."));
  if (base.empty()) return std::nullopt;
  return NormalizeTicker(base);
}

Result<std::unique_ptr<CsvBarSource>> CsvBarSource::Open(const std::string& path,
                                                         const CsvBarSourceOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot open bar file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::NotFound("cannot read bar file " + path);
  return FromText(text.str(), path, options);
}

Result<std::unique_ptr<CsvBarSource>> CsvBarSource::FromText(std::string_view text,
                                                             const std::string& name,
                                                             const CsvBarSourceOptions& options) {
  std::string ticker = options.ticker;
  if (ticker.empty()) ticker = TickerFromFileName(name).value_or("");
  auto parsed = ParseBarCsv(text, name, ticker);
  if (!parsed.ok()) return parsed.status();
  return std::unique_ptr<CsvBarSource>(new CsvBarSource(std::move(parsed).value()));
}

CsvBarSource::CsvBarSource(ParsedBarCsv parsed)
    : format_(parsed.format), tickers_(std::move(parsed.tickers)), bars_(std::move(parsed.bars)) {
  for (size_t i = 0; i < bars_.size(); ++i) by_ticker_[bars_[i].ticker].push_back(i);
}

Status CsvBarSource::Read(const BarQuery& query, std::vector<Bar>* out) const {
  if (query.from_ms > query.to_ms) return Status::Ok();
  if (query.ticker.empty()) {
    auto first = std::lower_bound(bars_.begin(), bars_.end(), query.from_ms,
                                  [](const Bar& b, int64_t ts) { return b.ts_ms < ts; });
    auto last = std::upper_bound(first, bars_.end(), query.to_ms,
                                 [](int64_t ts, const Bar& b) { return ts < b.ts_ms; });
    out->insert(out->end(), first, last);
    return Status::Ok();
  }
  auto normalized = NormalizeTicker(query.ticker);
  auto it = normalized ? by_ticker_.find(*normalized) : by_ticker_.end();
  if (it == by_ticker_.end()) {
    if (normalized && std::find(tickers_.begin(), tickers_.end(), *normalized) != tickers_.end()) {
      return Status::Ok();  // a column with no bars at all
    }
    return Status::NotFound("ticker '" + query.ticker + "' is not in this bar file");
  }
  const std::vector<size_t>& index = it->second;
  auto first = std::lower_bound(index.begin(), index.end(), query.from_ms,
                                [this](size_t i, int64_t ts) { return bars_[i].ts_ms < ts; });
  auto last = std::upper_bound(first, index.end(), query.to_ms,
                               [this](int64_t ts, size_t i) { return ts < bars_[i].ts_ms; });
  out->reserve(out->size() + static_cast<size_t>(last - first));
  for (auto i = first; i != last; ++i) out->push_back(bars_[*i]);
  return Status::Ok();
}

}  // namespace sigflow
